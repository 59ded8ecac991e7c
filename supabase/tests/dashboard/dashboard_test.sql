-- The dashboards: rpc/agent_dashboard, rpc/supervisor_dashboard and
-- rpc/system_health. Who may call them, that each sees only their own
-- figures, the figures on seeded calls and sales, and "today" in the
-- right time zone.
-- Fixture (tests.create_two_campaigns): campaign A (Madrid) run by supa with
-- agents a1 and a2; campaign B, moved here to America/Mexico_City, run by
-- supb with agent b1. The clock is 2026-11-18 03:00 UTC: Wednesday 04:00 in
-- Madrid, still Tuesday 21:00 in Mexico City.
begin;
select plan(60);

select tests.create_two_campaigns();
update public.campaigns set default_time_zone = 'America/Mexico_City'
where id = 'c0000000-0000-4000-8000-00000000000b';
select set_config('crm.now', '2026-11-18 03:00:00+00', true);

-- Calls: (id suffix, start, agent, lead, outcome, talk seconds, disposition).
insert into public.calls (
  id, started_at, lead_id, campaign_id, agent_id, phone_number, status, outcome, answered_at, ended_at,
  ring_seconds, talk_seconds, duration_seconds, disposition, wrapped_up_at
)
select
  ('ca5b0000-0000-4000-8000-0000000000' || v.n)::uuid as id,
  v.started_at,
  l.id as lead_id,
  l.campaign_id,
  ('f0000000-0000-4000-8000-000000000' || v.agent)::uuid as agent_id,
  l.phone as phone_number,
  'ended' as status,
  v.outcome,
  case when v.outcome = 'answered' then v.started_at + interval '10 seconds' end as answered_at,
  v.started_at + interval '10 seconds' + make_interval(secs => v.talk) as ended_at,
  10 as ring_seconds,
  v.talk as talk_seconds,
  10 + v.talk as duration_seconds,
  v.disposition,
  v.started_at + interval '20 seconds' + make_interval(secs => v.talk) as wrapped_up_at
from (
  values
  -- a1, Madrid "today" (Wednesday 18th): 4 calls, 2 contacts, hours 2 and 3.
  ('01', timestamptz '2026-11-18 01:10:00+00', '101', 'a1', 'answered', 120, 'sale'),
  ('02', timestamptz '2026-11-18 01:20:00+00', '101', 'a1', 'answered', 60, 'not_interested'),
  ('03', timestamptz '2026-11-18 02:10:00+00', '101', 'a1', 'no_answer', 0, 'no_answer'),
  ('04', timestamptz '2026-11-18 02:20:00+00', '101', 'a1', 'answered', 20, 'voicemail'),
  -- a1 yesterday (17th, 11:00 Madrid) and on the 14th (12:00 Madrid).
  ('05', timestamptz '2026-11-17 10:00:00+00', '101', 'a1', 'answered', 90, 'callback'),
  ('06', timestamptz '2026-11-17 10:05:00+00', '101', 'a1', 'busy', 0, 'busy'),
  ('07', timestamptz '2026-11-14 11:00:00+00', '101', 'a1', 'answered', 30, 'already_insured'),
  ('08', timestamptz '2026-11-14 11:05:00+00', '101', 'a1', 'no_answer', 0, 'no_answer'),
  ('09', timestamptz '2026-11-14 11:10:00+00', '101', 'a1', 'no_answer', 0, 'no_answer'),
  -- a2 today (03:30 Madrid).
  ('10', timestamptz '2026-11-18 02:30:00+00', '102', 'a2', 'answered', 45, 'callback'),
  -- b1: Tuesday 17th 19:00 in Mexico City (their "today"), and the 16th.
  ('11', timestamptz '2026-11-18 01:00:00+00', '201', 'b1', 'answered', 200, 'sale'),
  ('12', timestamptz '2026-11-18 01:05:00+00', '201', 'b1', 'no_answer', 0, 'no_answer'),
  ('13', timestamptz '2026-11-16 18:00:00+00', '201', 'b1', 'answered', 50, 'not_interested')
) as v (n, started_at, agent, lead, outcome, talk, disposition)
inner join public.leads as l on l.id = ('e0000000-0000-4000-8000-0000000000' || v.lead)::uuid;

