"""The reports at size: view refreshes, report RPCs, and the same reports straight from the tables.

    .venv/bin/python -m bench.reports [--calls 10000000 --leads 1000000] [--runs 30]
                                      [--root /tmp/bench-reports] [--keep] [--phase all]

It checks the report targets (below). It brings up its own stack (default root
/tmp/bench-reports), generates the data set with set-based SQL (a progress line per phase;
rows are bulk-inserted as superuser with session_replication_role = replica, so no trigger
fires: no audit rows, no refresh requests, no call_index upkeep, no foreign key checks),
VACUUM ANALYZEs it, then measures on the same machine, one after the other:

  refresh        reports.refresh_view() for each view, what the worker runs: a full refresh
                 after the bulk load (every row new; REFRESH ... CONCURRENTLY for the two
                 materialized views, a whole rebuild of hourly_stats), then the steady-state
                 refresh after 1,000 new calls and 50 new sales today (CONCURRENTLY again for
                 the materialized views; only today's rows for hourly_stats)
  report RPCs    report_agent_performance and report_campaign_stats over the last 30 days and
                 report_daily_summary of yesterday, as the admin (every campaign) and as a
                 supervisor (their campaigns), impersonated the way PostgREST does it
                 (role authenticated + request.jwt.claims, one transaction per call); --runs
                 calls each after a warm-up, p50/p95 in ms, timed around the statement
  straight SQL   the same figures computed from calls, sales, campaigns and dispositions
                 (STRAIGHT_SQL below: the tests check that both give identical rows), a few
                 runs each, and the ratio straight / RPC at p50

Targets: report RPCs under 50 ms p95; each view refresh, full or steady-state, under 60 s.
It prints a table and writes bench/results/reports.json. Without --keep the stack is stopped
and its root removed; --phase generate / measure split the run (measure reuses a kept data
set).
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

import psycopg

from stack import lifecycle
from stack.config import PROJECT_DIR, StackConfig

DEFAULT_ROOT = Path("/tmp/bench-reports")  # noqa: S108 (the bench's own stack, as the brief names it)
RESULTS = PROJECT_DIR / "bench" / "results" / "reports.json"
TARGET_P95_MS = 50.0
TARGET_REFRESH_S = 60.0
VIEWS = ("agent_daily_stats", "sales_daily_stats", "hourly_stats")
CAMPAIGNS = 20
AGENTS = 300
DAYS = 365

# ---------------------------------------------------------------------------
# The reports, straight from the base tables. Same definitions as the RPCs
# (supabase/migrations/20261124005200_report_functions.sql); %(campaigns)s is
# the caller's scope (null: every campaign). tests/reporting checks that these
# and the RPCs return identical rows.
# ---------------------------------------------------------------------------

_CALL_ROWS = """
  select
    c.agent_id, c.campaign_id, (c.started_at at time zone cp.default_time_zone)::date as day,
    extract(hour from c.started_at at time zone cp.default_time_zone)::smallint as hour,
    c.started_at, c.status, c.outcome, c.ring_seconds, c.talk_seconds, c.ended_at,
    c.wrapped_up_at, d.effect,
    greatest(round(extract(epoch from c.wrapped_up_at - c.ended_at)), 0)::integer as wrap_up
  from public.calls as c
  inner join public.campaigns as cp on c.campaign_id = cp.id
  left join public.dispositions as d on c.disposition = d.code
  where
    c.started_at >= %(p_from)s::date - 1 and c.started_at < %(p_to)s::date + 2
    and (c.started_at at time zone cp.default_time_zone)::date
      between %(p_from)s::date and %(p_to)s::date
    and (%(campaigns)s::uuid[] is null or c.campaign_id = any(%(campaigns)s::uuid[]))
    and (%(p_agent_id)s::uuid is null or c.agent_id = %(p_agent_id)s::uuid)
"""

_SALE_ROWS = """
  select
    s.agent_id, s.campaign_id, s.product_id, s.status, s.currency, s.premium,
    extract(hour from s.sold_at at time zone cp.default_time_zone)::smallint as hour,
    s.premium * case s.payment_frequency when 'monthly' then 12 when 'quarterly' then 4 else 1 end
      as annual_premium
  from public.sales as s
  inner join public.campaigns as cp on s.campaign_id = cp.id
  where
    s.sold_at >= %(p_from)s::date - 1 and s.sold_at < %(p_to)s::date + 2
    and (s.sold_at at time zone cp.default_time_zone)::date
      between %(p_from)s::date and %(p_to)s::date
    and (%(campaigns)s::uuid[] is null or s.campaign_id = any(%(campaigns)s::uuid[]))
    and (%(p_agent_id)s::uuid is null or s.agent_id = %(p_agent_id)s::uuid)
