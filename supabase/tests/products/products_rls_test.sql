-- public.products: members see the products of their campaigns; admins
-- (products.manage) see and manage the whole catalogue.
begin;
select plan(16);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

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