-- Sales: a1 sold today (20 EUR monthly: 240 a year) and a cancelled one
-- (never counted); b1 sold on their Tuesday (30 MXN yearly).
insert into public.sales (lead_id, product_id, agent_id, premium, payment_frequency, sold_at, status)
values
(
  'e0000000-0000-4000-8000-0000000000a1', 'd0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', 20.00, 'monthly', '2026-11-18 01:13:00+00', 'pending'
),
(
  'e0000000-0000-4000-8000-0000000000a1', 'd0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', 35.00, 'monthly', '2026-11-18 01:15:00+00', 'pending'
),
(
  'e0000000-0000-4000-8000-0000000000b1', 'd0000000-0000-4000-8000-00000000000b',
  'f0000000-0000-4000-8000-000000000201', 30.00, 'yearly', '2026-11-18 01:04:00+00', 'pending'
);
update public.sales set status = 'cancelled'
where premium = 35.00 and agent_id = 'f0000000-0000-4000-8000-000000000101';

select reports.refresh_view(v.view_name) from reports.views as v;

-- A recording waiting 20 minutes and one failed an hour ago: the health
-- check's backlog and failed uploads. The session's other tests may have left
-- recordings of their own: the health before the fixture is the baseline.
select tests.authenticate_as('adm@t.test');
create temporary table health_before on commit drop as select public.system_health() -> 'recordings' as r;
grant select on health_before to service_role;
select tests.clear_authentication();
insert into public.recordings (call_id, campaign_id, call_started_at, source_file, status, created_at, updated_at)
values
(
  'ca5b0000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-00000000000a',
  '2026-11-18 01:10:00+00', 'a.wav', 'pending', now() - interval '20 minutes', now()
),
(
  'ca5b0000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-00000000000a',
  '2026-11-18 01:20:00+00', 'b.wav', 'failed', now() - interval '2 hours', now() - interval '1 hour'
);

-- ============================================================================
-- Who may call them
-- ============================================================================

select tests.authenticate_as_anon();
select throws_ok('select public.agent_dashboard()', '42501', null, 'anon cannot call agent_dashboard');
select throws_ok('select public.supervisor_dashboard()', '42501', null, 'anon cannot call supervisor_dashboard');
select throws_ok('select public.system_health()', '42501', null, 'anon cannot call system_health');

select tests.authenticate_as_service_role();
select throws_ok(
  'select public.agent_dashboard()', '42501', null,
  'the service role has no day of its own'
);

select tests.authenticate_as('a1@t.test');
select throws_ok(
  'select public.supervisor_dashboard()', '42501',
  'reports.view: reading reports needs the reports.view permission',
  'an agent cannot read the supervisor dashboard'
);
select throws_ok(
  'select public.system_health()', '42501', 'system_health: only admins see the state of the system',
  'an agent cannot read the system health'
);

select tests.authenticate_as('supa@t.test');
select throws_ok(
  'select public.system_health()', '42501', 'system_health: only admins see the state of the system',
  'a supervisor cannot read the system health'
);
select throws_ok(
  $$select public.supervisor_dashboard(array(select gen_random_uuid() from generate_series(1, 201)))$$,
  '22023', 'p_campaign_ids: at most 200 campaigns, 201 given',
  'at most 200 campaigns at once'
);

-- ============================================================================
-- The agent's own day
-- ============================================================================

select tests.authenticate_as('a1@t.test');
create temporary table a1 on commit drop as select public.agent_dashboard() as d;