"""

_CALL_FIGURES = """
  count(*) as calls,
  count(*) filter (where r.status = 'ended') as ended_calls,
  count(*) filter (where r.outcome = 'answered') as answered_calls,
  count(*) filter (where r.outcome = 'answered'
    and r.effect in ('callback', 'sale', 'closed', 'do_not_call')) as contacts,
  count(*) filter (where r.effect = 'sale') as sale_calls,
  count(*) filter (where r.wrapped_up_at is not null) as wrapped_calls,
  count(*) filter (where r.outcome = 'answered' and r.wrapped_up_at is not null) as handled_calls,
  coalesce(sum(r.ring_seconds), 0) as ring_seconds,
  coalesce(sum(r.talk_seconds), 0) as talk_seconds,
  coalesce(sum(r.wrap_up), 0) as wrap_up_seconds,
  coalesce(sum(coalesce(r.talk_seconds, 0) + r.wrap_up)
    filter (where r.outcome = 'answered' and r.wrapped_up_at is not null), 0) as handle_seconds
"""

_RATES = """
  round(ct.answered_calls::numeric / nullif(ct.calls, 0), 4) as answer_rate,
  round(ct.contacts::numeric / nullif(ct.calls, 0), 4) as contact_rate,
  round(coalesce(st.sales, 0)::numeric / nullif(ct.contacts, 0), 4) as conversion_rate,
  coalesce(sp.active_seconds, 0) as active_seconds,
  round(ct.calls * 3600.0 / nullif(sp.active_seconds, 0), 2) as calls_per_hour,
  coalesce(ct.talk_seconds, 0) as talk_seconds,
  coalesce(ct.ring_seconds, 0) as ring_seconds,
  coalesce(ct.wrap_up_seconds, 0) as wrap_up_seconds,
  round(ct.talk_seconds::numeric / nullif(ct.answered_calls, 0), 1) as avg_talk_seconds,
  round(ct.ring_seconds::numeric / nullif(ct.ended_calls, 0), 1) as avg_ring_seconds,
  round(ct.wrap_up_seconds::numeric / nullif(ct.wrapped_calls, 0), 1) as avg_wrap_up_seconds,
  round(ct.handle_seconds::numeric / nullif(ct.handled_calls, 0), 1) as avg_handle_seconds,
  coalesce(pr.validated_premium, '{}'::jsonb) as validated_premium
"""

STRAIGHT_SQL = {
    "agent_performance": f"""
with call_rows as ({_CALL_ROWS}),
sale_rows as ({_SALE_ROWS}),
ct as (select r.agent_id, {_CALL_FIGURES} from call_rows as r group by r.agent_id),
sp as (
  select d.agent_id, round(sum(d.span))::bigint as active_seconds
  from (
    select r.agent_id, extract(epoch from max(coalesce(r.wrapped_up_at, r.ended_at, r.started_at))
      - min(r.started_at)) as span
    from call_rows as r group by r.agent_id, r.day
  ) as d
  group by d.agent_id
),
st as (
  select s.agent_id, count(*) filter (where s.status <> 'cancelled') as sales,
    count(*) filter (where s.status = 'validated') as validated_sales
  from sale_rows as s group by s.agent_id
),
pr as (
  select x.agent_id, jsonb_object_agg(x.currency, x.amount order by x.currency) as validated_premium
  from (select s.agent_id, s.currency, sum(s.annual_premium) as amount from sale_rows as s
        where s.status = 'validated' group by s.agent_id, s.currency) as x
  group by x.agent_id
)
select
  coalesce(ct.agent_id, st.agent_id) as agent_id,
  coalesce(ct.calls, 0) as calls, coalesce(ct.answered_calls, 0) as answered_calls,
  coalesce(ct.contacts, 0) as contacts, coalesce(ct.sale_calls, 0) as sale_calls,
  coalesce(st.sales, 0) as sales, coalesce(st.validated_sales, 0) as validated_sales,
  {_RATES}
