"""The CRM's API under load: "my leads" and rpc/next_lead through PostgREST, as agents.

    .venv/bin/python -m bench.crm_api [--leads 1000000 --agents 500 --calls 5000000]
                                      [--seconds 15] [--keep]

It checks the CRM API's targets: p95 under 10 ms for "my leads" and next_lead;
RLS overhead of "my leads" (service_role req/s over agent req/s) under 1.5x;
"my leads" at least 1/2 and next_lead at least 1/3 of ping's req/s. It brings
up its own stack (default root /tmp/bench-crm), generates the data set with
set-based SQL (1,000,000 leads, 500 agents, 5,000,000 calls by default; a
progress line per phase), VACUUM ANALYZEs it, then runs in one run, one line
after the other on the same machine:

  ping             POST rpc/bench_ping (`select 1`), as agents: PostgREST's ceiling
  my leads         GET leads?owner_id=eq.<me>&order=next_call_at&limit=50, as agents
  my leads (sr)    the same request (same explicit owner) with the service_role key
  next_lead        POST rpc/next_lead {"p_campaign_id": <their campaign>}, as agents
  next_lead (sr)   the same with a service_role token carrying the agent's sub

first through the gateway (SUPABASE_URL, as clients reach it), then against
PostgREST's own port (no nginx), then the same SQL with pgbench, impersonating
the way PostgREST does (role + request.jwt.claims, one transaction per request).
wrk drives 16 connections on 2 threads; each request is the next agent's (500
tokens, HS256, the claims Supabase Auth issues). It prints a table with the
CRM API targets (pass/fail), the load average before and after, the CPU
time each component (PostgreSQL, PostgREST, nginx, the load tool) spends per
request (on a shared machine, steadier than req/s), service times with one
connection, the plan of "my leads" as an agent, the top statements of
pg_stat_statements, and writes bench/results/crm_api.json.

The data set looks like production where it matters to the queue: leads
arrive by imports of 5,000 per campaign that share one next_call_at (as
leads_validate sets it), 65 % of leads have been called (their attempts,
last_called_at and calls agree), 14 % are in the pool, and about one agent in
five has a due callback (the others go through next_lead's queue query).

Bench choices (documented in the JSON too):
- The bench campaigns call 00:00-24:00 on all 7 days (time '24:00' is a
  valid end of the half-open window), so leads are callable whatever the hour
  the bench runs at: PostgREST's requests use the real now().
- max_attempts is set above the attempts the generated calls give each lead,
  so that retry leads stay callable.
- Bulk rows are inserted with session_replication_role = replica: no trigger
  (lead history audit, call_index upkeep, owner checks) and no foreign key
  check fires, so the generator writes what the triggers would have written
  itself (call_index, next_call_at, time zones) and a verification phase
  checks the invariants set-based afterwards. lead_history holds no rows for
  the bulk leads (the audit of 1M inserts is not what is measured).
- next_lead returns the agent's current lead again until it is called (by
  design), so after each agent's first request it locks and returns the same
  row (SELECT ... FOR UPDATE SKIP LOCKED: a row lock, i.e. a tuple write and
  WAL, but no UPDATE); the first request of each agent may assign a pool lead.
  The number of assignments during the run is reported.

Without --keep the stack is stopped and its root removed at the end; with
--keep it stays up, and a later run with the same sizes reuses the data set.
"""

# ruff: noqa: E501 - the SQL below keeps one clause per line, some longer than 100

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import jwt
import psycopg

from bench import wrk
from stack import lifecycle, postgrest
from stack.config import PROJECT_DIR, StackConfig

DEFAULT_ROOT = Path("/tmp/bench-crm")  # noqa: S108 (the bench's own stack, as the brief names it)
RESULTS = PROJECT_DIR / "bench" / "results" / "crm_api.json"
GENERATOR_VERSION = 2

# The CRM API's targets: p95 latency, RLS overhead, and req/s as a share of ping's.
TARGET_P95_MS = 10.0
TARGET_RLS_RATIO = 1.5
TARGET_MY_LEADS_SHARE = 0.5
TARGET_NEXT_LEAD_SHARE = 1 / 3

CALL_SPAN_DAYS = 180  # the generated calls cover the last six months
IMPORT_SIZE = 5000  # leads per import (per campaign): they share next_call_at, as after a real import


def log(message: str = "") -> None:
    print(message, flush=True)


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


# ============================================================================
# The stack
# ============================================================================


def bring_up(root: Path) -> StackConfig:
    config = StackConfig.load_or_create(root, fixed_ports=False)
    lifecycle.up(config, progress=lambda m: log(f"  - {m}"))
    return config


def tear_down(config: StackConfig, *, remove: bool) -> None:
    lifecycle.down(config, progress=lambda m: log(f"  - {m}"))
    if remove and (config.root / "stack.json").exists():
        shutil.rmtree(config.root, ignore_errors=True)
        log(f"  - removed {config.root}")


def connect(config: StackConfig) -> psycopg.Connection:
    return psycopg.connect(config.database_url, autocommit=True)


# ============================================================================
# Data set
# ============================================================================


@dataclass(frozen=True)
class Sizes:
    leads: int
    agents: int
    calls: int
    campaigns: int

    @property
    def called(self) -> int:
        """Leads 0..called-1 have been called (65 %, as in the seed); the rest are new."""
        return max(1, round(self.leads * 0.65))

    @property
    def per_lead(self) -> tuple[int, int]:
        """Call i goes to lead i % called: each called lead gets q or q + 1 calls."""
        return divmod(self.calls, self.called)

    @property
    def max_attempts(self) -> int:
        q, rem = self.per_lead
        return min(50, max(6, q + (1 if rem else 0) + 2))


FIRST_ES = [
    "Lucía", "María", "Carmen", "Ana", "Laura", "Isabel", "Elena", "Marta", "Paula", "Sara",
    "Cristina", "Pilar", "Rosa", "Teresa", "Andrea", "Javier", "Antonio", "Manuel", "José",
    "Francisco", "David", "Juan", "Carlos", "Pablo", "Miguel", "Alejandro", "Sergio", "Jorge",
    "Alberto", "Raúl", "Álvaro", "Diego", "Iván", "Rubén", "Óscar",
]
FIRST_MX = [
    "Guadalupe", "Juan Carlos", "José Luis", "Miguel Ángel", "Francisco Javier", "Alejandra",
    "Verónica", "Leticia", "Patricia", "Adriana", "Fernanda", "Ximena", "Itzel", "Citlali",
    "Jesús", "Luis Fernando", "Jorge Alberto", "Eduardo", "Ricardo", "Arturo", "Rosa María",
    "Yolanda", "Mariana", "Daniela", "Valeria", "Cuauhtémoc", "Emiliano", "Santiago", "Sofía",
    "Regina",
]
SURNAMES_ES = [
    "García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez",
    "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez",
    "Romero", "Alonso", "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil",
    "Ramírez", "Serrano", "Blanco", "Molina", "Castro", "Ortega", "Rubio", "Marín", "Sanz",
]
SURNAMES_MX = [
    "Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez",
    "Ramírez", "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres",
    "Díaz", "Gutiérrez", "Ruiz", "Mendoza", "Aguilar", "Ortiz", "Moreno", "Castillo", "Romero",
    "Álvarez", "Méndez", "Chávez", "Rivera", "Juárez", "Ramos", "Domínguez", "Herrera", "Medina",
]
# (country, ordinal, city, region, postal prefix, IANA time zone, area code). Spanish
# numbers are +347... and Mexican area codes differ from the seed's: no bench number
# collides with a seed number (or its do-not-call entry).
PLACES = [
    ("ES", 0, "Madrid", "Comunidad de Madrid", "28", "Europe/Madrid", ""),
    ("ES", 1, "Barcelona", "Cataluña", "08", "Europe/Madrid", ""),
    ("ES", 2, "Valencia", "Comunitat Valenciana", "46", "Europe/Madrid", ""),
    ("ES", 3, "Sevilla", "Andalucía", "41", "Europe/Madrid", ""),
    ("ES", 4, "Málaga", "Andalucía", "29", "Europe/Madrid", ""),
    ("ES", 5, "Zaragoza", "Aragón", "50", "Europe/Madrid", ""),
    ("ES", 6, "Bilbao", "País Vasco", "48", "Europe/Madrid", ""),
    ("ES", 7, "Las Palmas de Gran Canaria", "Canarias", "35", "Atlantic/Canary", ""),
    ("ES", 8, "Santa Cruz de Tenerife", "Canarias", "38", "Atlantic/Canary", ""),
    ("MX", 0, "León", "Guanajuato", "37", "America/Mexico_City", "477"),
    ("MX", 1, "San Luis Potosí", "San Luis Potosí", "78", "America/Mexico_City", "444"),
    ("MX", 2, "Querétaro", "Querétaro", "76", "America/Mexico_City", "442"),
    ("MX", 3, "Morelia", "Michoacán", "58", "America/Mexico_City", "443"),
    ("MX", 4, "Chihuahua", "Chihuahua", "31", "America/Chihuahua", "614"),
    ("MX", 5, "Mexicali", "Baja California", "21", "America/Tijuana", "686"),
    ("MX", 6, "Chetumal", "Quintana Roo", "77", "America/Cancun", "983"),
    ("MX", 7, "Ciudad Obregón", "Sonora", "85", "America/Hermosillo", "644"),
]


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def text_array(values: list[str]) -> str:
    return "array[" + ", ".join(lit(v) for v in values) + "]"


