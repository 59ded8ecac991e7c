"""Realtime at floor size: push latency, the stand-in's CPU, database work of push vs polling.

    .venv/bin/python -m bench.realtime [--phase all|floor|changes] [--seconds 60]
                                       [--agents 500] [--supervisors 20] [--campaigns 10]
                                       [--subscribers 100] [--rate 30] [--calls-today 20000]
                                       [--root /tmp/bench-realtime] [--keep]

It brings up its own stack (default root /tmp/bench-realtime, no workers), makes the floor in
SQL with the day so far (`--calls-today` ended calls of its agents since midnight, at most the
last 8 hours: what the old poll read again every 5 s), and measures side by side in one run:

  floor (push)     `--agents` agents, each signed in (a JWT as Auth signs it) and tracking
                   Presence on presence:<campaign> over its own WebSocket; `--supervisors`
                   supervisors, each on floor:<campaign> of their campaign. For `--seconds`,
                   every agent changes state every 30 s on average (Poisson), through
                   rpc/set_agent_state as that agent, and every change to on_call starts a call
                   (a calls row, ended at the next change): the triggers broadcast both onto the
                   campaign's floor topic. Push latency = arrival at the supervisor's socket minus
                   the row's timestamp in the database (same clock). The stand-in's CPU comes
                   from /proc, the database's work from pg_stat_statements.
  floor (polling)  the same write load with the floor's Broadcast triggers disabled and the
                   stand-in stopped, while each supervisor runs the webphone's old floor poll
                   (the four PostgREST reads of webphone/src/data/floor.ts) every 5 s: today's
                   cost of a polling wall board. The database's work per minute of both is
                   compared.
  changes          postgres_changes with RLS: `--subscribers` users, each its own socket and
                   its own claims (one RLS check group each), on INSERT of a table with an RLS
                   policy; `--rate` inserts a second for `--seconds`: p95 latency from commit
                   to arrival. Then the rate doubles every 10 s until p95 exceeds 1 s or the
                   deliveries fall behind the inserts: the maximum sustained rate.

Targets: floor push p95 < 100 ms with the stand-in under one core; postgres_changes p95 < 250 ms
at 30 changes/s for 100 subscribers. It prints a table and writes bench/results/realtime.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import itertools
import json
import os
import platform
import random
import shutil
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import psycopg
from psycopg_pool import AsyncConnectionPool

from stack import lifecycle, processes
from stack.config import PROJECT_DIR, StackConfig

DEFAULT_ROOT = Path("/tmp/bench-realtime")  # noqa: S108 (the bench's own stack)
RESULTS = PROJECT_DIR / "bench" / "results" / "realtime.json"
TARGET_FLOOR_P95_MS = 100.0
TARGET_STANDIN_CORES = 1.0
TARGET_CHANGES_P95_MS = 250.0
POLL_SECONDS = 5.0  # the webphone's floor poll before this issue
HEARTBEAT_SECONDS = 25.0  # as supabase-js and realtime-py send them
STATE_CHANGE_MEAN_SECONDS = 30.0
STATES = [("available", None), ("on_call", None), ("wrap_up", None), ("paused", "break")]


def log(message: str = "") -> None:
    print(message, flush=True)


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def parse_ts(text: str) -> float:
    """A PostgreSQL timestamptz as JSON gives it (ISO 8601, maybe without a colon in the zone)."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


# ============================================================================
# A Phoenix client as the official ones speak it (vsn 1.0.0), light enough for 600 sockets in
# one process. The figures of the official clients themselves are in tests/realtime.
# ============================================================================


