-- public.profiles inside a campaign: supervisors see their agents, agents see
-- their supervisors, agents never see each other nor other campaigns.
begin;
select plan(6);

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

select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select email from public.profiles where email like '%@t.test' order by email$$,
  $$values ('a1@t.test'), ('supa@t.test')$$,
  'an agent sees itself and its campaign''s supervisor, not its colleague a2'
);

select tests.authenticate_as('b1@t.test');
select results_eq(
  $$select email from public.profiles where email like '%@t.test' order by email$$,
  $$values ('b1@t.test'), ('supb@t.test')$$,
  'an agent of campaign B sees only its own supervisor'
);

select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select email from public.profiles where email like '%@t.test' order by email$$,
  $$values ('a1@t.test'), ('a2@t.test'), ('supa@t.test')$$,
  'a supervisor sees the agents of its campaign'
);
select is_empty(
  $$update public.profiles set full_name = 'x' where email = 'a1@t.test' returning id$$,
  'seeing an agent''s profile does not let a supervisor change it'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select email from public.profiles where email like '%@t.test' order by email$$,
  $$values ('b1@t.test'), ('supb@t.test')$$,
  'the other supervisor sees only its own agents'
);

-- A deactivated supervisor no longer sees its agents.
select tests.clear_authentication();
update public.profiles set active = false where email = 'supa@t.test';
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select email from public.profiles where email like '%@t.test' order by email$$,
  $$values ('supa@t.test')$$,
  'a deactivated supervisor sees only its own profile'
);

select * from finish();
rollback;
