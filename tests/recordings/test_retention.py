"""Retention with a controlled clock: expired recordings go, held ones stay, a dry run changes
nothing.

The clock (p_now) is a fixed moment in 2021 and every recording here started before it, so the
recordings other suites make in the same stack (started today) are never expired at that moment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from stack.config import PROJECT_DIR
from tests.recordings.compliance_fixtures import (
    AGENT1,
    insert_ended_call,
    make_opus,
    object_exists,
    place_hold,
    release_hold,
    set_retention,
    store_recording,
    worker_settings,
)
from tests.support.crm_data import make_campaign, make_leads
from workers.recordings.retention import PurgeReport, RetentionPurger, human_bytes

T0 = datetime(2021, 3, 1, 12, 0, tzinfo=UTC)


def recording_state(db, calls: list[str]) -> dict[str, dict]:
    """Each call's recording row and the call's own recording columns."""
    rows = db.execute("""
        select r.call_id::text, to_jsonb(r) as recording,
          jsonb_build_object('recording_status', c.recording_status,
                             'recording_path', c.recording_path) as call
        from public.recordings as r
        inner join public.calls as c on r.call_id = c.id
        where r.call_id = any(%s::uuid[])""", (calls,)).fetchall()
    return {r[0]: {"recording": r[1], "call": r[2]} for r in rows}


@pytest.fixture
def library(stack, db, sign_in, service_client, tmp_path):
    """Two campaigns (30 and 365 days of retention) and their recordings, before T0:

    a_old   A, 40 days    expired                a_new   A, 10 days    kept (young)
    b_old   B, 400 days   expired                b_mid   B, 100 days   kept (B keeps a year)
    b_free  B, 500 days   expired (its hold was released)
    a_call  A, 50 days    kept: legal hold on the call
    a_lead  A, 60 days    kept: legal hold on the lead
    """
    admin = sign_in("admin@demo.test")
    campaigns = {"A": make_campaign(db, agents=[AGENT1]), "B": make_campaign(db, agents=[AGENT1])}
    set_retention(db, campaigns["A"], 30)
    set_retention(db, campaigns["B"], 365)
    short = make_opus(tmp_path / "short.opus", seconds=1.0)
    long = make_opus(tmp_path / "long.opus", seconds=2.5, frequency=660)
    assert len(short) != len(long)
    plan = {"a_old": ("A", 40, short), "a_new": ("A", 10, long), "b_old": ("B", 400, long),
            "b_mid": ("B", 100, short), "b_free": ("B", 500, short), "a_call": ("A", 50, long),
            "a_lead": ("A", 60, short)}
    made, leads = {}, {}
    for name, (campaign, days, audio) in plan.items():
        leads[name] = make_leads(db, campaigns[campaign], 1)[0]
        call = insert_ended_call(db, leads[name], T0 - timedelta(days=days),
                                 recording_file=f"/var/spool/asterisk/monitor/{name}.wav")
        made[name] = store_recording(db, service_client, call, audio) | {
            "campaign": campaigns[campaign], "lead": leads[name]}
    place_hold(admin, call=made["a_call"]["call_id"])
    place_hold(admin, lead=leads["a_lead"])
    release_hold(admin, place_hold(admin, call=made["b_free"]["call_id"]))
    return made, campaigns


def expected_report(made: dict, names: set[str]) -> tuple[set[str], int, dict]:
    ids = {made[n]["call_id"] for n in names}
    total = sum(made[n]["bytes"] for n in names)
    per: dict[str, dict[str, int]] = {}
    for n in names:
        c = per.setdefault(made[n]["campaign"], {"count": 0, "bytes": 0})
        c["count"] += 1
        c["bytes"] += made[n]["bytes"]
    return ids, total, per


def test_dry_run_reports_and_changes_nothing_then_a_pass_removes_exactly_the_expired(
        stack, db, service_client, library, tmp_path):
    made, _ = library
    calls = [m["call_id"] for m in made.values()]
    expired = {"a_old", "b_old", "b_free"}
    ids, total, per = expected_report(made, expired)
    purger = RetentionPurger(worker_settings(stack, tmp_path, recordings_purge_batch=2))

    before = recording_state(db, calls)
    dry = purger.purge_once(now=T0, dry_run=True)
    assert dry.dry_run and dry.now == T0 and not dry.errors
    assert set(dry.call_ids) == ids and dry.count == 3 and dry.bytes == total
    assert dry.campaigns == per
    assert dry.as_text().startswith(f"would remove 3 recordings, {human_bytes(total)}")
    assert json.loads(json.dumps(dry.as_dict())) == dry.as_dict()
    assert dry.as_dict()["count"] == 3 and dry.as_dict()["now"] == T0.isoformat()
    # Nothing changed: rows, calls, objects.
    assert recording_state(db, calls) == before
    assert all(object_exists(db, service_client, m["object_path"]) for m in made.values())

    # A pass that crashed after deleting b_old's object and before marking it: the object is
    # already gone, and this pass deletes it "again" without complaint.
    service_client.storage.from_("recordings").remove([made["b_old"]["object_path"]])

    real = purger.purge_once(now=T0)
    assert not real.dry_run and not real.errors, real.errors
    assert set(real.call_ids) == ids and real.count == 3 and real.bytes == total
    assert real.campaigns == per
    assert real.as_text().startswith(f"removed 3 recordings, {human_bytes(total)}")

    after = recording_state(db, calls)
    for name, m in made.items():
        row, call = after[m["call_id"]]["recording"], after[m["call_id"]]["call"]
        if name in expired:
            assert not object_exists(db, service_client, m["object_path"]), name
            assert row["status"] == "purged" and row["removed_at"], name
            assert row["object_path"] == m["object_path"]  # the row says what was removed
            assert call == {"recording_status": "purged", "recording_path": None}, name
        else:
            assert object_exists(db, service_client, m["object_path"]), name
            assert row == before[m["call_id"]]["recording"], name
            assert call == {"recording_status": "stored", "recording_path": m["object_path"]}

    # Idempotent: nothing left to do at T0.
    again = purger.purge_once(now=T0)
    assert (again.count, again.bytes, again.errors) == (0, 0, [])
    assert again.as_text().startswith("removed 0 recordings, 0 B")

    # Much later, the young ones expire too; the held ones never do while held.
    later = purger.purge_once(now=T0 + timedelta(days=1000), dry_run=True)
    assert set(later.call_ids) & set(calls) == {made["a_new"]["call_id"],
                                                made["b_mid"]["call_id"]}


def test_a_hold_placed_during_a_pass_wins(stack, db, sign_in, service_client, tmp_path):
    admin = sign_in("admin@demo.test")
    campaign = make_campaign(db, agents=[AGENT1])
    set_retention(db, campaign, 1)
    audio = make_opus(tmp_path / "a.opus")
    made = []
    for lead in make_leads(db, campaign, 2):
        call = insert_ended_call(db, lead, T0 - timedelta(days=5),
                                 recording_file="race.wav")
        made.append(store_recording(db, service_client, call, audio))
    held, free = made

    class HoldArrives(RetentionPurger):
        """The hold is placed after the pass listed the recording, before it removes it."""

        def _purge_batch(self, conn, call_ids, report):
            assert held["call_id"] in {str(c) for c in call_ids}
            place_hold(admin, call=held["call_id"])
            return super()._purge_batch(conn, call_ids, report)

    report = HoldArrives(worker_settings(stack, tmp_path)).purge_once(now=T0)
    assert free["call_id"] in report.call_ids and held["call_id"] not in report.call_ids
    assert not report.errors
    assert object_exists(db, service_client, held["object_path"])
    assert not object_exists(db, service_client, free["object_path"])
    status = dict(db.execute("select call_id::text, status from public.recordings"
                             " where call_id = any(%s::uuid[])",
                             ([held["call_id"], free["call_id"]],)).fetchall())
    assert status == {held["call_id"]: "stored", free["call_id"]: "purged"}


def test_purge_command_dry_run_prints_the_report(stack, db, service_client, tmp_path):
    """`python -m workers.recordings purge --dry-run --now ...`, as an operator runs it."""
    moment = datetime(2020, 6, 1, tzinfo=UTC)
    campaign = make_campaign(db, agents=[AGENT1])
    set_retention(db, campaign, 7)
    audio = make_opus(tmp_path / "cli.opus")
    lead = make_leads(db, campaign, 1)[0]
    made = store_recording(db, service_client, insert_ended_call(
        db, lead, moment - timedelta(days=8), recording_file="cli.wav"), audio)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECORDINGS_")}
    env |= {"DATABASE_URL": stack.worker_database_url("recordings"), "SUPABASE_URL": stack.url,
            "SUPABASE_SERVICE_ROLE_KEY": stack.service_role_key, "PYTHONPATH": str(PROJECT_DIR),
            "LOG_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, "-m", "workers.recordings", "purge", "--dry-run",
                           "--now", moment.isoformat()], cwd=PROJECT_DIR, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    text, _, document = done.stdout.partition("\n{")
    report = json.loads("{" + document)
    assert report["dry_run"] is True and report["now"] == moment.isoformat()
    assert made["call_id"] in report["call_ids"]
    assert report["campaigns"][campaign] == {"count": 1, "bytes": made["bytes"]}
    noun = "recording" if report["count"] == 1 else "recordings"
    assert text.startswith(f"would remove {report['count']} {noun}, "
                           f"{human_bytes(report['bytes'])}")
    assert db.execute("select status from public.recordings where call_id = %s",
                      (made["call_id"],)).fetchone()[0] == "stored"
    assert object_exists(db, service_client, made["object_path"])


def test_report_text_and_dict():
    report = PurgeReport(dry_run=True, now=T0)
    for i in range(12):
        report.add(f"call-{i}", "camp-1" if i < 9 else None, 283_334)
    assert report.as_text().splitlines()[0] == (
        "would remove 12 recordings, 3.4 MB (as of 2021-03-01T12:00:00+00:00)")
    d = report.as_dict()
    assert d["campaigns"] == {"camp-1": {"count": 9, "bytes": 2_550_006},
                              "none": {"count": 3, "bytes": 850_002}}
    assert d["count"] == 12 and not d["call_ids_truncated"] and len(d["call_ids"]) == 12
    assert human_bytes(999) == "999 B" and human_bytes(1500) == "1.5 kB"


def test_the_access_log_is_purged_by_age_only(stack, db, tmp_path):
    """Who listened to what is kept RECORDINGS_ACCESS_LOG_RETENTION_DAYS, then deleted."""
    moment = datetime(2019, 6, 1, tzinfo=UTC)
    old_id, young_id = (db.execute(
        "insert into public.recording_access_log (requested_at, outcome, reason_code, reason)"
        " values (%s, 'refused', 'PT404', 'p_call_id: no call') returning id", (at,)).fetchone()[0]
        for at in (moment - timedelta(days=31), moment - timedelta(days=29)))
    settings = worker_settings(stack, tmp_path, recordings_access_log_retention_days=30)
    purger = RetentionPurger(settings)

    def kept() -> set[int]:
        return {r[0] for r in db.execute(
            "select id from public.recording_access_log where id = any(%s)", ([old_id, young_id],))}

    assert purger.purge_once(now=moment, dry_run=True).access_log_rows >= 1
    assert kept() == {old_id, young_id}
    report = purger.purge_once(now=moment)
    assert report.access_log_rows >= 1 and "access log: removed" in report.as_text()
    assert kept() == {young_id}
