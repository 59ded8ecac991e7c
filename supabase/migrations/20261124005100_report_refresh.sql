-- Report refresh: durable refresh requests, and the refresh itself.
--
-- Every statement that changes calls or sales appends a request per report
-- view and affected day (day in the campaign's time zone) to
-- reports.refresh_requests, and sends pg_notify('report_refresh', view) as a
-- wake-up for the reporting worker. The notification is only a wake-up: a
-- worker that was down finds the requests waiting when it comes back.
--
-- Requests are appended, never upserted: a shared "(view, today)" row that
-- every call's transaction updated would make all of them wait on each other
-- until commit. Each request carries the id of the transaction that wrote it;
-- a refresh clears exactly the requests whose transactions its snapshot
-- already saw (pg_visible_in_snapshot), so a change that commits while a
-- refresh runs keeps its request and causes the next refresh. The worker
-- coalesces the requests per view (and day) when it reads them.
--
-- reports.refresh_view() refreshes one view (CONCURRENTLY, or the affected
-- days of hourly_stats) under a transaction-level advisory lock: a second
-- worker asking for the same view at the same time gets "skipped" at once
-- instead of a second refresh.

-- ============================================================================
-- Section - Refresh requests
-- ============================================================================

-- A change to the data of a report view, not yet in it.
create table reports.refresh_requests (
  id bigint generated always as identity primary key,
  view_name text not null references reports.views (view_name),
  day date,
  xid xid8 not null default pg_current_xact_id(),
  requested_at timestamptz not null default now()
);
comment on table reports.refresh_requests is
'Durable refresh requests, appended by triggers on calls and sales; cleared by reports.refresh_view().';
comment on column reports.refresh_requests.day is 'The day affected (campaign time zone); null: every day.';
comment on column reports.refresh_requests.xid is
'The writing transaction: a refresh clears the requests its snapshot saw, and no other.';

create index refresh_requests_view_idx on reports.refresh_requests (view_name, requested_at);
create index refresh_requests_xid_idx on reports.refresh_requests (xid);

revoke all on reports.refresh_requests from public, anon, authenticated, service_role;

-- Appends one request per view and day for the current transaction (once:
-- a second statement of the same transaction adds nothing), and wakes the
-- worker. A null day means every day.
create function reports.request_refresh(p_views text[], p_days date[]) returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_view text;
begin
  if coalesce(cardinality(p_days), 0) = 0 then
    return;
  end if;
  insert into reports.refresh_requests (view_name, day)
  select
    v.view_name,
    d.day
  from unnest(p_views) as v (view_name)
  cross join (select distinct u.day from unnest(p_days) as u (day)) as d
  where not exists (
    select 1
    from reports.refresh_requests as r
    where
      r.xid = pg_current_xact_id()
      and r.view_name = v.view_name
      and r.day is not distinct from d.day
  );
  foreach v_view in array p_views loop
    perform pg_notify('report_refresh', v_view);
  end loop;
end;
$$;
revoke execute on function reports.request_refresh(text[], date[]) from public, anon, authenticated, service_role;

-- ============================================================================
-- Section - Triggers on calls
-- ============================================================================

-- Which days of which campaigns a statement on calls touched. An update
-- counts only when a column the reports read changed (not notes, not
-- recording fields), on both its old and its new day.
create function reports.calls_changed() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_days date[];
begin
  if tg_op = 'INSERT' then
    select array_agg(distinct (n.started_at at time zone cp.default_time_zone)::date) into v_days
    from new_calls as n
    inner join public.campaigns as cp on n.campaign_id = cp.id;
  elsif tg_op = 'DELETE' then
    select array_agg(distinct (o.started_at at time zone cp.default_time_zone)::date) into v_days
    from old_calls as o
    inner join public.campaigns as cp on o.campaign_id = cp.id;
  else
    with changed as (
      select
        o.started_at as old_started_at,
        o.campaign_id as old_campaign_id,
        n.started_at,
        n.campaign_id
      from new_calls as n
      inner join old_calls as o on n.id = o.id
      where
        (
          o.started_at, o.campaign_id, o.agent_id, o.status, o.outcome, o.ring_seconds, o.talk_seconds,
          o.ended_at, o.wrapped_up_at, o.disposition
        ) is distinct from (
          n.started_at, n.campaign_id, n.agent_id, n.status, n.outcome, n.ring_seconds, n.talk_seconds,
          n.ended_at, n.wrapped_up_at, n.disposition
        )
    ),

    touched as (
      select
        ch.started_at,
        ch.campaign_id
      from changed as ch
      union
      select
        ch.old_started_at,
        ch.old_campaign_id
      from changed as ch
    )

    select array_agg(distinct (t.started_at at time zone cp.default_time_zone)::date) into v_days
    from touched as t
    inner join public.campaigns as cp on t.campaign_id = cp.id;
  end if;
  perform reports.request_refresh(array['agent_daily_stats', 'hourly_stats'], v_days);
  return null;
end;
$$;
revoke execute on function reports.calls_changed() from public, anon, authenticated, service_role;

create trigger calls_request_report_refresh_insert
after insert on public.calls
referencing new table as new_calls
for each statement execute function reports.calls_changed();

create trigger calls_request_report_refresh_update
after update on public.calls
referencing old table as old_calls new table as new_calls
for each statement execute function reports.calls_changed();

create trigger calls_request_report_refresh_delete
after delete on public.calls
referencing old table as old_calls
for each statement execute function reports.calls_changed();

-- ============================================================================
-- Section - Triggers on sales
-- ============================================================================

-- Which days of which campaigns a statement on sales touched (by sold_at).
create function reports.sales_changed() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_days date[];
begin
  if tg_op = 'INSERT' then
    select array_agg(distinct (n.sold_at at time zone cp.default_time_zone)::date) into v_days
    from new_sales as n
    inner join public.campaigns as cp on n.campaign_id = cp.id;
  elsif tg_op = 'DELETE' then
    select array_agg(distinct (o.sold_at at time zone cp.default_time_zone)::date) into v_days
    from old_sales as o
    inner join public.campaigns as cp on o.campaign_id = cp.id;
  else
    with changed as (
      select
        o.sold_at as old_sold_at,
        o.campaign_id as old_campaign_id,
        n.sold_at,
        n.campaign_id
      from new_sales as n
      inner join old_sales as o on n.id = o.id
      where
        (
          o.sold_at, o.campaign_id, o.agent_id, o.product_id, o.status, o.currency, o.premium,
          o.payment_frequency
        ) is distinct from (
          n.sold_at, n.campaign_id, n.agent_id, n.product_id, n.status, n.currency, n.premium,
          n.payment_frequency
        )
    ),

    touched as (
      select
        ch.sold_at,
        ch.campaign_id
      from changed as ch
      union
      select
        ch.old_sold_at,
        ch.old_campaign_id
      from changed as ch
    )

    select array_agg(distinct (t.sold_at at time zone cp.default_time_zone)::date) into v_days
    from touched as t
    inner join public.campaigns as cp on t.campaign_id = cp.id;
  end if;
  perform reports.request_refresh(array['agent_daily_stats', 'sales_daily_stats', 'hourly_stats'], v_days);
  return null;
end;
$$;
revoke execute on function reports.sales_changed() from public, anon, authenticated, service_role;

create trigger sales_request_report_refresh_insert
after insert on public.sales
referencing new table as new_sales
for each statement execute function reports.sales_changed();

create trigger sales_request_report_refresh_update
after update on public.sales
referencing old table as old_sales new table as new_sales
for each statement execute function reports.sales_changed();

create trigger sales_request_report_refresh_delete
after delete on public.sales
referencing old table as old_sales
for each statement execute function reports.sales_changed();

-- ============================================================================
-- Section - Whole-view changes
-- ============================================================================

-- A truncate, a campaign's time zone (it moves every day boundary) or a
-- disposition's effect (what counts as a contact or a sale) changes every
-- day of the views: one request with a null day.
create function reports.everything_changed() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform reports.request_refresh(tg_argv, array[null::date]);
  return null;
end;
$$;
revoke execute on function reports.everything_changed() from public, anon, authenticated, service_role;

create trigger calls_request_report_refresh_truncate
after truncate on public.calls
for each statement execute function reports.everything_changed('agent_daily_stats', 'hourly_stats');

create trigger sales_request_report_refresh_truncate
after truncate on public.sales
for each statement execute function reports.everything_changed(
  'agent_daily_stats', 'sales_daily_stats', 'hourly_stats'
);

create trigger campaigns_request_report_refresh
after update of default_time_zone on public.campaigns
for each row when (old.default_time_zone is distinct from new.default_time_zone)
execute function reports.everything_changed('agent_daily_stats', 'sales_daily_stats', 'hourly_stats');

create trigger dispositions_request_report_refresh
after update of effect or delete on public.dispositions
for each statement execute function reports.everything_changed('agent_daily_stats', 'hourly_stats');

-- ============================================================================
-- Section - Refresh
-- ============================================================================

-- Refreshes one report view, then clears the requests its data now
-- includes and records when and how long. A materialized view is refreshed
-- CONCURRENTLY (readers are never blocked and never see it empty); a by_day
-- view has the days of its pending requests recomputed (all of them for a
-- null day or p_full; the last two days when nothing is pending, the
-- periodic safety net), in this same transaction. Returns refreshed = false
-- at once when another session is refreshing the same view (a
-- transaction-level advisory lock, so a killed worker never leaves it
-- held). Run it in its own transaction.
create function reports.refresh_view(p_view text, p_full boolean default false)
returns table (refreshed boolean, duration_ms integer, requests_cleared integer)
language plpgsql
set search_path = ''
set work_mem = '64MB'
set plan_cache_mode = force_custom_plan
as $$
declare
  v_refresh text;
  v_started timestamptz;
  v_snapshot pg_snapshot;
  v_days date[];
  v_all boolean;
  v_cleared integer;
  v_duration integer;
begin
  select v.refresh into v_refresh from reports.views as v where v.view_name = p_view;
  if v_refresh is null then
    raise exception using
      errcode = '22023',
      message = format('p_view: unknown report view %L', p_view),
      hint = 'See table reports.views.';
  end if;
  if not pg_try_advisory_xact_lock(hashtext('reports.refresh_view'), hashtext(p_view)) then
    return query select false, null::integer, null::integer;
    return;
  end if;

  -- Everything committed before this snapshot is in the refreshed data: the
  -- statements below take later snapshots of their own. (A snapshot counts
  -- its own transaction as running: its own requests are matched by xid.)
  v_started := clock_timestamp();
  v_snapshot := pg_current_snapshot();
  if v_refresh = 'materialized' then
    execute format('refresh materialized view concurrently reports.%I', p_view);
  else
    select
      p_full or coalesce(bool_or(r.day is null), false),
      array_agg(distinct r.day) filter (where r.day is not null)
    into v_all, v_days
    from reports.refresh_requests as r
    where
      r.view_name = p_view
      and (pg_visible_in_snapshot(r.xid, v_snapshot) or r.xid = pg_current_xact_id_if_assigned());
    if v_all then
      v_days := null;
    elsif v_days is null then
      v_days := array[current_date - 1, current_date];
    end if;
    if v_days is null then
      delete from reports.hourly_stats;
    else
      delete from reports.hourly_stats as h where h.day = any(v_days);
    end if;
    insert into reports.hourly_stats
    select * from reports.hourly_rows(v_days);
  end if;

  delete from reports.refresh_requests as r
  where
    r.view_name = p_view
    and (pg_visible_in_snapshot(r.xid, v_snapshot) or r.xid = pg_current_xact_id_if_assigned());
  get diagnostics v_cleared = row_count;

  v_duration := round(extract(epoch from clock_timestamp() - v_started) * 1000)::integer;
  update reports.views as v set
    refreshed_at = v_started,
    last_duration_ms = v_duration
  where v.view_name = p_view;
  insert into reports.refresh_log (view_name, started_at, duration_ms, requests_cleared)
  values (p_view, v_started, v_duration, v_cleared);
  return query select true, v_duration, v_cleared;
end;
$$;
revoke execute on function reports.refresh_view(text, boolean) from public, anon, authenticated, service_role;

-- Per view: freshness and what waits, in the database's clock (for the
-- worker's debounce and the RPCs' freshness).
create function reports.refresh_status()
returns table (
  view_name text,
  refreshed_at timestamptz,
  last_duration_ms integer,
  pending_requests bigint,
  oldest_request_at timestamptz,
  newest_request_at timestamptz,
  age_seconds double precision,
  oldest_wait_seconds double precision,
  quiet_seconds double precision
)
language sql
stable
set search_path = ''
as $$
  select
    v.view_name,
    v.refreshed_at,
    v.last_duration_ms,
    count(r.id) as pending_requests,
    min(r.requested_at) as oldest_request_at,
    max(r.requested_at) as newest_request_at,
    extract(epoch from now() - v.refreshed_at)::double precision as age_seconds,
    extract(epoch from now() - min(r.requested_at))::double precision as oldest_wait_seconds,
    extract(epoch from now() - max(r.requested_at))::double precision as quiet_seconds
  from reports.views as v
  left join reports.refresh_requests as r on v.view_name = r.view_name
  group by v.view_name, v.refreshed_at, v.last_duration_ms
  order by v.view_name
$$;
revoke execute on function reports.refresh_status() from public, anon, authenticated, service_role;