@dataclass
class Socket:
    ws: aiohttp.ClientWebSocketResponse
    refs: itertools.count = field(default_factory=lambda: itertools.count(1))
    replies: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    on_message: Callable[[dict[str, Any], float], None] | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    join_refs: dict[str, str] = field(default_factory=dict)  # topic -> its join's ref

    async def send(self, topic: str, event: str, payload: dict[str, Any],
                   ref: str | None = None) -> asyncio.Future[dict[str, Any]]:
        ref = ref or str(next(self.refs))
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.replies[ref] = future
        await self.ws.send_str(json.dumps({"topic": topic, "event": event, "payload": payload,
                                           "ref": ref, "join_ref": self.join_refs.get(topic)}))
        return future

    async def join(self, topic: str, token: str, *, presence_key: str = "",
                   changes: list[dict[str, Any]] | None = None, private: bool = True) -> None:
        config = {"broadcast": {"ack": False, "self": False},
                  "presence": {"key": presence_key, "enabled": bool(presence_key)},
                  "postgres_changes": changes or [], "private": private}
        ref = str(next(self.refs))
        self.join_refs[f"realtime:{topic}"] = ref
        future = await self.send(f"realtime:{topic}", "phx_join",
                                 {"config": config, "access_token": token}, ref)
        reply = await asyncio.wait_for(future, 15)
        if reply.get("status") != "ok":
            raise RuntimeError(f"join {topic} refused: {reply}")

    async def read(self) -> None:
        async for frame in self.ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            arrived = time.time()
            message = json.loads(frame.data)
            if message.get("event") == "phx_reply":
                future = self.replies.pop(str(message.get("ref")), None)
                if future and not future.done():
                    future.set_result(message.get("payload") or {})
            elif self.on_message:
                self.on_message(message, arrived)

    async def heartbeat(self) -> None:
        # Spread over the period so 600 sockets do not beat in step.
        await asyncio.sleep(random.uniform(0, HEARTBEAT_SECONDS))  # noqa: S311 - load shape
        while True:
            await self.send("phoenix", "heartbeat", {})
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await self.ws.close()


async def open_socket(session: aiohttp.ClientSession, config: StackConfig,
                      on_message: Callable[[dict[str, Any], float], None] | None = None
                      ) -> Socket:
    query = urllib.parse.urlencode({"apikey": config.anon_key, "vsn": "1.0.0"})
    url = f"{config.url.replace('http', 'ws', 1)}/realtime/v1/websocket?{query}"
    ws = await session.ws_connect(url, max_msg_size=0, autoping=True)
    sock = Socket(ws=ws, on_message=on_message)
    sock.tasks = [asyncio.create_task(sock.read()), asyncio.create_task(sock.heartbeat())]
    return sock


# ============================================================================
# The floor, made in SQL (as superuser): campaigns, agents, supervisors
# ============================================================================


def user_token(config: StackConfig, user: str) -> str:
    """An access token as Auth signs it (no session_id: the API's session check skips it)."""
    now = int(time.time())
    claims = {"sub": user, "role": "authenticated", "aud": "authenticated",
              "iat": now, "exp": now + 4 * 3600, "aal": "aal1"}
    return jwt.encode(claims, config.jwt_secret, algorithm="HS256")


def make_users(db: psycopg.Connection, count: int, role: str, tag: str) -> list[str]:
    users = [str(uuid.uuid4()) for _ in range(count)]
    db.execute(
        "insert into auth.users (id, aud, role, email, raw_app_meta_data, created_at, updated_at)"
        " select u, 'authenticated', 'authenticated', %s || n || '@bench.test',"
        " jsonb_build_object('role', %s::text), now(), now()"
        " from unnest(%s::uuid[]) with ordinality as x (u, n)", (f"{tag}-", role, users))
    db.execute("update public.profiles set full_name = %s || ' ' || lpad(n::text, 4, '0')"
               " from unnest(%s::uuid[]) with ordinality as x (id, n) where profiles.id = x.id",
               (tag.capitalize(), users))
    return users


@dataclass(frozen=True)
class Floor:
    campaigns: list[str]
    agents: list[tuple[str, str]]  # (agent, campaign)
    supervisors: list[tuple[str, str]]  # (supervisor, campaign)


