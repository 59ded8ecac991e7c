"""The leads screen at size: 100,000 leads per bulk action among 1,000,000, and the screen's reads.

    .venv/bin/python -m bench.lead_bulk [--leads 1000000] [--runs 10] [--root /tmp/bench-lead-bulk]
                                        [--keep] [--phase all|generate|measure]

It checks the target of issue 15: a bulk action on 100,000 leads in one call under 30 s. It
brings up a database-only stack of its own (PostgreSQL with the platform and the migrations,
and PostgREST: what the actions and the reads go through; default root /tmp/bench-lead-bulk),
generates 1,000,000 leads in 10 campaigns of 100,000 with set-based SQL (names with accents,
e-mails, Spanish mobile numbers, a tenth with an alternate number, statuses, attempts, owners,
last outcomes, creation dates over a year; bulk-inserted as superuser with
session_replication_role = replica, so no trigger and no history row for the generated leads),
VACUUM ANALYZEs it, then measures, one after the other:

  reads        the leads screen's requests through PostgREST, as the supervisor of campaign 0
               and as an admin (every campaign), with Prefer: count=estimated: newest first,
               the next page by keyset, search by name (accent-free) and by part of a phone
               number, a status filter sorted by next call; --runs each, p50/p95 in ms, and
               the Content-Range total (an estimate beyond max_rows = 1000)
  bulk         the six bulk functions through PostgREST, each on the 100,000 leads of
               campaign 0, as its supervisor (delete: as the admin, leads.delete), in this
               order: assign by 100,000 ids, assign by filter to another agent, unassign,
               return to the pool, set status lost, add to do-not-call, delete; wall time
               of the request, the answer's counts, the lead_history rows written, and the
               machine's load: load average, the CPU seconds the PostgreSQL processes used
               and the share of both cores busy (all processes, the other users of the
               machine included) during the action
  write cost   what the new indexes cost an import: 100,000 leads inserted in one
               transaction as a supervisor would import them (triggers on), with all
               indexes, without the trigram index on search_text, and without the other
               indexes of migration 20261206000130 (each rolled back)

It prints a table and writes bench/results/lead_bulk.json. Without --keep the stack is stopped
and its root removed; --phase generate / measure split the run (measure reuses a kept data set,
but the bulk phase consumes campaign 0: generate again after it).
"""

# ruff: noqa: E501 - the SQL below keeps one clause per line, some longer than 100

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import jwt
import psycopg

from stack import lifecycle, postgres, postgrest
from stack.config import PROJECT_DIR, StackConfig

DEFAULT_ROOT = Path("/tmp/bench-lead-bulk")  # noqa: S108 (the bench's own stack)
RESULTS = PROJECT_DIR / "bench" / "results" / "lead_bulk.json"
TARGET_S = 30.0
CAMPAIGNS = 10
AGENTS_PER_CAMPAIGN = 5

FIRST = ["José", "María", "Begoña", "Íñigo", "Ramón", "Lucía", "Álvaro", "Sofía", "Jesús", "Inés",
         "Martín", "Raúl", "Noelia", "Óscar", "Elena", "Andrés", "Marta", "Rocío", "Tomás", "Ana"]
LAST = ["Muñoz", "Pérez", "García", "López", "Martínez", "Sánchez", "Gómez", "Díaz", "Álvarez",
        "Romero", "Jiménez", "Fernández", "Ruiz", "Hernández", "Núñez", "Castaño", "Peña", "Ibáñez",
        "Ortiz", "Delgado"]
STATUSES = ["new"] * 8 + ["retry"] * 5 + ["callback", "won", "lost", "lost", "invalid", "exhausted",
                                          "do_not_call"]
OUTCOMES = ["no_answer", "busy", "voicemail", "callback", "sale", "not_interested", "wrong_number",
            "do_not_call"]


def log(message: str = "") -> None:
    print(message, flush=True)


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def text_array(values: list[str]) -> str:
    return "array[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def uid(kind: str, n: int) -> str:
    return str(uuid.UUID(__import__("hashlib").md5(f"lb-{kind}{n}".encode()).hexdigest()))


# ============================================================================
# The stack: the database and PostgREST only
# ============================================================================


