-- public.do_not_call: supervisors see the company-wide list and their
-- campaigns' entries and may add numbers; removing is for the entry's
-- campaign supervisors, or admins; agents never read it (the RPCs check it).
begin;
select plan(17);

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

insert into public.do_not_call (phone, campaign_id, source) values
('+34600000901', null, 'regulator'),
('+34600000902', 'c0000000-0000-4000-8000-00000000000a', 'manual'),
('+525500000903', 'c0000000-0000-4000-8000-00000000000b', 'manual');

select tests.authenticate_as_anon();
select throws_ok('select * from public.do_not_call', '42501', null, 'anon cannot read the do-not-call list');

select tests.authenticate_as('a1@t.test');
select is_empty('select phone from public.do_not_call', 'an agent does not read the do-not-call list');
select throws_ok(
  $$insert into public.do_not_call (phone) values ('+34600000904')$$,
  '42501', null, 'an agent cannot add numbers directly (end_call does, with do_not_call)'
);
select is_empty(
  $$delete from public.do_not_call where phone = '+34600000902' returning id$$,
  'an agent cannot remove a number'
);

select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select phone::text from public.do_not_call where phone::text like '+%0090%' order by 1$$,
  $$values ('+34600000901'), ('+34600000902')$$,
  'a supervisor sees the company-wide list and its campaign''s entries'
);
select lives_ok(
  $$insert into public.do_not_call (phone, reason) values ('+34600000904', 'Queja por teléfono')$$,
  'a supervisor adds a number company-wide'
);
select lives_ok(
  $$insert into public.do_not_call (phone, campaign_id)
    values ('+34600000905', 'c0000000-0000-4000-8000-00000000000a')$$,
  'a supervisor adds a number to its campaign'
);
select throws_ok(
  $$insert into public.do_not_call (phone, campaign_id)
    values ('+34600000906', 'c0000000-0000-4000-8000-00000000000b')$$,
  '42501', null, 'a supervisor cannot add to another campaign''s list'
);
select throws_ok(
  $$insert into public.do_not_call (phone) values ('+34600000901')$$,
  '23505', null, 'a number is listed once per scope'
);
select throws_ok(
  $$insert into public.do_not_call (phone) values ('600000907')$$,
  '23514', 'phone: ''600000907'' is not a valid E.164 number', 'numbers are E.164'
);
select results_eq(
  $$update public.do_not_call set reason = 'Solicitud' where phone = '+34600000902' returning reason$$,
  $$values ('Solicitud')$$,
  'a supervisor changes its campaign''s entry'
);
select results_eq(
  $$delete from public.do_not_call where phone = '+34600000902' returning phone::text$$,
  $$values ('+34600000902')$$,
  'a supervisor removes its campaign''s entry'
);
select is_empty(
  $$delete from public.do_not_call where phone = '+34600000901' returning id$$,
  'a supervisor cannot remove a company-wide entry'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select phone::text from public.do_not_call where phone::text like '+%0090%' order by 1$$,
  $$values ('+34600000901'), ('+34600000904'), ('+525500000903')$$,
  'the other supervisor sees the company-wide list and its own campaign''s entries'
);
select is_empty(
  $$delete from public.do_not_call where phone = '+34600000905' returning id$$,
  'the other supervisor cannot remove campaign A''s entry'
);

select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select count(*)::int from public.do_not_call where phone::text like '+%0090%'$$,
  $$values (4)$$,
  'an admin sees every entry'
);
select results_eq(
  $$delete from public.do_not_call where phone = '+34600000901' returning phone::text$$,
  $$values ('+34600000901')$$,
  'an admin removes a company-wide entry'
);

select * from finish();
rollback;
