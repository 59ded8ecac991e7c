"""The lead import worker killed mid-import (SIGKILL) and started again: every row imported exactly
once; a stop (SIGTERM) gives the import back; a cancel stops a running import between batches.
Each test runs its own workers (small batches so that an import spans many transactions)."""

from __future__ import annotations

import signal
import time
import uuid

import psycopg

from supabase import Client
from tests.lead_import.conftest import (
    csv_bytes,
    errors_of,
    import_row,
    leads_of,
    running_worker,
    start,
    upload,
    wait_ended,
)
from tests.support.change_feed import FeedThread, claims_of
from tests.support.waiting import wait_for

ROWS = 3000


def big_file() -> tuple[bytes, int, int]:
    """ROWS rows: every 10th a bad phone, every 25th a duplicate of the row before it."""
    rows = [["nombre", "telefono"]]
    bad = dup = 0
    for i in range(ROWS):
        if i % 10 == 9:
            rows.append([f"N{i}", "999"])
            bad += 1
        elif i % 25 == 24:
            rows.append([f"N{i}", rows[-1][1] if rows[-1][1] != "999" else rows[-2][1]])
            dup += 1
        else:
            rows.append([f"N{i}", f"61300{i:04d}"])
    return csv_bytes(rows), bad, dup


def wait_progress(db: psycopg.Connection, import_id: str, at_least: int) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        row = import_row(db, import_id)
        if row["processed_rows"] >= at_least:
            return row
        time.sleep(0.02)
    raise AssertionError("no progress")


def check_exactly_once(db: psycopg.Connection, campaign: str, import_id: str, bad: int,
                       dup: int) -> None:
    row = import_row(db, import_id)
    assert row["status"] == "done", row["error"]
    assert (row["processed_rows"], row["total_rows"]) == (ROWS, ROWS)
    assert (row["imported"], row["invalid"], row["duplicates"]) == (ROWS - bad - dup, bad, dup)
    leads = leads_of(db, campaign)
    assert len(leads) == ROWS - bad - dup
    assert db.execute("select count(*) from public.leads where campaign_id = %s",
                      (campaign,)).fetchone()[0] == ROWS - bad - dup
    errors = errors_of(db, import_id)
    assert len(errors) == len(set(errors)) == bad + dup
    assert db.execute("select count(*) from public.lead_history where campaign_id = %s",
                      (campaign,)).fetchone()[0] == ROWS - bad - dup


def test_killed_mid_import_then_resumed_imports_every_row_once(
        stack, supervisor: Client, db: psycopg.Connection, campaign: str, tmp_path) -> None:
    data, bad, dup = big_file()
    path = upload(supervisor, data)
    with running_worker(stack, "crash-a", tmp_path, lead_import_batch_rows=100) as first:
        started = start(supervisor, campaign, path)
        row = wait_progress(db, started["id"], 300)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    # The killed worker's last batch may still commit on the server after the kill: the row
    # and the leads are read in one snapshot, so they are the same moment's.
    with db.transaction():
        db.execute("set transaction isolation level repeatable read")
        row = import_row(db, started["id"])
        leads = leads_of(db, campaign)
    assert row["status"] == "running" and 0 < row["processed_rows"] < ROWS
    # What was committed is whole batches with their checkpoint: leads = imported so far.
    assert row["processed_rows"] % 100 == 0
    assert len(leads) == row["imported"]
    # Another worker takes it over once the lease is stale, from the checkpoint.
    with running_worker(stack, "crash-b", tmp_path, lead_import_batch_rows=100,
                        lead_import_stale_after=2):
        row = wait_ended(db, started["id"], timeout=120)
    assert row["attempts"] == 2 and row["worker"] == "crash-b"
    check_exactly_once(db, campaign, started["id"], bad, dup)


def test_sigterm_gives_the_import_back_and_the_next_worker_finishes_it(
        stack, supervisor: Client, db: psycopg.Connection, campaign: str, tmp_path) -> None:
    data, bad, dup = big_file()
    path = upload(supervisor, data)
    with running_worker(stack, "stop-a", tmp_path, lead_import_batch_rows=100) as first:
        started = start(supervisor, campaign, path)
        wait_progress(db, started["id"], 200)
        first.send_signal(signal.SIGTERM)
        assert first.wait(30) == 0
    row = import_row(db, started["id"])
    assert (row["status"], row["worker"]) == ("queued", None)
    assert 0 < row["processed_rows"] < ROWS
    with running_worker(stack, "stop-b", tmp_path, lead_import_batch_rows=100):
        wait_ended(db, started["id"], timeout=120)
    check_exactly_once(db, campaign, started["id"], bad, dup)


def test_cancel_stops_a_running_import_between_batches(
        stack, supervisor: Client, db: psycopg.Connection, campaign: str, tmp_path) -> None:
    data, _bad, _dup = big_file()
    path = upload(supervisor, data)
    with running_worker(stack, "cancel-a", tmp_path, lead_import_batch_rows=50):
        started = start(supervisor, campaign, path)
        wait_progress(db, started["id"], 100)
        answer = supervisor.rpc("cancel_lead_import", {"p_import_id": started["id"]}).execute()
        assert (answer.data["status"], answer.data["cancel_requested"]) == ("running", True)
        row = wait_ended(db, started["id"])
    assert row["status"] == "cancelled"
    assert 0 < row["processed_rows"] < ROWS
    # The rows before the cancel stay, counted; nothing after it.
    assert len(leads_of(db, campaign)) == row["imported"] > 0
    assert len(errors_of(db, started["id"])) == row["invalid"] + row["duplicates"]
    assert row["finished_at"] is not None


def test_progress_reaches_the_supervisor_by_postgres_changes_under_rls(
        stack, sign_in, supervisor: Client, db: psycopg.Connection, campaign: str,
        tmp_path) -> None:
    """The webphone's live progress: UPDATEs of the import row, filtered by id, per batch; the
    other campaign's supervisor gets none (RLS per subscriber)."""
    claims = {who: claims_of(stack, sign_in(f"{who}@demo.test").auth.get_session().access_token)
              for who in ("supervisor1", "supervisor2")}
    data, _bad, _dup = big_file()
    path = upload(supervisor, data)
    feed = FeedThread(stack.db_url("supabase_realtime_admin"), poll_interval=0.02)
    try:
        with running_worker(stack, "progress-a", tmp_path, lead_import_batch_rows=500):
            # The campaign is this test's own: its one import's updates.
            watch = ("public", "lead_imports", "UPDATE", f"campaign_id=eq.{campaign}")
            mine, _ = feed.subscribe(uuid.uuid4().hex, claims["supervisor1"], watch)
            theirs, _ = feed.subscribe(uuid.uuid4().hex, claims["supervisor2"], watch)
            started = start(supervisor, campaign, path)
            wait_ended(db, started["id"], timeout=120)
            wait_for(lambda: any(d["record"]["status"] == "done" for d in mine.records()),
                     what="the done update")
        seen = [d["record"]["processed_rows"] for d in mine.records()]
        assert seen == sorted(seen) and seen[-1] == ROWS
        # An update per batch: 500, 1000, ... 3000.
        assert {n for n in seen if n > 0} == set(range(500, ROWS + 1, 500))
        assert theirs.records() == []
    finally:
        feed.close()