def bring_up(root: Path) -> StackConfig:
    config = StackConfig.load_or_create(root, fixed_ports=False)
    log(f"  - PostgreSQL 15 on port {config.pg_port}")
    postgres.ensure_cluster(config)
    postgres.start(config)
    log("  - platform objects and migrations (supabase db push)")
    lifecycle.apply_platform(config)
    lifecycle.supabase_cli(config, "db", "push", "--yes")
    postgres.psql(config, "-c", "notify pgrst, 'reload schema'")
    log(f"  - PostgREST on port {config.rest_port}")
    postgrest.start(config)
    return config


def tear_down(config: StackConfig, *, remove: bool) -> None:
    lifecycle.down(config, progress=lambda m: log(f"  - {m}"))
    if remove and (config.root / "stack.json").exists():
        shutil.rmtree(config.root, ignore_errors=True)


# ============================================================================
# Data set
# ============================================================================


def generate(conn: psycopg.Connection, leads: int) -> dict[str, float]:
    timings: dict[str, float] = {}
    for setting in ("synchronous_commit = off", "maintenance_work_mem = '512MB'", "work_mem = '64MB'",
                    "jit = off"):
        conn.execute(f"set {setting}")
    started = time.monotonic()
    agents = CAMPAIGNS * AGENTS_PER_CAMPAIGN
    conn.execute(f"""
      insert into auth.users (instance_id, id, aud, role, email, encrypted_password,
        email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
      select '00000000-0000-0000-0000-000000000000'::uuid, u.id, 'authenticated', 'authenticated',
        u.email, '', now(), jsonb_build_object('provider', 'email', 'role', u.role),
        jsonb_build_object('full_name', u.full_name), now(), now()
      from (
        select md5('lb-agent' || a)::uuid, 'agent' || a || '@lead-bulk.bench', 'agent', 'Agente ' || a
        from generate_series(0, {agents - 1}) as a
        union all
        select md5('lb-supervisor' || c)::uuid, 'supervisor' || c || '@lead-bulk.bench', 'supervisor',
          'Supervisor ' || c
        from generate_series(0, {CAMPAIGNS - 1}) as c
        union all
        select md5('lb-admin0')::uuid, 'admin0@lead-bulk.bench', 'admin', 'Admin'
      ) as u (id, email, role, full_name)""")
    conn.execute(f"""
      insert into public.campaigns (id, name, status, calling_days)
      select md5('lb-campaign' || c)::uuid, 'Bench leads ' || lpad(c::text, 2, '0'), 'active', '{{1,2,3,4,5,6,7}}'
      from generate_series(0, {CAMPAIGNS - 1}) as c""")
    conn.execute(f"""
      insert into public.campaign_members (campaign_id, user_id, member_role)
      select md5('lb-campaign' || (a % {CAMPAIGNS}))::uuid, md5('lb-agent' || a)::uuid, 'agent'::public.campaign_member_role
      from generate_series(0, {agents - 1}) as a
      union all
      select md5('lb-campaign' || c)::uuid, md5('lb-supervisor' || c)::uuid, 'supervisor'::public.campaign_member_role
      from generate_series(0, {CAMPAIGNS - 1}) as c""")
    conn.execute("""
      insert into auth.sessions (id, user_id, created_at, updated_at, aal)
      select md5('lb-session' || u.id::text)::uuid, u.id, now(), now(), 'aal1'
      from auth.users as u where u.email like '%@lead-bulk.bench'""")
    timings["people and campaigns"] = round(time.monotonic() - started, 1)

    conn.execute("set session_replication_role = replica")
    started, batch = time.monotonic(), 200_000
    for lo in range(0, leads, batch):
        hi = min(leads, lo + batch)
        conn.execute(f"""
          insert into public.leads (
            id, campaign_id, owner_id, status, first_name, last_name, phone, alternate_phones, email,
            city, country_code, time_zone, attempts, last_called_at, next_call_at, last_outcome,
            source, external_ref, custom, created_at, updated_at
          )
          select
            md5('lb-lead' || f.n)::uuid,
            md5('lb-campaign' || f.c)::uuid,
            case when (f.n / {CAMPAIGNS}) % 10 < 3 then md5('lb-agent' || (f.c + {CAMPAIGNS} * ((f.n / {CAMPAIGNS}) % {AGENTS_PER_CAMPAIGN})))::uuid end,
            f.status,
            f.first_name,
            f.last_name,
            '+346' || lpad(((f.n * 7919) % 100000000)::text, 8, '0'),
            case when f.n % 10 = 0 then array['+349' || lpad(((f.n * 613) % 100000000)::text, 8, '0')]
              else '{{}}' end::public.phone_e164[],
            case when f.n % 4 <> 0 then
              lower(translate(f.first_name || '.' || f.last_name, 'ÁÉÍÓÚáéíóúüÜñÑ ', 'AEIOUaeiouuUnN.')) || f.n || '@example.com'
            end,
            'Madrid', 'ES', 'Europe/Madrid',
            f.attempts,
            case when f.attempts > 0 then f.created_at + interval '1 day' end,
            case when f.status in ('new', 'retry', 'callback') then now() - interval '10 days' + make_interval(mins => (f.n % 28800)::int) end,
            case when f.attempts > 0 then ({text_array(OUTCOMES)})[1 + (f.n / {CAMPAIGNS}) % {len(OUTCOMES)}] end,
            'import-2026-' || lpad((1 + f.n % 12)::text, 2, '0'),
            'EXT-' || lpad(f.n::text, 8, '0'),
            jsonb_build_object('edad', 20 + f.n % 50, 'producto_interes', (array['vida', 'hogar', 'salud'])[1 + f.n % 3]),
            f.created_at, f.created_at
          from (
            select
              x.n,
              x.n % {CAMPAIGNS} as c,
              ({text_array(FIRST)})[1 + (x.n / 7) % {len(FIRST)}] as first_name,
              ({text_array(LAST)})[1 + (x.n / 3) % {len(LAST)}] || ' ' || ({text_array(LAST)})[1 + (x.n / 11) % {len(LAST)}] as last_name,
              ({text_array(STATUSES)})[1 + (x.n / 13) % {len(STATUSES)}]::public.lead_status as status,
              case when ({text_array(STATUSES)})[1 + (x.n / 13) % {len(STATUSES)}] = 'new' then 0 else 1 + x.n % 5 end as attempts,
              now() - make_interval(secs => (x.n * 31.536)::double precision) as created_at
            from generate_series({lo}::bigint, {hi - 1}::bigint) as x (n)
          ) as f""")
        log(f"    leads {hi:>11,} / {leads:,}  {time.monotonic() - started:7.1f} s")
    conn.execute("set session_replication_role = origin")
    timings["leads"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    conn.execute("vacuum analyze public.leads")
    timings["vacuum analyze"] = round(time.monotonic() - started, 1)
    return timings


# ============================================================================
# Measures
# ============================================================================


def token(config: StackConfig, user_id: str, role: str) -> str:
    now = int(time.time())
    claims = {
        "iss": f"{config.url}/auth/v1", "sub": user_id, "aud": "authenticated", "exp": now + 7200,
        "iat": now, "role": "authenticated", "aal": "aal1",
        "app_metadata": {"provider": "email", "providers": ["email"], "role": role},
        "session_id": str(uuid.UUID(__import__("hashlib").md5(f"lb-session{user_id}".encode()).hexdigest())),
        "is_anonymous": False,
    }
    return jwt.encode(claims, config.jwt_secret, algorithm="HS256")


class Api:
    def __init__(self, config: StackConfig, user_id: str, role: str) -> None:
        self.client = httpx.Client(
            base_url=f"http://127.0.0.1:{config.rest_port}",
            headers={"apikey": config.anon_key, "Authorization": f"Bearer {token(config, user_id, role)}"},
            timeout=300,
        )

    def get(self, path: str, params: dict[str, str]) -> tuple[float, httpx.Response]:
        """(ms, response); an error answer (a statement timeout is 500) is returned, not raised."""
        started = time.perf_counter()
        response = self.client.get(path, params=params, headers={"Prefer": "count=estimated"})
        return (time.perf_counter() - started) * 1000, response

    def rpc(self, name: str, body: dict[str, Any]) -> tuple[float, Any]:
        started = time.perf_counter()
        response = self.client.post(f"/rpc/{name}", json=body)
        elapsed = time.perf_counter() - started
        if response.status_code >= 400:
            raise RuntimeError(f"rpc/{name}: {response.status_code} {response.text}")
        return elapsed, response.json()


def cpu_times() -> tuple[float, float, float]:
    """(PostgreSQL processes' CPU seconds, machine busy jiffies, machine total jiffies)."""
    tick = os.sysconf("SC_CLK_TCK")
    pg = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            pg += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
    cpu = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = cpu[3] + cpu[4]
    return pg, sum(cpu) - idle, sum(cpu)


def reads(config: StackConfig, runs: int) -> dict[str, Any]:
    # Campaign 1: the bulk phase consumes campaign 0, so the reads can be measured again after it.
    supervisor = Api(config, uid("supervisor", 1), "supervisor")
    admin = Api(config, uid("admin", 0), "admin")
    campaign = uid("campaign", 1)
    columns = "id,first_name,last_name,phone,email,status,owner_id,attempts,last_outcome,next_call_at,created_at"
    _, first = supervisor.get("/leads", {"select": columns, "campaign_id": f"eq.{campaign}",
                                         "order": "created_at.desc,id.desc", "limit": "50"})
    last = first.json()[-1]
    keyset = f"(created_at.lt.{last['created_at']},and(created_at.eq.{last['created_at']},id.lt.{last['id']}))"
    cases: list[tuple[str, Api, dict[str, str]]] = [
        ("supervisor: campaign, newest first", supervisor,
         {"select": columns, "campaign_id": f"eq.{campaign}", "order": "created_at.desc,id.desc", "limit": "50"}),
        ("supervisor: next page (keyset)", supervisor,
         {"select": columns, "campaign_id": f"eq.{campaign}", "created_at": f"lte.{last['created_at']}",
          "or": keyset, "order": "created_at.desc,id.desc",
          "limit": "50"}),
        ("supervisor: search name 'munoz'", supervisor,
         {"select": columns, "search_text": "ilike.*munoz*", "order": "created_at.desc,id.desc", "limit": "50"}),
        ("supervisor: search name 'ines ibanez'", supervisor,
         {"select": columns, "search_text": "ilike.*ines ibanez*", "order": "created_at.desc,id.desc", "limit": "50"}),
        ("supervisor: search phone part '4567'", supervisor,
         {"select": columns, "search_text": "ilike.*4567*", "order": "created_at.desc,id.desc", "limit": "50"}),
        ("supervisor: status new+retry by next call", supervisor,
         {"select": columns, "campaign_id": f"eq.{campaign}", "status": "in.(new,retry)",
          "order": "next_call_at.asc,id.asc", "limit": "50"}),
        ("supervisor: pool, last outcome no_answer", supervisor,
         {"select": columns, "owner_id": "is.null", "last_outcome": "eq.no_answer", "order": "created_at.desc,id.desc",
          "limit": "50"}),
        ("admin: every campaign, newest first", admin,
         {"select": columns, "order": "created_at.desc,id.desc", "limit": "50"}),
        ("admin: search e-mail 'lucia.pena'", admin,
         {"select": columns, "search_text": "ilike.*lucia.pena*", "order": "created_at.desc,id.desc", "limit": "50"}),
        ("admin: search full number '34600012345'", admin,
         {"select": columns, "search_text": "ilike.*34600012345*", "order": "created_at.desc,id.desc", "limit": "50"}),
        ("supervisor: rpc/search_leads 'ines ibanez'", supervisor,
         {"path": "/rpc/search_leads", "p_search": "ines ibanez", "select": columns, "order": "created_at.desc,id.desc",
          "limit": "50"}),
        ("supervisor: rpc/search_leads '4567'", supervisor,
         {"path": "/rpc/search_leads", "p_search": "4567", "select": columns, "order": "created_at.desc,id.desc",
          "limit": "50"}),
        ("supervisor: rpc/search_leads 'munoz' (common)", supervisor,
         {"path": "/rpc/search_leads", "p_search": "munoz", "select": columns, "order": "created_at.desc,id.desc",
          "limit": "50"}),
        ("admin: rpc/search_leads e-mail 'lucia.pena'", admin,
         {"path": "/rpc/search_leads", "p_search": "lucia.pena", "select": columns, "order": "created_at.desc,id.desc",
          "limit": "50"}),
        ("admin: rpc/search_leads full number '34600012345'", admin,
         {"path": "/rpc/search_leads", "p_search": "34600012345", "select": columns,
          "order": "created_at.desc,id.desc", "limit": "50"}),
        ("admin: attempts >= 3, created last 30 days", admin,
         {"select": columns, "attempts": "gte.3", "created_at": f"gte.{time.strftime('%Y-%m-%d', time.gmtime(time.time() - 30 * 86400))}",
          "order": "created_at.desc,id.desc", "limit": "50"}),
    ]
    out: dict[str, Any] = {}
    for name, api, query in cases:
        params = {k: v for k, v in query.items() if k != "path"}
        path = query.get("path", "/leads")
        api.get(path, params)  # warm-up
        times, total, errors = [], "", []
        load = loadavg()[0]
        for _ in range(runs):
            elapsed, response = api.get(path, params)
            times.append(elapsed)
            total = response.headers.get("content-range", "")
            if response.status_code >= 400:
                errors.append(f"{response.status_code} {response.json().get('message', '')}")
        times.sort()
        out[name] = {"p50_ms": round(statistics.median(times), 1),
                     "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
                     "content_range": total, "errors": errors, "loadavg_1m": load}
        log(f"  {name:46} p50 {out[name]['p50_ms']:7.1f} ms  p95 {out[name]['p95_ms']:7.1f} ms  {total}"
            f"  load {load:.1f}" + (f"  {len(errors)} errors: {errors[0]}" if errors else ""))
    return out


def bulk(config: StackConfig, conn: psycopg.Connection) -> dict[str, Any]:
    supervisor = Api(config, uid("supervisor", 0), "supervisor")
    admin = Api(config, uid("admin", 0), "admin")
    campaign = uid("campaign", 0)
    ids = [r[0] for r in conn.execute("select id::text from public.leads where campaign_id = %s", (campaign,))]
    log(f"  campaign 0 holds {len(ids):,} leads")
    by_filter = {"filter": {"campaign_id": campaign}}
    actions: list[tuple[str, Api, str, dict[str, Any]]] = [
        ("assign (100,000 ids)", supervisor, "bulk_assign_leads",
         {"p_selection": {"ids": ids}, "p_agent_id": uid("agent", 0)}),
        ("assign (filter), other agent", supervisor, "bulk_assign_leads",
         {"p_selection": by_filter, "p_agent_id": uid("agent", CAMPAIGNS)}),
        ("unassign", supervisor, "bulk_unassign_leads", {"p_selection": by_filter}),
        ("return to pool", supervisor, "bulk_return_leads_to_pool", {"p_selection": by_filter}),
        ("set status lost", supervisor, "bulk_set_lead_status", {"p_selection": by_filter, "p_status": "lost"}),
        ("do not call (campaign)", supervisor, "bulk_do_not_call",
         {"p_selection": by_filter, "p_scope": "campaign", "p_reason": "bench"}),
        ("delete (admin)", admin, "bulk_delete_leads", {"p_selection": by_filter}),
    ]
    out: dict[str, Any] = {}
    for name, api, function, body in actions:
        history_before = conn.execute("select count(*) from public.lead_history").fetchone()[0]
        load_before = loadavg()
        pg0, busy0, total0 = cpu_times()
        elapsed, answer = api.rpc(function, body)
        pg1, busy1, total1 = cpu_times()
        history = conn.execute("select count(*) from public.lead_history").fetchone()[0] - history_before
        out[name] = {
            "function": function, "seconds": round(elapsed, 2), "answer": answer, "history_rows": history,
            "postgres_cpu_s": round(pg1 - pg0, 2),
            "machine_busy": round((busy1 - busy0) / max(1, total1 - total0), 2),
            "loadavg_before": load_before, "loadavg_after": loadavg(),
        }
        log(f"  {name:30} {elapsed:6.2f} s  changed {answer['changed']:>7,} of {answer['matched']:>7,}"
            f"  skipped {json.dumps(answer['skipped'])}  history {history:,}"
            f"  pg cpu {out[name]['postgres_cpu_s']:.1f} s  machine busy {out[name]['machine_busy']:.0%}"
            f"  load {load_before[0]:.2f}")
    return out


WRITE_SQL = """
  insert into public.leads (campaign_id, first_name, last_name, phone, email, source, external_ref)
  select %(campaign)s::uuid, 'Importada ' || n, 'Núñez Peña', '+3471' || lpad(n::text, 7, '0'),
    'importada' || n || '@example.com', 'bench-import', 'IMP-' || n
  from generate_series(1, %(rows)s) as n
"""


def write_cost(config: StackConfig, rows: int) -> dict[str, Any]:
    """100,000 leads as a supervisor imports them (triggers on), with and without the new indexes."""
    variants = {
        "all indexes": [],
        "without leads_search_text_idx": ["leads_search_text_idx"],
        "without the filter indexes (migration 20261206000130)": list(NEW_BTREES),
        "without any of them": ["leads_search_text_idx", *NEW_BTREES],
    }
    out: dict[str, Any] = {}
    claims = json.dumps({"sub": uid("supervisor", 1), "role": "authenticated"})
    with psycopg.connect(config.database_url) as conn:
        for name, dropped in variants.items():
            for index in dropped:
                conn.execute(f"drop index public.{index}")
            conn.execute("select set_config('role', 'authenticated', true), set_config('request.jwt.claims', %s, true)",
                         (claims,))
            started = time.perf_counter()
            conn.execute(WRITE_SQL, {"campaign": uid("campaign", 1), "rows": rows})
            elapsed = time.perf_counter() - started
            conn.rollback()
            out[name] = {"seconds": round(elapsed, 2), "us_per_row": round(elapsed / rows * 1e6, 1)}
            log(f"  {name:56} {elapsed:6.2f} s  {out[name]['us_per_row']:6.1f} us/row")
    return out


NEW_BTREES = ("leads_created_at_idx", "leads_campaign_created_at_idx", "leads_last_outcome_idx")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--write-rows", type=int, default=100_000)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--phase", choices=("all", "generate", "measure", "reads"), default="all",
                        help="reads: measure the reads again into the existing results")
    parser.add_argument("--keep", action="store_true", help="leave the stack up with its data")
    args = parser.parse_args()

    args.root.mkdir(parents=True, exist_ok=True)
    log(f"Bench stack in {args.root}")
    config = bring_up(args.root)
    result: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                          "loadavg_before": loadavg()}}
    try:
        with psycopg.connect(config.database_url, autocommit=True) as conn:
            if args.phase in ("all", "generate"):
                present = conn.execute("select count(*) from public.leads where id = md5('lb-lead0')::uuid").fetchone()[0]
                if present:
                    log("Data set already generated: kept")
                else:
                    log(f"Generating {args.leads:,} leads in {CAMPAIGNS} campaigns")
                    result["generation_s"] = generate(conn, args.leads)
                    log(f"  {json.dumps(result['generation_s'])}")
            if args.phase == "reads":
                result = json.loads(RESULTS.read_text())
                log(f"Reads through PostgREST (Prefer: count=estimated), {args.runs} runs each")
                result["reads"] = reads(config, args.runs)
                result["reads_loadavg"] = loadavg()
                RESULTS.write_text(json.dumps(result, indent=2, default=str) + "\n")
                log(f"Wrote {RESULTS.relative_to(PROJECT_DIR)}")
            if args.phase in ("all", "measure"):
                result["counts"] = {"leads": conn.execute("select count(*) from public.leads").fetchone()[0]}
                log(f"Reads through PostgREST (Prefer: count=estimated), {args.runs} runs each")
                result["reads"] = reads(config, args.runs)
                log(f"Write cost: {args.write_rows:,} leads inserted as a supervisor's import (rolled back)")
                result["write_cost"] = write_cost(config, args.write_rows)
                log("Bulk actions through PostgREST, on the 100,000 leads of campaign 0")
                result["bulk"] = bulk(config, conn)
                result["machine"]["loadavg_after"] = loadavg()
                result["target_s"] = TARGET_S
                result["met"] = all(b["seconds"] < TARGET_S for b in result["bulk"].values())
                log(f"Target: every bulk action on 100,000 leads under {TARGET_S:.0f} s: {result['met']}")
                RESULTS.parent.mkdir(parents=True, exist_ok=True)
                RESULTS.write_text(json.dumps(result, indent=2, default=str) + "\n")
                log(f"Wrote {RESULTS.relative_to(PROJECT_DIR)}")
    finally:
        if not args.keep:
            tear_down(config, remove=True)


if __name__ == "__main__":
    main()
