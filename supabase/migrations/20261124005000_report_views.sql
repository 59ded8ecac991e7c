-- Report views: the materialized views behind the report RPCs.
--
-- Supervisors and admins read figures aggregated from calls and sales. The
-- aggregates live in materialized views in schema `reports`, which PostgREST
-- does not expose and no API role may use: a materialized view ignores RLS,
-- so the only way to them is through the report RPCs (next migrations),
-- which apply reports.view and a supervisor's campaigns.
--
-- The grain is day x campaign x agent (day x campaign x product x status x
-- currency for sales; x hour for the daily summary), small enough that a
-- 30-day report reads a few thousand rows, fine enough that every filter of
-- the RPCs (date range, campaign, agent) is a range or equality on an index.
-- A day is a day in the campaign's own time zone (default_time_zone): a
-- Mexican campaign's Monday ends seven or eight hours after a Spanish one's.
--
-- Counts and seconds are integers (per day and agent they are small): the
-- RPCs add them up as bigint, far cheaper than numeric.
--
-- Each materialized view has a unique index, so it refreshes CONCURRENTLY:
-- readers keep reading the previous contents while a refresh runs, and
-- never see it empty. The hourly grain is too large for that (below): it is
-- a table recomputed day by day, with the same guarantees for readers.
-- The reporting worker (workers/reporting) refreshes them through
-- reports.refresh_view() and records every refresh in reports.refresh_log.

-- ============================================================================
-- Section - Schema
-- ============================================================================

-- Report internals: never exposed by the API, closed to every API role.
create schema if not exists reports;
revoke all on schema reports from public, anon, authenticated, service_role;
comment on schema reports is
'Materialized report views and their refresh bookkeeping; read only through the report RPCs.';

-- ============================================================================
-- Section - Agent activity by day
-- ============================================================================

-- Calls and sales per day, campaign and agent: volumes, outcomes, times and
-- the agent's sales. A contact is an answered call that reached the person
-- (a disposition whose effect is callback, sale, closed or do_not_call: not
-- voicemail, not a wrong number). Handle time is talk plus wrap-up (from the
-- call's end to the agent's disposition) of answered, wrapped-up calls.
-- first_call_at and last_activity_at bound the agent's working span, for
-- calls per hour (null on a day with sales and no calls). sales counts the
-- sales registered that day and not cancelled; validated_premium is the
-- annualised premium of the validated ones, per currency ({"EUR": 240.00}).
create materialized view reports.agent_daily_stats as
with call_rows as (
  select
    (c.started_at at time zone cp.default_time_zone)::date as day,
    c.campaign_id,
    c.agent_id,
    c.started_at,
    c.status,
    c.outcome,
    c.ring_seconds,
    c.talk_seconds,
    c.ended_at,
    c.wrapped_up_at,
    d.effect,
    greatest(round(extract(epoch from c.wrapped_up_at - c.ended_at)), 0)::integer as wrap_up_seconds
  from public.calls as c
  inner join public.campaigns as cp on c.campaign_id = cp.id
  left join public.dispositions as d on c.disposition = d.code
),

call_days as (
  select
    r.day,
    r.campaign_id,
    r.agent_id,
    count(*)::integer as calls,
    (count(*) filter (where r.status = 'ended'))::integer as ended_calls,
    (count(*) filter (where r.outcome = 'answered'))::integer as answered_calls,
    (count(*) filter (
      where r.outcome = 'answered' and r.effect in ('callback', 'sale', 'closed', 'do_not_call')
    ))::integer as contacts,
    (count(*) filter (where r.effect = 'sale'))::integer as sale_calls,
    (count(*) filter (where r.wrapped_up_at is not null))::integer as wrapped_calls,
    (count(*) filter (where r.outcome = 'answered' and r.wrapped_up_at is not null))::integer as handled_calls,
    coalesce(sum(r.ring_seconds), 0)::integer as ring_seconds,
    coalesce(sum(r.talk_seconds), 0)::integer as talk_seconds,
    coalesce(sum(r.wrap_up_seconds), 0)::integer as wrap_up_seconds,
    coalesce(sum(coalesce(r.talk_seconds, 0) + r.wrap_up_seconds) filter (
      where r.outcome = 'answered' and r.wrapped_up_at is not null
    ), 0)::integer as handle_seconds,
    min(r.started_at) as first_call_at,
    max(coalesce(r.wrapped_up_at, r.ended_at, r.started_at)) as last_activity_at
  from call_rows as r
  group by r.day, r.campaign_id, r.agent_id
),