def make_floor(config: StackConfig, agents: int, supervisors: int, campaigns: int) -> Floor:
    with psycopg.connect(config.database_url, autocommit=True) as db:
        agent_ids = make_users(db, agents, "agent", "agente")
        supervisor_ids = make_users(db, supervisors, "supervisor", "supervisor")
        campaign_ids = [str(db.execute(
            "insert into public.campaigns (name, status, calling_hours_start, calling_hours_end,"
            " calling_days) values (%s, 'active', '00:00', '23:59:59', '{1,2,3,4,5,6,7}')"
            " returning id", (f"Bench {n + 1}",)).fetchone()[0])  # type: ignore[index]
            for n in range(campaigns)]
        floor = Floor(campaign_ids,
                      [(a, campaign_ids[n % campaigns]) for n, a in enumerate(agent_ids)],
                      [(s, campaign_ids[n % campaigns]) for n, s in enumerate(supervisor_ids)])
        db.execute("insert into public.campaign_members (campaign_id, user_id, member_role)"
                   " select c, u, r::public.campaign_member_role"
                   " from unnest(%s::uuid[], %s::uuid[], %s::text[]) as x (u, c, r)",
                   ([u for u, _ in floor.agents + floor.supervisors],
                    [c for _, c in floor.agents + floor.supervisors],
                    ["agent"] * len(floor.agents) + ["supervisor"] * len(floor.supervisors)))
        db.execute("insert into public.agent_states (agent_id, state) select unnest(%s::uuid[]),"
                   " 'available' on conflict (agent_id) do nothing", (agent_ids,))
        db.execute("analyze")
    return floor


def seed_day(config: StackConfig, floor: Floor, calls: int) -> None:
    """The day so far: `calls` ended and wrapped-up calls of the floor's agents since midnight
    (at most the last 8 hours), which the old floor poll read again every 5 s. Bulk-inserted
    with triggers off (session_replication_role = replica): history, not events."""
    agents = [a for a, _ in floor.agents]
    campaigns = [c for _, c in floor.agents]
    with psycopg.connect(config.database_url, autocommit=True) as db:
        db.execute("set session_replication_role = replica")
        db.execute(
            "insert into public.calls (campaign_id, agent_id, phone_number, status, outcome,"
            " started_at, answered_at, ended_at, ring_seconds, talk_seconds, wrapped_up_at,"
            " disposition)"
            " select x.c, x.a, '+3461' || lpad((n %% 10000000)::text, 7, '0'), 'ended',"
            " 'answered', s, s + interval '10 s', s + interval '190 s', 10, 180,"
            " s + interval '220 s', 'busy'"
            " from generate_series(1, %s) as n"
            " cross join lateral (select (%s::uuid[])[1 + n %% %s] as a,"
            "                            (%s::uuid[])[1 + n %% %s] as c) as x"
            " cross join lateral (select greatest(date_trunc('day', now()),"
            "   now() - interval '8 hours') as day_from) as d"
            " cross join lateral (select d.day_from + random() * (now() - interval '4 minutes'"
            "   - d.day_from) as s) as t",
            (calls, agents, len(agents), campaigns, len(campaigns)))
        db.execute("analyze public.calls")


# ============================================================================
# The write load: agents changing state, calls starting and ending
# ============================================================================


@dataclass
class WriteLoad:
    pool: AsyncConnectionPool
    floor: Floor
    seconds: float
    writes: int = 0
    errors: int = 0
    open_calls: dict[str, tuple[str, str]] = field(default_factory=dict)

    async def change(self, agent: str, campaign: str) -> None:
        state, reason = random.choice(STATES)  # noqa: S311 - load shape
        claims = json.dumps({"sub": agent, "role": "authenticated"})
        try:
            async with self.pool.connection() as conn, conn.transaction():
                await conn.execute("select set_config('request.jwt.claims', %s, true)", (claims,))
                await conn.execute("set local role authenticated")
                await conn.execute("select public.set_agent_state(%s, %s)", (state, reason))
                await conn.execute("reset role")
                ended = self.open_calls.pop(agent, None)
                if ended:
                    await conn.execute(
                        "update public.calls set status = 'ended', outcome = 'answered',"
                        " ended_at = clock_timestamp(), updated_at = clock_timestamp()"
                        " where id = %s and started_at = %s", ended)
                if state == "on_call":
                    row = await (await conn.execute(
                        "insert into public.calls (campaign_id, agent_id, phone_number, status,"
                        " answered_at, updated_at) values (%s, %s, '+34610000000', 'confirmed',"
                        " clock_timestamp(), clock_timestamp()) returning id, started_at",
                        (campaign, agent))).fetchone()
                    assert row is not None
                    self.open_calls[agent] = (str(row[0]), row[1])
            self.writes += 1
        except psycopg.Error as e:
            self.errors += 1
            if self.errors <= 3:
                log(f"    write failed: {e}")

    async def run(self) -> None:
        rate = len(self.floor.agents) / STATE_CHANGE_MEAN_SECONDS
        deadline = time.monotonic() + self.seconds
        tasks: set[asyncio.Task[None]] = set()
        while time.monotonic() < deadline:
            await asyncio.sleep(random.expovariate(rate))  # Poisson arrivals
            agent, campaign = random.choice(self.floor.agents)  # noqa: S311
            task = asyncio.create_task(self.change(agent, campaign))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)


