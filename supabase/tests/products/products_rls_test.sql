-- public.products: members see the products of their campaigns; admins
-- (products.manage) see and manage the whole catalogue.
begin;
select plan(16);

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
select throws_ok('select * from public.products', '42501', null, 'anon cannot read products');

select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select code from public.products where code like 'T-%' order by code$$,
  $$values ('T-LIFE-A')$$,
  'an agent sees the products of its campaign only'
);
select throws_ok(
  $$insert into public.products (code, name, insurance_line, premium) values ('T-X', 'x', 'pet', 1)$$,
  '42501', null, 'an agent cannot add a product'
);
select is_empty(
  $$update public.products set premium = 1 where code = 'T-LIFE-A' returning id$$,
  'an agent cannot change a product''s premium'
);
select is_empty(
  $$delete from public.products where code = 'T-LIFE-A' returning id$$,
  'an agent cannot remove a product'
);

select tests.authenticate_as('b1@t.test');
select results_eq(
  $$select code from public.products where code like 'T-%' order by code$$,
  $$values ('T-HOME-B')$$,
  'another campaign''s agent sees that campaign''s products'
);

select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select code from public.products where code like 'T-%' order by code$$,
  $$values ('T-LIFE-A')$$,
  'a supervisor sees the products of its campaign'
);
select throws_ok(
  $$insert into public.products (code, name, insurance_line, premium) values ('T-X', 'x', 'pet', 1)$$,
  '42501', null, 'a supervisor cannot add a product (products.manage)'
);
select is_empty(
  $$update public.products set active = false where code = 'T-LIFE-A' returning id$$,
  'a supervisor cannot change a product'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select code from public.products where code like 'T-%' order by code$$,
  $$values ('T-HOME-B')$$,
  'the other supervisor sees only its campaign''s products'
);

select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select code from public.products where code like 'T-%' order by code$$,
  $$values ('T-HOME-B'), ('T-LIFE-A')$$,
  'an admin sees every product'
);
select lives_ok(
  $$insert into public.products (code, name, insurance_line, premium, coverage_amount)
    values ('T-PET', 'Mascotas', 'pet', 9.90, 3000)$$,
  'an admin adds a product'
);
select results_eq(
  $$update public.products set premium = 10.90 where code = 'T-PET' returning premium$$,
  $$values (10.90::numeric(12, 2))$$,
  'an admin changes a product'
);
select results_eq(
  $$delete from public.products where code = 'T-PET' returning code$$,
  $$values ('T-PET')$$,
  'an admin removes an unsold product'
);
select throws_ok(
  $$insert into public.products (code, name, insurance_line, premium) values ('T-FREE', 'x', 'pet', 0)$$,
  '23514', null, 'a premium must be positive'
);
select throws_ok(
  $$insert into public.products (code, name, insurance_line, premium) values ('T-LIFE-A', 'x', 'life', 5)$$,
  '23505', null, 'product codes are unique'
);

select * from finish();
rollback;