def facts(sizes: Sizes, source: str) -> str:
    """Every fact of lead n, derived from n alone (so calls and leads agree without a join).

    `source` yields a column n (bigint), plus any columns to carry along.
    """
    k, a = sizes.campaigns, sizes.agents
    q, rem = sizes.per_lead
    m = sizes.called
    base = f"""
      select
        s.*,
        (s.n % {k})::int as c,
        (s.n % {k}) % 5 < 3 as es,
        (s.n % {k}) + {k} * ((s.n / {k}) % (({a} - 1 - (s.n % {k})) / {k} + 1)) as owner_idx,
        hashint8(s.n) & 2147483647 as r1,
        hashint8(-1 - s.n) & 2147483647 as r2,
        case when s.n < {m} then {q} + (s.n < {rem})::int else 0 end as att
      from ({source}) as s"""
    return f"""
      select
        b.*,
        case
          when b.att = 0 then case when (b.r1 / 100) % 100 < 40 then 'pool' else 'assigned' end
          when b.r1 % 100 < 40 then 'retry'
          when b.r1 % 100 < 43 then 'callback'
          when b.r1 % 100 < 53 then 'won'
          when b.r1 % 100 < 90 then 'lost'
          when b.r1 % 100 < 96 then 'invalid'
          else 'do_not_call'
        end as story
      from ({base}) as b"""