sale_currencies as (
  select
    (s.sold_at at time zone cp.default_time_zone)::date as day,
    s.campaign_id,
    s.agent_id,
    s.currency,
    count(*) filter (where s.status <> 'cancelled') as sales,
    count(*) filter (where s.status = 'validated') as validated_sales,
    sum(
      s.premium * case s.payment_frequency when 'monthly' then 12 when 'quarterly' then 4 else 1 end
    ) filter (where s.status = 'validated') as validated_premium
  from public.sales as s
  inner join public.campaigns as cp on s.campaign_id = cp.id
  group by (s.sold_at at time zone cp.default_time_zone)::date, s.campaign_id, s.agent_id, s.currency
),

sale_days as (
  select
    sc.day,
    sc.campaign_id,
    sc.agent_id,
    sum(sc.sales)::integer as sales,
    sum(sc.validated_sales)::integer as validated_sales,
    coalesce(
      jsonb_object_agg(sc.currency, sc.validated_premium) filter (where sc.validated_premium is not null),
      '{}'
    ) as validated_premium
  from sale_currencies as sc
  group by sc.day, sc.campaign_id, sc.agent_id
)

select
  coalesce(cd.day, sd.day) as day,
  coalesce(cd.campaign_id, sd.campaign_id) as campaign_id,
  coalesce(cd.agent_id, sd.agent_id) as agent_id,
  coalesce(cd.calls, 0) as calls,
  coalesce(cd.ended_calls, 0) as ended_calls,
  coalesce(cd.answered_calls, 0) as answered_calls,
  coalesce(cd.contacts, 0) as contacts,
  coalesce(cd.sale_calls, 0) as sale_calls,
  coalesce(cd.wrapped_calls, 0) as wrapped_calls,
  coalesce(cd.handled_calls, 0) as handled_calls,
  coalesce(cd.ring_seconds, 0) as ring_seconds,
  coalesce(cd.talk_seconds, 0) as talk_seconds,
  coalesce(cd.wrap_up_seconds, 0) as wrap_up_seconds,
  coalesce(cd.handle_seconds, 0) as handle_seconds,
  cd.first_call_at,
  cd.last_activity_at,
  coalesce(sd.sales, 0) as sales,
  coalesce(sd.validated_sales, 0) as validated_sales,
  coalesce(sd.validated_premium, '{}') as validated_premium
from call_days as cd
full join sale_days as sd
  on
    cd.day = sd.day
    and cd.campaign_id = sd.campaign_id
    and cd.agent_id = sd.agent_id;
comment on materialized view reports.agent_daily_stats is
'Calls and sales by day (campaign time zone) x campaign x agent; feeds the agent and campaign reports.';

-- agent_id is null for calls of a deleted user: still one row per key.
create unique index agent_daily_stats_key
on reports.agent_daily_stats (day, campaign_id, agent_id) nulls not distinct;
create index agent_daily_stats_campaign_idx on reports.agent_daily_stats (campaign_id, day);
create index agent_daily_stats_agent_idx on reports.agent_daily_stats (agent_id, day);

-- ============================================================================
-- Section - Sales by day
-- ============================================================================

