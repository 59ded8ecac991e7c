"""The Realtime stand-in's one reader of the WAL: postgres_changes and database Broadcast.

Stands in for Supabase Realtime's Postgres CDC (``realtime.list_changes`` polling a wal2json slot,
``realtime.apply_rls`` per subscriber) and for its reading of ``realtime.messages``. One
temporary logical slot (wal2json, format-version 2) is polled every ``poll_interval`` seconds,
at once again when a batch came back full. The tables read are those of the publication (read
again with every poll, so ``alter publication`` takes effect at the next poll) plus the daily
partitions of ``realtime.messages``, whose inserted rows go to ``on_broadcast``.

How a change reaches a subscriber, as Supabase decides it:
- the binding's schema/table ('*' = any table of the publication), event and filters
  (``col=op.value``, ops eq, neq, lt, lte, gt, gte, in; several joined by commas must all hold)
  match. Values compare as the column's type (numbers, booleans, timestamps; other types by
  their canonical text, so text orders by code point, not by collation). A DELETE is matched
  on its old identity (the primary key unless REPLICA IDENTITY FULL); a filter on another
  column never matches a DELETE, nor does a filter on a column the role may not select
  (Supabase refuses that one at subscribe time; ``validate`` does not know the claims);
- the subscriber's role (``claims['role']``: anon, authenticated or service_role; anything else
  gets nothing) may select the table's primary key, and, where the table has RLS and the role
  does not bypass it, the row is visible to that role with those claims. That check runs when
  the change is polled, against the row as it is then (as apply_rls does): a row inserted and
  deleted before the poll is never seen under RLS. Subscribers are grouped by their claims, so
  it costs one query per (claims, table, batch), all in one transaction and one round trip.
  ``set_claims`` (token refresh, new role) counts from the next batch;
- ``columns`` and the records hold only the columns the role may select; a DELETE on a table
  with RLS carries only the primary key (its old row cannot be checked); an UPDATE's
  ``old_record`` holds the replica identity.
- a change larger than ``max_record_bytes`` goes out with ``errors: ['Error 413: Payload Too
  Large']`` and only the values of at most 64 bytes; an insert or update on a table without a
  primary key goes out with ``['Error 400: Bad Request, no primary key']`` and no record.
  Supabase sends ``Error 401: Unauthorized`` to roles without the select privilege; this sends
  them nothing.

The slot is temporary, as Supabase's is: while the stand-in is down, or between a lost
connection and the next slot (reconnects back off up to 5 s), changes are not kept. Clients
must refetch what they show when they (re)subscribe. If only the second connection (catalog
and RLS queries) is lost, it is reopened and the batch tried again, and the slot stays. A
malformed WAL record, a failing RLS query (that claims group gets nothing from the batch; the
others are asked again on their own) or a dropped table is logged and skipped; the loop never
stops on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql

log = logging.getLogger("stack.realtime.changes")

API_ROLES = frozenset({"anon", "authenticated", "service_role"})
EVENTS = ("INSERT", "UPDATE", "DELETE")
OPS = ("eq", "neq", "lt", "lte", "gt", "gte", "in")
MAX_IN_VALUES = 100
MAX_CHANGES = 1000  # per poll; a full batch polls again at once
MAX_RECORD_BYTES = 1024 * 1024
SMALL_VALUE_BYTES = 64  # what an oversized record still carries
MAX_CACHED_FILTERS = 10_000
MAX_POLL_FAILURES = 5  # polls failing in a row before the slot is given up
META_TTL = 1.0  # seconds a table's catalog facts and privileges are trusted
_PARTITION = re.compile(r"messages_\d{4}_\d{2}_\d{2}")
_ACTIONS = {"I": "INSERT", "U": "UPDATE", "D": "DELETE"}


@dataclass(frozen=True)
class Binding:
    """One postgres_changes binding of a join."""

    id: int
    schema: str
    table: str
    event: str
    filter: str | None


class BindingError(Exception):
    """A binding Realtime cannot subscribe; str(e) is the message for the client."""


@dataclass(frozen=True)
class BroadcastRow:
    """A row inserted into realtime.messages (database Broadcast)."""

    topic: str
    event: str | None
    extension: str
    private: bool
    payload: dict[str, Any] | None
    binary_payload: bytes | None
    id: str


# -- filters -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cond:
    column: str
    op: str
    value: str  # as written (unquoted); for `in`, a PostgreSQL array literal


@dataclass(frozen=True)
class _TypedCond:
    column: str
    op: str
    values: tuple[Any, ...]
    key: Callable[[Any], Any]


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses and double quotes."""
    parts: list[str] = []
    current: list[str] = []
    depth, quoted, escaped = 0, False, False
    for char in text:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth = max(0, depth - 1)
        elif not quoted and depth == 0 and char == ",":
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def parse_filter(text: str | None) -> list[_Cond]:
    """`col=op.value[,col=op.value...]` -> conditions; BindingError in Supabase's words."""
    if text is None or not text.strip():
        return []
    conds = []
    for segment in _split_top_level(text.strip()):
        segment = segment.strip()
        if not segment:
            raise BindingError("Error parsing `filter` params: filter must not contain empty "
                               "segments (check for extra commas)")
        parts = segment.split("=", 1)
        if len(parts) != 2:
            raise BindingError(f"Error parsing `filter` params: {json.dumps(parts)}")
        column, op_value = parts
        op_parts = op_value.split(".", 1)
        if len(op_parts) != 2 or op_parts[0] not in OPS:
            raise BindingError(f"Error parsing `filter` params: {json.dumps(op_parts)}")
        op, value = op_parts
        if op == "in":
            if not (len(value) >= 2 and value[0] == "(" and value[-1] == ")"):
                raise BindingError("Error parsing `filter` params: `in` filter value must be "
                                   "wrapped by parentheses")
            value = "{" + value[1:-1] + "}"
        else:
            value = _unquote(value)
        conds.append(_Cond(column, op, value))
    return conds