from ct
full join st on ct.agent_id = st.agent_id
left join sp on coalesce(ct.agent_id, st.agent_id) = sp.agent_id
left join pr on coalesce(ct.agent_id, st.agent_id) = pr.agent_id
""",
    "campaign_stats": f"""
with call_rows as ({_CALL_ROWS}),
sale_rows as ({_SALE_ROWS}),
ct as (
  select r.campaign_id, count(distinct r.agent_id) as agents, {_CALL_FIGURES}
  from call_rows as r group by r.campaign_id
),
sp as (
  select d.campaign_id, round(sum(d.span))::bigint as active_seconds
  from (
    select r.campaign_id,
      extract(epoch from max(coalesce(r.wrapped_up_at, r.ended_at, r.started_at))
        - min(r.started_at)) as span
    from call_rows as r group by r.campaign_id, r.agent_id, r.day
  ) as d
  group by d.campaign_id
),
sg as (
  select s.campaign_id, s.product_id, s.status, s.currency, count(*) as sales,
    sum(s.premium) as premium, sum(s.annual_premium) as annual_premium
  from sale_rows as s group by s.campaign_id, s.product_id, s.status, s.currency
),
st as (
  select sg.campaign_id,
    coalesce(sum(sg.sales) filter (where sg.status <> 'cancelled'), 0) as sales,
    coalesce(sum(sg.sales) filter (where sg.status = 'validated'), 0) as validated_sales,
    coalesce(sum(sg.sales) filter (where sg.status = 'pending'), 0) as pending_sales,
    coalesce(sum(sg.sales) filter (where sg.status = 'rejected'), 0) as rejected_sales,
    coalesce(sum(sg.sales) filter (where sg.status = 'cancelled'), 0) as cancelled_sales,
    jsonb_agg(jsonb_build_object(
      'product_id', sg.product_id, 'product_code', pd.code, 'product_name', pd.name,
      'status', sg.status, 'currency', sg.currency, 'sales', sg.sales, 'premium', sg.premium,
      'annual_premium', sg.annual_premium) order by pd.code, sg.status, sg.currency
    ) as sales_by_product
  from sg left join public.products as pd on sg.product_id = pd.id
  group by sg.campaign_id
),
pr as (
  select x.campaign_id,
    jsonb_object_agg(x.currency, x.amount order by x.currency) as validated_premium
  from (select sg.campaign_id, sg.currency, sum(sg.annual_premium) as amount from sg
        where sg.status = 'validated' group by sg.campaign_id, sg.currency) as x
  group by x.campaign_id
)
select
  coalesce(ct.campaign_id, st.campaign_id) as campaign_id,
  coalesce(ct.agents, 0) as agents,
  coalesce(ct.calls, 0) as calls, coalesce(ct.answered_calls, 0) as answered_calls,
  coalesce(ct.contacts, 0) as contacts, coalesce(ct.sale_calls, 0) as sale_calls,
  coalesce(st.sales, 0) as sales, coalesce(st.validated_sales, 0) as validated_sales,
  coalesce(st.pending_sales, 0) as pending_sales, coalesce(st.rejected_sales, 0) as rejected_sales,
  coalesce(st.cancelled_sales, 0) as cancelled_sales,
  {_RATES},
  coalesce(st.sales_by_product, '[]'::jsonb) as sales_by_product
from ct
full join st on ct.campaign_id = st.campaign_id
left join sp on coalesce(ct.campaign_id, st.campaign_id) = sp.campaign_id
left join pr on coalesce(ct.campaign_id, st.campaign_id) = pr.campaign_id
""",
    "daily_summary": f"""
