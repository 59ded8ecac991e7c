-- public.callbacks: read-only through the API (the RPCs write them); an
-- agent sees its own, a supervisor its campaigns', an admin all.
begin;
select plan(12);

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

insert into public.callbacks (lead_id, campaign_id, agent_id, due_at) values
(
  'e0000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', '2026-12-01 10:00+00'
),
(
  'e0000000-0000-4000-8000-0000000000a2', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000102', '2026-12-01 11:00+00'
),
(
  'e0000000-0000-4000-8000-0000000000b1', 'c0000000-0000-4000-8000-00000000000b',
  'f0000000-0000-4000-8000-000000000201', '2026-12-01 18:00+00'
);

select tests.authenticate_as_anon();
select throws_ok('select * from public.callbacks', '42501', null, 'anon cannot read callbacks');

select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select lead_id::text from public.callbacks where campaign_id::text like 'c0000000-%'$$,
  $$values ('e0000000-0000-4000-8000-0000000000a1')$$,
  'an agent sees its own callbacks only'
);
select throws_ok(
  $$insert into public.callbacks (lead_id, campaign_id, agent_id, due_at) values
    ('e0000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-00000000000a',
     'f0000000-0000-4000-8000-000000000101', '2026-12-02 10:00+00')$$,
  '42501', null, 'an agent cannot insert a callback (rpc/end_call schedules them)'
);
select throws_ok(
  $$update public.callbacks set due_at = '2026-12-03 10:00+00'$$,
  '42501', null, 'an agent cannot move a callback'
);
select throws_ok(
  $$delete from public.callbacks$$, '42501', null, 'an agent cannot delete a callback'
);

select tests.authenticate_as('a2@t.test');
select results_eq(
  $$select lead_id::text from public.callbacks where campaign_id::text like 'c0000000-%'$$,
  $$values ('e0000000-0000-4000-8000-0000000000a2')$$,
  'another agent sees only its own callback'
);

select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select lead_id::text from public.callbacks where campaign_id::text like 'c0000000-%' order by 1$$,
  $$values ('e0000000-0000-4000-8000-0000000000a1'), ('e0000000-0000-4000-8000-0000000000a2')$$,
  'a supervisor sees its campaign''s callbacks'
);
select throws_ok(
  $$update public.callbacks set agent_id = null$$, '42501', null,
  'a supervisor cannot rewrite callbacks (they follow the lead through rpc/assign_lead)'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select lead_id::text from public.callbacks where campaign_id::text like 'c0000000-%'$$,
  $$values ('e0000000-0000-4000-8000-0000000000b1')$$,
  'the other supervisor sees only its campaign''s callbacks'
);

select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select count(*)::int from public.callbacks where campaign_id::text like 'c0000000-%'$$,
  $$values (3)$$,
  'an admin sees every callback'
);
select throws_ok(
  $$delete from public.callbacks$$, '42501', null, 'callbacks are not deleted through the API, even by admins'
);

select tests.clear_authentication();
select throws_ok(
  $$insert into public.callbacks (lead_id, campaign_id, agent_id, due_at) values
    ('e0000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-00000000000a',
     'f0000000-0000-4000-8000-000000000101', '2026-12-05 10:00+00')$$,
  '23505', null, 'a lead has at most one pending callback'
);

select * from finish();
rollback;