-- Sales per day of sale, campaign, product, status and currency: the
-- campaign report's sales by product and status. Premiums in different
-- currencies are never added up; annual_premium puts monthly (x12),
-- quarterly (x4), yearly and single premiums on one footing.
create materialized view reports.sales_daily_stats as
select
  (s.sold_at at time zone cp.default_time_zone)::date as day,
  s.campaign_id,
  s.product_id,
  s.status,
  s.currency,
  count(*)::integer as sales,
  sum(s.premium) as premium,
  sum(
    s.premium * case s.payment_frequency when 'monthly' then 12 when 'quarterly' then 4 else 1 end
  ) as annual_premium
from public.sales as s
inner join public.campaigns as cp on s.campaign_id = cp.id
group by
  (s.sold_at at time zone cp.default_time_zone)::date,
  s.campaign_id, s.product_id, s.status, s.currency;
comment on materialized view reports.sales_daily_stats is
'Sales by day of sale (campaign time zone) x campaign x product x status x currency.';

create unique index sales_daily_stats_key
on reports.sales_daily_stats (day, campaign_id, product_id, status, currency);
create index sales_daily_stats_campaign_idx on reports.sales_daily_stats (campaign_id, day);

-- ============================================================================
-- Section - Activity by hour
-- ============================================================================

-- Calls and sales per local hour, campaign and agent: the daily summary's
-- hourly series, and calls per hour per agent. At 10 million calls this is
-- 2.6 million rows, and a full concurrent refresh of it took longer than the
-- 60 s budget (bench/reports.py): so this one is a table kept up to date day
-- by day. reports.refresh_view() recomputes only the days with pending
-- requests (delete and insert of those days, in one transaction: readers see
-- the previous rows until it commits, never an empty day), and rebuilds it
-- whole on a request for every day (a null day).
create table reports.hourly_stats (
  day date not null,
  hour smallint not null check (hour between 0 and 23),
  campaign_id uuid not null,
  agent_id uuid,
  calls integer not null,
  answered_calls integer not null,
  contacts integer not null,
  sale_calls integer not null,
  talk_seconds integer not null,
  sales integer not null,
  validated_sales integer not null
);
comment on table reports.hourly_stats is
'Calls and sales by day x local hour x campaign x agent; kept day by day; feeds report_daily_summary.';

create unique index hourly_stats_key
on reports.hourly_stats (day, hour, campaign_id, agent_id) nulls not distinct;

-- Never reached by the API; RLS on (and no policy) as a second lock.
alter table reports.hourly_stats enable row level security;