with call_rows as ({_CALL_ROWS}),
sale_rows as ({_SALE_ROWS}),
ch as (
  select r.hour, count(*) as calls,
    count(*) filter (where r.outcome = 'answered') as answered_calls,
    count(*) filter (where r.outcome = 'answered'
      and r.effect in ('callback', 'sale', 'closed', 'do_not_call')) as contacts,
    count(*) filter (where r.effect = 'sale') as sale_calls,
    coalesce(sum(r.talk_seconds), 0) as talk_seconds,
    count(distinct r.agent_id) as agents
  from call_rows as r group by r.hour
),
sh as (
  select s.hour, count(*) filter (where s.status <> 'cancelled') as sales,
    count(*) filter (where s.status = 'validated') as validated_sales
  from sale_rows as s group by s.hour
)
select
  g.hour::smallint as hour,
  coalesce(ch.calls, 0) as calls, coalesce(ch.answered_calls, 0) as answered_calls,
  coalesce(ch.contacts, 0) as contacts, coalesce(ch.sale_calls, 0) as sale_calls,
  coalesce(sh.sales, 0) as sales, coalesce(sh.validated_sales, 0) as validated_sales,
  coalesce(ch.talk_seconds, 0) as talk_seconds, coalesce(ch.agents, 0) as agents,
  round(ch.calls::numeric / nullif(ch.agents, 0), 2) as calls_per_agent
