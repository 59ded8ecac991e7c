-- Dashboards by role: rpc/agent_dashboard, rpc/supervisor_dashboard and
-- rpc/system_health, behind the webphone's /dashboard.
--
-- The dashboards read what the reports already keep (schema reports,
-- migrations 20261124005000-5200): agent_daily_stats by (agent_id, day) or
-- (campaign_id, day), sales_daily_stats by (campaign_id, day), hourly_stats
-- by its key (day, hour, campaign); a dashboard reads a few hundred to a few
-- thousand rows however many calls there are, with the views' own indexes.
-- The views are refreshed by the reporting worker a few seconds after a
-- change (debounced): every answer carries refreshed_at. The agent's own
-- sales and premium are read from public.sales as they are (a few rows
-- through sales_agent_id_idx): agent_daily_stats keeps only the validated
-- premium, and a sale made today is pending.
--
-- "Today" is a day of the call center, never the browser's or UTC:
--   a campaign's day is a day in its default_time_zone (as in the reports);
--   an agent's day is a day in the time zone most of their campaigns use
--   (ties by name), or Europe/Madrid when they have none; their figures
--   are the report rows of that date in each campaign.
-- The clock is private.now() (tests pin it with crm.now).
--
-- Figures (as in the reports): calls placed, answered_calls, contacts
-- (answered calls that reached the person), talk_seconds, sales (registered,
-- not cancelled), premium (annualised premium of those sales, per currency:
-- {"EUR": 480.00}; currencies are never added up), contact_rate = contacts /
-- calls, conversion = sales / contacts (fractions to 4 places, null over
-- nothing). "last_7_days" is the 7 days before the day, as an average per
-- active day (a day with calls): a week-end without calls does not halve the
-- average; rates over the week's totals. Errors: supabase/ERRORS.md.

-- ============================================================================
-- Section - Helpers
-- ============================================================================

-- One set of figures as the dashboards return it.
create function private.dashboard_figures(
  p_calls numeric,
  p_answered_calls numeric,
  p_contacts numeric,
  p_talk_seconds numeric,
  p_sales numeric,
  p_premium jsonb
) returns jsonb
language sql
immutable
set search_path = ''
as $$
  select jsonb_build_object(
    'calls', coalesce(p_calls, 0),
    'answered_calls', coalesce(p_answered_calls, 0),
    'contacts', coalesce(p_contacts, 0),
    'talk_seconds', coalesce(p_talk_seconds, 0),
    'sales', coalesce(p_sales, 0),
    'premium', coalesce(p_premium, '{}'::jsonb),
    'contact_rate', round(coalesce(p_contacts, 0) / nullif(p_calls, 0), 4),
    'conversion', round(coalesce(p_sales, 0) / nullif(p_contacts, 0), 4)
  )
$$;
revoke execute on function private.dashboard_figures(numeric, numeric, numeric, numeric, numeric, jsonb)
from public, anon;
grant execute on function private.dashboard_figures(numeric, numeric, numeric, numeric, numeric, jsonb)
to authenticated, service_role;

-- The time zone of an agent's day: the one most of their campaigns use.
create function private.agent_time_zone(p_user_id uuid) returns text
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(
    (
      select cp.default_time_zone::text
      from public.campaign_members as cm
      inner join public.campaigns as cp on cm.campaign_id = cp.id
      where cm.user_id = p_user_id
      group by cp.default_time_zone
      order by count(*) desc, cp.default_time_zone
      limit 1
    ),
    'Europe/Madrid'
  )
$$;
revoke execute on function private.agent_time_zone(uuid) from public, anon;
grant execute on function private.agent_time_zone(uuid) to authenticated, service_role;

-- Failed uploads are counted by the health check; the queue's own index
-- covers only pending and uploading.
create index recordings_failed_idx on public.recordings (updated_at) where status = 'failed';

-- ============================================================================
-- Section - rpc/agent_dashboard
-- ============================================================================

