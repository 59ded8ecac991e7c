"""Erasure (right to be forgotten): after rpc/erase_lead and the recordings worker's Eraser, no
value of the person is left in any column of any table, the recordings are gone from Storage
and the disk, the report figures are the same, and the compliance log keeps only ids and counts.
Plus the refusals: a lead under legal hold, and anyone without compliance.manage."""

from __future__ import annotations

import threading
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from postgrest.exceptions import APIError

from tests.recordings.compliance_fixtures import (
    ADMIN,
    AGENT1,
    PBX_MONITOR_DIR,
    insert_ended_call,
    make_opus,
    object_exists,
    object_path,
    place_hold,
    release_hold,
    scan,
    store_recording,
    worker_settings,
)
from tests.support.crm_data import make_campaign, make_leads, phone_ending
from tests.support.waiting import wait_for
from workers.recordings.erasure import Eraser

DAY = date(2021, 2, 10)


def refresh_reports(db) -> None:
    for (view,) in db.execute("select view_name from reports.views order by view_name"):
        assert db.execute("select refreshed from reports.refresh_view(%s)",
                          (view,)).fetchone()[0], view


def report_figures(admin, campaign: str) -> dict:
    """Both reports of the campaign on DAY, as admin; the views' refresh time set apart."""
    args = {"p_from": str(DAY), "p_to": str(DAY), "p_campaign_id": campaign}
    figures = {"campaign_stats": admin.rpc("report_campaign_stats", args).execute().data,
               "agent_performance": admin.rpc("report_agent_performance", args).execute().data}
    refreshed = {r.pop("refreshed_at") for rows in figures.values() for r in rows}
    assert len(refreshed) == 1
    return figures | {"refreshed_at": datetime.fromisoformat(refreshed.pop())}


def person(db) -> dict:
    """Values no other row of the database holds (checked by a scan, made again if one does)."""
    for _ in range(5):
        tok = uuid.uuid4().hex[:8]
        phone, alternate = phone_ending(), phone_ending()
        p = {"first_name": f"Eulalia{tok}", "last_name": f"Ybarra{tok}", "phone": phone,
             "alternate": alternate, "email": f"eulalia.{tok}@example.org",
             "address_line": f"Calle del Olmo {tok}, 7", "city": f"Villafranca{tok}",
             "region": f"Comarca{tok}", "postal_code": f"{int(tok[:6], 16) % 90000 + 10000}",
             "birth_date": str(date(1940, 1, 1) + timedelta(days=int(tok, 16) % 18000)),
             "external_ref": f"EXT-{tok}",
             "custom_policy": f"MAPFRE-{tok}", "custom_spouse": f"Anselmo{tok}",
             "lead_notes": f"Prefiere que le llamen por la tarde {tok}L",
             "call_notes": f"Habló de la hipoteca del piso {tok}C",
             "sale_notes": f"Paga con la cuenta de su madre {tok}S",
             "callback_notes": f"Llamar cuando vuelva del hospital {tok}B",
             "file_stored": f"{phone[1:]}-{tok}-s.wav", "file_pending": f"{phone[3:]}-{tok}-p.wav",
             "file_half": f"out-{phone[1:]}-{tok}-h.wav"}
        if not scan(db, values_of(p))[0]:
            return p
    raise AssertionError("could not make values unique in the database")


def values_of(p: dict) -> list[str]:
    """Every personal value, and the number forms a file name or the PBX may use."""
    numbers = [v for n in (p["phone"], p["alternate"]) for v in (n, n[1:], n[3:])]
    return [v for k, v in p.items() if k not in ("phone", "alternate")] + numbers