select is((select d ->> 'agent_id' from a1), 'f0000000-0000-4000-8000-000000000101', 'a1 gets their own figures');
select is((select d ->> 'time_zone' from a1), 'Europe/Madrid', 'a1''s day is Madrid''s (campaign A)');
select is((select d ->> 'day' from a1), '2026-11-18', 'at 03:00 UTC it is already Wednesday in Madrid');
select is(
  (select d -> 'today' from a1),
  '{"calls": 4, "answered_calls": 3, "contacts": 2, "talk_seconds": 200, "sales": 1,
    "premium": {"EUR": 240.00}, "contact_rate": 0.5000, "conversion": 0.5000}'::jsonb,
  'a1''s day: 4 calls, 2 contacts, the sale not cancelled at 240 EUR a year'
);
select is(jsonb_array_length((select d -> 'days' from a1)), 7, 'seven days before today');
select is(
  (select d -> 'days' -> 0 ->> 'day' from a1), '2026-11-11', 'the days run oldest first'
);
select is(
  (select jsonb_path_query_first(d, '$.days[*] ? (@.day == "2026-11-17")') from a1),
  '{"day": "2026-11-17", "calls": 2, "answered_calls": 1, "contacts": 1, "talk_seconds": 90, "sales": 0,
    "premium": {}, "contact_rate": 0.5000, "conversion": 0.0000}'::jsonb,
  'yesterday: 2 calls, 1 contact, no sale'
);
select is(
  (select d -> 'last_7_days' from a1),
  '{"active_days": 2, "calls": 2.5, "answered_calls": 1.0, "contacts": 1.0, "talk_seconds": 60.0,
    "sales": 0.0, "premium": {}, "contact_rate": 0.4000, "conversion": 0.0000}'::jsonb,
  'the 7 days before: averages per active day, rates over the totals'
);
select is(jsonb_array_length((select d -> 'hours' from a1)), 24, 'the 24 local hours');
select is(
  (select d -> 'hours' -> 2 from a1), '{"hour": 2, "calls": 2, "contacts": 2}'::jsonb,
  '02:00 Madrid: a1''s two contacts'
);
select is(
  (select d -> 'hours' -> 3 from a1), '{"hour": 3, "calls": 2, "contacts": 0}'::jsonb,
  '03:00 Madrid: two calls, a2''s call not among them'
);
select ok((select d ->> 'refreshed_at' from a1) is not null, 'the answer says how fresh the figures are');
select is(
  (public.agent_dashboard('2026-11-17') -> 'today' ->> 'calls'), '2', 'p_day picks another day'
);

select tests.authenticate_as('a2@t.test');
select is(
  (public.agent_dashboard() -> 'today' ->> 'calls'), '1', 'a2 sees their one call, none of a1''s'
);
select is(
  (public.agent_dashboard() -> 'today' ->> 'sales'), '0', 'a2 sees none of a1''s sales'
);

select tests.authenticate_as('b1@t.test');
create temporary table b1 on commit drop as select public.agent_dashboard() as d;
select is((select d ->> 'time_zone' from b1), 'America/Mexico_City', 'b1''s day is Mexico City''s');
select is((select d ->> 'day' from b1), '2026-11-17', 'where it is still Tuesday');
select is(
  (select (d -> 'today') - 'premium'::text from b1),
  '{"calls": 2, "answered_calls": 1, "contacts": 1, "talk_seconds": 200, "sales": 1,
    "contact_rate": 0.5000, "conversion": 1.0000}'::jsonb,
  'b1''s Tuesday'
);
select is((select d -> 'today' -> 'premium' from b1), '{"MXN": 30.00}'::jsonb, 'premiums keep their currency');
select is((select d -> 'hours' -> 19 ->> 'calls' from b1), '2', 'in Mexico City''s hours');

-- A user with no campaign: Madrid, and zeros.
select tests.authenticate_as('supa@t.test');
select is((public.agent_dashboard() ->> 'time_zone'), 'Europe/Madrid', 'a supervisor''s own day: Madrid');
select is(
  (public.agent_dashboard() -> 'today' ->> 'calls'), '0', 'and no calls of their own'
);

