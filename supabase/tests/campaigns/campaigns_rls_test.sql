-- public.campaigns: members see their campaigns, admins see and manage all.
begin;
select plan(22);

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
select throws_ok('select * from public.campaigns', '42501', null, 'anon cannot read campaigns');
select throws_ok(
  $$insert into public.campaigns (name) values ('anon')$$, '42501', null, 'anon cannot create campaigns'
);

-- An agent sees the campaigns it works, nothing else, and changes nothing.
select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select name from public.campaigns where name like 'Test _' order by name$$,
  $$values ('Test A')$$,
  'an agent sees only its own campaign'
);
select throws_ok(
  $$insert into public.campaigns (name) values ('Agent campaign')$$,
  '42501', null, 'an agent cannot create a campaign'
);
select is_empty(
  $$update public.campaigns set max_attempts = 50 where name = 'Test A' returning id$$,
  'an agent cannot change its campaign'
);
select is_empty(
  $$delete from public.campaigns where name = 'Test A' returning id$$,
  'an agent cannot remove its campaign'
);

select tests.authenticate_as('b1@t.test');
select results_eq(
  $$select name from public.campaigns where name like 'Test _' order by name$$,
  $$values ('Test B')$$,
  'another campaign''s agent sees only that campaign'
);

-- A supervisor sees the campaigns it runs; campaigns.manage is the admin's.
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select name from public.campaigns where name like 'Test _' order by name$$,
  $$values ('Test A')$$,
  'a supervisor sees the campaign it runs, not the other'
);
select throws_ok(
  $$insert into public.campaigns (name) values ('Supervisor campaign')$$,
  '42501', null, 'a supervisor cannot create a campaign'
);
select is_empty(
  $$update public.campaigns set status = 'paused' where name = 'Test A' returning id$$,
  'a supervisor cannot change a campaign (campaigns.manage)'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select name from public.campaigns where name like 'Test _' order by name$$,
  $$values ('Test B')$$,
  'the other supervisor sees only its campaign'
);
select is_empty(
  $$delete from public.campaigns where name = 'Test A' returning id$$,
  'a supervisor cannot remove another campaign'
);

-- An admin sees and manages everything.
select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select name from public.campaigns where name like 'Test _' order by name$$,
  $$values ('Test A'), ('Test B')$$,
  'an admin sees every campaign'
);
select lives_ok(
  $$insert into public.campaigns (name, calling_hours_start, calling_hours_end)
    values ('Test C', '10:00', '20:00')$$,
  'an admin creates a campaign'
);
select results_eq(
  $$update public.campaigns set status = 'paused' where name = 'Test C' returning status::text$$,
  $$values ('paused')$$,
  'an admin changes a campaign'
);
select results_eq(
  $$delete from public.campaigns where name = 'Test C' returning name$$,
  $$values ('Test C')$$,
  'an admin removes a campaign'
);

-- Bad values are refused with the field named.
select throws_ok(
  $$insert into public.campaigns (name, allowed_dispositions) values ('Bad', '{no_answer,maybe}')$$,
  '23514', 'allowed_dispositions: unknown disposition ''maybe''',
  'an unknown allowed disposition is refused'
);
select throws_ok(
  $$insert into public.campaigns (name, calling_hours_start, calling_hours_end) values ('Bad', '21:00', '09:00')$$,
  '23514', null, 'a calling window that ends before it starts is refused'
);
select throws_ok(
  $$insert into public.campaigns (name, calling_days) values ('Bad', '{0,8}')$$,
  '23514', null, 'calling days are ISO days 1-7'
);
select throws_ok(
  $$insert into public.campaigns (name, retry_delays) values ('Bad', '{-01:00:00}')$$,
  '23514', null, 'retry delays must be positive'
);
select throws_ok(
  $$insert into public.campaigns (name, caller_id) values ('Bad', '912345678')$$,
  '23514', 'phone: ''912345678'' is not a valid E.164 number',
  'the caller ID must be E.164'
);
select throws_ok(
  $$insert into public.campaigns (name, default_time_zone) values ('Bad', 'Madrid')$$,
  '23514', 'time_zone: ''Madrid'' is not an IANA time zone name',
  'the default time zone must be an IANA name'
);

select * from finish();
rollback;