from generate_series(0, 23) as g (hour)
left join ch on g.hour = ch.hour
left join sh on g.hour = sh.hour
order by g.hour
""",
}

RPC_SQL = {
    "agent_performance": "select * from public.report_agent_performance("
                         "%(p_from)s::date, %(p_to)s::date, %(p_campaign_id)s::uuid,"
                         " %(p_agent_id)s::uuid)",
    "campaign_stats": "select * from public.report_campaign_stats("
                      "%(p_from)s::date, %(p_to)s::date, %(p_campaign_id)s::uuid)",
    "daily_summary": "select * from public.report_daily_summary("
                     "%(p_from)s::date, %(p_campaign_id)s::uuid, %(p_agent_id)s::uuid)",
}


def straight(conn: psycopg.Connection, report: str, p_from: dt.date, p_to: dt.date,
             campaigns: list | None, agent_id=None) -> list[tuple]:
    """A report straight from the base tables (p_to is ignored by daily_summary: one day)."""
    if report == "daily_summary":
        p_to = p_from
    return conn.execute(STRAIGHT_SQL[report], {
        "p_from": p_from, "p_to": p_to, "campaigns": campaigns, "p_agent_id": agent_id,
    }).fetchall()


# ---------------------------------------------------------------------------
# The data set
# ---------------------------------------------------------------------------

def log(message: str = "") -> None:
    print(message, flush=True)


class Generator:
    """calls spread evenly over the last DAYS days (in time order, one batch per month)."""

    def __init__(self, conn: psycopg.Connection, calls: int, leads: int):
        self.conn, self.calls_n, self.leads_n = conn, calls, leads
        self.t_end = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
        self.t_start = self.t_end - dt.timedelta(days=DAYS)
        self.step_us = DAYS * 86_400 * 1_000_000 / calls
        self.timings: dict[str, float] = {}

    def phase(self, name: str, rows: int, started: float) -> None:
        seconds = round(time.monotonic() - started, 1)
        self.timings[name] = seconds
        log(f"  {name:24} {rows:>12,} rows {seconds:8.1f} s")

    def run(self) -> dict[str, float]:
        log(f"Generating {self.calls_n:,} calls, {self.leads_n:,} leads, {AGENTS} agents,"
            f" {CAMPAIGNS} campaigns, calls from {self.t_start:%Y-%m-%d} to {self.t_end:%Y-%m-%d}")
        total = time.monotonic()
        for setting in ("synchronous_commit = off", "maintenance_work_mem = '512MB'",
                        "work_mem = '64MB'", "jit = off"):
            self.conn.execute(f"set {setting}")
        self.people_and_campaigns()
        self.conn.execute("set session_replication_role = replica")
        self.leads()
        self.calls()
        self.sales()
        self.conn.execute("set session_replication_role = origin")
        started = time.monotonic()
        self.conn.execute("vacuum analyze public.calls, public.sales, public.leads")
        self.phase("vacuum analyze", 0, started)
        self.timings["total"] = round(time.monotonic() - total, 1)
        log(f"  {'total':24} {'':>12}      {self.timings['total']:8.1f} s")
        return self.timings

    def people_and_campaigns(self) -> None:
        started = time.monotonic()
        self.conn.execute(f"""
          insert into auth.users (instance_id, id, aud, role, email, encrypted_password,
            email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
          select '00000000-0000-0000-0000-000000000000'::uuid, u.id, 'authenticated',
            'authenticated', u.email, '', now(),
            jsonb_build_object('provider', 'email', 'role', u.role),
            jsonb_build_object('full_name', u.full_name), now(), now()
          from (
            select md5('rb-agent' || a)::uuid, 'agent' || a || '@reports.bench', 'agent',
              'Agente ' || a from generate_series(0, {AGENTS - 1}) as a
            union all
            select md5('rb-supervisor' || s)::uuid, 'supervisor' || s || '@reports.bench',
              'supervisor', 'Supervisor ' || s from generate_series(0, {CAMPAIGNS // 2 - 1}) as s
          ) as u (id, email, role, full_name)""")
        self.conn.execute(f"""
          insert into public.campaigns (id, name, status, default_time_zone, calling_days)
          select md5('rb-campaign' || c)::uuid, 'Bench reports ' || lpad(c::text, 2, '0'), 'active',
            case when c % 2 = 0 then 'Europe/Madrid' else 'America/Mexico_City' end,
            '{{1,2,3,4,5,6,7}}'
          from generate_series(0, {CAMPAIGNS - 1}) as c""")
        self.conn.execute(f"""
          insert into public.campaign_members (campaign_id, user_id, member_role)
          select md5('rb-campaign' || (a % {CAMPAIGNS}))::uuid, md5('rb-agent' || a)::uuid,
            'agent'::public.campaign_member_role
          from generate_series(0, {AGENTS - 1}) as a
          union all
          select md5('rb-campaign' || c)::uuid, md5('rb-supervisor' || (c / 2))::uuid,
            'supervisor'::public.campaign_member_role
          from generate_series(0, {CAMPAIGNS - 1}) as c""")
        self.conn.execute(f"""
          insert into public.products (id, code, name, insurance_line, premium, payment_frequency,
            currency)
          select md5('rb-product' || p)::uuid, 'RB-' || lpad(p::text, 3, '0'),
            'Bench product ' || p,
            (array['life', 'home', 'health'])[1 + p % 3]::public.insurance_line,
            (10 + p)::numeric,
            (array['monthly', 'quarterly', 'yearly'])[1 + p % 3]::public.payment_frequency,
            case when (p / 3) % 2 = 0 then 'EUR' else 'MXN' end
          from generate_series(0, {CAMPAIGNS * 3 - 1}) as p""")
        self.conn.execute(f"""
          insert into public.campaign_products (campaign_id, product_id)
          select md5('rb-campaign' || (p / 3))::uuid, md5('rb-product' || p)::uuid
          from generate_series(0, {CAMPAIGNS * 3 - 1}) as p""")
        self.phase("people and campaigns", AGENTS + CAMPAIGNS, started)

    def leads(self) -> None:
        started, batch = time.monotonic(), 250_000
        for lo in range(0, self.leads_n, batch):
            hi = min(self.leads_n, lo + batch)
            self.conn.execute(f"""
              insert into public.leads (id, campaign_id, owner_id, status, first_name, phone,
                time_zone, next_call_at, source)
              select md5('rb-lead' || n)::uuid, md5('rb-campaign' || (n % {CAMPAIGNS}))::uuid,
                md5('rb-agent' || (n % {AGENTS}))::uuid, 'new', 'Lead ' || n,
                '+347' || lpad(n::text, 8, '0'),
                case when n % 2 = 0 then 'Europe/Madrid' else 'America/Mexico_City' end,
                now(), 'bench'
              from generate_series({lo}, {hi - 1}) as n""")
            log(f"    leads {hi:>12,} / {self.leads_n:,} {time.monotonic() - started:8.1f} s")
        self.phase("leads", self.leads_n, started)

    def month_batches(self) -> list[tuple[str, int, int]]:
        batches, month = [], dt.datetime(self.t_start.year, self.t_start.month, 1, tzinfo=dt.UTC)
        step = dt.timedelta(microseconds=self.step_us)
        while month <= self.t_end:
            following = (month + dt.timedelta(days=32)).replace(day=1)
            lo = max(0, math.ceil((month - self.t_start) / step))
            hi = min(self.calls_n, math.ceil((following - self.t_start) / step))
            if hi > lo:
                batches.append((f"{month:%Y-%m}", lo, hi))
            month = following
        return batches

    def calls(self) -> None:
        started = time.monotonic()
        self.conn.execute(
            f"select private.ensure_call_partitions(3, date '{self.t_start:%Y-%m-01}')")
        # Lead n belongs to campaign n % CAMPAIGNS and agent n % AGENTS: AGENTS is a multiple
        # of CAMPAIGNS, so each agent works one campaign. Outcomes cycle with a hash of i.
        done = 0
        for month, lo, hi in self.month_batches():
            t0 = time.monotonic()
            self.conn.execute(f"""
              with f as (
                select i, i % {self.leads_n} as n,
                  timestamptz '{self.t_start.isoformat()}' + i * {self.step_us}::float8
                    * interval '1 microsecond' as started_at,
                  abs(hashint8(i)) % 100 as h
                from generate_series({lo}::bigint, {hi - 1}::bigint) as i
              ),
              m as (
                select f.*,
                  case
                    when f.h < 30 then 'no_answer' when f.h < 42 then 'busy'
                    when f.h < 45 then 'call_failed' when f.h < 60 then 'voicemail'
                    when f.h < 72 then 'not_interested' when f.h < 80 then 'already_insured'
                    when f.h < 86 then 'callback' when f.h < 89 then 'wrong_number'
                    when f.h < 91 then 'do_not_call' else 'sale'
                  end as disposition
                from f
              ),
              t as (
                select m.*,
                  case m.disposition when 'no_answer' then 'no_answer' when 'busy' then 'busy'
                    when 'call_failed' then 'failed' else 'answered' end as outcome,
                  case m.disposition when 'no_answer' then 30 when 'busy' then 2
                    when 'call_failed' then 0 else 4 + m.i % 18 end as ring_seconds,
                  case m.disposition when 'sale' then 600 + m.i % 900
                    when 'callback' then 90 + m.i % 200 when 'voicemail' then 25
                    when 'no_answer' then 0 when 'busy' then 0 when 'call_failed' then 0
                    else 30 + m.i % 150 end as talk_seconds
                from m
              )
              insert into public.calls (id, started_at, lead_id, campaign_id, agent_id,
                phone_number, status, outcome, answered_at, ended_at, ring_seconds, talk_seconds,
                duration_seconds, hangup_by, disposition, wrapped_up_at, created_at, updated_at)
              select md5('rb-call' || t.i)::uuid, t.started_at, md5('rb-lead' || t.n)::uuid,
                md5('rb-campaign' || (t.n % {CAMPAIGNS}))::uuid,
                md5('rb-agent' || (t.n % {AGENTS}))::uuid,
                '+347' || lpad(t.n::text, 8, '0'), 'ended', t.outcome,
                case when t.outcome = 'answered'
                  then t.started_at + make_interval(secs => t.ring_seconds) end,
                t.started_at + make_interval(secs => t.ring_seconds + t.talk_seconds),
                t.ring_seconds, t.talk_seconds, t.ring_seconds + t.talk_seconds,
                case when t.outcome = 'answered' then 'lead' else 'system' end, t.disposition,
                t.started_at
                  + make_interval(secs => t.ring_seconds + t.talk_seconds + 10 + (t.i % 40)::int),
                t.started_at, t.started_at
              from t""")
            done += hi - lo
            log(f"    calls {month} {hi - lo:>10,} (total {done:>11,} / {self.calls_n:,})"
                f" {time.monotonic() - t0:7.1f} s")
        self.phase("calls", done, started)

    def sales(self) -> None:
        started = time.monotonic()
        cur = self.conn.execute(f"""
          insert into public.sales (lead_id, campaign_id, product_id, agent_id, premium,
            payment_frequency, currency, status, status_reason, validated_at, sold_at, created_at,
            updated_at)
          select c.lead_id, c.campaign_id, p.id, c.agent_id, p.premium, p.payment_frequency,
            p.currency,
            s.status::public.sale_status,
            case when s.status = 'rejected' then 'Bench rejection' end,
            case when s.status in ('validated', 'rejected') then c.ended_at + interval '1 day' end,
            c.ended_at, c.ended_at, c.ended_at
          from public.calls as c
          inner join generate_series(0, {CAMPAIGNS - 1}) as k (c)
            on c.campaign_id = md5('rb-campaign' || k.c)::uuid
          inner join public.products as p
            on p.id = md5('rb-product' || (k.c * 3 + abs(hashtext(c.id::text)) % 3))::uuid
          cross join lateral (
            select (array['validated', 'validated', 'validated', 'pending', 'rejected'])[
              1 + abs(hashtext(c.id::text || 's')) % 5] as status
          ) as s
          where c.disposition = 'sale'""")
        self.phase("sales", cur.rowcount, started)


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, math.ceil(q / 100 * len(ordered)) - 1)
    return ordered[k]


def as_caller(conn: psycopg.Connection, user_id: str) -> None:
    conn.execute("select set_config('role', 'authenticated', true),"
                 " set_config('request.jwt.claims', %s, true)",
                 (json.dumps({"sub": user_id, "role": "authenticated"}),))


def time_rpc(conn: psycopg.Connection, user_id: str, report: str, params: dict,
             runs: int) -> dict:
    samples, rows = [], 0
    for n in range(runs + 3):
        with conn.transaction():
            as_caller(conn, user_id)
            t0 = time.perf_counter()
            rows = len(conn.execute(RPC_SQL[report], params).fetchall())
            elapsed = (time.perf_counter() - t0) * 1000
        if n >= 3:  # warm-up
            samples.append(elapsed)
    return {"p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(percentile(samples, 95), 2), "max_ms": round(max(samples), 2),
            "runs": runs, "rows": rows}


def time_straight(conn: psycopg.Connection, report: str, p_from, p_to, campaigns,
                  runs: int) -> dict:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        straight(conn, report, p_from, p_to, campaigns)
        samples.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": round(statistics.median(samples), 1),
            "p95_ms": round(percentile(samples, 95), 1), "runs": runs}


def refresh(conn: psycopg.Connection, view: str, *, full: bool = False) -> float:
    """One refresh as the worker runs it; full: hourly_stats rebuilt whole, not by day."""
    row = conn.execute("select refreshed, duration_ms from reports.refresh_view(%s, %s)",
                       (view, full)).fetchone()
    assert row[0], f"{view}: another session holds the refresh"
    return row[1] / 1000


def add_today(conn: psycopg.Connection) -> None:
    """1,000 calls and 50 sales today, through the triggers (they queue refresh requests)."""
    conn.execute("""
      insert into public.calls (started_at, lead_id, campaign_id, agent_id, phone_number, status,
        outcome, answered_at, ended_at, ring_seconds, talk_seconds, duration_seconds, disposition,
        wrapped_up_at)
      select now() - make_interval(secs => g), l.id, l.campaign_id, l.owner_id, l.phone, 'ended',
        'answered', now() - make_interval(secs => g - 5), now() - make_interval(secs => g - 65),
        5, 60, 65, 'not_interested', now() - make_interval(secs => g - 80)
      from generate_series(100, 1099) as g
      inner join public.leads as l on l.id = md5('rb-lead' || g)::uuid""")
    conn.execute("""
      insert into public.sales (lead_id, product_id, agent_id, premium, sold_at)
      select l.id, cp.product_id, l.owner_id, 20, now() - make_interval(secs => g)
      from generate_series(100, 149) as g
      inner join public.leads as l on l.id = md5('rb-lead' || g)::uuid
      inner join lateral (select cp.product_id from public.campaign_products as cp
                          where cp.campaign_id = l.campaign_id limit 1) as cp on true""")


def measure(config: StackConfig, runs: int, straight_runs: int) -> dict:
    conn = psycopg.connect(config.database_url, autocommit=True)
    conn.execute("set jit = off")
    counts = conn.execute("select (select count(*) from public.calls),"
                          " (select count(*) from public.leads),"
                          " (select count(*) from public.sales)").fetchone()
    log(f"Data set: {counts[0]:,} calls, {counts[1]:,} leads, {counts[2]:,} sales")

    log("Refreshing the views through reports.refresh_view (what the worker runs)")
    refreshes: dict[str, dict] = {}
    for view in VIEWS:
        seconds = refresh(conn, view, full=True)
        rows = conn.execute(f"select count(*) from reports.{view}").fetchone()[0]
        refreshes[view] = {"full_s": round(seconds, 2), "rows": rows}
        log(f"  {view:20} full refresh     {seconds:8.2f} s  ({rows:,} rows)")
    add_today(conn)
    for view in VIEWS:
        seconds = [refresh(conn, view) for _ in range(2)]
        refreshes[view]["steady_s"] = round(max(seconds), 2)
        log(f"  {view:20} steady refresh   {max(seconds):8.2f} s  (after 1,000 calls, 50 sales)")

    today = conn.execute("select (now() at time zone 'Europe/Madrid')::date").fetchone()[0]
    p_from, p_to = today - dt.timedelta(days=29), today
    yesterday = today - dt.timedelta(days=1)
    admin = conn.execute("select id::text from auth.users where email = 'admin@demo.test'"
                         ).fetchone()[0]
    supervisor = conn.execute("select md5('rb-supervisor0')::uuid::text").fetchone()[0]
    sup_campaigns = [r[0] for r in conn.execute(
        "select campaign_id from public.campaign_members where user_id = %s::uuid"
        " and member_role = 'supervisor'", (supervisor,)).fetchall()]

    log(f"Report RPCs ({runs} calls each after 3 warm-ups; 30 days {p_from}..{p_to},"
        f" daily summary {yesterday})")
    reports: dict[str, dict] = {}
    for report in RPC_SQL:
        day_from = yesterday if report == "daily_summary" else p_from
        params = {"p_from": day_from, "p_to": p_to, "p_campaign_id": None, "p_agent_id": None}
        for who, user_id, scope in (("admin", admin, None),
                                    ("supervisor", supervisor, sup_campaigns)):
            rpc = time_rpc(conn, user_id, report, params, runs)
            plain = time_straight(conn, report, day_from, p_to, scope, straight_runs)
            ratio = round(plain["p50_ms"] / rpc["p50_ms"], 1) if rpc["p50_ms"] else None
            reports[f"{report} ({who})"] = {"rpc": rpc, "straight": plain,
                                            "straight_over_rpc_p50": ratio}
            log(f"  {report:18} {who:10} rpc p50 {rpc['p50_ms']:7.2f} ms  p95"
                f" {rpc['p95_ms']:7.2f} ms  ({rpc['rows']} rows)   straight p50"
                f" {plain['p50_ms']:9.1f} ms  x{ratio}")
    conn.close()
    return {"counts": {"calls": counts[0], "leads": counts[1], "sales": counts[2]},
            "refresh": refreshes, "reports": reports}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000_000)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--straight-runs", type=int, default=3)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--phase", choices=("all", "generate", "measure"), default="all")
    parser.add_argument("--keep", action="store_true", help="leave the stack up with its data")
    args = parser.parse_args()

    args.root.mkdir(parents=True, exist_ok=True)
    args.root.chmod(0o755)
    config = StackConfig.load_or_create(args.root, fixed_ports=False)
    log(f"Bench stack in {args.root}")
    lifecycle.up(config, progress=lambda m: log(f"  - {m}"))
    result: dict = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                "loadavg_before": list(os.getloadavg())}}
    try:
        if args.phase in ("all", "generate"):
            with psycopg.connect(config.database_url, autocommit=True) as conn:
                present = conn.execute("select count(*) from public.calls where id ="
                                       " md5('rb-call0')::uuid").fetchone()[0]
                if present:
                    log("Data set already generated: kept")
                else:
                    result["generation_s"] = Generator(conn, args.calls, args.leads).run()
        if args.phase in ("all", "measure"):
            result |= measure(config, args.runs, args.straight_runs)
            result["machine"]["loadavg_after"] = list(os.getloadavg())
            result["targets"] = {"report_p95_ms": TARGET_P95_MS, "refresh_s": TARGET_REFRESH_S}
            result["met"] = {
                "report_p95": all(r["rpc"]["p95_ms"] < TARGET_P95_MS
                                  for r in result["reports"].values()),
                "refresh": all(max(v["full_s"], v["steady_s"]) < TARGET_REFRESH_S
                               for v in result["refresh"].values()),
            }
            log(f"Targets: report p95 < {TARGET_P95_MS} ms: {result['met']['report_p95']};"
                f" refresh < {TARGET_REFRESH_S} s: {result['met']['refresh']}")
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(json.dumps(result, indent=2, default=str) + "\n")
            log(f"Wrote {RESULTS.relative_to(PROJECT_DIR)}")
    finally:
        if not args.keep:
            lifecycle.down(config, progress=lambda m: log(f"  - {m}"))
            shutil.rmtree(args.root, ignore_errors=True)


if __name__ == "__main__":
    main()