-- ============================================================================
-- A supervisor's campaigns
-- ============================================================================

select tests.authenticate_as('supa@t.test');
create temporary table supa on commit drop as select public.supervisor_dashboard() as d;

select is(
  (select jsonb_path_query_array(d, '$.campaigns[*].campaign_id') from supa),
  '["c0000000-0000-4000-8000-00000000000a"]'::jsonb,
  'supa gets campaign A, the one they run, and no other'
);
select is((select d -> 'campaigns' -> 0 ->> 'day' from supa), '2026-11-18', 'A''s day in Madrid');
select is(
  (select d -> 'campaigns' -> 0 -> 'today' from supa),
  '{"calls": 5, "answered_calls": 4, "contacts": 3, "talk_seconds": 245, "sales": 1,
    "premium": {"EUR": 240.00}, "contact_rate": 0.6000, "conversion": 0.3333, "agents": 2}'::jsonb,
  'A today: both agents'' calls, the sale not cancelled'
);
select is(
  (select (d -> 'campaigns' -> 0 -> 'yesterday') - 'premium'::text from supa),
  '{"calls": 2, "answered_calls": 1, "contacts": 1, "talk_seconds": 90, "sales": 0,
    "contact_rate": 0.5000, "conversion": 0.0000, "agents": 1}'::jsonb,
  'A yesterday'
);
select is(
  (select d -> 'campaigns' -> 0 -> 'last_7_days' -> 'active_days' from supa), '2'::jsonb,
  'A was active on 2 of the 7 days before'
);
select is(
  (select d -> 'campaigns' -> 0 -> 'last_7_days' -> 'calls' from supa), '2.5'::jsonb,
  'A''s average calls per active day'
);
select is(
  (select d -> 'campaigns' -> 0 -> 'hours' -> 3 from supa),
  '{"hour": 3, "calls": 3, "contacts": 1, "calls_yesterday": 0, "contacts_yesterday": 0}'::jsonb,
  'A at 03:00 today: a1''s two calls and a2''s contact'
);
select is(
  (select d -> 'campaigns' -> 0 -> 'hours' -> 11 from supa),
  '{"hour": 11, "calls": 0, "contacts": 0, "calls_yesterday": 2, "contacts_yesterday": 1}'::jsonb,
  'A at 11:00 yesterday'
);
select is(
  public.supervisor_dashboard(array['c0000000-0000-4000-8000-00000000000b'::uuid]) -> 'campaigns',
  '[]'::jsonb,
  'supa asking for campaign B gets nothing'
);
select is(
  jsonb_array_length(
    public.supervisor_dashboard(
      array['c0000000-0000-4000-8000-00000000000a'::uuid, 'c0000000-0000-4000-8000-00000000000b'::uuid]
    ) -> 'campaigns'
  ),
  1,
  'and asking for A and B, only A'
);
select is(
  public.supervisor_dashboard(null, '2026-11-17') -> 'campaigns' -> 0 -> 'today' ->> 'calls', '2',
  'p_day picks another day'
);

select tests.authenticate_as('supb@t.test');
create temporary table supb on commit drop as select public.supervisor_dashboard() as d;
select is(
  (select jsonb_path_query_array(d, '$.campaigns[*].campaign_id') from supb),
  '["c0000000-0000-4000-8000-00000000000b"]'::jsonb,
  'supb gets campaign B only'
);
select is((select d -> 'campaigns' -> 0 ->> 'day' from supb), '2026-11-17', 'B''s day in Mexico City');
select is(
  (select d -> 'campaigns' -> 0 -> 'today' ->> 'calls' from supb), '2', 'B on its Tuesday'
);
select is(
  (select d -> 'campaigns' -> 0 -> 'today' -> 'premium' from supb), '{"MXN": 30.00}'::jsonb,
  'B''s premium in MXN'
);
select is(
  (select d -> 'campaigns' -> 0 -> 'yesterday' ->> 'calls' from supb), '1', 'B on its Monday'
);
select is(
  (select d -> 'campaigns' -> 0 -> 'hours' -> 19 ->> 'calls' from supb), '2', 'B''s hours are Mexico City''s'
);

