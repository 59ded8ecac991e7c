"""The bridge's writes: call rows into `calls` in idempotent batches, and reconciliation.

The rules of a call row live in SQL beside the other writers of a call (migration
20261204000200_pbx_mirror.sql, covered by pgTAP): `private.mirror_pbx_calls` merges a batch
of the model's rows (the PBX wins on times and outcome, status never goes back, lead and agent
are only ever filled in, a row written before the CRM's call id was known is merged away, an
outbound call without a number is parked), measuring every duration with the one rule
(`private.seconds_between`); `private.close_vanished_pbx_calls` closes what ended while the
bridge was away. What stays here is the batching.

`CallStore.add` buffers the model's rows (one per call, the newest version replacing an older
one still waiting), and a flusher writes them in one statement per batch when `batch_size` rows
wait or the oldest has waited `flush_delay`, whichever comes first. A batch that fails because
the database is unreachable goes back to the buffer and is retried with backoff (capped, with
jitter), merged with whatever arrived since: nothing is lost, and since every write is an
upsert, a batch written twice is written once. A row the database refuses for its own data (a
check, a trigger) is logged, counted and dropped alone: one bad call never stalls the others.
Errors that are no row's fault (missing privileges, a bug in the SQL) are retried, never
dropped.

A row flagged `partial` (a call learnt from CoreShowChannels after a restart: "seen alive at"
times) keeps the earlier start and answer `calls` already holds; the SQL does that too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from workers.ami_bridge.model import CALL_ID_NAMESPACE, CallRow
from workers.ami_bridge.telemetry import Metrics
from workers.common import database

log = logging.getLogger(__name__)

MIRROR_SQL = "select updated, inserted, merged, parked from private.mirror_pbx_calls(%(rows)s)"
CLOSE_VANISHED_SQL = (
    "select call_id, pbx_linkedid from private.close_vanished_pbx_calls(%(keep)s, %(at)s)"
)


# --------------------------------------------------------------------------- config
@dataclass(frozen=True)
class StoreConfig:
    batch_size: int = 500
    flush_delay: float = 0.2
    """Seconds a row may wait for its batch."""
    retry_min_delay: float = 0.2
    retry_max_delay: float = 10.0
    agent_endpoint_pattern: str = r"(?:agent)?(\d{3,6})"
    """The agent's sip_extension in a channel's endpoint name (group 1), matched whole."""
    application_name: str = "ami_bridge"


@dataclass
class Pending:
    """A row waiting for its batch: the newest version of one call."""

    row: CallRow
    partial: bool
    since: float  # monotonic: when this call's oldest unwritten change arrived
    event_times: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class WriteResult:
    written: int
    inserted: int
    merged: int
    parked: tuple[str, ...]
    rejected: tuple[str, ...]


def _systemic(error: BaseException) -> bool:
    """Errors that are no row's fault: retried, never a reason to drop data."""
    return isinstance(
        error,
        psycopg.OperationalError
        | psycopg.InterfaceError
        | psycopg.ProgrammingError
        | psycopg.InternalError
        | psycopg.NotSupportedError,
    )


def provisional_id(linkedid: str) -> str:
    return str(uuid.uuid5(CALL_ID_NAMESPACE, "asterisk:" + linkedid))


# ---------------------------------------------------------------------- row writing
class RowWriter:
    """The synchronous half: turns rows into private.mirror_pbx_calls' JSON and calls it."""

    def __init__(self, agent_endpoint_pattern: str) -> None:
        self._endpoint = re.compile(agent_endpoint_pattern)

    def extension(self, endpoint: str | None) -> str | None:
        if not endpoint:
            return None
        match = self._endpoint.fullmatch(endpoint)
        return match.group(1) if match and match.groups() else None

    def params(self, pending: Pending) -> dict[str, Any]:
        out = pending.row.as_dict()
        out["agent_extension"] = self.extension(out.pop("agent_endpoint"))
        out["provisional_id"] = provisional_id(pending.row.pbx_linkedid)
        out["partial"] = pending.partial
        return out

    def write(self, conn: psycopg.Connection, batch: Sequence[Pending]) -> WriteResult:
        """One statement for the whole batch; raises if the database refuses it."""
        row = conn.execute(MIRROR_SQL, {"rows": Jsonb([self.params(p) for p in batch])}).fetchone()
        assert row is not None  # the function always returns its one row of counts
        updated, inserted, merged, parked = row
        return WriteResult(updated + inserted, inserted, merged, tuple(parked), ())

    def write_each(self, conn: psycopg.Connection, batch: Sequence[Pending]) -> WriteResult:
        """Row by row, each in its own transaction: the refused ones are dropped and named."""
        written = inserted = merged = 0
        parked: list[str] = []
        rejected: list[str] = []
        for pending in batch:
            try:
                result = self.write(conn, [pending])
            except psycopg.Error as error:
                if _systemic(error):
                    raise
                rejected.append(pending.row.pbx_linkedid)
                log.error(
                    "the database refused a call row; dropped",
                    extra={
                        "linkedid": pending.row.pbx_linkedid,
                        "call_id": pending.row.id,
                        "sqlstate": error.sqlstate,
                        "error": str(error).strip()[:500],
                    },
                )
                continue
            written += result.written
            inserted += result.inserted
            merged += result.merged
            parked += result.parked
        return WriteResult(written, inserted, merged, tuple(parked), tuple(rejected))


