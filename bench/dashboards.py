"""The dashboards on a realistic day: agent_dashboard, supervisor_dashboard, system_health.

    .venv/bin/python -m bench.dashboards [--calls-per-day 20000] [--days 30] [--runs 30]
                                         [--root /tmp/bench-dashboards] [--keep]

Brings up its own stack (or reuses the one running in --root), generates --days days of
--calls-per-day calls (and 2 % of them sales) over 12 campaigns (10 in Madrid, 2 in Mexico
City) and 240 agents, with today's calls spread over 09:00-20:00 in each campaign's time
zone; bulk-inserted as superuser with session_replication_role = replica (no trigger fires),
then the report views are refreshed as the worker does (reports.refresh_view). The clock is
pinned (crm.now) at 20:00 Madrid so "today" is a full day. Each RPC is then called --runs
times after 3 warm-ups, impersonated as PostgREST does (role authenticated + claims, one
transaction per call): an agent, a supervisor of 2 campaigns, the admin over every campaign,
and system_health. Prints p50/p95 and writes bench/results/dashboards.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

from stack import lifecycle
from stack.config import PROJECT_DIR, StackConfig

DEFAULT_ROOT = Path("/tmp/bench-dashboards")  # noqa: S108 (the bench's own stack)
RESULTS = PROJECT_DIR / "bench" / "results" / "dashboards.json"
CAMPAIGNS = 12
AGENTS = 240
TARGET_P95_MS = 50.0


def log(message: str) -> None:
    print(message, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def generate(conn: psycopg.Connection, calls_per_day: int, days: int, today: dt.date) -> None:
    """Campaigns, supervisors, agents (through the triggers), then calls and sales in bulk."""
    conn.execute("""
      insert into auth.users (id, email, raw_app_meta_data, raw_user_meta_data)
      select md5('db-user' || g)::uuid, 'db-user' || g || '@bench.test',
        jsonb_build_object('role', case when g < 6 then 'supervisor' else 'agent' end),
        jsonb_build_object('full_name', 'Bench ' || g)
      from generate_series(0, %s) as g""", (AGENTS + 5,))
    conn.execute("""
      insert into public.campaigns (id, name, status, default_time_zone)
      select md5('db-campaign' || g)::uuid, 'Bench campaign ' || g, 'active',
        case when g < 10 then 'Europe/Madrid' else 'America/Mexico_City' end
      from generate_series(0, %s) as g""", (CAMPAIGNS - 1,))
    # Supervisor s runs campaigns 2s and 2s+1; agent a works campaign a % CAMPAIGNS.
    conn.execute("""
      insert into public.campaign_members (campaign_id, user_id, member_role)
      select md5('db-campaign' || c)::uuid, md5('db-user' || (c / 2))::uuid,
        'supervisor'::public.campaign_member_role
      from generate_series(0, %s) as c
      union all
      select md5('db-campaign' || (a %% %s))::uuid, md5('db-user' || (a + 6))::uuid, 'agent'
      from generate_series(0, %s) as a""", (CAMPAIGNS - 1, CAMPAIGNS, AGENTS - 1))
    conn.execute("""
      insert into public.products (id, code, name, insurance_line, premium, currency)
      values (md5('db-product')::uuid, 'DB-LIFE', 'Bench life', 'life', 20.00, 'EUR')""")
    conn.execute("select private.ensure_call_partitions(p_from => %s)",
                 (today - dt.timedelta(days=days + 2),))

    conn.execute("set session_replication_role = replica")
    started = time.perf_counter()
    # Call n of day d: campaign n % 12, agent of that campaign, 09:00-20:00 local.
    conn.execute("""
      insert into public.calls (id, started_at, campaign_id, agent_id, phone_number, status,
        outcome, answered_at, ended_at, ring_seconds, talk_seconds, duration_seconds,
        disposition, wrapped_up_at)
      select gen_random_uuid(), t.started_at, t.campaign_id, t.agent_id, '+34600000000', 'ended',
        case when t.r < 0.45 then 'answered' else 'no_answer' end,
        case when t.r < 0.45 then t.started_at + interval '8 seconds' end,
        t.started_at + interval '8 seconds' + make_interval(secs => t.talk),
        8, t.talk, 8 + t.talk,
        case
          when t.r < 0.02 then 'sale' when t.r < 0.12 then 'not_interested'
          when t.r < 0.25 then 'callback' when t.r < 0.45 then 'voicemail' else 'no_answer'
        end,
        t.started_at + interval '30 seconds' + make_interval(secs => t.talk)
      from (
        select *, case when u.r < 0.45 then 90 else 0 end as talk from (
        select
          md5('db-campaign' || (n %% %(campaigns)s))::uuid as campaign_id,
          md5('db-user' || (6 + (n %% %(campaigns)s)
            + %(campaigns)s * ((n / %(campaigns)s) %% (%(agents)s / %(campaigns)s))))::uuid
            as agent_id,
          ((%(today)s::date - d) + time '09:00'
            + make_interval(secs => (n * 39600.0 / %(per_day)s)))
            at time zone case when n %% %(campaigns)s < 10 then 'Europe/Madrid'
              else 'America/Mexico_City' end
            as started_at,
          random() as r
        from generate_series(0, %(days)s) as d
        cross join generate_series(0, %(per_day)s - 1) as n
        ) as u
      ) as t""", {"campaigns": CAMPAIGNS, "agents": AGENTS, "today": today,
                  "per_day": calls_per_day, "days": days})
    conn.execute("""
      insert into public.sales (lead_id, campaign_id, product_id, agent_id, premium,
        payment_frequency, currency, status, sold_at)
      select gen_random_uuid(), c.campaign_id, md5('db-product')::uuid, c.agent_id, 20,
        'monthly', 'EUR', 'pending', c.wrapped_up_at
      from public.calls as c
      where c.disposition = 'sale'""")
    conn.execute("set session_replication_role = origin")
    log(f"  generated in {time.perf_counter() - started:.1f} s")
    conn.execute("vacuum analyze public.calls")
    conn.execute("vacuum analyze public.sales")
    for view in ("agent_daily_stats", "sales_daily_stats", "hourly_stats"):
        conn.execute("select reports.refresh_view(%s, true)", (view,))
    conn.execute("analyze reports.agent_daily_stats, reports.sales_daily_stats,"
                 " reports.hourly_stats")


def time_rpc(conn: psycopg.Connection, user_id: str, sql: str, now: dt.datetime, runs: int) -> dict:
    samples: list[float] = []
    size = 0
    for n in range(runs + 3):
        with conn.transaction():
            conn.execute("select set_config('role', 'authenticated', true),"
                         " set_config('request.jwt.claims', %s, true),"
                         " set_config('crm.now', %s, true)",
                         (json.dumps({"sub": user_id, "role": "authenticated"}), now.isoformat()))
            t0 = time.perf_counter()
            size = len(conn.execute(sql).fetchone()[0])
            elapsed = (time.perf_counter() - t0) * 1000
        if n >= 3:
            samples.append(elapsed)
    return {"p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(percentile(samples, 95), 2), "max_ms": round(max(samples), 2),
            "runs": runs, "json_keys": size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls-per-day", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--keep", action="store_true", help="leave the stack up with its data")
    args = parser.parse_args()

    args.root.mkdir(parents=True, exist_ok=True)
    args.root.chmod(0o755)
    config = StackConfig.load_or_create(args.root, fixed_ports=False)
    try:
        psycopg.connect(config.database_url, connect_timeout=2).close()
        log(f"Reusing the stack in {args.root}")
        started_here = False
    except psycopg.OperationalError:
        log(f"Bench stack in {args.root}")
        lifecycle.up(config, workers=False, progress=lambda m: log(f"  - {m}"))
        started_here = True

    madrid = ZoneInfo("Europe/Madrid")
    today = dt.datetime.now(madrid).date()
    now = dt.datetime.combine(today, dt.time(20, 0), madrid)
    result: dict = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                "loadavg_before": list(os.getloadavg())},
                    "calls_per_day": args.calls_per_day, "days": args.days + 1}
    try:
        with psycopg.connect(config.database_url, autocommit=True) as conn:
            conn.execute("set jit = off")
            if conn.execute("select count(*) from public.campaigns"
                            " where id = md5('db-campaign0')::uuid").fetchone()[0]:
                log("Data set already generated: kept")
            else:
                log(f"Generating {args.days + 1} days x {args.calls_per_day:,} calls")
                generate(conn, args.calls_per_day, args.days, today)
            counts = conn.execute(
                "select (select count(*) from public.calls),"
                " (select count(*) from public.calls where started_at >= %s::date - 1),"
                " (select count(*) from public.sales),"
                " (select count(*) from reports.agent_daily_stats),"
                " (select count(*) from reports.hourly_stats)", (today,)).fetchone()
            result["counts"] = dict(zip(("calls", "calls_since_yesterday", "sales",
                                         "agent_daily_stats_rows", "hourly_stats_rows"), counts,
                                        strict=True))
            log(f"Data: {counts[0]:,} calls, {counts[2]:,} sales;"
                f" views {counts[3]:,} / {counts[4]:,} rows")

            ids = {k: conn.execute("select md5(%s)::uuid::text", (v,)).fetchone()[0]
                   for k, v in (("agent", "db-user6"), ("supervisor", "db-user0"))}
            ids["admin"] = conn.execute("select id::text from auth.users"
                                        " where email = 'admin@demo.test'").fetchone()[0]
            cases = {
                "agent_dashboard (agent)": ("agent", "select public.agent_dashboard()"),
                "supervisor_dashboard (supervisor, 2 campaigns)":
                    ("supervisor", "select public.supervisor_dashboard()"),
                "supervisor_dashboard (admin, every campaign)":
                    ("admin", "select public.supervisor_dashboard()"),
                "system_health (admin)": ("admin", "select public.system_health()"),
            }
            result["rpcs"] = {}
            for name, (who, sql) in cases.items():
                timing = time_rpc(conn, ids[who], sql, now, args.runs)
                result["rpcs"][name] = timing
                log(f"  {name:48} p50 {timing['p50_ms']:7.2f} ms  p95 {timing['p95_ms']:7.2f} ms")
        result["machine"]["loadavg_after"] = list(os.getloadavg())
        result["target_p95_ms"] = TARGET_P95_MS
        result["met"] = all(t["p95_ms"] < TARGET_P95_MS for t in result["rpcs"].values())
        RESULTS.write_text(json.dumps(result, indent=2, default=str) + "\n")
        log(f"Written {RESULTS.relative_to(PROJECT_DIR)}")
    finally:
        if started_here and not args.keep:
            lifecycle.down(config, progress=lambda m: log(f"  - {m}"))
            shutil.rmtree(args.root, ignore_errors=True)


if __name__ == "__main__":
    main()