def _num(value: Any) -> Any:
    return Decimal(str(value))


def _bool(value: Any) -> Any:
    return value is True or value in ("t", "true")


def _timestamp(value: Any) -> Any:
    return datetime.fromisoformat(str(value))


def _text(value: Any) -> Any:
    if isinstance(value, bool):  # a boolean-like domain or an unexpected encoding
        return "true" if value else "false"
    return str(value)


def _key_for(typname: str, category: str) -> Callable[[Any], Any]:
    if category == "N" and typname != "money":  # money's text has a currency sign
        return _num
    if category == "B":
        return _bool
    if typname in ("timestamp", "timestamptz"):
        return _timestamp
    return _text


def _holds(cond: _TypedCond, raw: Any) -> bool:
    """The condition on a column's WAL value; NULL or an incomparable value never matches."""
    if raw is None:
        return False
    try:
        value = cond.key(raw)
        first = cond.values[0] if cond.values else None
        if cond.op == "eq":
            return bool(value == first)
        if cond.op == "neq":
            return bool(value != first)
        if cond.op == "lt":
            return bool(value < first)
        if cond.op == "lte":
            return bool(value <= first)
        if cond.op == "gt":
            return bool(value > first)
        if cond.op == "gte":
            return bool(value >= first)
        if cond.op == "in":
            return any(value == v for v in cond.values if v is not None)
    except (ArithmeticError, TypeError, ValueError):
        return False
    return False


# -- catalog facts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    name: str
    typname: str  # pg_type.typname, what Supabase puts in `columns`
    sqltype: str  # format_type(), to cast text to it
    category: str  # pg_type.typcategory
    pk: bool


@dataclass
class _Table:
    oid: int
    schema: str
    name: str
    rls: bool
    columns: list[_Column]
    by_name: dict[str, _Column]
    pk: list[_Column]
    selectable: dict[str, frozenset[str]]  # role -> columns it may select
    bypass: frozenset[str]  # roles that bypass RLS
    loaded: float = field(default_factory=time.monotonic)


@dataclass
class _Sub:
    key: object
    bindings: list[Binding]
    claims: dict[str, Any]
    deliver: Callable[[list[int], dict[str, Any]], None]
    role: str | None = None
    claims_json: str = "{}"

    def set_claims(self, claims: dict[str, Any]) -> None:
        self.claims = dict(claims)
        role = claims.get("role")
        self.role = role if isinstance(role, str) and role in API_ROLES else None
        self.claims_json = json.dumps(claims, sort_keys=True, default=str)


@dataclass
class _Change:
    wal: dict[str, Any]
    type: str
    new: dict[str, Any]  # column -> raw WAL value
    old: dict[str, Any]
    commit_timestamp: str
    oversized: bool


def _commit_timestamp(text: Any) -> str:
    """wal2json's commit time -> Supabase's 'YYYY-MM-DDTHH:MM:SS.mmmZ' (UTC)."""
    try:
        moment = datetime.fromisoformat(str(text)).astimezone(UTC)
    except (TypeError, ValueError):
        moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _bytea(text: Any) -> bytes | None:
    if not isinstance(text, str):
        return None
    # wal2json writes bytea as bare hex; PostgreSQL's own text form has a \x prefix.
    return bytes.fromhex(text[2:] if text.startswith("\\x") else text)


