"""workers/common/lease.py and the loop's side of it: the Python shape of the lease protocol
(named arguments, ClaimLost), the heartbeat thread, two workers racing for one queue, and
claims given back on (re)connect and on a clean stop. The queue used is the report exports'
(rows are easy to make); each queue's own rules are pinned by its pgTAP file."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.support.waiting import wait_for
from tests.workers.leases import claim_beside_a_lock
from workers.common.lease import ClaimLost, Heartbeat, LeaseQueue, Retry, Stopping
from workers.common.loop import WorkerLoop

SUPERVISOR1 = "00000000-0000-4000-a000-000000000011"


# ---------------------------------------------------------------------------
# Heartbeat and arguments, without a database
# ---------------------------------------------------------------------------

def test_the_heartbeat_renews_until_the_claim_is_lost():
    answers, calls = iter([True, True, False]), []

    def renew() -> bool:
        calls.append(1)
        return next(answers)

    with Heartbeat(renew, 0.01) as heartbeat:
        heartbeat.check()  # alive so far
        wait_for(lambda: heartbeat.lost, timeout=5, what="renew to say the claim is gone")
        with pytest.raises(ClaimLost):
            heartbeat.check()
    assert len(calls) == 3, "no renewing after the claim was lost"


def test_the_heartbeat_rides_out_errors_and_takes_claim_lost_from_renew(caplog):
    answers: list[Any] = [psycopg.OperationalError("server closed the connection"), True,
                          ClaimLost("taken over")]

    def renew() -> bool:
        answer = answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    with caplog.at_level(logging.WARNING, logger="workers.common.lease"), \
            Heartbeat(renew, 0.01, name="heartbeat-x") as heartbeat:
        wait_for(lambda: heartbeat.lost, timeout=5, what="ClaimLost from renew")
    assert answers == []
    assert [(r.getMessage(), r.heartbeat, r.error) for r in caplog.records] == [
        ("heartbeat failed", "heartbeat-x", "server closed the connection")]


def test_lease_arguments_are_named_like_sql_parameters():
    queue = LeaseQueue("report_export", "pytest")
    with pytest.raises(ValueError, match="named p_<name>"):
        queue.claim(None, **{"p_limit) ; drop table x; --": 1})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="worker"):
        LeaseQueue("report_export", " ")
    assert Retry("later").counts and not Retry("later", counts=False).counts


# ---------------------------------------------------------------------------
# Against the database: the report export queue
# ---------------------------------------------------------------------------

@pytest.fixture
def exports(db) -> Iterator[list[str]]:
    """Two queued exports, older than any other (so every claim takes them first); removed after."""
    ids = [str(uuid.uuid4()) for _ in range(2)]
    for n, export in enumerate(ids):
        db.execute("insert into public.report_exports (id, requested_by, report, params, format,"
                   " requested_at) values (%s, %s, 'daily_summary', '{\"p_day\": \"2026-11-02\"}',"
                   " 'csv', timestamptz '2000-01-01' + make_interval(secs => %s))",
                   (export, SUPERVISOR1, n))
    yield ids
    db.execute("delete from public.report_exports where id = any(%s::uuid[])", (ids,))


def row(db, export: str) -> dict[str, Any]:
    return db.execute("select to_jsonb(e) from public.report_exports as e where id = %s",
                      (export,)).fetchone()[0]


def test_a_claim_skips_rows_another_worker_has_locked(stack, exports):
    first, second = exports
    claimed = claim_beside_a_lock(
        stack, LeaseQueue("report_export", "pytest-racer"),
        "select id from public.report_exports where id = %s for update", first)
    assert second in claimed and first not in claimed


def test_only_the_claim_holder_renews_finishes_or_fails(stack, db, exports):
    first, _ = exports
    a, b = LeaseQueue("report_export", "pytest-a"), LeaseQueue("report_export", "pytest-b")
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        assert [str(r["id"]) for r in a.claim(conn, limit=1)] == [first]
        with pytest.raises(ClaimLost):
            b.renew(conn, first, p_rows_done=1)
        with pytest.raises(ClaimLost):
            b.finish(conn, first, p_rows=1, p_storage_path="x/y.csv", p_signed_url="http://x",
                     p_url_seconds=60)
        assert b.fail(conn, first, "not mine", final=True) is False
        assert a.renew(conn, first, p_rows_done=5, p_rows_total=9) is True
        assert (row(db, first)["rows_done"], row(db, first)["rows_total"]) == (5, 9)
        assert a.fail(conn, first, "storage: 503", final=False) is True
        assert (row(db, first)["status"], row(db, first)["error"]) == ("queued", "storage: 503")
        assert [(str(r["id"]), r["attempts"]) for r in b.claim(conn, limit=1)] == [(first, 2)]
        with pytest.raises(ClaimLost):
            a.renew(conn, first)  # taken over
        b.finish(conn, first, p_rows=9, p_storage_path="x/y.csv", p_signed_url="http://x",
                 p_url_seconds=60)
        assert row(db, first)["status"] == "done"
        assert (a.release(conn), b.release(conn)) == (0, 0)


class OneExportLoop(WorkerLoop):
    """Claims one export, then stops as a worker told to stop mid-job does."""

    name = "pytest-lease-loop"
    queue = LeaseQueue("report_export", "pytest-loop")

    def __init__(self, database_url: str) -> None:
        super().__init__(database_url)
        self.held_on_connect: list[tuple[Any, ...]] = []
        self.claimed: list[str] = []

    def on_connect(self) -> None:
        self.held_on_connect = self.db.execute(
            "select count(*) from public.report_exports where worker = 'pytest-loop'").fetchall()

    def step(self) -> float:
        self.claimed += [str(r["id"]) for r in self.queue.claim(self.db, limit=1)]
        self.stop.set()  # SIGTERM arrives while the job runs...
        raise Stopping  # ...and the job gives up at its next check


def test_a_loop_gives_back_its_claims_on_connect_and_on_a_clean_stop(stack, db, exports):
    first, _ = exports
    # A claim this worker's name held when its connection dropped.
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        OneExportLoop.queue.claim(conn, limit=1)
    assert (row(db, first)["status"], row(db, first)["worker"]) == ("running", "pytest-loop")

    loop, stop = OneExportLoop(stack.database_url), threading.Event()
    thread = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    thread.start()
    thread.join(timeout=15)
    assert not thread.is_alive()
    assert loop.held_on_connect == [(0,)], "given back before on_connect ran"
    assert loop.claimed == [first], "claimed again at once, by the same worker"
    after = row(db, first)
    assert (after["status"], after["worker"], after["attempts"]) == ("queued", None, 2)
    assert after["error"] == "given back by worker pytest-loop (it stopped or reconnected)"