# ============================================================================
# Measures from PostgreSQL and /proc
# ============================================================================

STATEMENTS = """
  select coalesce(sum(s.total_exec_time), 0), coalesce(sum(s.calls), 0)
  from extensions.pg_stat_statements as s
  join pg_roles as r on r.oid = s.userid
  where r.rolname = any(%s)
"""
# Who does what: the writers (the bench as supabase_admin, i.e. the agents' own writes), the
# stand-in, and PostgREST's requests.
READERS_PUSH = ["supabase_realtime_admin"]
READERS_POLL = ["authenticator", "authenticated", "anon"]
ALL_ROLES = ["supabase_admin", "supabase_realtime_admin", "authenticator", "authenticated",
             "anon", "postgres"]


def db_work(config: StackConfig, roles: list[str]) -> tuple[float, int]:
    with psycopg.connect(config.database_url, autocommit=True) as db:
        row = db.execute(STATEMENTS, (roles,)).fetchone()
    assert row is not None
    return float(row[0]), int(row[1])


def reset_statements(config: StackConfig) -> None:
    with psycopg.connect(config.database_url, autocommit=True) as db:
        db.execute("select extensions.pg_stat_statements_reset()")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def floor_triggers(config: StackConfig, enable: bool) -> list[str]:
    """The Broadcast triggers of the floor (those whose function calls broadcast_changes)."""
    with psycopg.connect(config.database_url, autocommit=True) as db:
        rows = db.execute(
            "select t.tgrelid::regclass::text, t.tgname from pg_trigger as t"
            " join pg_proc as p on p.oid = t.tgfoid"
            " where not t.tgisinternal and p.prosrc ilike '%%broadcast_changes%%'").fetchall()
        for table, name in rows:
            db.execute(f"alter table {table} {'enable' if enable else 'disable'}"
                       f" trigger {psycopg.sql.Identifier(name).as_string(db)}")
    return [f"{t}.{n}" for t, n in rows]


# ============================================================================
# Phase: the floor by push
# ============================================================================