class ChangeFeed:
    """One temporary wal2json slot, polled; see the module docstring."""

    def __init__(self, database_url: str, *, on_broadcast: Callable[[BroadcastRow], None],
                 poll_interval: float = 0.02, publication: str = "supabase_realtime",
                 max_record_bytes: int = MAX_RECORD_BYTES) -> None:
        self._url = database_url
        self._on_broadcast = on_broadcast
        self._poll_interval = poll_interval
        self._publication = publication
        self._max_record_bytes = max_record_bytes
        self._ids = itertools.count(1)
        self._subs: dict[object, _Sub] = {}
        self._wal: psycopg.AsyncConnection[Any] | None = None
        self._query: psycopg.AsyncConnection[Any] | None = None
        self._query_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._slot = ""
        self._tables: dict[tuple[str, str], _Table] = {}
        self._conds: dict[tuple[int, str], list[_TypedCond]] = {}
        self._pub_actions: set[str] = set(EVENTS)
        self._pub_checked = 0.0
        # wal2json's add-tables list, and the catalog rows it was built from (see _poll).
        self._pub_tables = ""
        self._pub_signature: tuple[Any, ...] | None = None
        self._pub_tables_at = 0.0
        self.slots_created = 0  # each new slot may have lost changes; tests look at it

    # -- interface ---------------------------------------------------------------------------

    def new_id(self) -> int:
        return next(self._ids)

    async def start(self) -> None:
        """Create the slot (changes count from here) and start polling."""
        if self._task is not None:
            return
        await self._connect()
        self._task = asyncio.create_task(self._run(), name="realtime-changes")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._close()

    async def validate(self, binding: Binding) -> None:
        """Raise BindingError (Supabase's wording) if Realtime cannot subscribe this binding."""
        try:
            await self._validate(binding)
        except psycopg.OperationalError:
            await self._drop_query()  # an idle connection the server dropped: once more
            await self._validate(binding)

    async def _validate(self, binding: Binding) -> None:
        conds = parse_filter(binding.filter)  # syntax first, as Supabase does
        where = (f"[event: {binding.event}, schema: {binding.schema}, table: {binding.table}, "
                 f"filters: {binding.filter or '[]'}]")
        async with self._query_lock:
            conn = await self._query_conn()
            cur = await conn.execute(
                "select schemaname, tablename from pg_publication_tables"
                " where pubname = %s and (%s = '*' or schemaname = %s)"
                " and (%s = '*' or tablename = %s)",
                (self._publication, binding.schema, binding.schema, binding.table, binding.table))
            names = await cur.fetchall()
        if not names:
            raise BindingError(
                "Unable to subscribe to changes with given parameters. Please check Realtime is "
                f"enabled for the given connect parameters: {where}")
        for schema, table in names:
            try:
                meta = await self._table(schema, table)
                if meta is None:
                    raise BindingError(f"relation {schema}.{table} does not exist")
                await self._typed(meta, binding.filter, conds)
            except BindingError as error:
                raise BindingError(
                    "Unable to subscribe to changes with given parameters. An exception happened "
                    f"so please check your connect parameters: {where}. Exception: {error}"
                ) from None

    def subscribe(self, key: object, bindings: list[Binding], claims: dict[str, Any],
                  deliver: Callable[[list[int], dict[str, Any]], None]) -> None:
        sub = _Sub(key, list(bindings), {}, deliver)
        sub.set_claims(claims)
        self._subs[key] = sub

    def set_claims(self, key: object, claims: dict[str, Any]) -> None:
        sub = self._subs.get(key)
        if sub is not None:
            sub.set_claims(claims)

    def unsubscribe(self, key: object) -> None:
        self._subs.pop(key, None)

    # -- connections -------------------------------------------------------------------------

    async def _open(self, name: str) -> psycopg.AsyncConnection[Any]:
        conn = await psycopg.AsyncConnection.connect(
            self._url, autocommit=True, application_name=f"realtime-standin-{name}")
        # WAL values and normalised filter values must be written the same way.
        await conn.execute("set timezone = 'UTC'")
        await conn.execute("set datestyle = 'ISO, YMD'")
        if name == "queries":
            # A slow policy must not hold the loop (and every subscriber) for long. Not on
            # the slot's connection: a big transaction must decode, however long it takes.
            await conn.execute("set statement_timeout = '10s'")
        return conn

    async def _query_conn(self) -> psycopg.AsyncConnection[Any]:
        if self._query is None or self._query.closed or self._query.broken:
            self._query = await self._open("queries")
        return self._query

    async def _connect(self) -> None:
        self._wal = await self._open("wal")
        self._slot = f"realtime_standin_{os.getpid()}_{secrets.token_hex(4)}"
        await self._wal.execute(
            "select pg_create_logical_replication_slot(%s, 'wal2json', true)", (self._slot,))
        self.slots_created += 1
        log.info("realtime changes: temporary slot %s created", self._slot)

    async def _drop_query(self) -> None:
        if self._query is not None:
            with contextlib.suppress(Exception):
                await self._query.close()
        self._query = None

    async def _close(self) -> None:
        for conn in (self._wal, self._query):
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
        self._wal = self._query = None

    # -- the loop ----------------------------------------------------------------------------

    async def _run(self) -> None:
        backoff = 0.1
        failures = 0  # polls in a row that failed with the connection still up
        while True:
            try:
                if self._wal is None or self._wal.closed:
                    await self._close()
                    await self._connect()
                    log.warning("realtime changes: reconnected; changes made while no slot "
                                "existed are lost")
                rows = await self._poll()
                backoff, failures = 0.1, 0
                if rows:
                    await self._handle(rows)
                if len(rows) < MAX_CHANGES:
                    await asyncio.sleep(self._poll_interval)
            except asyncio.CancelledError:
                raise
            except psycopg.OperationalError as error:
                if self._wal is not None and not (self._wal.closed or self._wal.broken):
                    # Only the query connection went: keep the slot, open another one.
                    log.warning("realtime changes: query connection lost (%s)", error)
                    await self._drop_query()
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                log.warning("realtime changes: connection lost (%s); retrying in %.1f s",
                            error, backoff)
                await self._close()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            except Exception:
                log.exception("realtime changes: poll failed")
                failures += 1
                if failures >= MAX_POLL_FAILURES or (self._wal is not None and self._wal.broken):
                    # The slot cannot get past what fails (a change wal2json cannot decode):
                    # start over from a new slot, losing what the old one held.
                    log.error("realtime changes: giving up on slot %s", self._slot)
                    await self._close()
                    failures = 0
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _poll(self) -> list[str]:
        assert self._wal is not None
        now = time.monotonic()
        if now - self._pub_checked > META_TTL:
            cur = await self._wal.execute(
                "select pubinsert, pubupdate, pubdelete from pg_publication where pubname = %s",
                (self._publication,))
            flags = await cur.fetchone()
            self._pub_actions = {e for e, on in zip(EVENTS, flags or (), strict=False) if on}
            self._pub_checked = now
        # The publication's tables count from the next poll. pg_publication_tables costs about
        # 1 ms (four times the idle decoding call, at 50 polls a second), so it is read again
        # only when the publication's own catalog rows change, or once a META_TTL.
        cur = await self._wal.execute(
            "select p.puballtables,"
            " array(select r.prrelid::int8 from pg_publication_rel as r"
            "       where r.prpubid = p.oid order by 1),"
            " array(select n.pnnspid::int8 from pg_publication_namespace as n"
            "       where n.pnpubid = p.oid order by 1)"
            " from pg_publication as p where p.pubname = %s", (self._publication,))
        signature = tuple(await cur.fetchone() or ())
        if signature != self._pub_signature or now - self._pub_tables_at > META_TTL:
            cur = await self._wal.execute(
                "select concat_ws(',', (select string_agg("
                "    regexp_replace(schemaname, '([\\\\,.*])', '\\\\\\1', 'g') || '.'"
                "    || regexp_replace(tablename, '([\\\\,.*])', '\\\\\\1', 'g'), ',')"
                "   from pg_publication_tables where pubname = %s), 'realtime.*')",
                (self._publication,))
            row = await cur.fetchone()
            self._pub_tables = row[0] if row else "realtime.*"
            self._pub_signature = signature
            self._pub_tables_at = now
        cur = await self._wal.execute(
            "select data from pg_logical_slot_get_changes(%s, null, %s,"
            " 'format-version', '2', 'include-timestamp', 'true',"
            " 'include-transaction', 'false', 'include-type-oids', 'true',"
            " 'add-tables', %s)",
            (self._slot, MAX_CHANGES, self._pub_tables))
        return [row[0] for row in await cur.fetchall()]

    async def _handle(self, rows: list[str]) -> None:
        by_table: dict[tuple[str, str], list[_Change]] = {}
        for data in rows:
            try:
                wal = json.loads(data)
                action = wal.get("action")
                if action not in _ACTIONS:
                    continue  # truncate, messages, begin/commit
                schema, table = wal["schema"], wal["table"]
                if schema == "realtime":
                    if action == "I" and _PARTITION.fullmatch(table):
                        self._broadcast(wal)
                    continue
                kind = _ACTIONS[action]
                if kind not in self._pub_actions:
                    continue
                change = _Change(
                    wal=wal, type=kind,
                    new={c["name"]: c.get("value") for c in wal.get("columns", [])},
                    old={c["name"]: c.get("value") for c in wal.get("identity", [])},
                    commit_timestamp=_commit_timestamp(wal.get("timestamp")),
                    oversized=len(data.encode()) > self._max_record_bytes)
                by_table.setdefault((schema, table), []).append(change)
            except Exception:
                log.exception("realtime changes: skipped a malformed WAL record: %.200s", data)
        if not by_table or not self._subs:
            return
        for (schema, table), changes in by_table.items():
            try:
                try:
                    await self._dispatch(schema, table, changes)
                except psycopg.OperationalError as error:
                    if self._wal is None or self._wal.closed or self._wal.broken:
                        raise
                    # The changes are out of the slot already: with a fresh query
                    # connection, try them once more rather than lose them.
                    log.warning("realtime changes: query connection lost (%s)", error)
                    await self._drop_query()
                    await self._dispatch(schema, table, changes)
            except psycopg.OperationalError:
                raise
            except Exception:
                log.exception("realtime changes: changes on %s.%s not delivered", schema, table)

    def _broadcast(self, wal: dict[str, Any]) -> None:
        row = {c["name"]: c.get("value") for c in wal.get("columns", [])}
        payload = row.get("payload")
        if isinstance(payload, str):
            payload = json.loads(payload)
        message = BroadcastRow(
            topic=str(row["topic"]), event=row.get("event"), extension=str(row["extension"]),
            private=row.get("private") is True, payload=payload,
            binary_payload=_bytea(row.get("binary_payload")), id=str(row.get("id")))
        try:
            self._on_broadcast(message)
        except Exception:
            log.exception("realtime changes: on_broadcast failed for topic %s", message.topic)

    # -- catalog ----------------------------------------------------------------------------

    async def _table(self, schema: str, table: str) -> _Table | None:
        cached = self._tables.get((schema, table))
        if cached is not None and time.monotonic() - cached.loaded < META_TTL:
            return cached
        async with self._query_lock:
            conn = await self._query_conn()
            cur = await conn.execute(
                "select c.oid, c.relrowsecurity from pg_class c"
                " join pg_namespace n on n.oid = c.relnamespace"
                " where n.nspname = %s and c.relname = %s", (schema, table))
            head = await cur.fetchone()
            if head is None:
                self._tables.pop((schema, table), None)
                return None
            oid, rls = head
            cur = await conn.execute(
                "select a.attname, t.typname, format_type(a.atttypid, a.atttypmod),"
                "  t.typcategory,"
                "  coalesce(a.attnum = any(p.conkey), false),"
                "  has_column_privilege('anon', a.attrelid, a.attnum, 'SELECT'),"
                "  has_column_privilege('authenticated', a.attrelid, a.attnum, 'SELECT'),"
                "  has_column_privilege('service_role', a.attrelid, a.attnum, 'SELECT')"
                " from pg_attribute a join pg_type t on t.oid = a.atttypid"
                " left join pg_constraint p on p.conrelid = a.attrelid and p.contype = 'p'"
                " where a.attrelid = %s and a.attnum > 0 and not a.attisdropped"
                " order by a.attnum", (oid,))
            rows = await cur.fetchall()
            cur = await conn.execute(
                "select rolname from pg_roles where rolbypassrls and rolname = any(%s)",
                (sorted(API_ROLES),))
            bypass = frozenset(r[0] for r in await cur.fetchall())
        columns = [_Column(r[0], r[1], r[2], r[3], r[4]) for r in rows]
        selectable = {
            role: frozenset(r[0] for r in rows if r[5 + i])
            for i, role in enumerate(("anon", "authenticated", "service_role"))}
        meta = _Table(oid=oid, schema=schema, name=table, rls=rls, columns=columns,
                      by_name={c.name: c for c in columns}, pk=[c for c in columns if c.pk],
                      selectable=selectable, bypass=bypass)
        if cached is not None and cached.oid != oid:
            self._conds = {k: v for k, v in self._conds.items() if k[0] != cached.oid}
        self._tables[(schema, table)] = meta
        return meta

    async def _typed(self, meta: _Table, text: str | None,
                     conds: list[_Cond] | None = None) -> list[_TypedCond]:
        """A filter compiled for one table: values parsed by PostgreSQL as the column's type."""
        if not text or not text.strip():
            return []
        cached = self._conds.get((meta.oid, text))
        if cached is not None:
            return cached
        typed = []
        for cond in conds if conds is not None else parse_filter(text):
            column = meta.by_name.get(cond.column)
            if column is None:
                raise BindingError(f"invalid column for filter {cond.column}")
            template = ("select array(select x::text from unnest(%s::text::{}[]) x)"
                        if cond.op == "in" else "select (%s::text::{})::text")
            query = sql.SQL(template).format(sql.SQL(column.sqltype))
            async with self._query_lock:
                conn = await self._query_conn()
                try:
                    cur = await conn.execute(query, (cond.value,))
                    row = await cur.fetchone()
                except psycopg.OperationalError:
                    raise
                except psycopg.Error as error:
                    raise BindingError(str(error).strip()) from None
            assert row is not None
            raw = row[0] if cond.op == "in" else [row[0]]
            if len(raw) > MAX_IN_VALUES:
                raise BindingError("too many values for `in` filter. Maximum 100")
            key = _key_for(column.typname, column.category)
            try:
                values = tuple(None if v is None else key(v) for v in raw)
            except (ArithmeticError, ValueError):  # 'NaN', 'infinity': compare as text
                key = _text
                values = tuple(None if v is None else key(v) for v in raw)
            typed.append(_TypedCond(column.name, cond.op, values, key))
        if len(self._conds) > MAX_CACHED_FILTERS:
            self._conds.clear()  # one-off filters (id=eq.<uuid>) must not pile up
        self._conds[(meta.oid, text)] = typed
        return typed

    # -- delivery ---------------------------------------------------------------------------

    async def _dispatch(self, schema: str, table: str, changes: list[_Change]) -> None:
        interested = [
            (sub, [b for b in sub.bindings
                   if b.schema in ("*", schema) and b.table in ("*", table)])
            for sub in list(self._subs.values()) if sub.role is not None]
        interested = [(sub, bs) for sub, bs in interested if bs]
        if not interested:
            return
        # The claims each subscriber is checked with; one changed meanwhile gets nothing from
        # this batch rather than what the old claims could see.
        claims_at = {sub.key: (sub.role, sub.claims_json) for sub, _ in interested}
        meta = await self._table(schema, table)
        if meta is None:
            log.warning("realtime changes: %s.%s is gone; %d changes dropped",
                        schema, table, len(changes))
            return
        # Which bindings of which subscriber each change passes, before rights.
        hits: list[list[tuple[_Sub, list[int]]]] = []
        for change in changes:
            per_change = []
            for sub, bindings in interested:
                ids = []
                for b in bindings:
                    if b.event.upper() not in ("*", change.type) and b.event.upper() in EVENTS:
                        continue
                    role = claims_at[sub.key][0]
                    columns = meta.selectable.get(role or "", frozenset())
                    if await self._passes(meta, b.filter, change, columns):
                        ids.append(b.id)
                if ids:
                    per_change.append((sub, ids))
            hits.append(per_change)
        # Rights: the role must select the primary key; RLS where it applies.
        pk_names = [c.name for c in meta.pk]
        checks: dict[str, tuple[str, set[int]]] = {}  # claims -> (role, change indexes)
        for index, (change, per_change) in enumerate(zip(changes, hits, strict=True)):
            if not pk_names or change.type == "DELETE":
                continue
            for sub, _ids in per_change:
                role, claims_json = claims_at[sub.key]
                assert role is not None
                if not meta.selectable.get(role, frozenset()).issuperset(pk_names):
                    continue  # no rights at all: nothing to ask
                if meta.rls and role not in meta.bypass:
                    checks.setdefault(claims_json, (role, set()))[1].add(index)
        visible = await self._visible(meta, changes, checks) if checks else {}
        payloads: dict[tuple[int, str], dict[str, Any]] = {}
        for index, (change, per_change) in enumerate(zip(changes, hits, strict=True)):
            for sub, ids in per_change:
                role, claims_json = claims_at[sub.key]
                if (role is None or self._subs.get(sub.key) is not sub
                        or sub.claims_json != claims_json):
                    continue  # unsubscribed, or new claims, meanwhile
                columns = meta.selectable.get(role, frozenset())
                if pk_names and not all(name in columns for name in pk_names):
                    continue  # Supabase answers 401 here; this sends nothing
                if not pk_names and change.type == "DELETE" and not columns:
                    continue
                if (pk_names and change.type != "DELETE" and meta.rls
                        and role not in meta.bypass):
                    seen = visible.get(claims_json)
                    if seen is None or index not in seen:
                        continue
                payload = payloads.get((index, role))
                if payload is None:
                    payload = await self._payload(meta, change, role)
                    payloads[(index, role)] = payload
                try:
                    sub.deliver(ids, payload)
                except Exception:
                    log.exception("realtime changes: deliver failed for %r", sub.key)

    async def _passes(self, meta: _Table, text: str | None, change: _Change,
                      columns: frozenset[str]) -> bool:
        """Whether the change passes the filter; a filter on a column the subscriber's role
        may not select never does (Supabase refuses it at subscribe time; here the role is
        only known at delivery), so that filters cannot probe hidden values."""
        if not text:
            return True
        try:
            conds = await self._typed(meta, text)
        except BindingError as error:
            log.warning("realtime changes: filter %r on %s.%s: %s", text, meta.schema,
                        meta.name, error)
            self._conds[(meta.oid, text)] = [
                _TypedCond("", "eq", (), _text)]  # never matches, asked once
            return False
        values = change.old if change.type == "DELETE" else change.new
        for cond in conds:
            if cond.column not in columns or cond.column not in values:
                return False
            if not _holds(cond, values[cond.column]):
                return False
        return True

    async def _visible(self, meta: _Table, changes: list[_Change],
                       checks: dict[str, tuple[str, set[int]]]) -> dict[str, set[int]]:
        """For each claims group, the changes whose row its role and claims can select now.

        Two statements per group (claims, then the check), all groups in one transaction and
        one round trip; if one fails, each group is asked again alone, so that a failing group
        cannot hide the others' rows.
        """
        table = sql.Identifier(meta.schema, meta.name)
        groups = list(checks.items())
        statements = []
        for claims_json, (role, indexes) in groups:
            ordered = sorted(indexes)
            arrays = [
                sql.Literal([_pk_text(changes[i].new.get(c.name)) for i in ordered])
                for c in meta.pk]
            names = [sql.Identifier(f"k{n}") for n in range(len(meta.pk))]
            match = sql.SQL(" and ").join(
                sql.SQL("t.{} = k.{}::{}").format(sql.Identifier(c.name), n, sql.SQL(c.sqltype))
                for c, n in zip(meta.pk, names, strict=True))
            sub_claim = json.loads(claims_json).get("sub")
            # As apply_rls: the role and claims are set for the transaction, then the row is
            # selected by its key in a statement of its own (RLS applies per statement).
            statements.append(sql.SQL(
                "select set_config('role', {role}, true),"
                " set_config('request.jwt.claims', {claims}, true),"
                " set_config('request.jwt.claim.sub', {sub}, true),"
                " set_config('request.jwt.claim.role', {role}, true);"
                " select k.n from unnest({arrays}) with ordinality"
                " as k({names}, n) where exists (select 1 from {table} t where {match});"
            ).format(
                role=sql.Literal(role), claims=sql.Literal(claims_json),
                sub=sql.Literal(str(sub_claim) if sub_claim is not None else ""),
                arrays=sql.SQL(", ").join(sql.SQL("{}::text[]").format(a) for a in arrays),
                names=sql.SQL(", ").join(names), table=table, match=match))
        result: dict[str, set[int]] = {}
        try:
            found = await self._run_checks(statements)
            for (claims_json, _), rows in zip(groups, found, strict=True):
                result[claims_json] = rows
            return self._indexes(groups, result)
        except psycopg.OperationalError:
            raise
        except psycopg.Error as error:
            if len(statements) == 1:
                log.warning("realtime changes: RLS check on %s.%s failed: %s",
                            meta.schema, meta.name, error)
                return {}
        for (claims_json, _), statement in zip(groups, statements, strict=True):
            try:
                result[claims_json] = (await self._run_checks([statement]))[0]
            except psycopg.OperationalError:
                raise
            except psycopg.Error as error:
                log.warning("realtime changes: RLS check on %s.%s failed for one group: %s",
                            meta.schema, meta.name, error)
        return self._indexes(groups, result)

    @staticmethod
    def _indexes(groups: list[tuple[str, tuple[str, set[int]]]],
                 found: dict[str, set[int]]) -> dict[str, set[int]]:
        """The check returns 1-based positions in each group's sorted indexes: map them back."""
        out = {}
        for claims_json, (_, indexes) in groups:
            ordered = sorted(indexes)
            out[claims_json] = {ordered[n - 1] for n in found.get(claims_json, set())}
        return out

    async def _run_checks(self, statements: list[sql.Composed]) -> list[set[int]]:
        """Run the groups' statements in one transaction, always rolled back."""
        async with self._query_lock:
            conn = await self._query_conn()
            body = sql.SQL(" ").join(statements).as_string(conn)
            try:
                cur = await conn.execute(f"begin; {body} rollback;".encode())
                found: list[set[int]] = []
                # Results: begin, then per group its set_config and its check, then rollback.
                position = 0
                while True:
                    if position > 0 and position % 2 == 0 and len(found) < len(statements):
                        found.append({row[0] for row in await cur.fetchall()})
                    position += 1
                    if not cur.nextset():
                        break
                return found
            finally:
                if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    with contextlib.suppress(psycopg.Error):
                        await conn.execute("rollback")

    async def _payload(self, meta: _Table, change: _Change, role: str) -> dict[str, Any]:
        selectable = meta.selectable.get(role, frozenset())
        data: dict[str, Any] = {
            "schema": meta.schema, "table": meta.name,
            "commit_timestamp": change.commit_timestamp, "type": change.type,
            "columns": [{"name": c.name, "type": c.typname}
                        for c in meta.columns if c.name in selectable],
            "record": {}, "old_record": {}, "errors": None,
        }
        if not meta.pk and change.type != "DELETE":
            data["errors"] = ["Error 400: Bad Request, no primary key"]
            return data
        if change.type in ("INSERT", "UPDATE"):
            values = dict(change.old)  # unchanged TOAST values come from the identity
            values.update(change.new)
            data["record"] = await self._record(meta, values, selectable, change.oversized)
        if change.type in ("UPDATE", "DELETE"):
            names = selectable
            if change.type == "DELETE" and meta.rls:
                names = frozenset(c.name for c in meta.pk) & selectable
            data["old_record"] = await self._record(meta, change.old, names, change.oversized)
        if change.oversized:
            data["errors"] = ["Error 413: Payload Too Large"]
        return data

    async def _record(self, meta: _Table, values: dict[str, Any], names: Iterable[str],
                      oversized: bool) -> dict[str, Any]:
        wanted = set(names)
        record: dict[str, Any] = {}
        to_cast: list[tuple[str, Any, _Column]] = []
        for column in meta.columns:
            if column.name not in wanted or column.name not in values:
                continue
            raw = values[column.name]
            if raw is None or column.category in ("N", "B") or isinstance(raw, (int, float)):
                record[column.name] = raw
            elif column.typname in ("json", "jsonb"):
                record[column.name] = json.loads(raw) if isinstance(raw, str) else raw
            elif column.typname in ("timestamp", "timestamptz"):
                record[column.name] = _iso(str(raw))
            elif column.category in ("A", "C") or column.typname == "hstore":
                to_cast.append((column.name, raw, column))
            else:
                record[column.name] = raw
        if to_cast:
            record.update(await self._cast(to_cast))
        if oversized:
            record = {k: v for k, v in record.items()
                      if len(json.dumps(v).encode()) <= SMALL_VALUE_BYTES}
        return record

    async def _cast(self, values: list[tuple[str, Any, _Column]]) -> dict[str, Any]:
        """Arrays and composites as to_jsonb makes them (Supabase's realtime.cast)."""
        query = sql.SQL("select {}").format(sql.SQL(", ").join(
            sql.SQL("to_jsonb({}::text::{})").format(sql.Literal(str(raw)),
                                                     sql.SQL(column.sqltype))
            for _, raw, column in values))
        try:
            async with self._query_lock:
                conn = await self._query_conn()
                cur = await conn.execute(query)
                row = await cur.fetchone()
        except psycopg.OperationalError:
            raise
        except psycopg.Error as error:
            log.warning("realtime changes: could not convert values: %s", error)
            return {name: raw for name, raw, _ in values}
        assert row is not None
        return {name: row[i] for i, (name, _, _) in enumerate(values)}


def _pk_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _iso(text: str) -> str:
    """PostgreSQL's ISO text of a timestamp -> to_jsonb's form ('T', offset as +HH:MM)."""
    if text in ("infinity", "-infinity"):
        return text
    out = text.replace(" ", "T", 1)
    match = re.search(r"([+-]\d{2})(:?\d{2})?(:?\d{2})?$", out)
    if match and "T" in out and match.start() > out.index("T"):
        hours, minutes, seconds = match.groups()
        offset = hours + ":" + (minutes or "00").lstrip(":")
        if seconds:
            offset += ":" + seconds.lstrip(":")
        out = out[:match.start()] + offset
    return out