-- The signed-in user's own day (p_day, default today in their time zone)
-- against the 7 days before it, and their calls per local hour of the day.
-- Only the caller's figures: there is no argument naming anyone else.
create function public.agent_dashboard(p_day date default null) returns jsonb
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
  v_uid uuid := (select auth.uid());
  v_zone text;
  v_day date;
  v_result jsonb;
begin
  if v_uid is null or not exists (select 1 from public.profiles as p where p.id = v_uid and p.active) then
    raise exception using
      errcode = '42501',
      message = 'agent_dashboard: needs a signed-in, active user';
  end if;
  v_zone := private.agent_time_zone(v_uid);
  v_day := coalesce(p_day, (private.now() at time zone v_zone)::date);

  with days as (
    select (v_day - g.n) as day
    from generate_series(0, 7) as g (n)
  ),

  calls as (
    select
      a.day,
      sum(a.calls) as calls,
      sum(a.answered_calls) as answered_calls,
      sum(a.contacts) as contacts,
      sum(a.talk_seconds) as talk_seconds
    from reports.agent_daily_stats as a
    where a.agent_id = v_uid and a.day between v_day - 7 and v_day
    group by a.day
  ),

  -- The caller's sales as they are; a local day lies within a day either
  -- side of the UTC day, enough to bound the index range.
  sale_rows as (
    select
      (s.sold_at at time zone cp.default_time_zone)::date as day,
      s.currency,
      s.premium * case s.payment_frequency when 'monthly' then 12 when 'quarterly' then 4 else 1 end
      as annual_premium
    from public.sales as s
    inner join public.campaigns as cp on s.campaign_id = cp.id
    where
      s.agent_id = v_uid
      and s.status <> 'cancelled'
      and s.sold_at >= (v_day - 8)::timestamp at time zone 'UTC'
      and s.sold_at < (v_day + 2)::timestamp at time zone 'UTC'
  ),

  sale_days as (
    select
      r.day,
      sum(r.sales) as sales,
      jsonb_object_agg(r.currency, r.amount order by r.currency) as premium
    from (
      select
        sr.day,
        sr.currency,
        count(*) as sales,
        sum(sr.annual_premium) as amount
      from sale_rows as sr
      where sr.day between v_day - 7 and v_day
      group by sr.day, sr.currency
    ) as r
    group by r.day
  ),

  per_day as (
    select
      d.day,
      c.calls,
      c.answered_calls,
      c.contacts,
      c.talk_seconds,
      sd.sales,
      sd.premium
    from days as d
    left join calls as c on d.day = c.day
    left join sale_days as sd on d.day = sd.day
  ),

  week as (
    select
      count(*) filter (where pd.calls > 0) as active_days,
      sum(pd.calls) as calls,
      sum(pd.answered_calls) as answered_calls,
      sum(pd.contacts) as contacts,
      sum(pd.talk_seconds) as talk_seconds,
      coalesce(sum(pd.sales), 0) as sales
    from per_day as pd
    where pd.day < v_day
  ),

  week_premium as (
    select jsonb_object_agg(e.key, e.amount order by e.key) as premium
    from (
      select
        sr.currency as key,
        round(sum(sr.annual_premium) / greatest((select w.active_days from week as w), 1), 2) as amount
      from sale_rows as sr
      where sr.day between v_day - 7 and v_day - 1
      group by sr.currency
    ) as e
  ),

  hours as (
    select
      h.hour,
      sum(h.calls) as calls,
      sum(h.contacts) as contacts
    from reports.hourly_stats as h
    where h.day = v_day and h.agent_id = v_uid
    group by h.hour
  )

  select jsonb_build_object(
    'agent_id', v_uid,
    'day', v_day,
    'time_zone', v_zone,
    'refreshed_at', private.report_refreshed_at(array['agent_daily_stats', 'hourly_stats']),
    'today', (
      select private.dashboard_figures(
        pd.calls, pd.answered_calls, pd.contacts, pd.talk_seconds, pd.sales, pd.premium
      )
      from per_day as pd where pd.day = v_day
    ),
    'days', (
      select jsonb_agg(
        jsonb_build_object('day', pd.day)
        || private.dashboard_figures(
          pd.calls, pd.answered_calls, pd.contacts, pd.talk_seconds, pd.sales, pd.premium
        )
        order by pd.day
      )
      from per_day as pd where pd.day < v_day
    ),
    'last_7_days', (
      select
        jsonb_build_object('active_days', w.active_days)
        || private.dashboard_figures(
          round(w.calls / nullif(w.active_days, 0), 1),
          round(w.answered_calls / nullif(w.active_days, 0), 1),
          round(w.contacts / nullif(w.active_days, 0), 1),
          round(w.talk_seconds / nullif(w.active_days, 0), 1),
          round(w.sales / nullif(w.active_days, 0), 1),
          (select wp.premium from week_premium as wp)
        )
        -- Rates over the week's totals, not averages of daily rates.
        || jsonb_build_object(
          'contact_rate', round(coalesce(w.contacts, 0) / nullif(w.calls, 0), 4),
          'conversion', round(coalesce(w.sales, 0) / nullif(w.contacts, 0), 4)
        )
      from week as w
    ),
    'hours', (
      select jsonb_agg(
        jsonb_build_object('hour', g.hour, 'calls', coalesce(h.calls, 0), 'contacts', coalesce(h.contacts, 0))
        order by g.hour
      )
      from generate_series(0, 23) as g (hour)
      left join hours as h on g.hour = h.hour
    )
  ) into v_result;
  return v_result;
