-- Report functions: rpc/report_agent_performance, rpc/report_campaign_stats,
-- rpc/report_daily_summary and rpc/report_freshness.
--
-- The only way to the report views (schema reports, closed to the API
-- roles). Each needs reports.view; an admin (or the service role) reads every
-- campaign, anyone else only the campaigns they supervise; an agent is
-- refused (42501) and anon cannot execute them. Dates are days in each
-- campaign's time zone, p_from and p_to included, at most 366 days. Every row
-- carries refreshed_at: when the views it was read from were last refreshed.
--
-- Figures (the same in every report):
--   calls            calls placed (started) in the range
--   answered_calls   calls the lead answered
--   contacts         answered calls that reached the person (disposition
--                    effect callback, sale, closed or do_not_call)
--   sale_calls       calls closed with a sale disposition
--   sales            sales registered (sold_at in the range), not cancelled
--   validated_sales  of those, validated by a supervisor
--   answer_rate      answered_calls / calls
--   contact_rate     contacts / calls
--   conversion_rate  sales / contacts
--   active_seconds   per agent and day, first call's start to last wrap-up
--   calls_per_hour   calls / (active_seconds / 3600)
--   avg_talk_seconds     talk_seconds / answered_calls
--   avg_ring_seconds     ring_seconds / ended calls
--   avg_wrap_up_seconds  wrap_up_seconds / wrapped-up calls
--   avg_handle_seconds   (talk + wrap-up) / answered, wrapped-up calls
--   validated_premium    annualised premium of validated sales, per currency
-- Rates are fractions (0.1234 is 12.34 %) rounded to 4 places; averages are
-- rounded to 1 decimal; a rate or average over nothing is null.
--
-- The reports run with plan_cache_mode = force_custom_plan: plpgsql would
-- switch to a generic plan after five calls, which cannot drop the "every
-- campaign" branch of the scope filter and was measured 5 to 10 times slower.
-- Errors: supabase/ERRORS.md.

-- ============================================================================
-- Section - Helpers
-- ============================================================================

-- The campaigns a report may cover for the signed-in user: null means every
-- campaign (admins, the service role). Refuses (42501) without reports.view,
-- and a p_campaign_id the caller does not supervise; PT404 for an unknown one.
create function private.report_scope(p_campaign_id uuid default null) returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_scope uuid[];
begin
  if (select auth.role()) = 'service_role' then
    v_scope := null;
  elsif not private.has_permission('reports.view') then
    raise exception using
      errcode = '42501',
      message = 'reports.view: reading reports needs the reports.view permission';
  elsif private.is_admin() then
    v_scope := null;
  else
    v_scope := array(select private.supervised_campaign_ids());
  end if;

  if p_campaign_id is not null then
    if not exists (select 1 from public.campaigns as c where c.id = p_campaign_id) then
      raise exception using
        errcode = 'PT404',
        message = format('p_campaign_id: no campaign %s', p_campaign_id);
    end if;
    if v_scope is not null and not p_campaign_id = any(v_scope) then
      raise exception using
        errcode = '42501',
        message = format('p_campaign_id: campaign %s is not one you supervise', p_campaign_id);
    end if;
    v_scope := array[p_campaign_id];
  end if;
  return v_scope;
end;
$$;
revoke execute on function private.report_scope(uuid) from public, anon;
grant execute on function private.report_scope(uuid) to authenticated, service_role;

-- p_from and p_to: both given, in order, at most 366 days apart (22023).
create function private.check_report_range(p_from date, p_to date) returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_from is null then
    raise exception using
      errcode = '22023',
      message = 'p_from: required (the first day of the report, YYYY-MM-DD)';
  end if;
  if p_to is null then
    raise exception using
      errcode = '22023',
      message = 'p_to: required (the last day of the report, YYYY-MM-DD)';
  end if;
  if p_to < p_from then
    raise exception using
      errcode = '22023',
      message = format('p_to: %s is before p_from %s', p_to, p_from);
  end if;
  if p_to - p_from >= 366 then
    raise exception using
      errcode = '22023',
      message = format('p_to: a report covers at most 366 days; %s to %s is %s days', p_from, p_to, p_to - p_from + 1);
  end if;
end;
$$;
revoke execute on function private.check_report_range(date, date) from public, anon;
grant execute on function private.check_report_range(date, date) to authenticated, service_role;

