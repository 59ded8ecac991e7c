"""Every SQL the AMI bridge runs: call rows into `calls`, reconciliation, originate requests.

Writes are idempotent upserts, batched: `CallStore.add` buffers the model's rows (one per call,
the newest version replacing an older one still waiting), and a flusher writes them in one
statement per batch when `batch_size` rows wait or the oldest has waited `flush_delay`,
whichever comes first. A batch that fails because the database is unreachable goes back to the
buffer and is retried with backoff (capped, with jitter), merged with whatever arrived since:
nothing is lost, and since every write is an upsert, a batch written twice is written once.
A row the database refuses for its own data (a check, a trigger) is logged, counted and dropped
alone: one bad call never stalls the others. Errors that are no row's fault (missing privileges,
a bug in the SQL) are retried, never dropped.

Merging with what `calls` already holds (see `UPSERT_SQL`):
- the row to update is the one with the same id (the CRM's call id when the call carried one,
  else the id derived from the Linkedid); a row without CRM id updates the CRM's row already
  mirrored for the same Linkedid rather than creating a second one (after a restart the
  CRM_CALL_ID VarSet is not replayed). When the CRM id becomes known after a row was written
  under the Linkedid's id (the VarSet follows Newchannel), that provisional row is merged away;
- `status` never moves backwards (calling < ringing < confirmed < ended);
- the PBX is authoritative for times, outcome, hangup, recording and Linkedid: its first
  word replaces what the webphone or end_call wrote. Later, the version that is at least as far
  along wins column by column and a null never erases a value; an older version (a replay) only
  fills gaps;
- `source` never changes; lead, campaign, agent and phone number are only ever filled in, so a
  webphone row keeps its own. A call the CRM never started gets a new row (source `pbx`), linked
  to a lead whose phone is the call's E.164 number (the agent's own lead first, then the one
  called last) and to the agent whose `sip_extension` the channel's endpoint names;
- an outbound call the PBX shows without a dialled number cannot be a `calls` row (the table
  requires the number; only an inbound call from a withheld number may lack one). It is parked:
  counted, logged and written as soon as a later version of the row carries a number.

Partial knowledge. A bridge that starts (or restarts) while calls are under way learns of them
from CoreShowChannels, whose times are "seen alive at", not when things happened. Rows of such
calls are flagged `partial`; before writing them the store reads what `calls` already holds for
the Linkedid and keeps the earlier start and answer (an instant is only ever observed at or after
it happened, so the earliest observation is the truest), recomputing the durations from them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import re
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from workers.ami_bridge.model import CALL_ID_NAMESPACE, CallRow
from workers.common import database

if TYPE_CHECKING:
    from workers.ami_bridge.bridge import Metrics

log = logging.getLogger(__name__)

STATUSES = ("calling", "ringing", "confirmed", "ended")

# ------------------------------------------------------------------------ the upsert
_RANK = "array_position(array['calling', 'ringing', 'confirmed', 'ended']::text[], {})"
# The incoming version leads when the PBX has not spoken for this row yet (its first word
# replaces the webphone's and end_call's guesses) or when it is at least as far along.
_LEADS = f"(c.pbx_linkedid is null or {_RANK.format('r.status')} >= {_RANK.format('c.status')})"


def _pick(column: str) -> str:
    return (
        f"case when {_LEADS} then coalesce(r.{column}, c.{column}) "
        f"else coalesce(c.{column}, r.{column}) end"
    )


_STARTED = _pick("started_at")
_ANSWERED = (
    f"case when {_pick('answered_at')} is null then null "
    f"else greatest({_pick('answered_at')}, {_STARTED}) end"
)
_ENDED = (
    f"case when {_pick('ended_at')} is null then null "
    f"else greatest({_pick('ended_at')}, {_pick('answered_at')}, {_STARTED}) end"
)
_PBX_COLUMNS = (
    "outcome",
    "ring_seconds",
    "talk_seconds",
    "duration_seconds",
    "hangup_cause",
    "hangup_cause_text",
    "hangup_by",
    "recording_file",
)
_SET_PBX = ",\n    ".join(f"{column} = {_pick(column)}" for column in _PBX_COLUMNS)

# Every expression reads the stored row as `c`, the target of the UPDATE: under READ COMMITTED
# a row changed concurrently (the webphone moving status, end_call) is re-read and the merge
# recomputed on its newest version, never on a stale copy.
UPSERT_SQL = f"""
with incoming as (
  select *
  from jsonb_to_recordset(%(rows)s::jsonb) as r (
    id uuid, provisional_id uuid, pbx_linkedid text, crm_call_id uuid, source text,
    direction text, phone_number text, agent_extension text, status text, outcome text,
    started_at timestamptz, answered_at timestamptz, ended_at timestamptz,
    ring_seconds integer, talk_seconds integer, duration_seconds integer,
    hangup_cause integer, hangup_cause_text text, hangup_by text, recording_file text
  )
),
-- The stored row each incoming row updates: without a CRM id, the CRM's row already mirrored
-- for the same Linkedid first; else the row with the same id.
matched as (
  select
    i.*,
    coalesce(by_link.id, by_id.id) as target_id,
    coalesce(by_link.started_at, by_id.started_at) as target_started_at,
    coalesce(by_link.lead_id, by_id.lead_id) as target_lead_id,
    coalesce(by_link.agent_id, by_id.agent_id) as target_agent_id
  from incoming as i
  left join private.call_index as ci on i.id = ci.call_id
  left join public.calls as by_id on ci.call_id = by_id.id and ci.started_at = by_id.started_at
  left join lateral (
    select c.id, c.started_at, c.lead_id, c.agent_id
    from public.calls as c
    where i.crm_call_id is null and c.pbx_linkedid = i.pbx_linkedid and c.id <> i.id
    order by c.created_at
    limit 1
  ) as by_link on true
),
-- Agent by extension, lead by number: only for rows that do not have them yet.
resolved as (
  select
    m.*,
    agent.id as agent_id,
    lead.id as lead_id,
    lead.campaign_id
  from matched as m
  left join lateral (
    select p.id
    from public.profiles as p
    where m.target_agent_id is null and p.sip_extension = m.agent_extension
  ) as agent on true
  left join lateral (
    select l.id, l.campaign_id
    from public.leads as l
    where m.target_lead_id is null and l.phone = m.phone_number
    order by (l.owner_id = agent.id) desc nulls last, l.last_called_at desc nulls last,
      l.created_at desc
    limit 1
  ) as lead on true
),
-- The row written under the Linkedid's id before the CRM id was known.
merged_away as (
  delete from public.calls as c
  using resolved as r, private.call_index as ci
  where
    r.crm_call_id is not null
    and ci.call_id = r.provisional_id
    and c.id = ci.call_id
    and c.started_at = ci.started_at
    and c.source = 'pbx'
    and c.wrapped_up_at is null
  returning c.id
),
updated as (
  update public.calls as c set
    status = case
      when {_RANK.format('r.status')} > {_RANK.format('c.status')} then r.status else c.status
    end,
    started_at = {_STARTED},
    answered_at = {_ANSWERED},
    ended_at = {_ENDED},
    {_SET_PBX},
    pbx_linkedid = coalesce(c.pbx_linkedid, r.pbx_linkedid),
    phone_number = coalesce(c.phone_number, r.phone_number),
    lead_id = coalesce(c.lead_id, r.lead_id),
    campaign_id = coalesce(c.campaign_id, r.campaign_id),
    agent_id = coalesce(c.agent_id, r.agent_id)
  from resolved as r
  where c.id = r.target_id and c.started_at = r.target_started_at
  returning c.id
),
inserted as (
  insert into public.calls (
    id, started_at, lead_id, campaign_id, agent_id, direction, phone_number, source, status,
    outcome, answered_at, ended_at, ring_seconds, talk_seconds, duration_seconds, hangup_cause,
    hangup_cause_text, hangup_by, pbx_linkedid, recording_file
  )
  select
    r.id, r.started_at, r.lead_id, r.campaign_id, r.agent_id, r.direction, r.phone_number,
    r.source, r.status, r.outcome, r.answered_at, r.ended_at, r.ring_seconds, r.talk_seconds,
    r.duration_seconds, r.hangup_cause, r.hangup_cause_text, r.hangup_by, r.pbx_linkedid,
    r.recording_file
  from resolved as r
  where r.target_id is null and (r.direction = 'inbound' or r.phone_number is not null)
  returning id
)
select
  (select count(*) from updated) as updated,
  (select count(*) from inserted) as inserted,
  (select count(*) from merged_away) as merged,
  coalesce(
    (
      select array_agg(r.pbx_linkedid)
      from resolved as r
      where r.target_id is null and r.direction = 'outbound' and r.phone_number is null
    ),
    '{{}}'
  ) as parked
