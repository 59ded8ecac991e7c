"""The lease protocol every worker queue follows: claim, renew, finish, fail, release.

A queue is rows in the database and five SQL functions named for it (workers/README.md):

    private.<queue>_claim(p_worker, p_limit, ...)          -> the claimed rows
    private.<queue>_renew(p_id, p_worker, ...)             -> false: the claim was lost
    private.<queue>_finish(p_id, p_worker, ...)            -> false: the claim was lost
    private.<queue>_fail(p_id, p_worker, p_error, p_final) -> false: it was not ours
    private.<queue>_release(p_worker)                      -> how many went back

A claim is a lease: the row names its worker and carries the time of its last sign of life; a
worker that dies stops renewing and another claims the row once the lease is stale. Every write
after the claim names the worker and changes nothing unless the row is still that worker's, so a
worker presumed dead that comes back never overwrites the one that took over.

LeaseQueue is only those calls, on a connection the caller passes: no threads, no loop, so an
asyncio worker can run the same calls in a thread (asyncio.to_thread). Heartbeat is the thread
that renews a claim while long work runs.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

log = logging.getLogger(__name__)

_ARGUMENT = re.compile(r"p_[a-z0-9_]+")


class ClaimLost(Exception):
    """The claim is no longer this worker's: another worker took it over (this one was presumed
    dead), or the row was withdrawn (e.g. a lead's erasure). Stop working on it, write nothing
    more to it; whatever this worker made for it may have to be undone."""


class Stopping(Exception):
    """The worker is stopping: give the job back to the queue (release), do not fail it."""


class Retry(Exception):
    """Try again later: the job goes back to the queue (fail, p_final false). counts=False when
    waiting is expected (a file not there yet) and must not use up one of the job's attempts."""

    def __init__(self, message: str, *, counts: bool = True) -> None:
        super().__init__(message)
        self.counts = counts


class Final(Exception):
    """The job can never succeed (bad input, refused): fail it for good (p_final true)."""


class LeaseQueue:
    """The SQL functions of one queue, private.<name>_<verb>, called with named arguments.

    Extra arguments are passed as keywords named like the SQL parameters (p_limit=10,
    p_rows_done=500). renew and finish raise ClaimLost when the database says the claim is gone.
    """

    def __init__(self, name: str, worker: str) -> None:
        if not worker.strip():
            raise ValueError("worker: a lease needs the worker's name")
        self.name, self.worker = name, worker

    def _call(self, conn: psycopg.Connection[Any], verb: str,
              args: dict[str, Any]) -> psycopg.Cursor[dict[str, Any]]:
        for key in args:
            if not _ARGUMENT.fullmatch(key):
                raise ValueError(f"{key}: lease function arguments are named p_<name>")
        query = sql.SQL("select * from private.{}({})").format(
            sql.Identifier(f"{self.name}_{verb}"),
            sql.SQL(", ").join(sql.SQL("{} => {}").format(sql.Identifier(k), sql.Placeholder(k))
                               for k in args))
        cur = conn.cursor(row_factory=dict_row)
        return cur.execute(query, args)

    def _yes(self, conn: psycopg.Connection[Any], verb: str, args: dict[str, Any]) -> bool:
        with self._call(conn, verb, args) as cur:
            row = cur.fetchone()
        return bool(row and next(iter(row.values())))

    def claim(self, conn: psycopg.Connection[Any], limit: int = 1,
              **args: Any) -> list[dict[str, Any]]:
        """Claim up to `limit` jobs; the rows the function returns (empty: nothing to do)."""
        with self._call(conn, "claim", {"p_worker": self.worker, "p_limit": limit,
                                        **args}) as cur:
            return cur.fetchall()

    def renew(self, conn: psycopg.Connection[Any], job_id: Any, **args: Any) -> bool:
        """The heartbeat (with whatever progress the queue records); ClaimLost if it is gone."""
        if not self._yes(conn, "renew", {"p_id": job_id, "p_worker": self.worker, **args}):
            raise ClaimLost(f"{self.name} {job_id}: the claim was lost")
        return True

    def finish(self, conn: psycopg.Connection[Any], job_id: Any, **args: Any) -> None:
        """The job is done; ClaimLost if the claim was lost before the result could be written."""
        if not self._yes(conn, "finish", {"p_id": job_id, "p_worker": self.worker, **args}):
            raise ClaimLost(f"{self.name} {job_id}: the claim was lost")

    def fail(self, conn: psycopg.Connection[Any], job_id: Any, error: str, *,
             final: bool) -> bool:
        """Fail for good (final) or back to the queue; False when the claim was no longer ours,
        which needs no handling: nothing was written."""
        return self._yes(conn, "fail", {"p_id": job_id, "p_worker": self.worker,
                                        "p_error": error, "p_final": final})

    def release(self, conn: psycopg.Connection[Any]) -> int:
        """Give back every claim this worker's name holds; how many went back."""
        with self._call(conn, "release", {"p_worker": self.worker}) as cur:
            row = cur.fetchone()
        released = int(next(iter(row.values()))) if row else 0
        if released:
            log.info("claims given back", extra={"queue": self.name, "worker": self.worker,
                                                 "claims": released})
        return released


class Heartbeat:
    """Calls renew() every `every` seconds from a thread while the body of the `with` runs.

    renew returns False, or raises ClaimLost, when the claim is gone: from then on `lost` is
    True and check() raises ClaimLost, for the body to call between its long steps. Any other
    error of renew (the database unreachable for a moment) is logged and renewing goes on: the
    lease only goes stale if it stays down longer than the lease lasts.
    """

    def __init__(self, renew: Callable[[], bool], every: float, *,
                 name: str = "heartbeat") -> None:
        self.renew, self.every = renew, every
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=name)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                alive = self.renew()
            except ClaimLost:
                alive = False
            except Exception as e:
                log.warning("heartbeat failed", extra={"heartbeat": self._thread.name,
                                                       "error": str(e).strip()})
                continue
            if not alive:
                self.lost = True
                return

    def check(self) -> None:
        if self.lost:
            raise ClaimLost(f"{self._thread.name}: the claim was lost")