-- p_agent_id, when given, must be a user (PT404).
create function private.check_report_agent(p_agent_id uuid) returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_agent_id is not null and not exists (select 1 from public.profiles as p where p.id = p_agent_id) then
    raise exception using
      errcode = 'PT404',
      message = format('p_agent_id: no user %s', p_agent_id);
  end if;
end;
$$;
revoke execute on function private.check_report_agent(uuid) from public, anon;
grant execute on function private.check_report_agent(uuid) to authenticated, service_role;

-- When the oldest of the given report views was last refreshed.
create function private.report_refreshed_at(p_views text[]) returns timestamptz
language sql
stable
security definer
set search_path = ''
as $$
  select min(v.refreshed_at) from reports.views as v where v.view_name = any(p_views)
$$;
revoke execute on function private.report_refreshed_at(text[]) from public, anon;
grant execute on function private.report_refreshed_at(text[]) to authenticated, service_role;

-- ============================================================================
-- Section - Public functions
-- ============================================================================

-- rpc/report_agent_performance: one row per agent over p_from..p_to, in the
-- caller's campaigns (or p_campaign_id), optionally one agent.
create function public.report_agent_performance(
  p_from date, p_to date, p_campaign_id uuid default null, p_agent_id uuid default null
)
returns table (
  agent_id uuid,
  agent_name text,
  calls bigint,
  answered_calls bigint,
  contacts bigint,
  sale_calls bigint,
  sales bigint,
  validated_sales bigint,
  answer_rate numeric,
  contact_rate numeric,
  conversion_rate numeric,
  active_seconds bigint,
  calls_per_hour numeric,
  talk_seconds bigint,
  ring_seconds bigint,
  wrap_up_seconds bigint,
  avg_talk_seconds numeric,
  avg_ring_seconds numeric,
  avg_wrap_up_seconds numeric,
  avg_handle_seconds numeric,
  validated_premium jsonb,
  refreshed_at timestamptz
)
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_scope uuid[];
  v_refreshed_at timestamptz;
begin
  v_scope := private.report_scope(p_campaign_id);
  perform private.check_report_range(p_from, p_to);
  perform private.check_report_agent(p_agent_id);
  v_refreshed_at := private.report_refreshed_at(array['agent_daily_stats']);

  return query
  with day_rows as (
    select
      a.day,
      a.agent_id,
      a.calls,
      a.ended_calls,
      a.answered_calls,
      a.contacts,
      a.sale_calls,
      a.wrapped_calls,
      a.handled_calls,
      a.ring_seconds,
      a.talk_seconds,
      a.wrap_up_seconds,
      a.handle_seconds,
      a.first_call_at,
      a.last_activity_at,
      a.sales,
      a.validated_sales,
      a.validated_premium
    from reports.agent_daily_stats as a
    where
      a.day between p_from and p_to
      and (v_scope is null or a.campaign_id = any(v_scope))
      and (p_agent_id is null or a.agent_id = p_agent_id)
  ),

  totals as (
    select
      dr.agent_id,
      sum(dr.calls) as calls,
      sum(dr.ended_calls) as ended_calls,
      sum(dr.answered_calls) as answered_calls,
      sum(dr.contacts) as contacts,
      sum(dr.sale_calls) as sale_calls,
      sum(dr.wrapped_calls) as wrapped_calls,
      sum(dr.handled_calls) as handled_calls,
      sum(dr.ring_seconds) as ring_seconds,
      sum(dr.talk_seconds) as talk_seconds,
      sum(dr.wrap_up_seconds) as wrap_up_seconds,
      sum(dr.handle_seconds) as handle_seconds,
      sum(dr.sales) as sales,
      sum(dr.validated_sales) as validated_sales
    from day_rows as dr
    group by dr.agent_id
  ),

  -- An agent's working span of a day runs across their campaigns.
  spans as (
    select
      ds.agent_id,
      round(sum(ds.span))::bigint as active_seconds
    from (
      select
        dr.agent_id,
        extract(epoch from max(dr.last_activity_at) - min(dr.first_call_at)) as span
      from day_rows as dr
      where dr.first_call_at is not null
      group by dr.agent_id, dr.day
    ) as ds
    group by ds.agent_id
  ),

  premiums as (
    select
      pc.agent_id,
      jsonb_object_agg(pc.currency, pc.amount order by pc.currency) as validated_premium
    from (
      select
        dr.agent_id,
        e.key as currency,
        sum(e.value::numeric) as amount
      from day_rows as dr
      cross join jsonb_each_text(dr.validated_premium) as e (key, value)
      where dr.validated_premium <> '{}'
      group by dr.agent_id, e.key
    ) as pc
    group by pc.agent_id
  )

  select
    t.agent_id,
    p.full_name as agent_name,
    t.calls,
    t.answered_calls,
    t.contacts,
    t.sale_calls,
    t.sales,
    t.validated_sales,
    round(t.answered_calls::numeric / nullif(t.calls, 0), 4) as answer_rate,
    round(t.contacts::numeric / nullif(t.calls, 0), 4) as contact_rate,
    round(t.sales::numeric / nullif(t.contacts, 0), 4) as conversion_rate,
    coalesce(sp.active_seconds, 0) as active_seconds,
    round(t.calls * 3600.0 / nullif(sp.active_seconds, 0), 2) as calls_per_hour,
    t.talk_seconds,
    t.ring_seconds,
    t.wrap_up_seconds,
    round(t.talk_seconds::numeric / nullif(t.answered_calls, 0), 1) as avg_talk_seconds,
    round(t.ring_seconds::numeric / nullif(t.ended_calls, 0), 1) as avg_ring_seconds,
    round(t.wrap_up_seconds::numeric / nullif(t.wrapped_calls, 0), 1) as avg_wrap_up_seconds,
    round(t.handle_seconds::numeric / nullif(t.handled_calls, 0), 1) as avg_handle_seconds,
    coalesce(pr.validated_premium, '{}'::jsonb) as validated_premium,
    v_refreshed_at as refreshed_at
  from totals as t
  left join spans as sp on t.agent_id = sp.agent_id
  left join premiums as pr on t.agent_id = pr.agent_id
  left join public.profiles as p on t.agent_id = p.id
  order by p.full_name nulls last, t.agent_id;
