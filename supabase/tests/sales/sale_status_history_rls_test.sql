-- public.sale_status_history: one row per status of a sale, by trigger only;
-- visible with the sale; append-only for every API role.
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

insert into public.sales (id, lead_id, product_id, agent_id) values
(
  '5a000000-0000-4000-8000-0000000000a1', 'e0000000-0000-4000-8000-0000000000a1',
  'd0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101'
),
(
  '5a000000-0000-4000-8000-0000000000a2', 'e0000000-0000-4000-8000-0000000000a2',
  'd0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000102'
),
(
  '5a000000-0000-4000-8000-0000000000b1', 'e0000000-0000-4000-8000-0000000000b1',
  'd0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000201'
);
select tests.authenticate_as('supa@t.test');
select public.validate_sale('5a000000-0000-4000-8000-0000000000a1', true);
select tests.clear_authentication();

select results_eq(
  $$select old_status::text, new_status::text, actor from public.sale_status_history
    where sale_id = '5a000000-0000-4000-8000-0000000000a1' order by id$$,
  $$values (null, 'pending', 'system'), ('pending', 'validated', 'user')$$,
  'creation and validation are both recorded'
);

select tests.authenticate_as_anon();
select throws_ok('select * from public.sale_status_history', '42501', null, 'anon cannot read sale history');

select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select distinct sale_id::text from public.sale_status_history where sale_id::text like '5a000000-%'$$,
  $$values ('5a000000-0000-4000-8000-0000000000a1')$$,
  'an agent sees the history of its own sales only'
);
select throws_ok(
  $$insert into public.sale_status_history (sale_id, campaign_id, new_status, actor) values
    ('5a000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-00000000000a', 'validated', 'user')$$,
  '42501', null, 'an agent cannot forge a validation in the history'
);
select throws_ok(
  $$update public.sale_status_history set new_status = 'validated'$$,
  '42501', null, 'an agent cannot rewrite sale history'
);
select throws_ok(
  $$delete from public.sale_status_history$$, '42501', null, 'an agent cannot erase sale history'
);

select tests.authenticate_as('a2@t.test');
select results_eq(
  $$select distinct sale_id::text from public.sale_status_history where sale_id::text like '5a000000-%'$$,
  $$values ('5a000000-0000-4000-8000-0000000000a2')$$,
  'another agent sees only its own sale''s history'
);

select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select count(distinct sale_id)::int from public.sale_status_history where sale_id::text like '5a000000-%'$$,
  $$values (2)$$,
  'a supervisor sees the sale history of its campaign'
);
select throws_ok(
  $$delete from public.sale_status_history where sale_id = '5a000000-0000-4000-8000-0000000000a2'$$,
  '42501', null, 'a supervisor cannot erase sale history'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select distinct sale_id::text from public.sale_status_history where sale_id::text like '5a000000-%'$$,
  $$values ('5a000000-0000-4000-8000-0000000000b1')$$,
  'the other supervisor sees only its campaign''s sale history'
);

select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select count(distinct sale_id)::int from public.sale_status_history where sale_id::text like '5a000000-%'$$,
  $$values (3)$$,
  'an admin sees all sale history'
);
select throws_ok(
  $$update public.sale_status_history set reason = 'x'$$, '42501', null, 'not even an admin rewrites it'
);

select tests.authenticate_as_service_role();
select throws_ok(
  $$insert into public.sale_status_history (sale_id, campaign_id, new_status, actor) values
    ('5a000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-00000000000a', 'validated', 'user')$$,
  '42501', null, 'the service role cannot forge sale history'
);
select results_eq(
  $$with purged as (
      delete from public.sale_status_history where sale_id = '5a000000-0000-4000-8000-0000000000b1' returning 1
    ) select count(*)::int from purged$$,
  $$values (1)$$,
  'the service role purges sale history'
);

select * from finish();
rollback;
