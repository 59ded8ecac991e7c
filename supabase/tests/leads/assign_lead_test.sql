-- rpc/assign_lead(p_lead_id, p_agent_id): leads.assign, inside the caller's
-- campaigns, to an agent of the lead's campaign; its callback follows it.
begin;
select plan(18);

-- Fixture (as the test's own role, before impersonating anyone): campaign A
-- run by supa@t.test with agents a1 and a2, campaign B run by supb@t.test
-- with agent b1, an admin, one product per campaign, and leads: a1's, a2's,
-- one in A's pool, and b1's.
insert into auth.users (id, email, raw_app_meta_data, raw_user_meta_data)
select
  u.id::uuid as id,
  u.email,
  jsonb_build_object('role', u.role) as raw_app_meta_data,
  jsonb_build_object('full_name', u.email) as raw_user_meta_data
from (
  values
  ('f0000000-0000-4000-8000-000000000001', 'adm@t.test', 'admin'),
  ('f0000000-0000-4000-8000-000000000011', 'supa@t.test', 'supervisor'),
  ('f0000000-0000-4000-8000-000000000012', 'supb@t.test', 'supervisor'),
  ('f0000000-0000-4000-8000-000000000101', 'a1@t.test', 'agent'),
  ('f0000000-0000-4000-8000-000000000102', 'a2@t.test', 'agent'),
  ('f0000000-0000-4000-8000-000000000201', 'b1@t.test', 'agent')
) as u (id, email, role);

insert into public.campaigns (id, name, status, calling_days, max_attempts, retry_delays) values
('c0000000-0000-4000-8000-00000000000a', 'Test A', 'active', '{1,2,3,4,5,6,7}', 3, '{01:00:00,1 day}'),
('c0000000-0000-4000-8000-00000000000b', 'Test B', 'active', '{1,2,3,4,5,6,7}', 3, '{01:00:00,1 day}');

insert into public.campaign_members (campaign_id, user_id, member_role) values
('c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000011', 'supervisor'),
('c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', 'agent'),
('c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000102', 'agent'),
('c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000012', 'supervisor'),
('c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000201', 'agent');

insert into public.products (id, code, name, insurance_line, premium, currency) values
('d0000000-0000-4000-8000-00000000000a', 'T-LIFE-A', 'Vida A', 'life', 20.00, 'EUR'),
('d0000000-0000-4000-8000-00000000000b', 'T-HOME-B', 'Hogar B', 'home', 30.00, 'MXN');

insert into public.campaign_products (campaign_id, product_id) values
('c0000000-0000-4000-8000-00000000000a', 'd0000000-0000-4000-8000-00000000000a'),
('c0000000-0000-4000-8000-00000000000b', 'd0000000-0000-4000-8000-00000000000b');

insert into public.leads (id, campaign_id, owner_id, first_name, phone, time_zone) values
(
  'e0000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', 'Lucía', '+34600000001', 'Europe/Madrid'
),
(
  'e0000000-0000-4000-8000-0000000000a2', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000102', 'Javier', '+34600000002', 'Europe/Madrid'
),
(
  'e0000000-0000-4000-8000-0000000000a3', 'c0000000-0000-4000-8000-00000000000a',
  null, 'Carmen', '+34600000003', 'Atlantic/Canary'
),
(
  'e0000000-0000-4000-8000-0000000000b1', 'c0000000-0000-4000-8000-00000000000b',
  'f0000000-0000-4000-8000-000000000201', 'Diego', '+525512345678', 'America/Mexico_City'
);

insert into public.callbacks (lead_id, campaign_id, agent_id, due_at) values (
  'e0000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', '2026-12-01 10:00+00'
);
update public.leads set status = 'callback', next_call_at = '2026-12-01 10:00+00'
where id = 'e0000000-0000-4000-8000-0000000000a1';

select tests.authenticate_as_anon();
select throws_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000101')$$,
  '42501', null, 'anon cannot call assign_lead'
);

select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000101')$$,
  '42501', 'p_lead_id: assigning leads needs leads.assign',
  'an agent cannot assign leads, not even to itself'
);

select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select owner_id::text from public.assign_lead(
      'e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000102'
    )$$,
  $$values ('f0000000-0000-4000-8000-000000000102')$$,
  'a supervisor assigns a pool lead of its campaign to one of its agents'
);
select results_eq(
  $$select changed_fields, new_values ->> 'owner_id', via from public.lead_history
    where lead_id = 'e0000000-0000-4000-8000-0000000000a3' order by id desc limit 1$$,
  $$values (array['owner_id'], 'f0000000-0000-4000-8000-000000000102', 'rpc/assign_lead')$$,
  'the assignment is in the lead''s history, through rpc/assign_lead'
);
select lives_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a1', 'f0000000-0000-4000-8000-000000000102')$$,
  'a supervisor moves a lead with a pending callback to another agent'
);
select results_eq(
  $$select agent_id::text from public.callbacks where lead_id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('f0000000-0000-4000-8000-000000000102')$$,
  'the pending callback follows the lead'
);
select results_eq(
  $$select owner_id from public.assign_lead('e0000000-0000-4000-8000-0000000000a2', null)$$,
  $$values (null::uuid)$$,
  'a null agent returns the lead to the campaign''s pool'
);
select throws_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000b1', 'f0000000-0000-4000-8000-000000000101')$$,
  '42501', 'p_lead_id: lead e0000000-0000-4000-8000-0000000000b1 is in campaign Test B, which you do not run',
  'a supervisor cannot assign a lead of another campaign'
);
select throws_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000201')$$,
  '22023', 'p_agent_id: user f0000000-0000-4000-8000-000000000201 is not an agent of campaign Test A',
  'the agent must work the lead''s campaign'
);
select throws_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000011')$$,
  '22023', null, 'a supervisor is not an agent'
);
select throws_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-00000000ffff', 'f0000000-0000-4000-8000-000000000101')$$,
  'PT404', 'p_lead_id: no lead e0000000-0000-4000-8000-00000000ffff', 'an unknown lead is a clear 404'
);
select throws_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-00000000ffff')$$,
  'PT404', 'p_agent_id: no user f0000000-0000-4000-8000-00000000ffff', 'an unknown agent is a clear 404'
);
select throws_ok(
  $$select public.assign_lead(null, 'f0000000-0000-4000-8000-000000000101')$$,
  '22023', 'p_lead_id: required', 'a lead is required'
);
select throws_ok(
  $$select public.assign_lead('not-a-uuid', 'f0000000-0000-4000-8000-000000000101')$$,
  '22P02', null, 'a malformed id is a type error'
);

-- A lead being called stays with its agent until the call ends.
select tests.clear_authentication();
update public.leads set status = 'in_call' where id = 'e0000000-0000-4000-8000-0000000000a3';
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000101')$$,
  'PT409', null, 'a lead in a call cannot be reassigned'
);
select results_eq(
  $$select owner_id::text from public.leads where id = 'e0000000-0000-4000-8000-0000000000a3'$$,
  $$values ('f0000000-0000-4000-8000-000000000102')$$,
  'a refused assignment changes nothing'
);

select tests.authenticate_as('supb@t.test');
select throws_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a2', 'f0000000-0000-4000-8000-000000000101')$$,
  '42501', null, 'the other supervisor cannot assign campaign A''s leads'
);

select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select owner_id::text from public.assign_lead(
      'e0000000-0000-4000-8000-0000000000a2', 'f0000000-0000-4000-8000-000000000101'
    )$$,
  $$values ('f0000000-0000-4000-8000-000000000101')$$,
  'an admin assigns in any campaign'
);

select * from finish();
rollback;