end;
$$;
comment on function public.report_agent_performance(date, date, uuid, uuid) is
'Agent performance over p_from..p_to (campaign days): one row per agent; needs reports.view.';
revoke execute on function public.report_agent_performance(date, date, uuid, uuid) from public, anon;
grant execute on function public.report_agent_performance(date, date, uuid, uuid) to authenticated, service_role;

-- rpc/report_campaign_stats: one row per campaign over p_from..p_to, in the
-- caller's campaigns (or p_campaign_id), with its sales by product and status.
create function public.report_campaign_stats(p_from date, p_to date, p_campaign_id uuid default null)
returns table (
  campaign_id uuid,
  campaign_name text,
  agents bigint,
  calls bigint,
  answered_calls bigint,
  contacts bigint,
  sale_calls bigint,
  sales bigint,
  validated_sales bigint,
  pending_sales bigint,
  rejected_sales bigint,
  cancelled_sales bigint,
  answer_rate numeric,
  contact_rate numeric,
  conversion_rate numeric,
  active_seconds bigint,
  calls_per_hour numeric,
  talk_seconds bigint,
  ring_seconds bigint,
  wrap_up_seconds bigint,
  avg_talk_seconds numeric,
  avg_ring_seconds numeric,
  avg_wrap_up_seconds numeric,
  avg_handle_seconds numeric,
  validated_premium jsonb,
  sales_by_product jsonb,
  refreshed_at timestamptz
)
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_scope uuid[];
  v_refreshed_at timestamptz;