async def floor_push(config: StackConfig, floor: Floor, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    kinds: dict[str, int] = {}

    def on_floor(message: dict[str, Any], arrived: float) -> None:
        if message.get("event") != "broadcast":
            return
        body = message.get("payload", {}).get("payload", {})
        record = body.get("record") or {}
        stamp = record.get("updated_at")
        if stamp:
            latencies.append((arrived - parse_ts(stamp)) * 1000)
            kinds[body.get("table", "?")] = kinds.get(body.get("table", "?"), 0) + 1

    pid = processes.read_pid(config.run_dir / "realtime.pid")
    assert pid, "the Realtime stand-in is not running"
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        log(f"  connecting {len(floor.agents)} agents (presence) and"
            f" {len(floor.supervisors)} supervisors (floor)")
        started = time.monotonic()
        sockets: list[Socket] = []
        for n, (agent, campaign) in enumerate(floor.agents):
            sock = await open_socket(session, config)
            topic = f"presence:{campaign}"
            await sock.join(topic, user_token(config, agent), presence_key=agent)
            await sock.send(f"realtime:{topic}", "presence", {
                "type": "presence", "event": "track",
                "payload": {"agent_id": agent, "online_at": dt.datetime.now(dt.UTC).isoformat()}})
            sockets.append(sock)
            if (n + 1) % 100 == 0:
                log(f"    {n + 1} agents present")
        for supervisor, campaign in floor.supervisors:
            sock = await open_socket(session, config, on_floor)
            await sock.join(f"floor:{campaign}", user_token(config, supervisor))
            sockets.append(sock)
        log(f"  all joined in {time.monotonic() - started:.1f} s; load for {seconds:.0f} s")
        await asyncio.sleep(2)
        latencies.clear()
        reset_statements(config)
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        async with AsyncConnectionPool(config.database_url, min_size=4, max_size=8,
                                       open=False) as pool:
            load = WriteLoad(pool, floor, seconds)
            await load.run()
        await asyncio.sleep(1)  # the last pushes
        elapsed = time.monotonic() - t0
        cores = (cpu_seconds(pid) - cpu0) / elapsed
        push_ms, push_calls = db_work(config, READERS_PUSH)
        all_ms, _ = db_work(config, ALL_ROLES)
        for sock in sockets:
            await sock.close()
    return {
        "agents": len(floor.agents), "supervisors": len(floor.supervisors),
        "seconds": round(elapsed, 1), "writes": load.writes, "write_errors": load.errors,
        "pushes_received": len(latencies), "by_table": kinds,
        "p50_ms": round(pct(latencies, 0.50), 1), "p95_ms": round(pct(latencies, 0.95), 1),
        "p99_ms": round(pct(latencies, 0.99), 1), "max_ms": round(max(latencies, default=0), 1),
        "standin_cores": round(cores, 3),
        "db_ms_per_min_standin": round(push_ms * 60 / elapsed, 1),
        "db_statements_per_min_standin": round(push_calls * 60 / elapsed),
        "db_ms_per_min_total": round(all_ms * 60 / elapsed, 1),
    }


# ============================================================================
# Phase: the same floor by 5-second polling (today's webphone before this issue)
# ============================================================================


FLOOR_POLL = [
    "/rest/v1/profiles?select=id,email,full_name,role,active,sip_extension&role=eq.agent"
    "&order=full_name",
    "/rest/v1/calls?select=id,agent_id,campaign_id,status,outcome,started_at,answered_at,"
    "ended_at,phone_number,lead:leads(id,first_name,last_name,status)&wrapped_up_at=is.null"
    "&started_at=gte.{since12}&order=started_at.desc&limit=500",
    "/rest/v1/calls?select=id,agent_id,campaign_id,outcome,talk_seconds,started_at,wrapped_up_at"
    "&started_at=gte.{today}&limit=10000",
    "/rest/v1/sales?select=id,agent_id,status,premium,currency,sold_at&sold_at=gte.{today}"
    "&limit=10000",
    "/rest/v1/agent_states?select=agent_id,state,reason,since,updated_at",
]


async def floor_poll(config: StackConfig, floor: Floor, seconds: float) -> dict[str, Any]:
    requests = 0
    request_ms: list[float] = []

    async def supervisor(session: aiohttp.ClientSession, user: str) -> None:
        nonlocal requests
        headers = {"apikey": config.anon_key, "Authorization": f"Bearer {user_token(config, user)}"}
        await asyncio.sleep(random.uniform(0, POLL_SECONDS))  # noqa: S311 - not in step
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            now = dt.datetime.now(dt.UTC)
            values = {"since12": (now - dt.timedelta(hours=12)).isoformat(),
                      "today": now.replace(hour=0, minute=0, second=0, microsecond=0).isoformat()}
            begun = time.monotonic()
            for path in FLOOR_POLL:
                url = config.url + path.format(**{k: urllib.parse.quote(v)
                                                  for k, v in values.items()})
                async with session.get(url, headers=headers) as response:
                    await response.read()
                    requests += 1
            request_ms.append((time.monotonic() - begun) * 1000)
            await asyncio.sleep(POLL_SECONDS)

    disabled = floor_triggers(config, enable=False)
    lifecycle.stop_realtime(config)
    try:
        reset_statements(config)
        t0 = time.monotonic()
        async with aiohttp.ClientSession() as session, AsyncConnectionPool(
                config.database_url, min_size=4, max_size=8, open=False) as pool:
            load = WriteLoad(pool, floor, seconds)
            await asyncio.gather(load.run(),
                                 *(supervisor(session, s) for s, _ in floor.supervisors))
        elapsed = time.monotonic() - t0
        poll_ms, poll_calls = db_work(config, READERS_POLL)
        all_ms, _ = db_work(config, ALL_ROLES)
    finally:
        floor_triggers(config, enable=True)
        lifecycle.start_realtime(config)
    return {
        "seconds": round(elapsed, 1), "writes": load.writes, "triggers_disabled": disabled,
        "http_requests": requests, "poll_round_p95_ms": round(pct(request_ms, 0.95), 1),
        "db_ms_per_min_polling": round(poll_ms * 60 / elapsed, 1),
        "db_statements_per_min_polling": round(poll_calls * 60 / elapsed),
        "db_ms_per_min_total": round(all_ms * 60 / elapsed, 1),
    }


# ============================================================================
# Phase: postgres_changes with RLS
# ============================================================================

CHANGES_TABLE = """
  create table if not exists public.bench_rt_events (
    id bigint generated always as identity primary key,
    campaign_id uuid not null,
    body text not null,
    created_at timestamptz not null default clock_timestamp()
  );
  alter table public.bench_rt_events enable row level security;
  grant select on public.bench_rt_events to authenticated;
  drop policy if exists "Members read their campaign's events" on public.bench_rt_events;
  create policy "Members read their campaign's events" on public.bench_rt_events
  for select to authenticated using (
    campaign_id in (select m.campaign_id from public.campaign_members as m
                    where m.user_id = (select auth.uid()))
  );
  do $$ begin
    if not exists (select 1 from pg_publication_tables
                   where pubname = 'supabase_realtime' and tablename = 'bench_rt_events') then
      alter publication supabase_realtime add table public.bench_rt_events;
    end if;
  end $$;
"""


async def changes(config: StackConfig, floor: Floor, subscribers: int, rate: float,
                  seconds: float) -> dict[str, Any]:
    with psycopg.connect(config.database_url, autocommit=True) as db:
        db.execute(CHANGES_TABLE)
    campaign = floor.campaigns[0]
    # Every subscriber is a member of the campaign, so each sees each row: one RLS group each.
    users = [a for a, c in floor.agents if c == campaign]
    users += [a for a, c in floor.agents if c != campaign][: max(0, subscribers - len(users))]
    users = users[:subscribers]
    with psycopg.connect(config.database_url, autocommit=True) as db:
        db.execute("insert into public.campaign_members (campaign_id, user_id, member_role)"
                   " select %s, unnest(%s::uuid[]), 'agent' on conflict do nothing",
                   (campaign, users))
    arrivals: list[tuple[float, float]] = []  # (created_at, arrived)

    def on_change(message: dict[str, Any], arrived: float) -> None:
        if message.get("event") == "postgres_changes":
            record = message["payload"]["data"]["record"]
            arrivals.append((parse_ts(record["created_at"]), arrived))

    async def insert_at(db: psycopg.AsyncConnection, per_second: float, span: float) -> int:
        sent = 0
        start = time.monotonic()
        while time.monotonic() - start < span:
            due = start + sent / per_second
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            await db.execute("insert into public.bench_rt_events (campaign_id, body)"
                             " values (%s, 'x')", (campaign,))
            sent += 1
        return sent

    def summary(since: float, until: float, sent: int) -> dict[str, Any]:
        window = [(a - c) * 1000 for c, a in arrivals if since <= c < until]
        return {"sent": sent, "delivered": len(window),
                "expected": sent * len(users),
                "p50_ms": round(pct(window, 0.5), 1), "p95_ms": round(pct(window, 0.95), 1),
                "max_ms": round(max(window, default=0), 1)}

    changes_spec = [{"event": "INSERT", "schema": "public", "table": "bench_rt_events"}]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        sockets = []
        for user in users:
            sock = await open_socket(session, config, on_change)
            await sock.join("changes", user_token(config, user), changes=changes_spec,
                            private=False)
            sockets.append(sock)
        await asyncio.sleep(2)
        async with await psycopg.AsyncConnection.connect(config.database_url,
                                                         autocommit=True) as adb:
            t0 = time.time()
            sent = await insert_at(adb, rate, seconds)
            await asyncio.sleep(2)
            steady = summary(t0, time.time(), sent)
            log(f"  {rate:g}/s: p95 {steady['p95_ms']} ms,"
                f" {steady['delivered']}/{steady['expected']} delivered")
            ramp = []
            per_second = rate
            while per_second <= 4000:
                per_second *= 2
                t1 = time.time()
                sent = await insert_at(adb, per_second, 10)
                await asyncio.sleep(2)
                step = {"rate": per_second, **summary(t1, time.time(), sent)}
                ramp.append(step)
                log(f"  {per_second:g}/s: p95 {step['p95_ms']} ms,"
                    f" {step['delivered']}/{step['expected']} delivered")
                if step["p95_ms"] > 1000 or step["delivered"] < 0.99 * step["expected"]:
                    break
                await asyncio.sleep(3)
        for sock in sockets:
            await sock.close()
    sustained = [s["rate"] for s in ramp
                 if s["p95_ms"] <= 1000 and s["delivered"] >= 0.99 * s["expected"]]
    return {"subscribers": len(users), "rate": rate, **steady, "ramp": ramp,
            "max_sustained_rate": max(sustained, default=rate)}


# ============================================================================
# Main
# ============================================================================


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--phase", choices=("all", "floor", "changes"), default="all")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--supervisors", type=int, default=20)
    parser.add_argument("--campaigns", type=int, default=10)
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--rate", type=float, default=30)
    parser.add_argument("--calls-today", type=int, default=20000)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    if (args.root / "stack.json").exists():
        shutil.rmtree(args.root)  # a fresh floor each run
    args.root.mkdir(parents=True, exist_ok=True)
    args.root.chmod(0o755)
    config = StackConfig.load_or_create(args.root, fixed_ports=False)
    log(f"Stack in {args.root}")
    lifecycle.up(config, workers=False, progress=lambda m: log(f"  - {m}"))
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_before": loadavg()},
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    try:
        floor = make_floor(config, args.agents, args.supervisors, args.campaigns)
        log(f"A day so far: {args.calls_today} calls")
        seed_day(config, floor, args.calls_today)
        results["calls_today"] = args.calls_today
        if args.phase in ("all", "floor"):
            log("Floor by push")
            results["floor_push"] = asyncio.run(floor_push(config, floor, args.seconds))
            log(json.dumps(results["floor_push"]))
            log("Floor by 5 s polling (triggers off, stand-in stopped)")
            results["floor_poll"] = asyncio.run(floor_poll(config, floor, args.seconds))
            log(json.dumps(results["floor_poll"]))
            push, poll = results["floor_push"], results["floor_poll"]
            results["floor_db_ratio_poll_over_push"] = round(
                poll["db_ms_per_min_total"] / max(push["db_ms_per_min_total"], 0.001), 2)
        if args.phase in ("all", "changes"):
            log("postgres_changes with RLS")
            results["changes"] = asyncio.run(
                changes(config, floor, args.subscribers, args.rate, args.seconds))
        results["machine"]["load_after"] = loadavg()
    finally:
        lifecycle.down(config, progress=lambda m: log(f"  - {m}"))
        if not args.keep:
            shutil.rmtree(args.root, ignore_errors=True)
    report(results)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    log(f"wrote {RESULTS.relative_to(PROJECT_DIR)}")


