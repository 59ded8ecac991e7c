-- public.campaign_products: members see what their campaigns sell;
-- campaigns.manage links and unlinks products.
begin;
select plan(11);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

select tests.authenticate_as_anon();
select throws_ok('select * from public.campaign_products', '42501', null, 'anon cannot read campaign products');

select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select product_id::text from public.campaign_products where product_id::text like 'd0000000-%'$$,
  $$values ('d0000000-0000-4000-8000-00000000000a')$$,
  'an agent sees what its campaign sells'
);
select throws_ok(
  $$insert into public.campaign_products (campaign_id, product_id) values
    ('c0000000-0000-4000-8000-00000000000a', 'd0000000-0000-4000-8000-00000000000b')$$,
  '42501', null, 'an agent cannot add a product to its campaign'
);
select is_empty(
  $$delete from public.campaign_products where campaign_id = 'c0000000-0000-4000-8000-00000000000a'
    returning product_id$$,
  'an agent cannot remove a product from its campaign'
);
select throws_ok(
  $$update public.campaign_products set product_id = product_id$$,
  '42501', null, 'nobody updates a campaign-product link (no such grant)'
);

select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select product_id::text from public.campaign_products where product_id::text like 'd0000000-%'$$,
  $$values ('d0000000-0000-4000-8000-00000000000a')$$,
  'a supervisor sees what its campaign sells'
);
select throws_ok(
  $$insert into public.campaign_products (campaign_id, product_id) values
    ('c0000000-0000-4000-8000-00000000000a', 'd0000000-0000-4000-8000-00000000000b')$$,
  '42501', null, 'a supervisor cannot change what its campaign sells'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select product_id::text from public.campaign_products where product_id::text like 'd0000000-%'$$,
  $$values ('d0000000-0000-4000-8000-00000000000b')$$,
  'the other supervisor sees only its campaign''s products'
);

select tests.authenticate_as('adm@t.test');
select lives_ok(
  $$insert into public.campaign_products (campaign_id, product_id) values
    ('c0000000-0000-4000-8000-00000000000a', 'd0000000-0000-4000-8000-00000000000b')$$,
  'an admin adds a product to a campaign'
);
select ok(
  (select count(*) from public.campaign_products where product_id::text like 'd0000000-%') = 3,
  'an admin sees every link'
);
select results_eq(
  $$delete from public.campaign_products
    where campaign_id = 'c0000000-0000-4000-8000-00000000000a' and product_id = 'd0000000-0000-4000-8000-00000000000b'
    returning product_id::text$$,
  $$values ('d0000000-0000-4000-8000-00000000000b')$$,
  'an admin removes a product from a campaign'
);

select * from finish();
rollback;