"""

STORED_TIMES_SQL = """
select c.pbx_linkedid, min(c.started_at) as started_at, min(c.answered_at) as answered_at,
  min(c.ring_seconds) as ring_seconds
from public.calls as c
where c.pbx_linkedid = any(%(linkedids)s)
group by c.pbx_linkedid
"""

# Calls the bridge mirrored as open that Asterisk no longer has and the model does not know
# (they ended while the bridge was away): closed at `at`, an upper bound of the real end.
CLOSE_MISSING_SQL = """
update public.calls as c set
  status = 'ended',
  outcome = case when c.answered_at is null then 'failed' else 'answered' end,
  ended_at = greatest(%(at)s, c.started_at, c.answered_at),
  hangup_by = coalesce(c.hangup_by, case when c.answered_at is null then 'system' end),
  duration_seconds = floor(
    extract(epoch from greatest(%(at)s, c.started_at, c.answered_at) - c.started_at)
  )::integer,
  talk_seconds = case
    when c.answered_at is null then 0
    else floor(extract(epoch from greatest(%(at)s, c.answered_at) - c.answered_at))::integer
  end,
  ring_seconds = coalesce(
    c.ring_seconds,
    floor(
      extract(epoch from coalesce(c.answered_at, greatest(%(at)s, c.started_at)) - c.started_at)
    )::integer
  )