begin
  v_scope := private.report_scope(p_campaign_id);
  perform private.check_report_range(p_from, p_to);
  v_refreshed_at := private.report_refreshed_at(array['agent_daily_stats', 'sales_daily_stats']);

  return query
  with call_totals as (
    select
      a.campaign_id,
      count(distinct a.agent_id) filter (where a.calls > 0) as agents,
      sum(a.calls) as calls,
      sum(a.ended_calls) as ended_calls,
      sum(a.answered_calls) as answered_calls,
      sum(a.contacts) as contacts,
      sum(a.sale_calls) as sale_calls,
      sum(a.wrapped_calls) as wrapped_calls,
      sum(a.handled_calls) as handled_calls,
      sum(a.ring_seconds) as ring_seconds,
      sum(a.talk_seconds) as talk_seconds,
      sum(a.wrap_up_seconds) as wrap_up_seconds,
      sum(a.handle_seconds) as handle_seconds,
      coalesce(round(sum(extract(epoch from a.last_activity_at - a.first_call_at))), 0)::bigint
      as active_seconds
    from reports.agent_daily_stats as a
    where
      a.day between p_from and p_to
      and (v_scope is null or a.campaign_id = any(v_scope))
    group by a.campaign_id
  ),

  sale_groups as (
    select
      s.campaign_id,
      s.product_id,
      s.status,
      s.currency,
      sum(s.sales) as sales,
      sum(s.premium) as premium,
      sum(s.annual_premium) as annual_premium
    from reports.sales_daily_stats as s
    where
      s.day between p_from and p_to
      and (v_scope is null or s.campaign_id = any(v_scope))
    group by s.campaign_id, s.product_id, s.status, s.currency
  ),

  sale_totals as (
    select
      sg.campaign_id,
      coalesce(sum(sg.sales) filter (where sg.status <> 'cancelled'), 0)::bigint as sales,
      coalesce(sum(sg.sales) filter (where sg.status = 'validated'), 0)::bigint as validated_sales,
      coalesce(sum(sg.sales) filter (where sg.status = 'pending'), 0)::bigint as pending_sales,
      coalesce(sum(sg.sales) filter (where sg.status = 'rejected'), 0)::bigint as rejected_sales,
      coalesce(sum(sg.sales) filter (where sg.status = 'cancelled'), 0)::bigint as cancelled_sales,
      jsonb_agg(
        jsonb_build_object(
          'product_id', sg.product_id,
          'product_code', pd.code,
          'product_name', pd.name,
          'status', sg.status,
          'currency', sg.currency,
          'sales', sg.sales,
          'premium', sg.premium,
          'annual_premium', sg.annual_premium
        ) order by pd.code, sg.status, sg.currency
      ) as sales_by_product
    from sale_groups as sg
    left join public.products as pd on sg.product_id = pd.id
    group by sg.campaign_id
  ),

  premiums as (
    select
      pc.campaign_id,
      jsonb_object_agg(pc.currency, pc.amount order by pc.currency) as validated_premium
    from (
      select
        sg.campaign_id,
        sg.currency,
        sum(sg.annual_premium) as amount
      from sale_groups as sg
      where sg.status = 'validated'
      group by sg.campaign_id, sg.currency
    ) as pc
    group by pc.campaign_id
  )

  select
    coalesce(ct.campaign_id, st.campaign_id) as campaign_id,
    cp.name as campaign_name,
    coalesce(ct.agents, 0) as agents,
    coalesce(ct.calls, 0) as calls,
    coalesce(ct.answered_calls, 0) as answered_calls,
    coalesce(ct.contacts, 0) as contacts,
    coalesce(ct.sale_calls, 0) as sale_calls,
    coalesce(st.sales, 0) as sales,
    coalesce(st.validated_sales, 0) as validated_sales,
    coalesce(st.pending_sales, 0) as pending_sales,
    coalesce(st.rejected_sales, 0) as rejected_sales,
    coalesce(st.cancelled_sales, 0) as cancelled_sales,
    round(ct.answered_calls::numeric / nullif(ct.calls, 0), 4) as answer_rate,
    round(ct.contacts::numeric / nullif(ct.calls, 0), 4) as contact_rate,
    round(coalesce(st.sales, 0)::numeric / nullif(ct.contacts, 0), 4) as conversion_rate,
    coalesce(ct.active_seconds, 0) as active_seconds,
    round(ct.calls * 3600.0 / nullif(ct.active_seconds, 0), 2) as calls_per_hour,
    coalesce(ct.talk_seconds, 0) as talk_seconds,
    coalesce(ct.ring_seconds, 0) as ring_seconds,
    coalesce(ct.wrap_up_seconds, 0) as wrap_up_seconds,
    round(ct.talk_seconds::numeric / nullif(ct.answered_calls, 0), 1) as avg_talk_seconds,
    round(ct.ring_seconds::numeric / nullif(ct.ended_calls, 0), 1) as avg_ring_seconds,
    round(ct.wrap_up_seconds::numeric / nullif(ct.wrapped_calls, 0), 1) as avg_wrap_up_seconds,
    round(ct.handle_seconds::numeric / nullif(ct.handled_calls, 0), 1) as avg_handle_seconds,
    coalesce(pr.validated_premium, '{}'::jsonb) as validated_premium,
    coalesce(st.sales_by_product, '[]'::jsonb) as sales_by_product,
    v_refreshed_at as refreshed_at
  from call_totals as ct
  full join sale_totals as st on ct.campaign_id = st.campaign_id
  left join premiums as pr on coalesce(ct.campaign_id, st.campaign_id) = pr.campaign_id
  left join public.campaigns as cp on coalesce(ct.campaign_id, st.campaign_id) = cp.id
  order by cp.name, coalesce(ct.campaign_id, st.campaign_id);