select tests.authenticate_as('adm@t.test');
select is(
  jsonb_array_length(
    public.supervisor_dashboard(
      array['c0000000-0000-4000-8000-00000000000a'::uuid, 'c0000000-0000-4000-8000-00000000000b'::uuid]
    ) -> 'campaigns'
  ),
  2,
  'an admin gets every campaign'
);
select ok(
  public.supervisor_dashboard() -> 'campaigns' @> '[{"campaign_id": "c0000000-0000-4000-8000-00000000000a"},
    {"campaign_id": "c0000000-0000-4000-8000-00000000000b"}]'::jsonb,
  'by default, every active campaign'
);

-- ============================================================================
-- System health
-- ============================================================================

select tests.authenticate_as('adm@t.test');
create temporary table health on commit drop as select public.system_health() as h;

select ok(
  (select h -> 'workers' @> '[{"role": "crm_reporting"}, {"role": "crm_recordings"}, {"role": "crm_ami_bridge"},
    {"role": "crm_presence"}]'::jsonb from health),
  'every worker role is listed'
);
select is(
  (
    select count(*)::integer from health as hl
    cross join jsonb_array_elements(hl.h -> 'workers') as w
    where not (w ->> 'role' like 'crm\_%')
  ),
  0,
  'only the crm_* roles'
);
select ok(
  (
    select bool_and((w ->> 'alive')::boolean = ((w ->> 'sessions')::integer > 0))
    from health as hl cross join jsonb_array_elements(hl.h -> 'workers') as w
  ),
  'a worker is alive exactly when it holds a session'
);
select is(
  (
    select
      jsonb_build_object(
        'backlog', (hl.h #>> '{recordings,backlog}')::integer - (b.r ->> 'backlog')::integer,
        'uploading', (hl.h #>> '{recordings,uploading}')::integer - (b.r ->> 'uploading')::integer,
        'failed', (hl.h #>> '{recordings,failed}')::integer - (b.r ->> 'failed')::integer,
        'failed_24h', (hl.h #>> '{recordings,failed_24h}')::integer - (b.r ->> 'failed_24h')::integer,
        'status', hl.h #>> '{recordings,status}'
      )
    from health as hl cross join health_before as b
  ),
  '{"backlog": 1, "uploading": 0, "failed": 1, "failed_24h": 1, "status": "warning"}'::jsonb,
  'the recording waiting 20 minutes and the failed upload, over what the session had before'
);
select is(
  (select h ->> 'status' from health), 'warning', 'a part in warning puts the whole in warning'
);
select is(
  (select jsonb_array_length(h -> 'reports' -> 'views') from health), 3, 'the three report views'
);
select ok(
  (select (h -> 'reports' ->> 'last_refresh_at') is not null from health), 'the last report refresh'
);
select is(
  (select (h -> 'lead_imports' ->> 'available')::boolean from health),
  to_regclass('public.lead_imports') is not null,
  'lead imports are read when their table exists'
);
select is(
  (select (h -> 'account_requests' ->> 'available')::boolean from health),
  to_regclass('public.account_requests') is not null,
  'account requests are read when their table exists'
);
select is(
  (select h -> 'exports' ->> 'status' from health), 'ok', 'no export waiting or failed'
);

select tests.authenticate_as_service_role();
select is(
  (
    (public.system_health() -> 'recordings' ->> 'backlog')::int
    - (select (b.r ->> 'backlog')::int from health_before as b)
  ),
  1,
  'the service role reads it too, over what the session had before'
);

select * from finish();
rollback;