end;
$$;
comment on function public.agent_dashboard(date) is
'The caller''s own day (default today in their campaigns'' time zone) against their 7 days before it.';
revoke execute on function public.agent_dashboard(date) from public, anon;
grant execute on function public.agent_dashboard(date) to authenticated;

-- ============================================================================
-- Section - rpc/supervisor_dashboard
-- ============================================================================

-- Per campaign the caller manages (reports.view; admins: every campaign):
-- p_day (default today in the campaign's time zone) against the day before
-- and the 7 days before, and the calls and contacts per local hour of the
-- day and the day before. p_campaign_ids null: the active and paused
-- campaigns; ids the caller does not manage, or that do not exist, are left
-- out (nothing about them is returned). At most 200 ids (22023).
create function public.supervisor_dashboard(p_campaign_ids uuid[] default null, p_day date default null)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
  v_scope uuid[];
  v_ids uuid[];
  v_days date[];
  v_result jsonb;
begin
  v_scope := private.report_scope(null);
  if cardinality(p_campaign_ids) > 200 then
    raise exception using
      errcode = '22023',
      message = format('p_campaign_ids: at most 200 campaigns, %s given', cardinality(p_campaign_ids));
  end if;

  -- The campaigns and the days (each one's day and the day before) first:
  -- as values the planner sees (force_custom_plan), hourly_stats is read by
  -- the right index for one campaign or a hundred.
  select
    coalesce(array_agg(cp.id), '{}'),
    coalesce(array_agg(distinct d.day), '{}')
  into v_ids, v_days
  from public.campaigns as cp
  cross join lateral (
    select coalesce(p_day, (private.now() at time zone cp.default_time_zone)::date) - g.n as day
    from generate_series(0, 1) as g (n)
  ) as d
  where
    (v_scope is null or cp.id = any(v_scope))
    and (
      (p_campaign_ids is null and cp.status in ('active', 'paused'))
      or cp.id = any(p_campaign_ids)
    );

  with camps as (
    select
      cp.id,
      cp.name,
      cp.status,
      cp.default_time_zone::text as time_zone,
      coalesce(p_day, (private.now() at time zone cp.default_time_zone)::date) as day
    from public.campaigns as cp
    where cp.id = any(v_ids)
  ),

  calls as (
    select
      a.campaign_id,
      c.day - a.day as ago,
      sum(a.calls) as calls,
      sum(a.answered_calls) as answered_calls,
      sum(a.contacts) as contacts,
      sum(a.talk_seconds) as talk_seconds,
      count(distinct a.agent_id) filter (where a.calls > 0) as agents
    from camps as c
    inner join reports.agent_daily_stats as a
      on c.id = a.campaign_id and a.day between c.day - 7 and c.day
    group by a.campaign_id, c.day - a.day
  ),

  sale_rows as (
    select
      s.campaign_id,
      c.day - s.day as ago,
      s.currency,
      sum(s.sales) as sales,
      sum(s.annual_premium) as annual_premium
    from camps as c
    inner join reports.sales_daily_stats as s
      on c.id = s.campaign_id and s.day between c.day - 7 and c.day
    where s.status <> 'cancelled'
    group by s.campaign_id, c.day - s.day, s.currency
  ),

  sales as (
    select
      sr.campaign_id,
      sr.ago,
      sum(sr.sales) as sales,
      jsonb_object_agg(sr.currency, sr.annual_premium order by sr.currency) as premium
    from sale_rows as sr
    group by sr.campaign_id, sr.ago
  ),

  days as (
    select
      c.id as campaign_id,
      g.ago,
      cl.calls,
      cl.answered_calls,
      cl.contacts,
      cl.talk_seconds,
      coalesce(cl.agents, 0) as agents,
      s.sales,
      s.premium
    from camps as c
    cross join generate_series(0, 7) as g (ago)
    left join calls as cl on c.id = cl.campaign_id and g.ago = cl.ago
    left join sales as s on c.id = s.campaign_id and g.ago = s.ago
  ),

  weeks as (
    select
      d.campaign_id,
      count(*) filter (where d.calls > 0) as active_days,
      sum(d.calls) as calls,
      sum(d.answered_calls) as answered_calls,
      sum(d.contacts) as contacts,
      sum(d.talk_seconds) as talk_seconds,
      coalesce(sum(d.sales), 0) as sales
    from days as d
    where d.ago between 1 and 7
    group by d.campaign_id
  ),

  week_premiums as (
    select
      sr.campaign_id,
      jsonb_object_agg(
        sr.currency, round(sr.amount / greatest(w.active_days, 1), 2) order by sr.currency
      ) as premium
    from (
      select
        r.campaign_id,
        r.currency,
        sum(r.annual_premium) as amount
      from sale_rows as r
      where r.ago between 1 and 7
      group by r.campaign_id, r.currency
    ) as sr
    inner join weeks as w on sr.campaign_id = w.campaign_id
    group by sr.campaign_id
  ),

  hours as (
    select
      h.campaign_id,
      c.day - h.day as ago,
      h.hour,
      sum(h.calls) as calls,
      sum(h.contacts) as contacts
    from camps as c
    inner join reports.hourly_stats as h
      on c.id = h.campaign_id and h.day between c.day - 1 and c.day
    where h.day = any(v_days)
    group by h.campaign_id, c.day - h.day, h.hour
  ),

  -- Every campaign's 24 hours in one pass, not a subquery per campaign.
  hour_series as materialized (
    select
      hs.campaign_id,
      jsonb_agg(
        jsonb_build_object(
          'hour', hs.hour,
          'calls', coalesce(ht.calls, 0),
          'contacts', coalesce(ht.contacts, 0),
          'calls_yesterday', coalesce(hy.calls, 0),
          'contacts_yesterday', coalesce(hy.contacts, 0)
        )
        order by hs.hour
      ) as hours
    from (
      select
        c.id as campaign_id,
        g.hour
      from camps as c
      cross join generate_series(0, 23) as g (hour)
    ) as hs
    left join hours as ht on hs.campaign_id = ht.campaign_id and ht.ago = 0 and hs.hour = ht.hour
    left join hours as hy on hs.campaign_id = hy.campaign_id and hy.ago = 1 and hs.hour = hy.hour
    group by hs.campaign_id
  )

  select jsonb_build_object(
    'refreshed_at', private.report_refreshed_at(array['agent_daily_stats', 'sales_daily_stats', 'hourly_stats']),
    'campaigns', coalesce(jsonb_agg(
      jsonb_build_object(
        'campaign_id', c.id,
        'name', c.name,
        'status', c.status,
        'time_zone', c.time_zone,
        'day', c.day,
        'today',
        private.dashboard_figures(dt.calls, dt.answered_calls, dt.contacts, dt.talk_seconds, dt.sales, dt.premium)
        || jsonb_build_object('agents', dt.agents),
        'yesterday',
        private.dashboard_figures(dy.calls, dy.answered_calls, dy.contacts, dy.talk_seconds, dy.sales, dy.premium)
        || jsonb_build_object('agents', dy.agents),
        'last_7_days',
        jsonb_build_object('active_days', w.active_days)
        || private.dashboard_figures(
          round(w.calls / nullif(w.active_days, 0), 1),
          round(w.answered_calls / nullif(w.active_days, 0), 1),
          round(w.contacts / nullif(w.active_days, 0), 1),
          round(w.talk_seconds / nullif(w.active_days, 0), 1),
          round(w.sales / nullif(w.active_days, 0), 1),
          wp.premium
        )
        -- Rates over the week's totals, not averages of daily rates.
        || jsonb_build_object(
          'contact_rate', round(coalesce(w.contacts, 0) / nullif(w.calls, 0), 4),
          'conversion', round(coalesce(w.sales, 0) / nullif(w.contacts, 0), 4)
        ),
        'hours', hs.hours
      )
      order by c.name
    ), '[]'::jsonb)
  ) into v_result
  from camps as c
  inner join days as dt on c.id = dt.campaign_id and dt.ago = 0
  inner join days as dy on c.id = dy.campaign_id and dy.ago = 1
  inner join weeks as w on c.id = w.campaign_id
  inner join hour_series as hs on c.id = hs.campaign_id
  left join week_premiums as wp on c.id = wp.campaign_id;
  return v_result;
end;
$$;
comment on function public.supervisor_dashboard(uuid[], date) is
'Per managed campaign: the day against the day before and the 7 before, hour by hour; needs reports.view.';
revoke execute on function public.supervisor_dashboard(uuid[], date) from public, anon;
grant execute on function public.supervisor_dashboard(uuid[], date) to authenticated, service_role;

-- ============================================================================
-- Section - rpc/system_health
-- ============================================================================

-- A worker's sessions are seen in full (last activity) only by a role with
-- its privileges: the owner of system_health (the migrations' role, which
-- created them) joins the worker roles that exist now. A worker role created
-- later needs the same grant (its migration), or its last activity is null.
do $$
declare
  v_role text;
begin
  for v_role in
    select r.rolname from pg_catalog.pg_roles as r
    where r.rolname like 'crm\_%' and r.rolcanlogin and not r.rolsuper
  loop
    execute format('grant %I to current_user', v_role);
  end loop;
end;
$$;

-- The state of the back-end services, for admins (and the service role):
-- every database role named crm_* that can log in (the workers, and the SIP
-- proxy) with its sessions and last activity; the report refreshes; the
-- recording uploads; lead imports, account requests and report exports
-- (each "available": false until its table exists). Each part has a status,
-- "ok" or "warning" (thresholds below), and so has the whole.
create function public.system_health() returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := now();
  v_workers jsonb;
  v_reports jsonb;
  v_recordings jsonb;
  v_exports jsonb;
  v_imports jsonb := jsonb_build_object('available', false, 'status', 'ok');
  v_accounts jsonb := jsonb_build_object('available', false, 'status', 'ok');
begin
  if (select auth.role()) is distinct from 'service_role' and not private.is_admin() then
    raise exception using
      errcode = '42501',
      message = 'system_health: only admins see the state of the system';
  end if;

  -- A worker is alive while it holds a session (every worker keeps one
  -- open per loop); warning: none.
  select coalesce(jsonb_agg(
    jsonb_build_object(
      'role', w.rolname,
      'description', w.description,
      'sessions', w.sessions,
      'application_names', w.application_names,
      'last_activity_at', w.last_activity_at,
      'alive', w.sessions > 0,
      'status', case when w.sessions > 0 then 'ok' else 'warning' end
    ) order by w.rolname
  ), '[]'::jsonb)
  into v_workers
  from (
    select
      r.rolname::text as rolname,
      pg_catalog.shobj_description(r.oid, 'pg_authid') as description,
      count(a.pid) as sessions,
      coalesce(
        jsonb_agg(distinct a.application_name) filter (where a.application_name <> ''), '[]'::jsonb
      ) as application_names,
      max(coalesce(a.state_change, a.backend_start)) as last_activity_at
    from pg_catalog.pg_roles as r
    left join pg_catalog.pg_stat_activity as a on r.oid = a.usesysid
    where r.rolname like 'crm\_%' and r.rolcanlogin and not r.rolsuper
    group by r.oid, r.rolname
  ) as w;

  -- Report refreshes: warning when a change has waited more than 5 minutes
  -- (the worker refreshes within a minute of a change), or the last refresh
  -- of a view failed.
  select jsonb_build_object(
    'last_refresh_at', max(v.last_refresh_at),
    'views', jsonb_agg(
      jsonb_build_object(
        'view_name', v.view_name,
        'refreshed_at', v.refreshed_at,
        'last_duration_ms', v.last_duration_ms,
        'pending_requests', v.pending_requests,
        'oldest_request_at', v.oldest_request_at,
        'last_error', v.last_error,
        'last_error_at', v.last_error_at
      ) order by v.view_name
    ),
    'status', case
      when bool_or(v.oldest_request_at < v_now - interval '5 minutes') then 'warning'
      when bool_or(v.last_error_at > v.refreshed_at) then 'warning'
      else 'ok'
    end
  )
  into v_reports
  from (
    select
      s.view_name,
      s.refreshed_at,
      s.last_duration_ms,
      s.pending_requests,
      s.oldest_request_at,
      (
        select max(l.started_at) from reports.refresh_log as l
        where l.view_name = s.view_name and l.error is null
      ) as last_refresh_at,
      e.error as last_error,
      e.started_at as last_error_at
    from reports.refresh_status() as s
    left join lateral (
      select
        l.error,
        l.started_at
      from reports.refresh_log as l
      where l.view_name = s.view_name and l.error is not null
      order by l.started_at desc
      limit 1
    ) as e on true
  ) as v;

  -- Recording uploads: warning when one has waited more than 15 minutes, or
  -- an upload failed for good in the last 24 hours.
  select jsonb_build_object(
    'backlog', count(*) filter (where r.status in ('pending', 'uploading')),
    'uploading', count(*) filter (where r.status = 'uploading'),
    'oldest_pending_at', min(r.created_at) filter (where r.status in ('pending', 'uploading')),
    'failed', count(*) filter (where r.status = 'failed'),
    'failed_24h', count(*) filter (where r.status = 'failed' and r.updated_at > v_now - interval '24 hours'),
    'status', case
      when min(r.created_at) filter (where r.status in ('pending', 'uploading')) < v_now - interval '15 minutes'
        then 'warning'
      when count(*) filter (where r.status = 'failed' and r.updated_at > v_now - interval '24 hours') > 0
        then 'warning'
      else 'ok'
    end
  )
  into v_recordings
  from public.recordings as r
  where r.status in ('pending', 'uploading', 'failed');

  -- Report exports: warning when one has waited more than 5 minutes, or one
  -- failed in the last 24 hours.
  select jsonb_build_object(
    'queued', count(*) filter (where x.status = 'queued'),
    'running', count(*) filter (where x.status = 'running'),
    'oldest_queued_at', min(x.requested_at) filter (where x.status = 'queued'),
    'failed_24h', count(*) filter (where x.status = 'failed' and x.updated_at > v_now - interval '24 hours'),
    'status', case
      when min(x.requested_at) filter (where x.status = 'queued') < v_now - interval '5 minutes' then 'warning'
      when count(*) filter (where x.status = 'failed' and x.updated_at > v_now - interval '24 hours') > 0
        then 'warning'
      else 'ok'
    end
  )
  into v_exports
  from public.report_exports as x
  where x.status in ('queued', 'running') or (x.status = 'failed' and x.updated_at > v_now - interval '24 hours');

  -- Lead imports and account requests come with their own migrations: read
  -- by name, so this function works before and after them. Warning: one
  -- failed in the last 24 hours, or one waited more than 5 minutes.
  -- The table's name through format(): a query that names a table missing
  -- now is not checked ahead (plpgsql_check, supabase db lint).
  if to_regclass('public.lead_imports') is not null then
    execute format($q$
      select jsonb_build_object(
        'available', true,
        'queued', count(*) filter (where i.status = 'queued'),
        'running', count(*) filter (where i.status = 'running'),
        'oldest_queued_at', min(i.created_at) filter (where i.status = 'queued'),
        'failed_24h', count(*) filter (where i.status = 'failed' and i.updated_at > $1 - interval '24 hours'),
        'done_24h', count(*) filter (where i.status = 'done' and i.updated_at > $1 - interval '24 hours'),
        'status', case
          when min(i.created_at) filter (where i.status = 'queued') < $1 - interval '5 minutes' then 'warning'
          when count(*) filter (where i.status = 'failed' and i.updated_at > $1 - interval '24 hours') > 0
            then 'warning'
          else 'ok'
        end
      )
      from %I.%I as i
      where i.status in ('queued', 'running') or i.updated_at > $1 - interval '24 hours'
    $q$, 'public', 'lead_imports') into v_imports using v_now;
  end if;

  if to_regclass('public.account_requests') is not null then
    execute format($q$
      select jsonb_build_object(
        'available', true,
        'pending', count(*) filter (where a.status in ('queued', 'running')),
        'oldest_pending_at', min(a.created_at) filter (where a.status in ('queued', 'running')),
        'failed_24h', count(*) filter (where a.status = 'failed' and a.updated_at > $1 - interval '24 hours'),
        'status', case
          when min(a.created_at) filter (where a.status in ('queued', 'running')) < $1 - interval '5 minutes'
            then 'warning'
          when count(*) filter (where a.status = 'failed' and a.updated_at > $1 - interval '24 hours') > 0
            then 'warning'
          else 'ok'
        end
      )
      from %I.%I as a
      where a.status in ('queued', 'running') or a.updated_at > $1 - interval '24 hours'
    $q$, 'public', 'account_requests') into v_accounts using v_now;
  end if;

  return jsonb_build_object(
    'checked_at', v_now,
    'status', case
      when exists (select 1 from jsonb_array_elements(v_workers) as w where w ->> 'status' <> 'ok')
        or 'warning' in (
          v_reports ->> 'status', v_recordings ->> 'status', v_exports ->> 'status',
          v_imports ->> 'status', v_accounts ->> 'status'
        )
        then 'warning'
      else 'ok'
    end,
    'workers', v_workers,
    'reports', v_reports,
    'recordings', v_recordings,
    'exports', v_exports,
    'lead_imports', v_imports,
    'account_requests', v_accounts
  );
end;
$$;
comment on function public.system_health() is
'Workers alive, report refreshes, recording uploads, imports, account requests, exports; admins only.';
revoke execute on function public.system_health() from public, anon;
grant execute on function public.system_health() to authenticated, service_role;