def report(results: dict[str, Any]) -> None:
    push, poll, ch = results.get("floor_push"), results.get("floor_poll"), results.get("changes")
    log()
    if push:
        ok = push["p95_ms"] < TARGET_FLOOR_P95_MS and push["standin_cores"] < TARGET_STANDIN_CORES
        log(f"floor push: {push['pushes_received']} pushes, p50 {push['p50_ms']} ms,"
            f" p95 {push['p95_ms']} ms (target < {TARGET_FLOOR_P95_MS:g}),"
            f" stand-in {push['standin_cores']} cores (target < 1): {'PASS' if ok else 'FAIL'}")
    if push and poll:
        log(f"database work per minute: push {push['db_ms_per_min_total']} ms,"
            f" polling {poll['db_ms_per_min_total']} ms"
            f" (x{results['floor_db_ratio_poll_over_push']})")
    if ch:
        ok = ch["p95_ms"] < TARGET_CHANGES_P95_MS
        log(f"postgres_changes: {ch['subscribers']} subscribers at {ch['rate']:g}/s:"
            f" p95 {ch['p95_ms']} ms (target < {TARGET_CHANGES_P95_MS:g}):"
            f" {'PASS' if ok else 'FAIL'}; max sustained {ch['max_sustained_rate']:g}/s")
    log(f"load {results['machine']['load_before']} -> {results['machine'].get('load_after')}")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
