"""Refreshing the report views: readers never wait nor see them empty; one refresher per view.

The refresh runs REFRESH MATERIALIZED VIEW CONCURRENTLY inside reports.refresh_view(), under a
transaction-level advisory lock. These tests hold a refresh open on purpose (a transaction that
refreshed and did not commit yet, or a lock the refresh must wait for) to look at the moment
that matters deterministically.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from datetime import timedelta

import psycopg
import pytest

from tests.reporting.conftest import (
    AGENT1,
    CAMPAIGN_A,
    insert_call,
    refresh_all,
    running_worker,
)
from tests.support.waiting import wait_for
from workers.reporting.refresh import ViewStatus, due
from workers.reporting.settings import Settings

EXTRA = 90  # call numbers of this module's own calls


@pytest.fixture
def extra_calls(db, dataset):
    """Calls this test adds on D+2.. (the known day D stays as it is); removed afterwards."""
    added = []

    def add(n: int, day_offset: int = 2) -> None:
        insert_call(db, EXTRA + n, CAMPAIGN_A, AGENT1, dataset.plus(day_offset), "12:00",
                    "answered", 3, 30, 5, "not_interested")
        added.append(EXTRA + n)

    yield add
    for n in added:
        db.execute("delete from public.calls where id = %s", (f"7e500000-0000-4000-c000-{n:012d}",))
    refresh_all(db)


def agent1_calls(client, dataset) -> int:
    rows = client.rpc("report_agent_performance", {
        "p_from": str(dataset.day), "p_to": str(dataset.plus(3)), "p_agent_id": AGENT1,
        "p_campaign_id": CAMPAIGN_A}).execute().data
    return rows[0]["calls"]


def test_readers_never_block_nor_see_an_empty_view(stack, db, sign_in, dataset, extra_calls):
    supervisor = sign_in("supervisor1@demo.test")
    assert agent1_calls(supervisor, dataset) == 6
    extra_calls(1)
    with psycopg.connect(stack.database_url) as refresher:
        # The refresh has done its work and holds its locks until it commits.
        row = refresher.execute(
            "select refreshed from reports.refresh_view('agent_daily_stats')").fetchone()
        assert row[0]
        # Readers go on at full speed, and see the previous contents, never an empty view.
        for _ in range(20):
            t0 = time.monotonic()
            assert agent1_calls(supervisor, dataset) == 6
            assert time.monotonic() - t0 < 2.0
        # A second refresher of the same view is turned away at once, without waiting.
        with psycopg.connect(stack.database_url, autocommit=True) as other:
            t0 = time.monotonic()
            assert other.execute("select refreshed from reports.refresh_view("
                                 "'agent_daily_stats')").fetchone()[0] is False
            assert time.monotonic() - t0 < 1.0
            # Another view is not held up.
            assert other.execute("select refreshed from reports.refresh_view("
                                 "'sales_daily_stats')").fetchone()[0] is True
        refresher.commit()
    assert agent1_calls(supervisor, dataset) == 7


def test_readers_keep_reading_through_many_refreshes(stack, db, sign_in, dataset, extra_calls):
    """Refresh after refresh while a reader reads: every read answers, with the full figures."""
    extra_calls(2)
    stop, errors, reads = threading.Event(), [], []

    def refresh_loop():
        with psycopg.connect(stack.database_url, autocommit=True) as conn:
            while not stop.is_set():
                conn.execute("select reports.refresh_view('agent_daily_stats')")

    refresher = threading.Thread(target=refresh_loop)
    refresher.start()
    try:
        supervisor = sign_in("supervisor1@demo.test", fresh=True)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            t0 = time.monotonic()
            calls = agent1_calls(supervisor, dataset)
            reads.append(time.monotonic() - t0)
            if calls != 7:
                errors.append(calls)
            # A person's pace, under the gateway's per-session rate (docs/interface.md, Limits).
            time.sleep(0.06)
    finally:
        stop.set()
        refresher.join()
    assert not errors
    assert len(reads) > 10 and max(reads) < 2.0


def test_a_change_committed_during_a_refresh_keeps_its_request(stack, db, dataset, extra_calls):
    """A refresh clears only what its snapshot saw: a change still uncommitted when it ran (or
    committed after) keeps its request, so the next refresh picks it up."""
    refresh_all(db)
    with psycopg.connect(stack.database_url) as writer:
        insert_call(writer, EXTRA + 3, CAMPAIGN_A, AGENT1, dataset.plus(3), "12:00",
                    "answered", 3, 30, 5, "not_interested")
        # Uncommitted: the refresh below cannot see it.
        cleared = db.execute("select requests_cleared from reports.refresh_view("
                             "'agent_daily_stats')").fetchone()[0]
        assert cleared == 0
        writer.commit()
    try:
        pending = db.execute("select day from reports.refresh_requests"
                             " where view_name = 'agent_daily_stats'").fetchall()
        assert pending == [(dataset.plus(3),)]
        assert db.execute("select requests_cleared from reports.refresh_view("
                          "'agent_daily_stats')").fetchone()[0] == 1
        assert db.execute("select count(*) from reports.refresh_requests"
                          " where view_name = 'agent_daily_stats'").fetchone()[0] == 0
    finally:
        db.execute("delete from public.calls where id = %s",
                   (f"7e500000-0000-4000-c000-{EXTRA + 3:012d}",))
        refresh_all(db)


def test_two_workers_never_refresh_the_same_view_at_once(stack, db, dataset, extra_calls,
                                                         tmp_path):
    """Two worker processes, one view whose refresh is held up: one refreshes, one skips."""
    refresh_all(db)
    started = db.execute("select now()").fetchone()[0]
    settings = {"exports_enabled": "false", "refresh_debounce": "0.2", "refresh_max_delay": "1",
                "refresh_interval": "3600"}
    with psycopg.connect(stack.database_url) as blocker:
        # SHARE conflicts with the EXCLUSIVE lock a concurrent refresh takes, not with readers.
        blocker.execute("lock table reports.hourly_stats in share mode")
        extra_calls(4)
        with running_worker(stack, "w1", tmp_path, **settings), \
                running_worker(stack, "w2", tmp_path, **settings):
            def skipped() -> bool:
                for name in ("w1", "w2"):
                    for line in (tmp_path / f"{name}.log").read_text().splitlines():
                        entry = json.loads(line) if line.startswith("{") else {}
                        if entry.get("msg", "").startswith("refresh skipped") \
                                and entry.get("view") == "hourly_stats":
                            return True
                return False

            waiting = wait_for(lambda: db.execute(
                "select count(*) from pg_stat_activity where application_name ="
                " 'reporting-refresh' and wait_event_type = 'Lock'").fetchone()[0],
                what="a worker's refresh waiting for the lock")
            assert waiting == 1
            wait_for(skipped, what="the other worker skipping the view")
            blocker.rollback()
            wait_for(lambda: db.execute(
                "select count(*) = 0 from reports.refresh_requests").fetchone()[0],
                what="every request cleared")
    log = db.execute(
        "select worker, started_at, finished_at from reports.refresh_log"
        " where view_name = 'hourly_stats' and started_at >= %s and error is null"
        " order by started_at", (started,)).fetchall()
    assert len(log) >= 1
    for (_, _, end), (_, start, _) in itertools.pairwise(log):
        assert end <= start, "two refreshes of hourly_stats overlapped"


def test_debounce_waits_for_quiet_but_not_forever():
    s = Settings("db", "url", "key", refresh_debounce=5, refresh_max_delay=60,
                 refresh_interval=900)

    def view(pending, quiet=None, oldest=None, age=10.0):
        return ViewStatus("v", pending, age, oldest, quiet)

    assert due([view(0)], s, now=0) == ([], 30.0)  # nothing to do: look again in 30 s
    assert due([view(3, quiet=1, oldest=20)], s, now=0) == ([], 4)  # still busy: wait 4 s
    assert due([view(3, quiet=6, oldest=20)], s, now=0)[0] == ["v"]  # quiet for 5 s: go
    assert due([view(3, quiet=0.5, oldest=61)], s, now=0)[0] == ["v"]  # busy, but 60 s is max
    assert due([view(0, age=901)], s, now=0)[0] == ["v"]  # the safety-net period
    # A view that just failed waits for its backoff.
    assert due([view(3, quiet=6, oldest=20)], s, backoff_until={"v": 10}, now=0) == ([], 10)


def test_the_refresh_log_records_each_refresh_with_its_duration(db, dataset):
    before = db.execute("select count(*) from reports.refresh_log").fetchone()[0]
    refresh_all(db)
    rows = db.execute("select view_name, duration_ms, worker from reports.refresh_log"
                      " order by id desc limit 3").fetchall()
    assert db.execute("select count(*) from reports.refresh_log").fetchone()[0] == before + 3
    assert {r[0] for r in rows} == {"agent_daily_stats", "sales_daily_stats", "hourly_stats"}
    assert all(r[1] >= 0 for r in rows)
    age = db.execute("select max(now() - refreshed_at) from reports.views").fetchone()[0]
    assert age < timedelta(seconds=30)