where
  c.status <> 'ended'
  and c.pbx_linkedid is not null
  and not (c.pbx_linkedid = any(%(keep)s))
returning c.id, c.pbx_linkedid
"""

# ----------------------------------------------------------------- originate requests
# The CRM's call row of an originate that never reached the PBX (no channel, so no events):
# closed as failed. Rows the PBX has mirrored are left to the PBX's own view.
CLOSE_ORIGINATE_CALLS_SQL = """
update public.calls as c set
  status = 'ended',
  outcome = 'failed',
  ended_at = greatest(now(), c.started_at, c.answered_at),
  hangup_by = 'system',
  ring_seconds = coalesce(
    c.ring_seconds, private.seconds_between(c.started_at, greatest(now(), c.started_at))
  ),
  talk_seconds = coalesce(c.talk_seconds, 0),
  duration_seconds = private.seconds_between(
    c.started_at, greatest(now(), c.started_at, c.answered_at)
  )
from private.call_index as ci
where
  ci.call_id = any(%(call_ids)s)
  and c.id = ci.call_id
  and c.started_at = ci.started_at
  and c.status <> 'ended'
  and c.pbx_linkedid is null
"""

PICK_ORIGINATES_SQL = """
with due as (
  select r.id, r.created_at < now() - make_interval(secs => %(max_age)s) as expired
  from public.originate_requests as r
  where r.status = 'queued'
  order by r.created_at
  limit %(limit)s
  for update skip locked
)
update public.originate_requests as r set
  status = case when due.expired then 'expired' else 'sent' end,
  sent_at = case when not due.expired then now() end,
  finished_at = case when due.expired then now() end,
  result_text = case
    when due.expired then 'expired: queued for longer than the bridge may still ring the agent'
  end