# --------------------------------------------------------------------------- the store
class CallStore:
    """Buffers call rows and writes them in batches; owns the bridge's database connection.

    Single owner: the bridge's event loop. Database work runs in a worker thread, one
    operation at a time (`_db_lock`), so reading AMI never waits for PostgreSQL.
    """

    def __init__(
        self,
        database_url: str,
        config: StoreConfig | None = None,
        *,
        metrics: Metrics | None = None,
        on_commit: Callable[[list[CallRow], list[float]], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config or StoreConfig()
        self._url = database_url
        self._metrics = metrics
        self._on_commit = on_commit
        self._clock = clock
        self._writer = RowWriter(self.config.agent_endpoint_pattern)
        self._buffer: dict[str, Pending] = {}
        self._wake = asyncio.Event()
        self._db_lock = asyncio.Lock()
        self._conn: psycopg.Connection | None = None
        self._task: asyncio.Task | None = None
        self._closing = False
        self._failures = 0
        self._parked: set[str] = set()
        self.stats = {"written": 0, "batches": 0, "rejected": 0, "parked": 0, "failures": 0}

    # ------------------------------------------------------------------ buffer
    @property
    def backlog(self) -> int:
        return len(self._buffer)

    def buffered_linkedids(self) -> set[str]:
        return set(self._buffer)

    def add(
        self, row: CallRow, *, partial: bool = False, event_times: Iterable[float] = ()
    ) -> None:
        """Queue the newest version of a call's row (it replaces an older one still waiting)."""
        key = row.pbx_linkedid
        pending = self._buffer.get(key)
        if pending is None:
            self._buffer[key] = Pending(row, partial, time.monotonic(), list(event_times))
            if len(self._buffer) == 1 or len(self._buffer) >= self.config.batch_size:
                self._wake.set()
        else:
            pending.row = row
            pending.partial = partial
            pending.event_times.extend(event_times)

    def _take_batch(self) -> list[Pending]:
        batch: list[Pending] = []
        ids: set[str] = set()
        for key, pending in list(self._buffer.items()):
            if len(batch) >= self.config.batch_size:
                break
            if pending.row.id in ids:
                continue  # two calls claiming one CRM id: one per statement
            ids.add(pending.row.id)
            batch.append(pending)
            del self._buffer[key]
        return batch

    def _put_back(self, batch: list[Pending]) -> None:
        """A failed batch goes back in front; versions that arrived since are newer."""
        merged: dict[str, Pending] = {}
        for pending in batch:
            newer = self._buffer.get(pending.row.pbx_linkedid)
            if newer is not None:
                newer.event_times[:0] = pending.event_times
                newer.since = pending.since
                merged[pending.row.pbx_linkedid] = newer
            else:
                merged[pending.row.pbx_linkedid] = pending
        for key, pending in self._buffer.items():
            merged.setdefault(key, pending)
        self._buffer = merged

    def _oldest(self) -> float:
        return min((p.since for p in self._buffer.values()), default=time.monotonic())

    # ------------------------------------------------------------------ flushing
    @property
    def task(self) -> asyncio.Task | None:
        return self._task

    def start(self) -> asyncio.Task:
        """Start the flusher (until `close()`)."""
        self._task = asyncio.create_task(self._run(), name="call-store")
        return self._task

    async def _run(self) -> None:
        """A batch when full or when its oldest row is due; everything at once when closing."""
        while True:
            if not self._buffer:
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            due = self._oldest() + self.config.flush_delay
            wait = due - time.monotonic()
            if not self._closing and len(self._buffer) < self.config.batch_size and wait > 0:
                self._wake.clear()
                try:
                    async with asyncio.timeout(wait):
                        await self._wake.wait()
                except TimeoutError:
                    pass
                continue
            if not await self.flush_once():
                await self._backoff()

    async def flush_once(self) -> bool:
        """Write one batch; False (and the batch back in the buffer) if it could not be."""
        batch = self._take_batch()
        if not batch:
            return True
        started = time.perf_counter()
        try:
            async with self._db_lock:
                result = await asyncio.to_thread(self._write_batch, batch)
        except Exception as error:
            self._put_back(batch)
            self._failed(error, len(batch))
            return False
        self._failures = 0
        self._committed(batch, result, time.perf_counter() - started)
        return True

    def _write_batch(self, batch: list[Pending]) -> WriteResult:
        conn = self._connection()
        try:
            return self._writer.write(conn, batch)
        except psycopg.Error as error:
            if _systemic(error):
                self._drop_broken_connection()
                raise
            log.warning(
                "the database refused a batch; writing its rows one by one",
                extra={"rows": len(batch), "sqlstate": error.sqlstate},
            )
            return self._writer.write_each(conn, batch)

    def _committed(self, batch: list[Pending], result: WriteResult, seconds: float) -> None:
        now = self._clock()
        lags = [now - t for p in batch for t in p.event_times]
        self.stats["batches"] += 1
        self.stats["written"] += result.written
        self.stats["rejected"] += len(result.rejected)
        new_parked = set(result.parked) - self._parked
        self._parked = (self._parked - {p.row.pbx_linkedid for p in batch}) | set(result.parked)
        self.stats["parked"] += len(new_parked)
        for linkedid in new_parked:
            log.warning(
                "outbound call without a dialled number: not written until one is known",
                extra={"linkedid": linkedid},
            )
        m = self._metrics
        if m is not None:
            m.write_batches.labels("ok").inc()
            m.write_seconds.observe(seconds)
            m.calls_written.inc(result.written)
            m.rows_rejected.inc(len(result.rejected))
            m.rows_parked.inc(len(new_parked))
            for lag in lags:
                m.lag.observe(max(0.0, lag))
        if self._on_commit is not None:
            self._on_commit([p.row for p in batch], lags)

    def _failed(self, error: BaseException, rows: int) -> None:
        self._failures += 1
        self.stats["failures"] += 1
        if self._metrics is not None:
            self._metrics.write_batches.labels("error").inc()
        level = logging.WARNING if database.is_disconnect(error) else logging.ERROR
        log.log(
            level,
            "could not write call rows; kept for retry",
            extra={
                "rows": rows,
                "buffered": len(self._buffer),
                "attempt": self._failures,
                "error": f"{type(error).__name__}: {str(error).strip()[:300]}",
            },
            exc_info=level == logging.ERROR and not isinstance(error, psycopg.Error),
        )

    async def _backoff(self) -> None:
        delay = database.backoff(self._failures, self.config.retry_min_delay,
                                 self.config.retry_max_delay)
        if self._closing:
            delay = min(delay, 1.0)
        await asyncio.sleep(delay)

    async def close(self, timeout: float) -> bool:
        """Flush everything still buffered, without waiting for the delay, for up to `timeout`
        seconds (the database may be down). True when every row was written."""
        self._closing = True
        self._wake.set()
        task = self._task or asyncio.create_task(self._run(), name="call-store-close")
        gave_up = False
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout)
        except TimeoutError:
            gave_up = True
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        left = len(self._buffer)
        if left or gave_up:
            log.error("shutting down with call rows not written", extra={"rows": left})
        else:
            await asyncio.to_thread(self._drop_broken_connection, True)
        return left == 0 and not gave_up

    # ------------------------------------------------------------------ connection
    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = database.connect(
                self._url, application_name=self.config.application_name, autocommit=True,
                attempts=1,
            )
        return self._conn

    def _drop_broken_connection(self, always: bool = False) -> None:
        conn = self._conn
        if conn is not None and (always or conn.broken or conn.closed):
            self._conn = None
            with contextlib.suppress(Exception):  # already broken: closing is best effort
                conn.close()

    async def run_db(self, work: Callable[[psycopg.Connection], Any]) -> Any:
        """Run `work(conn)` on the store's connection, between batches."""
        async with self._db_lock:
            return await asyncio.to_thread(self._run_db, work)

    def _run_db(self, work: Callable[[psycopg.Connection], Any]) -> Any:
        conn = self._connection()
        try:
            return work(conn)
        except psycopg.Error:
            self._drop_broken_connection()
            raise

    # ------------------------------------------------------------------ reconciliation
    async def close_missing(self, keep: Callable[[], set[str]], at: float) -> list[str]:
        """Close open mirrored calls outside `keep()` (evaluated once no batch is in flight)."""
        async with self._db_lock:
            keep_now = sorted(keep() | set(self._buffer))
            rows = await asyncio.to_thread(
                self._run_db,
                lambda conn: conn.execute(
                    CLOSE_VANISHED_SQL, {"keep": keep_now, "at": datetime.fromtimestamp(at, UTC)}
                ).fetchall(),
            )
        return [linkedid for _, linkedid in rows]