class Generator:
    def __init__(self, conn: psycopg.Connection, sizes: Sizes, t_end: dt.datetime):
        self.conn = conn
        self.sizes = sizes
        self.t_end = t_end
        span_us = CALL_SPAN_DAYS * 86_400 * 1_000_000
        self.step_us = max(1, span_us // max(1, sizes.calls))
        self.t_start = t_end - dt.timedelta(microseconds=self.step_us * sizes.calls)
        self.timings: dict[str, dict] = {}

    # -- helpers -------------------------------------------------------------
    def ts(self, value: dt.datetime) -> str:
        return f"timestamptz '{value.isoformat()}'"

    def call_time(self, i_expr: str) -> str:
        return f"({self.ts(self.t_start)} + ({i_expr}) * {self.step_us}::float8 * interval '1 microsecond')"

    def phase(self, name: str, rows: int, started: float) -> None:
        seconds = time.monotonic() - started
        self.timings[name] = {"rows": rows, "seconds": round(seconds, 1)}
        log(f"  {name:28} {rows:>11,} rows  {seconds:7.1f} s")

    def execute(self, sql: str) -> int:
        cur = self.conn.execute(sql)
        return cur.rowcount

    # -- phases --------------------------------------------------------------
    def run(self) -> dict[str, dict]:
        s = self.sizes
        log(f"Generating: {s.leads:,} leads, {s.agents:,} agents, {s.calls:,} calls, "
            f"{s.campaigns} campaigns (calls from {self.t_start:%Y-%m-%d} to {self.t_end:%Y-%m-%d %H:%M} UTC)")
        total = time.monotonic()
        self.execute("set synchronous_commit = off")
        self.execute("set maintenance_work_mem = '512MB'")
        self.execute("set work_mem = '64MB'")
        self.execute("set jit = off")  # compiling each batch's expressions costs more than it saves
        self.users()
        self.campaigns()
        # From here on: no trigger and no foreign key check (superuser only).
        self.execute("set session_replication_role = replica")
        self.leads()
        self.calls()
        self.callbacks_and_dnc()
        self.execute("set session_replication_role = origin")
        self.vacuum()
        self.verify()
        self.timings["total"] = {"rows": 0, "seconds": round(time.monotonic() - total, 1)}
        log(f"  {'total':28} {'':>11}       {self.timings['total']['seconds']:7.1f} s")
        return self.timings

    def users(self) -> None:
        s = self.sizes
        started = time.monotonic()
        # As Supabase Auth creates users; the profile trigger gives each a profile.
        # No password: the bench signs its own tokens.
        rows = self.execute(f"""
          insert into auth.users (
            instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
            raw_app_meta_data, raw_user_meta_data, created_at, updated_at
          )
          select
            '00000000-0000-0000-0000-000000000000'::uuid, u.id, 'authenticated', 'authenticated',
            u.email, '', now(),
            jsonb_build_object('provider', 'email', 'providers', array['email'], 'role', u.role),
            jsonb_build_object('full_name', u.full_name), now(), now()
          from (
            select md5('bench-agent' || a)::uuid, 'agent' || a || '@bench.test', 'agent',
                   'Agente ' || a
            from generate_series(0, {s.agents - 1}) as a
            union all
            select md5('bench-supervisor' || c)::uuid, 'supervisor' || c || '@bench.test',
                   'supervisor', 'Supervisor ' || c
            from generate_series(0, {s.campaigns - 1}) as c
          ) as u (id, email, role, full_name)""")
        self.phase("users and profiles", rows, started)

    def campaigns(self) -> None:
        s = self.sizes
        started = time.monotonic()
        rows = self.execute(f"""
          insert into public.campaigns (
            id, name, description, status, dial_mode, calling_hours_start, calling_hours_end,
            calling_days, max_attempts, retry_delays, caller_id, default_time_zone, created_by
          )
          select
            md5('bench-campaign' || c)::uuid,
            format('Bench %s %s', case when c % 5 < 3 then 'ES' else 'MX' end, lpad(c::text, 3, '0')),
            'Benchmark campaign: calls 00:00-24:00 every day so that leads are always callable.',
            'active', 'preview', '00:00', '24:00', '{{1,2,3,4,5,6,7}}', {s.max_attempts},
            '{{01:00:00,04:00:00,1 day}}',
            case when c % 5 < 3 then '+3491' || lpad((5550000 + c)::text, 7, '0')
                 else '+52477' || lpad((5550000 + c)::text, 7, '0') end,
            case when c % 5 < 3 then 'Europe/Madrid' else 'America/Mexico_City' end,
            md5('bench-supervisor' || c)::uuid
          from generate_series(0, {s.campaigns - 1}) as c""")
        rows += self.execute(f"""
          insert into public.campaign_members (campaign_id, user_id, member_role)
          select md5('bench-campaign' || (a % {s.campaigns}))::uuid, md5('bench-agent' || a)::uuid,
                 'agent'::public.campaign_member_role
          from generate_series(0, {s.agents - 1}) as a
          union all
          select md5('bench-campaign' || c)::uuid, md5('bench-supervisor' || c)::uuid,
                 'supervisor'::public.campaign_member_role
          from generate_series(0, {s.campaigns - 1}) as c""")
        self.execute(f"""
          create table bench.agents as
          select a as idx, md5('bench-agent' || a)::uuid as id,
                 md5('bench-campaign' || (a % {s.campaigns}))::uuid as campaign_id,
                 'agent' || a || '@bench.test' as email,
                 json_build_object('sub', md5('bench-agent' || a)::uuid, 'role', 'authenticated',
                                   'aud', 'authenticated')::text as claims
          from generate_series(0, {s.agents - 1}) as a;
          alter table bench.agents add primary key (idx)""")
        self.phase("campaigns and members", rows, started)

    def leads(self) -> None:
        s = self.sizes
        places = ", ".join(
            f"({lit(c)}, {o}, {lit(city)}, {lit(region)}, {lit(pc)}, {lit(tz)}, {lit(area)})"
            for c, o, city, region, pc, tz, area in PLACES
        )
        batch = 100_000
        done = 0
        started = time.monotonic()
        for lo in range(0, s.leads, batch):
            hi = min(s.leads, lo + batch)
            source = f"select n from generate_series({lo}::bigint, {hi - 1}::bigint) as n"
            last_at = self.call_time(f"(f.att - 1) * {s.called} + f.n")
            # Leads arrive by imports of IMPORT_SIZE per campaign, and leads_validate gives
            # every lead of an import the same next_call_at (the import's now()).
            import_day = f"((f.n / {s.campaigns}) / {IMPORT_SIZE}) % 30"
            imported = (f"{self.ts(self.t_end)} - make_interval(days => 30 - ({import_day})::int,"
                        f" hours => f.c)")
            imported_early = (f"{self.ts(self.t_start)} - make_interval(days => 1 + ({import_day})::int,"
                              f" hours => f.c)")
            done += self.execute(f"""
              insert into public.leads (
                id, campaign_id, owner_id, status, first_name, last_name, phone, alternate_phones,
                email, birth_date, address_line, city, region, postal_code, country_code, time_zone,
                attempts, last_called_at, next_call_at, consent_contact, consent_recording,
                consent_marketing, custom, notes, source, external_ref, created_by, created_at,
                updated_at
              )
              select
                md5('bench-lead' || f.n)::uuid,
                md5('bench-campaign' || f.c)::uuid,
                case when f.story <> 'pool' then md5('bench-agent' || f.owner_idx)::uuid end,
                (case when f.story in ('pool', 'assigned') then 'new' else f.story end)::public.lead_status,
                f.first_name,
                f.last_name,
                case when f.es then '+347' || lpad(((f.n * 104729) % 100000000)::text, 8, '0')
                     else '+52' || p.area || lpad(((f.n * 7919) % 10000000)::text, 7, '0') end,
                case
                  when f.n % 7 <> 0 then '{{}}'::public.phone_e164[]
                  when f.es then array['+3491' || lpad(((f.n * 613) % 10000000)::text, 7, '0')]::public.phone_e164[]
                  else array['+52' || p.area || lpad(((f.n * 389) % 10000000)::text, 7, '0')]::public.phone_e164[]
                end,
                case when f.r2 % 3 <> 0 then
                  lower(translate(replace(f.first_name, ' ', '.') || '.' || split_part(f.last_name, ' ', 1),
                    'ÁÉÍÓÚáéíóúüÜñÑ', 'AEIOUaeiouuUnN')) || f.n || '@example.com' end,
                date '1950-01-01' + (f.r2 / 7) % 18000,
                'Calle ' || (1 + f.r2 % 200) || ', ' || (1 + (f.r2 / 200) % 9),
                p.city, p.region,
                p.postal_prefix || lpad((f.r2 % 1000)::text, 3, '0'),
                case when f.es then 'ES' else 'MX' end,
                p.time_zone,
                f.att,
                case when f.att > 0 then {last_at} end,
                case
                  when f.story in ('pool', 'assigned') then {imported}
                  when f.story = 'retry' then {last_at} + interval '1 day'
                  when f.story = 'callback' and (f.n / {s.campaigns}) % 200 = 0
                    then {self.ts(self.t_end)} - make_interval(mins => 10 + (f.n % 2880)::int)
                  when f.story = 'callback'
                    then {self.ts(self.t_end)} + make_interval(days => 1 + (f.n % 4)::int,
                      hours => (f.n % 6)::int, mins => (f.n % 60)::int)
                end,
                not (f.att = 0 and f.n % 211 = 0),
                case when f.att > 0 and f.story <> 'retry' then true end,
                f.r1 % 4 = 0,
                case when f.es
                  then jsonb_build_object('edad', 25 + f.r2 % 40, 'fumador', f.r2 % 5 = 0, 'hipoteca', f.r1 % 2 = 0)
                  else jsonb_build_object('edad', 22 + f.r2 % 45, 'dependientes', f.r2 % 4,
                    'aseguradora_actual', (array['ninguna', 'GNP', 'AXA', 'MetLife'])[1 + f.r1 % 4])
                end,
                '',
                'bench',
                'BENCH-' || lpad(f.n::text, 8, '0'),
                md5('bench-supervisor' || f.c)::uuid,
                case when f.att = 0 then {imported} else {imported_early} end,
                case when f.att = 0 then {imported} else {imported_early} end
              from (
                select
                  x.*,
                  case when x.es then ({text_array(FIRST_ES)})[1 + x.r1 % {len(FIRST_ES)}]
                       else ({text_array(FIRST_MX)})[1 + x.r1 % {len(FIRST_MX)}] end as first_name,
                  case when x.es
                    then ({text_array(SURNAMES_ES)})[1 + (x.r2 / 11) % {len(SURNAMES_ES)}] || ' '
                      || ({text_array(SURNAMES_ES)})[1 + (x.r1 / 13) % {len(SURNAMES_ES)}]
                    else ({text_array(SURNAMES_MX)})[1 + (x.r2 / 11) % {len(SURNAMES_MX)}] || ' '
                      || ({text_array(SURNAMES_MX)})[1 + (x.r1 / 13) % {len(SURNAMES_MX)}]
                  end as last_name,
                  case when x.es then case when x.r2 % 100 < 12 then 7 + x.r2 % 2 else x.r2 % 7 end
                       else x.r2 % 8 end as place_no
                from ({facts(s, source)}) as x
              ) as f
              inner join (values {places}) as p (country, ordinal, city, region, postal_prefix, time_zone, area)
                on p.country = case when f.es then 'ES' else 'MX' end and p.ordinal = f.place_no""")
            log(f"    leads {done:>11,} / {s.leads:,}  {time.monotonic() - started:7.1f} s")
        self.phase("leads", done, started)

    def month_batches(self) -> list[tuple[str, int, int]]:
        """[(month, first call, last call + 1)]: calls are in time order, one batch per partition."""
        s = self.sizes
        batches = []
        month = dt.datetime(self.t_start.year, self.t_start.month, 1, tzinfo=dt.UTC)
        while month <= self.t_end:
            following = (month + dt.timedelta(days=32)).replace(day=1)
            lo = max(0, math.ceil((month - self.t_start) / dt.timedelta(microseconds=self.step_us)))
            hi = min(s.calls, math.ceil((following - self.t_start) / dt.timedelta(microseconds=self.step_us)))
            if hi > lo:
                batches.append((f"{month:%Y-%m}", lo, hi))
            month = following
        return batches

    def calls(self) -> None:
        s = self.sizes
        started = time.monotonic()
        self.execute(f"select private.ensure_call_partitions(3, date '{self.t_start:%Y-%m-01}')")
        started_at = self.call_time("f.i")
        done = 0
        for month, lo, hi in self.month_batches():
            t0 = time.monotonic()
            source = (f"select i % {s.called} as n, i, i / {s.called} as rnd"
                      f" from generate_series({lo}::bigint, {hi - 1}::bigint) as i")
            # call_index is what trigger calls_maintain_index would have written.
            self.execute(f"""
              with timed as (
                select
                  f.*,
                  {started_at} as started_at,
                  case
                    when f.rnd = f.att - 1 and f.story = 'callback' then 'callback'
                    when f.rnd = f.att - 1 and f.story = 'won' then 'sale'
                    when f.rnd = f.att - 1 and f.story = 'lost'
                      then case when f.r1 % 3 = 0 then 'already_insured' else 'not_interested' end
                    when f.rnd = f.att - 1 and f.story = 'invalid' then 'wrong_number'
                    when f.rnd = f.att - 1 and f.story = 'do_not_call' then 'do_not_call'
                    when (f.n + f.rnd) % 17 = 0 then 'call_failed'
                    else (array['no_answer', 'busy', 'voicemail', 'no_answer'])[1 + (f.n + f.rnd) % 4]
                  end as disposition
                from ({facts(s, source)}) as f
              ),

              measured as (
                select
                  t.*,
                  case t.disposition when 'no_answer' then 'no_answer' when 'busy' then 'busy'
                    when 'call_failed' then 'failed' else 'answered' end as outcome,
                  case t.disposition when 'no_answer' then 30 when 'busy' then 2
                    when 'call_failed' then 0 else 4 + (t.n + t.rnd) % 18 end as ring_seconds,
                  case t.disposition
                    when 'voicemail' then 25
                    when 'callback' then 90 + t.r2 % 200
                    when 'sale' then 600 + t.r2 % 900
                    when 'not_interested' then 45 + t.r2 % 120
                    when 'already_insured' then 60 + t.r2 % 90
                    when 'wrong_number' then 20
                    when 'do_not_call' then 35
                    else 0
                  end as talk_seconds,
                  extract(epoch from t.started_at)::bigint || '.' || t.i as linkedid
                from timed as t
              ),

              inserted as (
                insert into public.calls (
                  id, started_at, lead_id, campaign_id, agent_id, direction, phone_number, source,
                  status, outcome, answered_at, ended_at, ring_seconds, talk_seconds,
                  duration_seconds, hangup_cause, hangup_cause_text, hangup_by, disposition, notes,
                  pbx_linkedid, recording_file, recording_consent, wrapped_up_at, created_at,
                  updated_at
                )
                select
                  md5('bench-call' || m.i)::uuid,
                  m.started_at,
                  md5('bench-lead' || m.n)::uuid,
                  md5('bench-campaign' || m.c)::uuid,
                  md5('bench-agent' || m.owner_idx)::uuid,
                  'outbound',
                  case when m.es then '+347' || lpad(((m.n * 104729) % 100000000)::text, 8, '0')
                    else '+52' || (array['477', '444', '442', '443', '614', '686', '983', '644'])[1 + m.r2 % 8]
                      || lpad(((m.n * 7919) % 10000000)::text, 7, '0') end,
                  'webphone',
                  'ended',
                  m.outcome,
                  case when m.outcome = 'answered' then m.started_at + make_interval(secs => m.ring_seconds) end,
                  m.started_at + make_interval(secs => m.ring_seconds + m.talk_seconds),
                  m.ring_seconds,
                  m.talk_seconds,
                  m.ring_seconds + m.talk_seconds,
                  case m.outcome when 'answered' then 16 when 'busy' then 17 when 'no_answer' then 19
                    else 38 end,
                  case m.outcome when 'answered' then 'Normal Clearing' when 'busy' then 'User busy'
                    when 'no_answer' then 'No answer' else 'Network out of order' end,
                  case when m.outcome <> 'answered' then 'system'
                    when (m.n + m.rnd) % 2 = 0 then 'lead' else 'agent' end,
                  m.disposition,
                  '',
                  m.linkedid,
                  case when m.outcome = 'answered'
                    then '/var/spool/asterisk/monitor/' || m.linkedid || '.wav' end,
                  case when m.outcome = 'answered' and m.disposition <> 'voicemail' then true end,
                  m.started_at + make_interval(secs => m.ring_seconds + m.talk_seconds + 20 + (m.n % 40)::int),
                  m.started_at,
                  m.started_at + make_interval(secs => m.ring_seconds + m.talk_seconds + 20 + (m.n % 40)::int)
                from measured as m
                returning id, started_at
              )

              insert into private.call_index (call_id, started_at)
              select ins.id, ins.started_at from inserted as ins""")
            done += hi - lo
            log(f"    calls {month}  {hi - lo:>10,}  (total {done:>11,} / {s.calls:,})"
                f"  {time.monotonic() - t0:6.1f} s")
        self.phase("calls and call_index", done, started)

    def callbacks_and_dnc(self) -> None:
        s = self.sizes
        started = time.monotonic()
        # A pending callback for each lead whose last call agreed one (a third already due).
        rows = self.execute(f"""
          insert into public.callbacks (
            id, lead_id, campaign_id, agent_id, due_at, status, notes, call_id, created_by, created_at
          )
          select
            md5('bench-callback' || l.id)::uuid, l.id, l.campaign_id, l.owner_id, l.next_call_at,
            'pending', 'Llamar a la hora acordada.',
            md5('bench-call' || ((l.attempts - 1) * {s.called} + substr(l.external_ref, 7)::bigint))::uuid,
            l.owner_id, l.last_called_at
          from public.leads as l
          where l.source = 'bench' and l.status = 'callback'""")
        self.phase("callbacks", rows, started)
        started = time.monotonic()
        # Who asked not to be called (company-wide), Robinson-list numbers of never-called
        # leads (they stay queued: next_lead must skip them), numbers blocked for one campaign.
        rows = self.execute("""
          insert into public.do_not_call (phone, campaign_id, source, reason, added_by)
          select l.phone, null::uuid, 'lead_request'::public.do_not_call_source, 'Solicitado durante la llamada.', l.owner_id
          from public.leads as l
          where l.source = 'bench' and l.status = 'do_not_call'
          union all
          select l.phone, null::uuid, 'regulator', 'Lista Robinson', null::uuid
          from public.leads as l
          where l.source = 'bench' and l.status = 'new' and substr(l.external_ref, 7)::bigint % 37 = 0
          union all
          select l.phone, l.campaign_id, 'manual', 'Cliente de la aseguradora.', null::uuid
          from public.leads as l
          where l.source = 'bench' and l.status = 'new' and substr(l.external_ref, 7)::bigint % 53 = 0
          on conflict (phone, campaign_id) do nothing""")
        self.phase("do-not-call list", rows, started)

    def vacuum(self) -> None:
        started = time.monotonic()
        self.execute("vacuum analyze")
        self.phase("vacuum analyze", 0, started)

    def verify(self) -> None:
        """The invariants the disabled triggers and foreign keys would have kept."""
        started = time.monotonic()
        checks = {
            "leads owned by a non-agent of their campaign": """
              select count(*) from public.leads as l
              where l.owner_id is not null and not exists (
                select 1 from public.campaign_members as m
                where m.campaign_id = l.campaign_id and m.user_id = l.owner_id and m.member_role = 'agent')""",
            "queued leads without next_call_at (or final with one)": """
              select count(*) from public.leads
              where (status in ('new', 'retry', 'callback')) <> (next_call_at is not null)""",
            "calls without their call_index row": """
              select count(*) from public.calls as c
              where not exists (select 1 from private.call_index as ci
                                where ci.call_id = c.id and ci.started_at = c.started_at)""",
            "call_index rows without a call": """
              select (select count(*) from private.call_index) - (select count(*) from public.calls)""",
            "calls of an unknown lead, agent or campaign": """
              select count(*) from public.calls as c
              where (c.lead_id is not null and not exists (select 1 from public.leads as l where l.id = c.lead_id))
                 or (c.agent_id is not null and not exists (select 1 from public.profiles as p where p.id = c.agent_id))
                 or (c.campaign_id is not null
                     and not exists (select 1 from public.campaigns as k where k.id = c.campaign_id))""",
            "bench leads whose attempts differ from their calls": """
              select count(*) from public.leads as l
              left join (select lead_id, count(*) as n, max(started_at) as last
                         from public.calls group by lead_id) as c on c.lead_id = l.id
              where l.source = 'bench'
                and (l.attempts <> coalesce(c.n, 0) or l.last_called_at is distinct from c.last)""",
            "rows in the default calls partition": "select count(*) from private.calls_default",
        }
        bad = {}
        for name, sql in checks.items():
            count = self.conn.execute(sql).fetchone()[0]
            bad[name] = count
            log(f"    {'ok  ' if count == 0 else 'FAIL'} {name}: {count}")
        self.timings["verify"] = {"rows": 0, "seconds": round(time.monotonic() - started, 1),
                                  "violations": bad}
        log(f"  {'verify':28} {'':>11}       {time.monotonic() - started:7.1f} s")
        if any(bad.values()):
            raise SystemExit("the generated data set breaks an invariant (see above)")


def prepare_bench_objects(conn: psycopg.Connection) -> None:
    """The bench-only objects: schema bench and rpc/bench_ping (never in a migration)."""
    conn.execute("""
      create schema if not exists bench;
      create table if not exists bench.dataset (key text primary key, value jsonb not null);
      create or replace function public.bench_ping() returns integer
      language sql stable as 'select 1';
      revoke execute on function public.bench_ping() from public, anon;
      grant execute on function public.bench_ping() to authenticated, service_role;
      notify pgrst, 'reload schema';""")


def dataset_info(conn: psycopg.Connection) -> dict | None:
    if conn.execute("select to_regclass('bench.dataset')").fetchone()[0] is None:
        return None
    row = conn.execute("select value from bench.dataset where key = 'dataset'").fetchone()
    return row[0] if row else None


def ensure_dataset(config: StackConfig, sizes: Sizes, *, fresh: bool) -> tuple[StackConfig, dict]:
    with connect(config) as conn:
        info = dataset_info(conn)
        # A generation that stopped half-way leaves bench rows behind: start afresh.
        dirty = conn.execute(
            "select exists (select 1 from auth.users where email like '%@bench.test')").fetchone()[0]
        wanted = {**asdict(sizes), "generator": GENERATOR_VERSION}
        if info and not fresh and info["sizes"] == wanted:
            log(f"Reusing the data set generated on {info['generated_at']} "
                f"(generation took {info['timings']['total']['seconds']} s)")
            prepare_bench_objects(conn)
            return config, info
    if info or fresh or dirty:
        log("The stack holds another data set: starting from a new stack")
        tear_down(config, remove=True)
        config = bring_up(config.root)
    with connect(config) as conn:
        prepare_bench_objects(conn)
        t_end = conn.execute(
            "select date_trunc('second', now() - interval '1 hour')").fetchone()[0]
        timings = Generator(conn, sizes, t_end.astimezone(dt.UTC)).run()
        info = {
            "sizes": wanted,
            "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "calls_until": t_end.isoformat(),
            "timings": timings,
        }
        conn.execute("insert into bench.dataset (key, value) values ('dataset', %s)"
                     " on conflict (key) do update set value = excluded.value",
                     (json.dumps(info),))
    return config, info


def dataset_counts(conn: psycopg.Connection) -> dict:
    rows = conn.execute("""
      select 'leads', count(*) from public.leads
      union all select 'leads_queued', count(*) from public.leads where status in ('new', 'retry', 'callback')
      union all select 'leads_unassigned_queued', count(*) from public.leads
        where owner_id is null and status in ('new', 'retry', 'callback')
      union all select 'agents', count(*) from public.profiles where role = 'agent'
      union all select 'campaigns', count(*) from public.campaigns
      union all select 'calls', count(*) from public.calls
      union all select 'call_partitions', count(*) from pg_inherits where inhparent = 'public.calls'::regclass
      union all select 'callbacks_pending', count(*) from public.callbacks where status = 'pending'
      union all select 'do_not_call', count(*) from public.do_not_call
      union all select 'lead_history', count(*) from public.lead_history""").fetchall()
    sizes = conn.execute("""
      select c.relname, pg_total_relation_size(c.oid)
      from pg_class as c
      where c.oid in ('public.leads'::regclass, 'private.call_index'::regclass)
      union all
      select 'calls', sum(pg_total_relation_size(i.inhrelid))::bigint
      from pg_inherits as i where i.inhparent = 'public.calls'::regclass""").fetchall()
    counts = {name: n for name, n in rows}
    counts["mb"] = {name: round(b / 2**20) for name, b in sizes}
    return counts


# ============================================================================
# Load
# ============================================================================

LUA = r"""
local reqs = {}
local n = 0
local counter = 0

-- Each thread starts at its own offset in the identities, so no two threads
-- send the same agent's request at the same time.
setup = function(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

init = function(args)
  local f = assert(io.open("%(requests)s"))
  for line in f:lines() do
    local token, path, body = line:match("^([^\t]*)\t([^\t]*)\t?(.*)$")
    if body == "" then body = nil end
    table.insert(reqs, wrk.format("%(method)s", "%(prefix)s" .. path, {
      ["apikey"] = "%(apikey)s",
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
      ["Accept"] = "application/json",
    }, body))
  end
  f:close()
  n = math.floor(tid * #reqs / %(threads)d)
end

request = function()
  n = n %% #reqs + 1
  return reqs[n]
end

"""


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    method: str
    apikey: str
    requests: list[tuple[str, str, str]]  # (token, path, body), one per agent


def run_wrk(name: str, base_url: str, scenario: Scenario, *, seconds: int,
            connections: int = 16, threads: int = 2) -> wrk.Result:
    """bench/wrk.py's run(), with a path per request (each agent's own owner_id filter)."""
    with tempfile.TemporaryDirectory() as tmp:
        requests = Path(tmp) / "requests.tsv"
        requests.write_text("".join(f"{t}\t{p}\t{b}\n" for t, p, b in scenario.requests))
        script = Path(tmp) / "bench.lua"
        url = urllib.parse.urlsplit(base_url)
        script.write_text((LUA + wrk.DONE) % {
            "method": scenario.method, "apikey": scenario.apikey, "requests": requests,
            "threads": threads, "prefix": url.path.rstrip("/")})
        out = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
             "-s", str(script), f"{url.scheme}://{url.netloc}/"],
            capture_output=True, text=True, check=True,
        ).stdout
    return wrk.parse(name, out)