from due
where r.id = due.id
returning r.id, r.status, r.call_id, r.phone, r.agent_extension, r.created_at
"""

FINISH_ORIGINATE_SQL = """
update public.originate_requests as r set
  status = %(status)s,
  result_reason = %(reason)s,
  result_text = %(text)s,
  pbx_channel = %(channel)s,
  pbx_uniqueid = %(uniqueid)s,
  finished_at = now()
where r.id = %(id)s and r.status = 'sent'
returning r.call_id
"""

FAIL_STALE_ORIGINATES_SQL = """
update public.originate_requests as r set
  status = 'failed',
  result_text = 'no result: the bridge stopped or lost Asterisk while the originate was under way',
  finished_at = now()
where r.status = 'sent' and r.sent_at < now() - make_interval(secs => %(older_than)s)
returning r.id, r.call_id
"""


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


@dataclass(frozen=True)
class OriginateRequest:
    id: str
    status: str
    call_id: str | None
    phone: str
    agent_extension: str


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


def _floor_seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, math.floor((end - start).total_seconds() + 1e-6))


def provisional_id(linkedid: str) -> str:
    return str(uuid.uuid5(CALL_ID_NAMESPACE, "asterisk:" + linkedid))


# ---------------------------------------------------------------------- row writing
class RowWriter:
    """The synchronous half: turns rows into the upsert's parameters and runs it."""

    def __init__(self, agent_endpoint_pattern: str) -> None:
        self._endpoint = re.compile(agent_endpoint_pattern)

    def extension(self, endpoint: str | None) -> str | None:
        if not endpoint:
            return None
        match = self._endpoint.fullmatch(endpoint)
        return match.group(1) if match and match.groups() else None

    def params(self, row: CallRow) -> dict[str, Any]:
        out = row.as_dict()
        out.pop("agent_endpoint")
        out["agent_extension"] = self.extension(row.agent_endpoint)
        out["provisional_id"] = provisional_id(row.pbx_linkedid)
        return out

    def write(self, conn: psycopg.Connection, batch: Sequence[Pending]) -> WriteResult:
        """One transaction for the whole batch; raises if the database refuses it."""
        params = [self.params(p.row) for p in batch]
        with conn.transaction():
            partial = [p for p, pending in zip(params, batch, strict=True) if pending.partial]
            if partial:
                self._keep_earlier_observations(conn, partial)
            updated, inserted, merged, parked = conn.execute(
                UPSERT_SQL, {"rows": Jsonb(params)}
            ).fetchone()
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

    @staticmethod
    def _keep_earlier_observations(conn: psycopg.Connection, params: list[dict]) -> None:
        stored = {
            r[0]: r[1:]
            for r in conn.execute(
                STORED_TIMES_SQL, {"linkedids": [p["pbx_linkedid"] for p in params]}
            ).fetchall()
        }
        for p in params:
            if p["pbx_linkedid"] in stored:
                merge_partial(p, *stored[p["pbx_linkedid"]])