-- The rows of reports.hourly_stats for the given days (null: every day).
create function reports.hourly_rows(p_days date[]) returns setof reports.hourly_stats
language sql
stable
set search_path = ''
as $$
  with bounds as (
    -- A local day lies within a day either side of the UTC day: enough to
    -- keep to the calls partitions of the days asked for.
    select
      min(d.day) - 1 as low,
      max(d.day) + 2 as high
    from unnest(p_days) as d (day)
  ),

  call_hours as (
    select
      (c.started_at at time zone cp.default_time_zone)::date as day,
      extract(hour from c.started_at at time zone cp.default_time_zone)::smallint as hour,
      c.campaign_id,
      c.agent_id,
      count(*)::integer as calls,
      (count(*) filter (where c.outcome = 'answered'))::integer as answered_calls,
      (count(*) filter (
        where c.outcome = 'answered' and d.effect in ('callback', 'sale', 'closed', 'do_not_call')
      ))::integer as contacts,
      (count(*) filter (where d.effect = 'sale'))::integer as sale_calls,
      coalesce(sum(c.talk_seconds), 0)::integer as talk_seconds
    from public.calls as c
    inner join public.campaigns as cp on c.campaign_id = cp.id
    left join public.dispositions as d on c.disposition = d.code
    where
      p_days is null
      or (
        c.started_at >= (select b.low from bounds as b)
        and c.started_at < (select b.high from bounds as b)
        and (c.started_at at time zone cp.default_time_zone)::date = any(p_days)
      )
    group by
      (c.started_at at time zone cp.default_time_zone)::date,
      extract(hour from c.started_at at time zone cp.default_time_zone)::smallint,
      c.campaign_id, c.agent_id
  ),

  sale_hours as (
    select
      (s.sold_at at time zone cp.default_time_zone)::date as day,
      extract(hour from s.sold_at at time zone cp.default_time_zone)::smallint as hour,
      s.campaign_id,
      s.agent_id,
      (count(*) filter (where s.status <> 'cancelled'))::integer as sales,
      (count(*) filter (where s.status = 'validated'))::integer as validated_sales
    from public.sales as s
    inner join public.campaigns as cp on s.campaign_id = cp.id
    where
      p_days is null
      or (
        s.sold_at >= (select b.low from bounds as b)
        and s.sold_at < (select b.high from bounds as b)
        and (s.sold_at at time zone cp.default_time_zone)::date = any(p_days)
      )
    group by
      (s.sold_at at time zone cp.default_time_zone)::date,
      extract(hour from s.sold_at at time zone cp.default_time_zone)::smallint,
      s.campaign_id, s.agent_id
  )

  select
    coalesce(ch.day, sh.day) as day,
    coalesce(ch.hour, sh.hour) as hour,
    coalesce(ch.campaign_id, sh.campaign_id) as campaign_id,
    coalesce(ch.agent_id, sh.agent_id) as agent_id,
    coalesce(ch.calls, 0) as calls,
    coalesce(ch.answered_calls, 0) as answered_calls,
    coalesce(ch.contacts, 0) as contacts,
    coalesce(ch.sale_calls, 0) as sale_calls,
    coalesce(ch.talk_seconds, 0) as talk_seconds,
    coalesce(sh.sales, 0) as sales,
    coalesce(sh.validated_sales, 0) as validated_sales
  from call_hours as ch
  full join sale_hours as sh
    on
      ch.day = sh.day
      and ch.hour = sh.hour
      and ch.campaign_id = sh.campaign_id
      and ch.agent_id = sh.agent_id
$$;
revoke execute on function reports.hourly_rows(date[]) from public, anon, authenticated, service_role;

insert into reports.hourly_stats
select * from reports.hourly_rows(null);

-- Only the owner (the report RPCs, the worker) reads them.
revoke all on reports.agent_daily_stats, reports.sales_daily_stats, reports.hourly_stats
from public, anon, authenticated, service_role;

-- ============================================================================
-- Section - Refresh bookkeeping
-- ============================================================================

-- One row per report view: what it is, how it is refreshed, and when its
-- data was taken. materialized: REFRESH MATERIALIZED VIEW CONCURRENTLY;
-- by_day: the days with pending requests are recomputed.
create table reports.views (
  view_name text primary key,
  description text not null,
  refresh text not null check (refresh in ('materialized', 'by_day')),
  refreshed_at timestamptz not null default now(),
  last_duration_ms integer
);
comment on table reports.views is 'The report views; refreshed_at is when their current contents were computed.';
comment on column reports.views.refreshed_at is
'Start of the last successful refresh: the data is as of this instant (the freshness the RPCs return).';

insert into reports.views (view_name, description, refresh) values
('agent_daily_stats', 'Calls and sales by day x campaign x agent', 'materialized'),
('sales_daily_stats', 'Sales by day x campaign x product x status x currency', 'materialized'),
('hourly_stats', 'Calls and sales by day x hour x campaign x agent', 'by_day');

-- Every refresh, how long it took, and every failure.
create table reports.refresh_log (
  id bigint generated always as identity primary key,
  view_name text not null references reports.views (view_name),
  started_at timestamptz not null,
  finished_at timestamptz not null default clock_timestamp(),
  duration_ms integer not null check (duration_ms >= 0),
  requests_cleared integer,
  worker text not null default current_setting('application_name'),
  error text
);
comment on table reports.refresh_log is
'History of refreshes (error set when one failed); the worker prunes it after its retention.';
create index refresh_log_view_idx on reports.refresh_log (view_name, started_at);

revoke all on reports.views, reports.refresh_log from public, anon, authenticated, service_role;