end;
$$;
comment on function public.report_campaign_stats(date, date, uuid) is
'Campaign statistics over p_from..p_to (campaign days): one row per campaign; needs reports.view.';
revoke execute on function public.report_campaign_stats(date, date, uuid) from public, anon;
grant execute on function public.report_campaign_stats(date, date, uuid) to authenticated, service_role;

-- rpc/report_daily_summary: the 24 local hours of p_day (every hour, zero
-- when idle), over the caller's campaigns (or p_campaign_id), optionally one
-- agent. calls_per_agent is calls per active agent in that hour.
create function public.report_daily_summary(
  p_day date, p_campaign_id uuid default null, p_agent_id uuid default null
)
returns table (
  hour smallint,
  calls bigint,
  answered_calls bigint,
  contacts bigint,
  sale_calls bigint,
  sales bigint,
  validated_sales bigint,
  talk_seconds bigint,
  agents bigint,
  calls_per_agent numeric,
  refreshed_at timestamptz
)
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_scope uuid[];
  v_refreshed_at timestamptz;
begin
  v_scope := private.report_scope(p_campaign_id);
  if p_day is null then
    raise exception using
      errcode = '22023',
      message = 'p_day: required (the day of the summary, YYYY-MM-DD)';
  end if;
  perform private.check_report_agent(p_agent_id);
  v_refreshed_at := private.report_refreshed_at(array['hourly_stats']);

  return query
  with hours as (
    select
      h.hour,
      sum(h.calls) as calls,
      sum(h.answered_calls) as answered_calls,
      sum(h.contacts) as contacts,
      sum(h.sale_calls) as sale_calls,
      sum(h.sales) as sales,
      sum(h.validated_sales) as validated_sales,
      sum(h.talk_seconds) as talk_seconds,
      count(distinct h.agent_id) filter (where h.calls > 0) as agents
    from reports.hourly_stats as h
    where
      h.day = p_day
      and (v_scope is null or h.campaign_id = any(v_scope))
      and (p_agent_id is null or h.agent_id = p_agent_id)
    group by h.hour
  )

  select
    g.hour::smallint as hour,
    coalesce(hs.calls, 0) as calls,
    coalesce(hs.answered_calls, 0) as answered_calls,
    coalesce(hs.contacts, 0) as contacts,
    coalesce(hs.sale_calls, 0) as sale_calls,
    coalesce(hs.sales, 0) as sales,
    coalesce(hs.validated_sales, 0) as validated_sales,
    coalesce(hs.talk_seconds, 0) as talk_seconds,
    coalesce(hs.agents, 0) as agents,
    round(hs.calls::numeric / nullif(hs.agents, 0), 2) as calls_per_agent,
    v_refreshed_at as refreshed_at
  from generate_series(0, 23) as g (hour)
  left join hours as hs on g.hour = hs.hour
  order by g.hour;
end;
$$;
comment on function public.report_daily_summary(date, uuid, uuid) is
'Hour by hour (local hours of p_day): calls, contacts, sales, active agents; needs reports.view.';
revoke execute on function public.report_daily_summary(date, uuid, uuid) from public, anon;
grant execute on function public.report_daily_summary(date, uuid, uuid) to authenticated, service_role;

-- rpc/report_freshness: per report view, when it was last refreshed, how
-- long that took, and how many changes wait for the next refresh.
create function public.report_freshness()
returns table (
  view_name text,
  refreshed_at timestamptz,
  last_duration_ms integer,
  pending_requests bigint,
  oldest_request_at timestamptz
)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform private.report_scope(null);
  return query
  select
    s.view_name,
    s.refreshed_at,
    s.last_duration_ms,
    s.pending_requests,
    s.oldest_request_at
  from reports.refresh_status() as s;
end;
$$;
comment on function public.report_freshness() is
'When each report view was last refreshed and how many changes wait; needs reports.view.';
revoke execute on function public.report_freshness() from public, anon;
grant execute on function public.report_freshness() to authenticated, service_role;