@pytest.fixture
def lead_data(stack, db, service_client, tmp_path):
    """A lead with everything a lead collects: history, three recorded calls (one stored, one
    whose file still waits in the monitor directory with a converted copy staged, one whose
    upload was cut off half-way), a sale, a callback, a do-not-call entry."""
    campaign = make_campaign(db, agents=[AGENT1])
    tz = db.execute("select default_time_zone from public.campaigns where id = %s",
                    (campaign,)).fetchone()[0]
    p = person(db)
    lead = str(db.execute("""
        insert into public.leads (campaign_id, owner_id, status, first_name, last_name, phone,
          alternate_phones, email, birth_date, address_line, city, region, postal_code,
          country_code, time_zone, custom, notes, external_ref, consent_recording)
        values (%(campaign)s, %(agent)s, 'won', %(first_name)s, %(last_name)s, %(phone)s,
          array[%(alternate)s], %(email)s, %(birth_date)s, %(address_line)s, %(city)s,
          %(region)s, %(postal_code)s, 'ES', 'Europe/Madrid',
          jsonb_build_object('poliza_anterior', %(custom_policy)s::text,
            'conyuge', %(custom_spouse)s::text),
          'Primer contacto', %(external_ref)s, true)
        returning id""", p | {"campaign": campaign, "agent": AGENT1}).fetchone()[0])
    db.execute("update public.leads set notes = %s where id = %s", (p["lead_notes"], lead))

    settings = worker_settings(stack, tmp_path, recordings_poll_interval=3600.0)
    monitor, work = Path(settings.recordings_monitor_dir), Path(settings.recordings_work_dir)
    at = datetime(DAY.year, DAY.month, DAY.day, 10, 0, tzinfo=ZoneInfo(tz))
    audio = make_opus(tmp_path / "call.opus")
    calls = {
        "stored": insert_ended_call(db, lead, at, notes=p["call_notes"], disposition="sale",
                                    recording_file=f"{PBX_MONITOR_DIR}/{p['file_stored']}"),
        "pending": insert_ended_call(db, lead, at + timedelta(minutes=30),
                                     recording_file=f"{PBX_MONITOR_DIR}/2021/02/10/"
                                                    f"{p['file_pending']}"),
        "half": insert_ended_call(db, lead, at + timedelta(minutes=45),
                                  recording_file=p["file_half"]),
    }
    store_recording(db, service_client, calls["stored"], audio)
    files = {"pending": monitor / "2021/02/10" / p["file_pending"],
             "half": monitor / p["file_half"],
             "staged": work / f"{calls['pending']}.opus"}
    for f in files.values():
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(audio)
    # An earlier attempt came before the file did; the uploader's error names it, as it must
    # for a person to look into it.
    db.execute("update public.recordings set last_error = %s where call_id = %s",
               (f"recording_file: {PBX_MONITOR_DIR + '/2021/02/10/' + p['file_pending']!r} not"
                f" found in the monitor directory {monitor} (yet)", calls["pending"]))
    # A worker died mid-upload: the row is claimed, the object half there.
    half_path = object_path(db, calls["half"])
    service_client.storage.from_("recordings").upload(half_path, audio[: len(audio) // 2],
                                                      {"content-type": "audio/ogg"})
    db.execute("update public.recordings set status = 'uploading', worker = 'crashed:1',"
               " heartbeat_at = now(), attempts = 1, object_path = %s where call_id = %s",
               (half_path, calls["half"]))

    product = db.execute("select product_id from public.campaign_products where campaign_id = %s"
                         " limit 1", (campaign,)).fetchone()[0]
    db.execute("""
        insert into public.sales (lead_id, campaign_id, product_id, agent_id, call_id, premium,
          payment_frequency, currency, status, validated_at, sold_at, notes)
        values (%s, %s, %s, %s, %s, 30.00, 'monthly', 'EUR', 'validated', %s, %s, %s)""",
               (lead, campaign, product, AGENT1, calls["stored"], at + timedelta(hours=2),
                at + timedelta(minutes=5), p["sale_notes"]))
    db.execute("insert into public.callbacks (lead_id, campaign_id, agent_id, due_at, notes)"
               " values (%s, %s, %s, now() + interval '1 day', %s)",
               (lead, campaign, AGENT1, p["callback_notes"]))
    db.execute("insert into public.do_not_call (phone, campaign_id, source, reason)"
               " values (%s, %s, 'manual', 'Pidió no recibir ofertas')", (p["alternate"], campaign))
    return {"lead": lead, "campaign": campaign, "person": p, "calls": calls, "files": files,
            "settings": settings, "objects": [object_path(db, calls["stored"]), half_path]}


def listening(db) -> bool:
    """The Eraser has LISTENed and is idle after its first round (it listens first, then looks
    for work: its last statement is a claim that found nothing)."""
    return db.execute("""
        select exists (select 1 from pg_stat_activity
          where application_name = 'recordings-erasure' and state = 'idle'
            and query like '%recording_erasure_claim%')""").fetchone()[0]


def test_erase_lead_leaves_nothing_personal_and_keeps_report_figures(
        db, sign_in, service_client, lead_data):
    admin = sign_in("admin@demo.test")
    lead, campaign, p = lead_data["lead"], lead_data["campaign"], lead_data["person"]
    values = values_of(p)

    # The scan finds the person where a person is kept (so an empty scan later means something).
    hits, tables = scan(db, values)
    # public.calls is partitioned: its rows are scanned in its partitions (calls_default here).
    assert {'"public"."leads"', '"private"."calls_default"', '"private"."call_index"',
            '"reports"."hourly_stats"', '"storage"."objects"'} <= set(tables)
    where = {(h.table, h.column) for h in hits}
    calls_table = '"private"."calls_default"'
    assert {('"public"."leads"', "first_name"), ('"public"."leads"', "alternate_phones"),
            ('"public"."leads"', "custom"), ('"public"."leads"', "birth_date"),
            ('"public"."lead_history"', "new_values"), (calls_table, "phone_number"),
            (calls_table, "notes"), (calls_table, "recording_file"),
            ('"public"."recordings"', "source_file"), ('"public"."recordings"', "last_error"),
            ('"public"."sales"', "notes"), ('"public"."callbacks"', "notes"),
            ('"public"."do_not_call"', "phone")} <= where
    assert {h.value.lower() for h in hits} >= {p["first_name"].lower(), p["email"],
                                               p["file_pending"], p["external_ref"].lower()}

    refresh_reports(db)
    before = report_figures(admin, campaign)
    assert [(r["calls"], r["sales"], r["validated_sales"]) for r in before["campaign_stats"]] \
        == [(3, 1, 1)]
    assert sum(r["calls"] for r in before["agent_performance"]) == 3

    # Access request first: everything held about the lead, and the export is logged.
    document = admin.rpc("export_lead_data", {"p_lead_id": lead}).execute().data
    assert document["lead"]["first_name"] == p["first_name"]
    assert document["lead"]["custom"]["conyuge"] == p["custom_spouse"]
    assert len(document["history"]) >= 2
    assert {c["id"] for c in document["calls"]} == set(lead_data["calls"].values())
    assert [s["notes"] for s in document["sales"]] == [p["sale_notes"]]
    assert [c["notes"] for c in document["callbacks"]] == [p["callback_notes"]]
    assert [d["phone"] for d in document["do_not_call"]] == [p["alternate"]]
    exports = db.execute("select performed_by::text, summary from public.compliance_log"
                         " where lead_id = %s and action = 'export'", (lead,)).fetchall()
    assert exports == [(ADMIN, {"history": len(document["history"]), "calls": 3, "sales": 1,
                                "callbacks": 1})]

    # Under legal hold: refused, nothing changed; released: allowed.
    hold = place_hold(admin, lead=lead)
    with pytest.raises(APIError) as refused:
        admin.rpc("erase_lead", {"p_lead_id": lead}).execute()
    assert refused.value.code == "PT409" and hold in refused.value.message
    assert db.execute("select first_name from public.leads where id = %s",
                      (lead,)).fetchone()[0] == p["first_name"]
    release_hold(admin, hold)

    eraser = Eraser(lead_data["settings"])  # polls hourly: only the notification wakes it
    stop = threading.Event()
    thread = threading.Thread(target=eraser.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_for(lambda: listening(db), what="the eraser to listen")
        summary = admin.rpc("erase_lead", {"p_lead_id": lead}).execute().data
        assert {k: summary[k] for k in ("calls", "recordings", "sales", "callbacks",
                                        "do_not_call")} == {"calls": 3, "recordings": 3,
                                                            "sales": 1, "callbacks": 1,
                                                            "do_not_call": 1}
        wait_for(lambda: db.execute(
            "select bool_and(status = 'erased') from public.recordings where call_id = any(%s)",
            (list(lead_data["calls"].values()),)).fetchone()[0], what="the recordings erased")
    finally:
        stop.set()
        thread.join(timeout=15)
    assert not thread.is_alive()

    # Objects, local source files and the staged conversion: gone.
    for path in lead_data["objects"]:
        assert not object_exists(db, service_client, path), path
    for name, f in lead_data["files"].items():
        assert not f.exists(), name
    rows = db.execute("""
        select r.status, r.source_file, r.removed_at is not null, c.recording_status,
          c.recording_path, c.recording_file, c.erased_at is not null
        from public.recordings as r inner join public.calls as c on r.call_id = c.id
        where c.lead_id = %s""", (lead,)).fetchall()
    assert rows == [("erased", "[erased]", True, "erased", None, None, True)] * 3

    # Not one value of the person, anywhere.
    hits, _ = scan(db, values)
    assert hits == []
    assert db.execute("select status::text, birth_date, erased_at is not null from public.leads"
                      " where id = %s", (lead,)).fetchone() == ("erased", None, True)

    # Reports count the same calls and sales.
    refresh_reports(db)
    after = report_figures(admin, campaign)
    assert after.pop("refreshed_at") > before["refreshed_at"]  # the views were refreshed again
    assert after == {k: v for k, v in before.items() if k != "refreshed_at"}

    # The log keeps who, when, which lead id and how many rows: nothing else.
    erases = db.execute("select performed_by::text, performed_at, summary"
                        " from public.compliance_log where lead_id = %s and action = 'erase'",
                        (lead,)).fetchall()
    assert len(erases) == 1 and erases[0][0] == ADMIN
    logged = erases[0][2]
    assert set(logged) == {"erased_at", "calls", "recordings", "callbacks", "sales",
                           "history_rows", "do_not_call", "originate_requests"}
    assert all(isinstance(v, int) for k, v in logged.items() if k != "erased_at")

    # Idempotent: nothing left, and a second erase is refused.
    assert eraser.erase_pending() == 0
    eraser.close()
    with pytest.raises(APIError) as again:
        admin.rpc("erase_lead", {"p_lead_id": lead}).execute()
    assert again.value.code == "PT409"


@pytest.mark.parametrize("email", ["supervisor1@demo.test", "agent1@demo.test"])
def test_only_compliance_managers_erase_or_export(db, sign_in, email):
    campaign = make_campaign(db, agents=[AGENT1])
    lead = make_leads(db, campaign, 1, owner_id=AGENT1)[0]
    client = sign_in(email)
    for rpc in ("erase_lead", "export_lead_data"):
        with pytest.raises(APIError) as refused:
            client.rpc(rpc, {"p_lead_id": lead}).execute()
        assert refused.value.code == "42501" and rpc in refused.value.message
    assert db.execute("select first_name, erased_at from public.leads where id = %s",
                      (lead,)).fetchone() == ("Prueba", None)
    assert db.execute("select count(*) from public.compliance_log where lead_id = %s",
                      (lead,)).fetchone()[0] == 0


def test_eraser_never_touches_files_outside_the_monitor_directory(
        stack, db, sign_in, tmp_path):
    settings = worker_settings(stack, tmp_path)
    outside = tmp_path / "outside.wav"
    outside.write_bytes(b"not the worker's to delete")
    campaign = make_campaign(db, agents=[AGENT1])
    leads = make_leads(db, campaign, 2)
    names = {"../outside.wav": leads[0], f"{tmp_path}/outside.wav": leads[1]}
    calls = [insert_ended_call(db, lead, datetime(2021, 2, 10, 9, tzinfo=ZoneInfo("UTC")),
                               recording_file=name) for name, lead in names.items()]
    admin = sign_in("admin@demo.test")
    for lead in leads:
        admin.rpc("erase_lead", {"p_lead_id": lead}).execute()
    eraser = Eraser(settings)
    try:
        assert eraser.erase_pending() == 2
        assert eraser.erase_pending() == 0
    finally:
        eraser.close()
    assert outside.read_bytes() == b"not the worker's to delete"
    assert db.execute("select array_agg(distinct status || ' ' || source_file)"
                      " from public.recordings where call_id = any(%s::uuid[])",
                      (calls,)).fetchone()[0] == ["erased [erased]"]