def merge_partial(
    params: dict[str, Any],
    stored_started: datetime,
    stored_answered: datetime | None,
    stored_ring: int | None,
) -> None:
    """A partially known call's row, corrected with what `calls` already holds (in place).

    Start and answer: the earlier of the two observations. Durations are recomputed from them:
    the model's own were measured from "seen alive at" times.
    """
    started = min(datetime.fromisoformat(params["started_at"]), stored_started)
    answers = [stored_answered]
    if params["answered_at"]:
        answers.append(datetime.fromisoformat(params["answered_at"]))
    known = [a for a in answers if a is not None]
    answered = max(min(known), started) if known else None
    ended = datetime.fromisoformat(params["ended_at"]) if params["ended_at"] else None
    if ended is not None:
        ended = max(ended, answered or started)
    params["started_at"] = started.isoformat()
    params["answered_at"] = answered.isoformat() if answered else None
    params["ended_at"] = ended.isoformat() if ended else None
    if stored_ring is not None:
        params["ring_seconds"] = stored_ring
    elif answered is not None or ended is not None:
        params["ring_seconds"] = _floor_seconds(started, answered or ended)
    if ended is not None:
        params["duration_seconds"] = _floor_seconds(started, ended)
        params["talk_seconds"] = _floor_seconds(answered, ended) if answered else 0


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
        delay = min(
            self.config.retry_max_delay,
            self.config.retry_min_delay * 2 ** min(self._failures - 1, 16),
        )
        delay *= 0.5 + random.random() / 2  # noqa: S311 - jitter, not secrets
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
            keep_now = keep() | set(self._buffer)
            rows = await asyncio.to_thread(
                self._run_db, lambda conn: _close_missing(conn, keep_now, at)
            )
        return [linkedid for _, linkedid in rows]

    # ------------------------------------------------------------------ originate
    async def pick_originates(self, limit: int, max_age: float) -> list[OriginateRequest]:
        return await self.run_db(lambda conn: _pick_originates(conn, limit, max_age))

    async def finish_originate(
        self,
        request_id: str,
        *,
        status: str,
        reason: int | None,
        text: str | None,
        channel: str | None,
        uniqueid: str | None,
    ) -> bool:
        args = {
            "id": request_id,
            "status": status,
            "reason": reason,
            "text": text,
            "channel": channel,
            "uniqueid": uniqueid,
        }
        return await self.run_db(lambda conn: _finish_originate(conn, args))

    async def fail_stale_originates(self, older_than: float) -> list[str]:
        return await self.run_db(lambda conn: _fail_stale(conn, older_than))


def _close_missing(conn: psycopg.Connection, keep: set[str], at: float) -> list[tuple]:
    with conn.transaction():
        return conn.execute(
            CLOSE_MISSING_SQL, {"keep": sorted(keep), "at": datetime.fromtimestamp(at, UTC)}
        ).fetchall()


def _pick_originates(
    conn: psycopg.Connection, limit: int, max_age: float
) -> list[OriginateRequest]:
    with conn.transaction():
        with conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(PICK_ORIGINATES_SQL, {"limit": limit, "max_age": max_age}).fetchall()
        expired = [r["call_id"] for r in rows if r["status"] == "expired" and r["call_id"]]
        if expired:
            conn.execute(CLOSE_ORIGINATE_CALLS_SQL, {"call_ids": expired})
    for r in rows:
        if r["status"] == "expired":
            log.warning(
                "originate request expired before it could be sent",
                extra={"request_id": str(r["id"]), "queued_at": r["created_at"]},
            )
    return [
        OriginateRequest(
            id=str(r["id"]),
            status=r["status"],
            call_id=str(r["call_id"]) if r["call_id"] else None,
            phone=r["phone"],
            agent_extension=r["agent_extension"],
        )
        for r in sorted(rows, key=lambda r: r["created_at"])
    ]


def _finish_originate(conn: psycopg.Connection, args: dict[str, Any]) -> bool:
    with conn.transaction():
        row = conn.execute(FINISH_ORIGINATE_SQL, args).fetchone()
        if row is None:
            return False
        if args["status"] != "answered" and row[0] is not None:
            conn.execute(CLOSE_ORIGINATE_CALLS_SQL, {"call_ids": [row[0]]})
    return True


def _fail_stale(conn: psycopg.Connection, older_than: float) -> list[str]:
    with conn.transaction():
        rows = conn.execute(FAIL_STALE_ORIGINATES_SQL, {"older_than": older_than}).fetchall()
        call_ids = [call_id for _, call_id in rows if call_id]
        if call_ids:
            conn.execute(CLOSE_ORIGINATE_CALLS_SQL, {"call_ids": call_ids})
    return [str(request_id) for request_id, _ in rows]
