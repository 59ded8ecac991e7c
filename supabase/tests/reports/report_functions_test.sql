-- The report RPCs: who may run them, what a supervisor sees, bad arguments,
-- and that no API role reaches the materialized views around them.
-- Runs on the seed: supervisor1 runs campaigns ...b001 and ...b002,
-- supervisor2 runs ...b003; agent1 works ...b001 and ...b002.
begin;
select plan(29);

-- The views were created before the seed's calls: bring them up to date.
select reports.refresh_view(v.view_name) from reports.views as v;

-- ============================================================================
-- No API role reads the views directly
-- ============================================================================

select tests.authenticate_as_anon();
select throws_ok(
  'select count(*) from reports.agent_daily_stats', '42501', null,
  'anon cannot select reports.agent_daily_stats'
);
select throws_ok(
  $$select * from public.report_agent_performance(current_date - 7, current_date)$$, '42501', null,
  'anon cannot execute report_agent_performance'
);
select throws_ok(
  $$select * from public.report_daily_summary(current_date)$$, '42501', null,
  'anon cannot execute report_daily_summary'
);

select tests.authenticate_as('supervisor1@demo.test');
select throws_ok(
  'select count(*) from reports.agent_daily_stats', '42501', null,
  'authenticated cannot select reports.agent_daily_stats'
);
select throws_ok(
  'select count(*) from reports.sales_daily_stats', '42501', null,
  'authenticated cannot select reports.sales_daily_stats'
);
select throws_ok(
  'select count(*) from reports.hourly_stats', '42501', null,
  'authenticated cannot select reports.hourly_stats'
);
select throws_ok(
  $$select reports.refresh_view('hourly_stats')$$, '42501', null,
  'authenticated cannot refresh a report view'
);

select tests.authenticate_as_service_role();
select throws_ok(
  'select count(*) from reports.agent_daily_stats', '42501', null,
  'service_role cannot select the views either (only through the RPCs)'
);
select tests.clear_authentication();

select is(
  (
    select count(*)::integer from pg_class as c
    inner join pg_namespace as n on c.relnamespace = n.oid
    where
      n.nspname = 'reports' and c.relkind in ('m', 'r')
      and (
        has_table_privilege('anon', c.oid, 'select')
        or has_table_privilege('authenticated', c.oid, 'select')
        or has_table_privilege('service_role', c.oid, 'select')
      )
  ),
  0,
  'no API role holds select on any view or table of schema reports'
);

-- ============================================================================
-- Agents are refused
-- ============================================================================

select tests.authenticate_as('agent1@demo.test');
select throws_ok(
  $$select * from public.report_agent_performance(current_date - 7, current_date)$$, '42501',
  'reports.view: reading reports needs the reports.view permission',
  'an agent cannot read agent performance'
);
select throws_ok(
  $$select * from public.report_campaign_stats(current_date - 7, current_date)$$, '42501',
  'reports.view: reading reports needs the reports.view permission',
  'an agent cannot read campaign stats'
);
select throws_ok(
  $$select * from public.report_daily_summary(current_date)$$, '42501',
  'reports.view: reading reports needs the reports.view permission',
  'an agent cannot read the daily summary'
);
select throws_ok(
  'select * from public.report_freshness()', '42501', null,
  'an agent cannot read the freshness of the reports'
);

-- ============================================================================
-- A supervisor sees their campaigns only
-- ============================================================================