def agent_token(secret: str, issuer: str, agent: dict, now: int) -> str:
    """The access token Supabase Auth would issue to this agent after a password sign-in."""
    claims = {
        "iss": issuer, "sub": str(agent["id"]), "aud": "authenticated", "exp": now + 3600,
        "iat": now, "email": agent["email"], "phone": "",
        "app_metadata": {"provider": "email", "providers": ["email"], "role": "agent"},
        "user_metadata": {"full_name": f"Agente {agent['idx']}"}, "role": "authenticated",
        "aal": "aal1", "amr": [{"method": "password", "timestamp": now}],
        "session_id": session_of(agent), "is_anonymous": False,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def session_of(agent: dict) -> str:
    """The agent's bench session: its auth.sessions row is made by open_sessions()."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-session:{agent['id']}"))


def open_sessions(conn: psycopg.Connection, agents: list[dict]) -> None:
    """A live auth.sessions row per agent token: PostgREST's pre-request (guard.check_request)
    refuses a token whose session has ended, as after a sign-out."""
    with conn.cursor() as cur:
        cur.executemany(
            "insert into auth.sessions (id, user_id, created_at, updated_at, aal)"
            " values (%s, %s, now(), now(), 'aal1') on conflict (id) do nothing",
            [(session_of(a), a["id"]) for a in agents])


def service_token_as(secret: str, agent: dict, now: int) -> str:
    """A service_role token that also carries the agent's sub (auth.uid() for next_lead)."""
    claims = {"iss": "supabase-demo", "role": "service_role", "sub": str(agent["id"]),
              "iat": now, "exp": now + 3600}
    return jwt.encode(claims, secret, algorithm="HS256")


def scenarios(config: StackConfig, agents: list[dict]) -> list[Scenario]:
    now = int(time.time())
    issuer = f"{config.url}/auth/v1"
    tokens = [agent_token(config.jwt_secret, issuer, a, now) for a in agents]
    service = config.service_role_key
    service_as = [service_token_as(config.jwt_secret, a, now) for a in agents]
    anon = config.anon_key

    def my_leads(a: dict) -> str:
        return f"/leads?owner_id=eq.{a['id']}&order=next_call_at&limit=50"

    def my_leads_list(a: dict) -> str:
        """The same page as the webphone's lead list asks for it: its columns only."""
        return f"/leads?select={WEBPHONE_LIST_COLUMNS}&owner_id=eq.{a['id']}" \
               "&order=next_call_at&limit=50"

    def next_lead_body(a: dict) -> str:
        return json.dumps({"p_campaign_id": str(a["campaign_id"])})

    return [
        Scenario("ping", "ping rpc (agent)", "POST", anon,
                 [(t, "/rpc/bench_ping", "{}") for t in tokens]),
        Scenario("my_leads", "my leads (agent)", "GET", anon,
                 [(t, my_leads(a), "") for t, a in zip(tokens, agents, strict=True)]),
        Scenario("my_leads_sr", "my leads (service_role)", "GET", service,
                 [(service, my_leads(a), "") for a in agents]),
        Scenario("my_leads_list", "my leads, webphone columns (agent)", "GET", anon,
                 [(t, my_leads_list(a), "") for t, a in zip(tokens, agents, strict=True)]),
        Scenario("next_lead", "next_lead (agent)", "POST", anon,
                 [(t, "/rpc/next_lead", next_lead_body(a))
                  for t, a in zip(tokens, agents, strict=True)]),
        Scenario("next_lead_sr", "next_lead (service_role+sub)", "POST", service,
                 [(t, "/rpc/next_lead", next_lead_body(a))
                  for t, a in zip(service_as, agents, strict=True)]),
    ]


# webphone/src/data/leads.js LIST_COLUMNS: what the agent's lead list really reads.
WEBPHONE_LIST_COLUMNS = ("id,campaign_id,first_name,last_name,phone,city,region,status,attempts,"
                         "next_call_at,last_called_at,time_zone")


def http(base_url: str, scenario: Scenario, index: int = 0) -> tuple[int, object]:
    token, path, body = scenario.requests[index]
    request = urllib.request.Request(  # noqa: S310 (the bench's own stack, http only)
        base_url + path, data=body.encode() if body else None, method=scenario.method,
        headers={"apikey": scenario.apikey, "Authorization": f"Bearer {token}",
                 "Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our stack)
        return response.status, json.loads(response.read())


def wait_for_schema_cache(config: StackConfig, ping: Scenario) -> None:
    """PostgREST knows rpc/bench_ping once it has reloaded its schema cache (NOTIFY pgrst)."""
    for _ in range(30):
        try:
            http(f"{config.url}/rest/v1", ping)
            return
        except urllib.error.HTTPError:
            with connect(config) as conn:
                conn.execute("notify pgrst, 'reload schema'")
            time.sleep(1)
    raise RuntimeError("PostgREST does not know rpc/bench_ping after 30 s")


def check_answers(base_url: str, by_key: dict[str, Scenario], agents: list[dict]) -> dict:
    """One request of each kind, checked, before the load: a fast error is not a result."""
    me = str(agents[0]["id"])
    _, ping = http(base_url, by_key["ping"])
    assert ping == 1, ping
    _, mine = http(base_url, by_key["my_leads"])
    _, mine_sr = http(base_url, by_key["my_leads_sr"])
    assert len(mine) == 50 and all(r["owner_id"] == me for r in mine), "my leads: not 50 own leads"
    assert [r["id"] for r in mine] == [r["id"] for r in mine_sr], "my leads differ as service_role"
    _, lead = http(base_url, by_key["next_lead"])
    assert len(lead) == 1 and lead[0]["owner_id"] == me, f"next_lead gave {lead}"
    _, again = http(base_url, by_key["next_lead"])
    assert again[0]["id"] == lead[0]["id"], "next_lead did not return the current lead again"
    _, lead_sr = http(base_url, by_key["next_lead_sr"])
    assert lead_sr[0]["id"] == lead[0]["id"], "next_lead as service_role+sub gave another lead"
    return {"my_leads_rows": len(mine), "next_lead_id": lead[0]["id"]}


# -- CPU per request, by component ---------------------------------------------
#
# On a shared machine throughput depends on what the neighbours leave; the CPU
# time each component spends per request does not, and it says where a request
# goes. Exited processes (pgbench's backends, wrk) are counted through their
# parent's cutime/cstime.

def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


def process_tree_cpu_ms(parents: dict[str, int | None]) -> dict[str, float]:
    """CPU ms so far of each named parent process and its live children (and the children it
    has reaped), in one pass over /proc."""
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    totals = dict.fromkeys(parents, 0.0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        fields = _stat(pid)
        if fields is None:
            continue
        own = int(fields[11]) + int(fields[12])
        for name, parent in parents.items():
            if pid == parent:
                totals[name] += (own + int(fields[13]) + int(fields[14])) * tick_ms
            elif parent and int(fields[1]) == parent:
                totals[name] += own * tick_ms
    return totals


def cpu_ms(config: StackConfig) -> dict[str, float]:
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    totals = process_tree_cpu_ms({"postgres": _pid(config.pg_data / "postmaster.pid"),
                                  "nginx": _pid(config.run_dir / "gateway.pid")})
    totals["postgrest"] = 0.0
    rest = _pid(config.run_dir / "postgrest.pid")
    fields = _stat(rest) if rest else None
    if fields is not None:
        totals["postgrest"] = (int(fields[11]) + int(fields[12])) * tick_ms
    times = os.times()
    totals["client"] = (times.children_user + times.children_system) * 1000
    return totals


def cpu_per_request(before: dict, after: dict, requests: int, seconds: float) -> dict:
    used = {k: after[k] - before[k] for k in before}
    out = {k: round(v / max(1, requests), 3) for k, v in used.items()}
    out["total"] = round(sum(used.values()) / max(1, requests), 3)
    out["cpus_used"] = round(sum(used.values()) / 1000 / seconds, 2)
    return out


# -- pgbench: the same SQL without HTTP ---------------------------------------

PGBENCH_SCRIPTS = {
    "sql_ping": """
BEGIN;
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', claims, true) FROM bench.agents WHERE idx = :a \\gset
SELECT public.bench_ping();
COMMIT;
""",
    "sql_my_leads": """
BEGIN;
SELECT set_config('role', 'authenticated', true) AS r, set_config('request.jwt.claims', claims, true) AS c, id AS me FROM bench.agents WHERE idx = :a \\gset
SELECT coalesce(json_agg(t), '[]') FROM (SELECT * FROM public.leads WHERE owner_id = :me ORDER BY next_call_at LIMIT 50) AS t;
COMMIT;
""",
    "sql_my_leads_sr": """
BEGIN;
SELECT set_config('role', 'service_role', true) AS r, set_config('request.jwt.claims', '{"role": "service_role"}', true) AS c, id AS me FROM bench.agents WHERE idx = :a \\gset
SELECT coalesce(json_agg(t), '[]') FROM (SELECT * FROM public.leads WHERE owner_id = :me ORDER BY next_call_at LIMIT 50) AS t;
COMMIT;
""",
    "sql_next_lead": """
BEGIN;
SELECT set_config('role', 'authenticated', true) AS r, set_config('request.jwt.claims', claims, true) AS c, campaign_id AS cid FROM bench.agents WHERE idx = :a \\gset
SELECT coalesce(json_agg(t), '[]') FROM public.next_lead(:cid) AS t;
COMMIT;
""",
}
SQL_LABELS = {
    "sql_ping": "SQL ping (agent)",
    "sql_my_leads": "SQL my leads (agent)",
    "sql_my_leads_sr": "SQL my leads (service_role)",
    "sql_next_lead": "SQL next_lead (agent)",
}


def run_pgbench(config: StackConfig, key: str, agents: int, *, seconds: int,
                clients: int = 16, threads: int = 2) -> wrk.Result:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "script.sql"
        script.write_text(f"\\set a random(0, {agents - 1})\n" + PGBENCH_SCRIPTS[key].lstrip())
        out = subprocess.run(
            ["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", str(threads),
             "-T", str(seconds), "-f", str(script), "-l", "--log-prefix", f"{tmp}/log",
             "-h", "127.0.0.1", "-p", str(config.pg_port), "-U", "supabase_admin", "postgres"],
            capture_output=True, text=True, env={**os.environ, "PGPASSWORD": config.db_password},
        )
        if out.returncode != 0:
            raise RuntimeError(f"pgbench {key} failed:\n{out.stdout}\n{out.stderr}")
        latencies = []
        for path in Path(tmp).glob("log*"):
            for line in path.read_text().splitlines():
                latencies.append(int(line.split()[2]))
    latencies.sort()
    tps = next(float(line.split("=")[1].split()[0]) for line in out.stdout.splitlines()
               if line.startswith("tps ="))
    failed = next((int(line.split(":")[1].split()[0]) for line in out.stdout.splitlines()
                   if line.startswith("number of failed transactions")), 0)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] / 1000

    return wrk.Result(SQL_LABELS[key], len(latencies), tps, pct(50), pct(95), pct(99),
                      latencies[-1] / 1000, failed)


# ============================================================================
# Report
# ============================================================================


def explain(conn: psycopg.Connection, agent: dict) -> dict:
    """The plan of "my leads" as PostgREST runs it, as the agent and as service_role."""
    query = ("select coalesce(json_agg(t), '[]') from (select * from public.leads"
             " where owner_id = %s order by next_call_at limit 50) as t")
    plans = {}
    for role, claims in (("authenticated", agent["claims"]),
                         ("service_role", '{"role": "service_role"}')):
        with conn.transaction():
            conn.execute("select set_config('role', %s, true), set_config('request.jwt.claims', %s, true)",
                         (role, claims))
            rows = conn.execute("explain (analyze, buffers, costs off) " + query,
                                (agent["id"],)).fetchall()
            plans[role] = [r[0] for r in rows]
    return plans


def top_statements(conn: psycopg.Connection) -> list[dict]:
    rows = conn.execute("""
      select s.calls, round(s.mean_exec_time::numeric, 3), round(s.total_exec_time::numeric),
             r.rolname, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 160)
      from extensions.pg_stat_statements as s
      join pg_roles as r on r.oid = s.userid
      where s.dbid = (select oid from pg_database where datname = current_database())
      order by s.total_exec_time desc limit 8""").fetchall()
    return [{"calls": c, "mean_ms": float(m), "total_ms": float(t), "role": role, "query": q}
            for c, m, t, role, q in rows]


def ratios(results: dict[str, wrk.Result], prefix: str = "") -> dict:
    ping, mine, mine_sr = (results.get(prefix + k) for k in ("ping", "my_leads", "my_leads_sr"))
    nxt, nxt_sr = results.get(prefix + "next_lead"), results.get(prefix + "next_lead_sr")
    out = {}
    if mine and mine_sr:
        out["my_leads_rls_overhead"] = mine_sr.rps / mine.rps
        out["my_leads_rls_overhead_p50"] = mine.p50_ms / mine_sr.p50_ms
    if nxt and nxt_sr:
        out["next_lead_rls_overhead"] = nxt_sr.rps / nxt.rps
    if ping and mine:
        out["my_leads_share_of_ping"] = mine.rps / ping.rps
    if ping and nxt:
        out["next_lead_share_of_ping"] = nxt.rps / ping.rps
    return out


def verdicts(results: dict[str, wrk.Result], prefix: str) -> list[dict]:
    r = ratios(results, prefix)
    mine, nxt = results[prefix + "my_leads"], results[prefix + "next_lead"]
    rows = [
        ("my leads p95 (ms)", mine.p95_ms, f"< {TARGET_P95_MS:g}", mine.p95_ms < TARGET_P95_MS),
        ("next_lead p95 (ms)", nxt.p95_ms, f"< {TARGET_P95_MS:g}", nxt.p95_ms < TARGET_P95_MS),
        ("my leads RLS overhead (sr req/s / agent req/s)", r["my_leads_rls_overhead"],
         f"< {TARGET_RLS_RATIO:g}", r["my_leads_rls_overhead"] < TARGET_RLS_RATIO),
        ("my leads req/s / ping req/s", r["my_leads_share_of_ping"],
         f">= {TARGET_MY_LEADS_SHARE:g}", r["my_leads_share_of_ping"] >= TARGET_MY_LEADS_SHARE),
        ("next_lead req/s / ping req/s", r["next_lead_share_of_ping"],
         f">= {TARGET_NEXT_LEAD_SHARE:.3f}", r["next_lead_share_of_ping"] >= TARGET_NEXT_LEAD_SHARE),
    ]
    return [{"target": name, "value": round(value, 3), "wanted": wanted, "pass": ok}
            for name, value, wanted, ok in rows]


def versions(config: StackConfig, conn: psycopg.Connection) -> dict:
    rest = subprocess.run([str(postgrest.BINARY), "--version"], capture_output=True,
                          text=True).stdout.strip()
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    return {
        "postgrest": rest,
        "postgresql": conn.execute("select version()").fetchone()[0],
        "wrk": (wrk_version.stdout + wrk_version.stderr).splitlines()[0].strip(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "postgrest_settings": {k: v for k, v in postgrest.settings(config).items()
                               if k in ("PGRST_DB_POOL", "PGRST_DB_MAX_ROWS")},
        "postgresql_settings": dict(conn.execute(
            "select name, setting || coalesce(unit, '') from pg_settings where name in"
            " ('shared_buffers', 'work_mem', 'max_connections', 'jit', 'random_page_cost',"
            "  'effective_cache_size', 'synchronous_commit')").fetchall()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crm_api", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--calls", type=int, default=5_000_000)
    parser.add_argument("--campaigns", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=15, help="per line of the table")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load before each line")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--keep", action="store_true",
                        help="leave the stack up at the end (a later run with the same sizes "
                             "reuses its data set)")
    parser.add_argument("--fresh", action="store_true", help="generate the data set again")
    parser.add_argument("--no-direct", action="store_true",
                        help="skip the lines against PostgREST's own port (no gateway)")
    parser.add_argument("--no-sql", action="store_true", help="skip the pgbench lines")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    sizes = Sizes(args.leads, args.agents, args.calls, max(1, min(args.campaigns, args.agents)))
    if min(args.leads, args.agents, args.calls) < 1:
        parser.error("--leads, --agents and --calls must be positive")

    log(f"Bench stack in {args.root}")
    config = bring_up(args.root)
    try:
        config, info = ensure_dataset(config, sizes, fresh=args.fresh)
        return measure(config, args, sizes, info)
    finally:
        if args.keep:
            log(f"Stack left up (--keep): python -m stack down --root {config.root}")
        else:
            log("Stopping the bench stack")
            tear_down(config, remove=True)


def measure(config: StackConfig, args: argparse.Namespace, sizes: Sizes, info: dict) -> int:
    with connect(config) as conn:
        counts = dataset_counts(conn)
        agents = [dict(zip(("idx", "id", "campaign_id", "email", "claims"), row, strict=True))
                  for row in conn.execute(
                      "select idx, id, campaign_id, email, claims from bench.agents order by idx")]
        open_sessions(conn, agents)
        version_info = versions(config, conn)
        plans = explain(conn, agents[0])
        assigned_before = conn.execute(
            "select count(*) from public.lead_history where via = 'rpc/next_lead'").fetchone()[0]
    log()
    log(f"Data set: {counts['leads']:,} leads ({counts['leads_queued']:,} queued, "
        f"{counts['leads_unassigned_queued']:,} of them in the pool), {counts['agents']:,} agents, "
        f"{counts['campaigns']} campaigns, {counts['calls']:,} calls in "
        f"{counts['call_partitions']} partitions; sizes MB {counts['mb']}")

    all_scenarios = scenarios(config, agents)
    by_key = {s.key: s for s in all_scenarios}
    targets = [("", f"{config.url}/rest/v1")]
    if not args.no_direct:
        targets.append(("direct_", f"http://127.0.0.1:{config.rest_port}"))
    wait_for_schema_cache(config, by_key["ping"])
    for _, base in targets:
        check = check_answers(base, by_key, agents)
    log(f"Answers checked: my leads gives {check['my_leads_rows']} own rows (the same as "
        "service_role), next_lead gives the agent's current lead again")

    load_before = loadavg()
    log(f"Load average before: {load_before}  ({os.cpu_count()} CPUs)")
    with connect(config) as conn:
        conn.execute("select extensions.pg_stat_statements_reset()")
    results: dict[str, wrk.Result] = {}
    loads: dict[str, float] = {}
    cpu: dict[str, dict] = {}
    log()
    log(f"{'line':38} {'req/s':>9}        {'p50':>9}     {'p95':>9}     {'p99':>9}     errors")
    for prefix, base in targets:
        via = "gateway (nginx)" if not prefix else "PostgREST port (no gateway)"
        log(f"-- through {via}: {base}, {args.connections} connections, {args.seconds} s each")
        for scenario in all_scenarios:
            if args.warmup:
                run_wrk("warmup", base, scenario, seconds=args.warmup,
                        connections=args.connections)
            loads[prefix + scenario.key] = loadavg()[0]
            before, t0 = cpu_ms(config), time.monotonic()
            result = run_wrk(scenario.label, base, scenario, seconds=args.seconds,
                             connections=args.connections)
            cpu[prefix + scenario.key] = cpu_per_request(
                before, cpu_ms(config), result.requests, time.monotonic() - t0)
            results[prefix + scenario.key] = result
            log(result.line())
    # Service time without queueing: one connection, the same requests.
    single = max(3, args.seconds // 3)
    log(f"-- through the gateway with 1 connection (no queueing), {single} s each")
    for scenario in all_scenarios:
        if scenario.key in ("ping", "my_leads", "next_lead"):
            result = run_wrk(scenario.label + " @1 conn", targets[0][1], scenario,
                             seconds=single, connections=1, threads=1)
            results["c1_" + scenario.key] = result
            log(result.line())
    if not args.no_sql:
        log(f"-- the same SQL with pgbench (no HTTP), {args.connections} clients, "
            f"PostgREST's impersonation")
        for key in PGBENCH_SCRIPTS:
            if args.warmup:
                run_pgbench(config, key, len(agents), seconds=args.warmup,
                            clients=args.connections)
            loads[key] = loadavg()[0]
            before, t0 = cpu_ms(config), time.monotonic()
            result = run_pgbench(config, key, len(agents), seconds=args.seconds,
                                 clients=args.connections)
            cpu[key] = cpu_per_request(before, cpu_ms(config), result.requests,
                                       time.monotonic() - t0)
            results[key] = result
            log(result.line())
    load_after = loadavg()

    with connect(config) as conn:
        statements = top_statements(conn)
        assigned = conn.execute(
            "select count(*) from public.lead_history where via = 'rpc/next_lead'").fetchone()[0]
    log()
    log(f"Load average after: {load_after}; 1-min load at the start of each line: "
        + ", ".join(f"{k} {v:.2f}" for k, v in loads.items()))
    log(f"next_lead assigned {assigned - assigned_before} pool leads during the run "
        "(otherwise it returned and locked each agent's current lead)")

    log()
    log("CPU ms per request by component (the client is wrk or pgbench); cpus_used of "
        f"{os.cpu_count()}:")
    log(f"  {'line':22} {'postgres':>9} {'postgrest':>9} {'nginx':>7} {'client':>7} {'total':>7}"
        f" {'cpus_used':>9}")
    for key, c in cpu.items():
        log(f"  {key:22} {c['postgres']:9.3f} {c['postgrest']:9.3f} {c['nginx']:7.3f}"
            f" {c['client']:7.3f} {c['total']:7.3f} {c['cpus_used']:9.2f}")

    verdict = verdicts(results, "")
    log()
    log("CRM API targets, through the gateway:")
    for v in verdict:
        log(f"  {'PASS' if v['pass'] else 'FAIL'}  {v['target']:48} {v['value']:>9}  (wanted {v['wanted']})")
    other = {}
    for label, prefix in (("PostgREST port", "direct_"), ("pgbench SQL", "sql_")):
        r = ratios(results, prefix)
        if r:
            other[label] = {k: round(v, 3) for k, v in r.items()}
            log(f"  {label}: " + ", ".join(f"{k} {v:.2f}" for k, v in r.items()))
    r_gw = ratios(results, "")
    log(f"  next_lead 'RLS overhead' (service_role+sub / agent req/s): "
        f"{r_gw['next_lead_rls_overhead']:.2f} - next_lead is security definer (owner bypasses "
        "RLS): the ratio shows no RLS cost by construction, only noise")
    log()
    log("Plan of my leads as the agent (PostgREST's shape):")
    for line in plans["authenticated"]:
        log("  " + line)
    log("Top statements (pg_stat_statements, during the run):")
    for s in statements[:6]:
        log(f"  {s['calls']:>8} calls {s['mean_ms']:8.3f} ms mean  {s['role']:14} {s['query'][:90]}")

    record = {
        "benchmark": "crm_api",
        "issue": 3,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "loadavg_before": load_before,
                    "loadavg_after": load_after, "loadavg_1min_at_line_start": loads,
                    "note": "shared 2-core machine: other sessions' tests may run beside"},
        "versions": version_info,
        "dataset": {"requested": asdict(sizes), "counts": counts,
                    "generated_at": info["generated_at"], "generation": info["timings"],
                    "max_attempts": sizes.max_attempts},
        "load": {"tool": "wrk (Lua: one agent per request, rotating)", "connections": args.connections,
                 "threads": 2, "seconds": args.seconds, "warmup_seconds": args.warmup,
                 "agents_rotated": len(agents)},
        "lines": {k: {**asdict(v), "rps": round(v.rps, 1), "p50_ms": round(v.p50_ms, 2),
                      "p95_ms": round(v.p95_ms, 2), "p99_ms": round(v.p99_ms, 2),
                      "max_ms": round(v.max_ms, 2)} for k, v in results.items()},
        "targets": {"p95_ms_below": TARGET_P95_MS, "rls_overhead_below": TARGET_RLS_RATIO,
                    "my_leads_share_of_ping_at_least": TARGET_MY_LEADS_SHARE,
                    "next_lead_share_of_ping_at_least": round(TARGET_NEXT_LEAD_SHARE, 3)},
        "verdict_gateway": verdict,
        "ratios": {"gateway": {k: round(v, 3) for k, v in r_gw.items()}, **other},
        "cpu_ms_per_request": cpu,
        "next_lead_assignments_during_run": assigned - assigned_before,
        "plans_my_leads": plans,
        "pg_stat_statements_top": statements,
        "choices": [
            "bench campaigns call 00:00-24:00 all 7 days: leads are callable at any hour",
            f"max_attempts {sizes.max_attempts}: above the generated attempts, retry leads stay callable",
            "bulk rows inserted with session_replication_role = replica (no triggers, no FK checks);"
            " call_index written by the generator; invariants verified set-based afterwards",
            "lead_history has no rows for the bulk leads",
            "RLS overhead = service_role req/s / agent req/s on the same request (same explicit owner)",
            "next_lead is security definer: its RLS overhead line uses a service_role token with the"
            " agent's sub and is 1.0 by construction; reported, not judged",
            "next_lead returns the agent's current lead until it is called: steady state is a row"
            " lock (SELECT FOR UPDATE SKIP LOCKED), not an UPDATE",
        ],
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(record, indent=2, default=str) + "\n")
    log()
    log(f"Recorded in {args.results.relative_to(PROJECT_DIR) if args.results.is_relative_to(PROJECT_DIR) else args.results}")
    return 0 if all(v["pass"] for v in verdict) else 1


if __name__ == "__main__":
    sys.exit(main())
