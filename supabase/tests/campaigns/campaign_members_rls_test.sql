-- public.campaign_members: own memberships, the supervisors of one's
-- campaigns, all members of a supervised campaign; campaigns.manage writes.
begin;
select plan(14);

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

select tests.authenticate_as_anon();
select throws_ok('select * from public.campaign_members', '42501', null, 'anon cannot read memberships');

-- An agent sees its own membership and who supervises its campaign, not its colleagues.
select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select user_id::text, member_role::text from public.campaign_members
    where user_id::text like 'f0000000-%' order by 1$$,
  $$values ('f0000000-0000-4000-8000-000000000011', 'supervisor'), ('f0000000-0000-4000-8000-000000000101', 'agent')$$,
  'an agent sees itself and its campaign''s supervisor'
);
select throws_ok(
  $$insert into public.campaign_members (campaign_id, user_id, member_role) values
    ('c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000101', 'agent')$$,
  '42501', null, 'an agent cannot join another campaign'
);
select is_empty(
  $$update public.campaign_members set member_role = 'supervisor'
    where user_id = 'f0000000-0000-4000-8000-000000000101' returning user_id$$,
  'an agent cannot make itself supervisor'
);
select is_empty(
  $$delete from public.campaign_members where user_id = 'f0000000-0000-4000-8000-000000000011' returning user_id$$,
  'an agent cannot remove its supervisor'
);

-- A supervisor sees every member of its campaign, none of the other.
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select user_id::text from public.campaign_members where user_id::text like 'f0000000-%' order by 1$$,
  $$values
    ('f0000000-0000-4000-8000-000000000011'),
    ('f0000000-0000-4000-8000-000000000101'),
    ('f0000000-0000-4000-8000-000000000102')$$,
  'a supervisor sees the members of its campaign only'
);
select throws_ok(
  $$insert into public.campaign_members (campaign_id, user_id, member_role) values
    ('c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000201', 'agent')$$,
  '42501', null, 'a supervisor cannot add members (campaigns.manage)'
);
select is_empty(
  $$delete from public.campaign_members where user_id = 'f0000000-0000-4000-8000-000000000102' returning user_id$$,
  'a supervisor cannot remove members'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select user_id::text from public.campaign_members where user_id::text like 'f0000000-%' order by 1$$,
  $$values ('f0000000-0000-4000-8000-000000000012'), ('f0000000-0000-4000-8000-000000000201')$$,
  'the other supervisor sees only its own campaign''s members'
);

-- An admin manages memberships; member roles must fit user roles.
select tests.authenticate_as('adm@t.test');
select ok(
  (select count(*) from public.campaign_members where campaign_id in (
    'c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b'
  )) = 5,
  'an admin sees every membership'
);
select lives_ok(
  $$insert into public.campaign_members (campaign_id, user_id, member_role) values
    ('c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000101', 'agent')$$,
  'an admin adds an agent to a campaign'
);
select throws_ok(
  $$insert into public.campaign_members (campaign_id, user_id, member_role) values
    ('c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000102', 'supervisor')$$,
  '23514',
  'member_role: user f0000000-0000-4000-8000-000000000102 is an agent; only supervisors and admins run a campaign',
  'an agent cannot be made a campaign''s supervisor'
);
select throws_ok(
  $$insert into public.campaign_members (campaign_id, user_id, member_role) values
    ('c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000011', 'agent')$$,
  '23514', null, 'a supervisor cannot join as agent'
);
select results_eq(
  $$delete from public.campaign_members
    where campaign_id = 'c0000000-0000-4000-8000-00000000000b' and user_id = 'f0000000-0000-4000-8000-000000000101'
    returning member_role::text$$,
  $$values ('agent')$$,
  'an admin removes a member'
);

select * from finish();
rollback;