select tests.authenticate_as('supervisor1@demo.test');
-- Other test files may have left campaigns of their own: compare with what
-- supervisor1 runs rather than with a fixed list.
select is_empty(
  $$select campaign_id from public.report_campaign_stats(current_date - 40, current_date)
    except
    select cm.campaign_id from public.campaign_members as cm
    where cm.user_id = '00000000-0000-4000-a000-000000000011' and cm.member_role = 'supervisor'$$,
  'supervisor1 gets the stats of the campaigns they run, and no other'
);
select is(
  (
    select count(*)::integer
    from public.report_agent_performance(current_date - 40, current_date) as r
    where r.agent_id not in (
      select agents.user_id
      from public.campaign_members as agents
      inner join public.campaign_members as runs on agents.campaign_id = runs.campaign_id
      where runs.user_id = '00000000-0000-4000-a000-000000000011' and runs.member_role = 'supervisor'
    )
  ),
  0,
  'supervisor1 sees only agents of their campaigns'
);
select ok(
  (select count(*) from public.report_agent_performance(current_date - 40, current_date)) > 0,
  'and does see their agents'
);
select throws_ok(
  $$select * from public.report_campaign_stats(
    current_date - 7, current_date, '00000000-0000-4000-b000-000000000003'
  )$$,
  'PT404', 'p_campaign_id: not found or not yours',
  'supervisor1 cannot ask for supervisor2''s campaign, answered as an unknown one'
);
select is(
  (select sum(r.calls)::integer from public.report_daily_summary(current_date - 3) as r),
  (
    select count(*)::integer from public.calls as c
    inner join public.campaigns as cp on c.campaign_id = cp.id
    where
      (c.started_at at time zone cp.default_time_zone)::date = current_date - 3
      and c.campaign_id in ('00000000-0000-4000-b000-000000000001', '00000000-0000-4000-b000-000000000002')
  ),
  'the daily summary counts the calls of supervisor1''s campaigns that day'
);
select is(
  (select count(*)::integer from public.report_daily_summary(current_date - 3)),
  24,
  'the daily summary has every hour of the day'
);
select is(
  (select distinct r.refreshed_at from public.report_campaign_stats(current_date - 7, current_date) as r),
  (
    select min(f.refreshed_at) from public.report_freshness() as f
    where f.view_name in ('agent_daily_stats', 'sales_daily_stats')
  ),
  'each row carries when its views were refreshed'
);
select is(
  (select count(*)::integer from public.report_freshness()),
  3,
  'report_freshness lists the three views'
);

select tests.authenticate_as('admin@demo.test');
select set_has(
  $$select campaign_id from public.report_campaign_stats(current_date - 40, current_date)$$,
  $$values ('00000000-0000-4000-b000-000000000001'::uuid), ('00000000-0000-4000-b000-000000000002'::uuid),
    ('00000000-0000-4000-b000-000000000003'::uuid)$$,
  'the admin sees every campaign, both supervisors'' included'
);

-- ============================================================================
-- Bad arguments
-- ============================================================================

select tests.authenticate_as('supervisor1@demo.test');
select throws_ok(
  $$select * from public.report_agent_performance(current_date, current_date - 1)$$, '22023',
  format('p_to: %s is before p_from %s', current_date - 1, current_date),
  'p_to before p_from is refused, naming the field'
);
select throws_ok(
  $$select * from public.report_campaign_stats(current_date - 366, current_date)$$, '22023', null,
  'more than 366 days is refused'
);
select lives_ok(
  $$select * from public.report_campaign_stats(current_date - 365, current_date)$$,
  '366 days is allowed'
);
select throws_ok(
  $$select * from public.report_agent_performance(null, current_date)$$, '22023',
  'p_from: required (the first day of the report, YYYY-MM-DD)',
  'p_from is required'
);
select throws_ok(
  $$select * from public.report_daily_summary(null)$$, '22023',
  'p_day: required (the day of the summary, YYYY-MM-DD)',
  'p_day is required'
);
select throws_ok(
  $$select * from public.report_agent_performance(
    current_date - 7, current_date, null, '00000000-0000-4000-a000-00000000dead'
  )$$,
  'PT404', 'p_agent_id: not found or not yours',
  'an unknown agent is PT404'
);
select throws_ok(
  $$select * from public.report_campaign_stats(
    current_date - 7, current_date, '00000000-0000-4000-b000-00000000dead'
  )$$,
  'PT404', 'p_campaign_id: not found or not yours',
  'an unknown campaign is PT404'
);
select tests.clear_authentication();

select * from finish();
rollback;
