-- products.sale_requirements (issue 15): the default, the key list's check,
-- and who may write it (products.manage).
begin;
select plan(13);

select tests.create_two_campaigns();

select tests.authenticate_as('adm@t.test');
select results_eq(
  $$insert into public.products (code, name, insurance_line, premium) values ('T-REQ', 'Req', 'pet', 5)
    returning sale_requirements$$,
  $$values ('[]'::jsonb)$$,
  'a new product requires nothing extra'
);
select results_eq(
  $$update public.products set sale_requirements = '["iban", "birth_date", "policy_holder_id"]'
    where code = 'T-REQ' returning sale_requirements$$,
  $$values ('["iban", "birth_date", "policy_holder_id"]'::jsonb)$$,
  'an admin sets what a sale must capture'
);
select lives_ok(
  $$insert into public.products (code, name, insurance_line, premium, sale_requirements)
    values ('T-REQ2', 'Req 2', 'life', 9,
      '["policy_holder_id", "iban", "birth_date", "address", "beneficiary", "start_date", "policy_number"]')$$,
  'every known key is accepted'
);
select throws_ok(
  $$update public.products set sale_requirements = '["iban", "shoe_size"]' where code = 'T-REQ'$$,
  '23514', 'sale_requirements: unknown key ''shoe_size''', 'an unknown key is refused, naming it'
);
select throws_ok(
  $$update public.products set sale_requirements = '["iban", "iban"]' where code = 'T-REQ'$$,
  '23514', 'sale_requirements: key ''iban'' is listed twice', 'a key is listed once'
);
select throws_ok(
  $$update public.products set sale_requirements = '{"iban": true}' where code = 'T-REQ'$$,
  '23514', 'sale_requirements: must be a list of keys', 'the requirements are a list'
);
select throws_ok(
  $$update public.products set sale_requirements = '[1]' where code = 'T-REQ'$$,
  '23514', 'sale_requirements: unknown key ''1''', 'the keys are strings'
);
select throws_ok(
  $$update public.products set sale_requirements = null where code = 'T-REQ'$$,
  '23502', null, 'sale_requirements is not null'
);

select tests.authenticate_as('supa@t.test');
select is_empty(
  $$update public.products set sale_requirements = '[]' where code = 'T-LIFE-A' returning id$$,
  'a supervisor cannot change what a sale must capture'
);
select results_eq(
  $$select sale_requirements from public.products where code = 'T-LIFE-A'$$,
  $$values ('[]'::jsonb)$$,
  'a supervisor reads the requirements of their campaign''s products'
);
select throws_ok(
  $$insert into public.products (code, name, insurance_line, premium, sale_requirements)
    values ('T-S', 's', 'pet', 1, '["iban"]')$$,
  '42501', null, 'a supervisor cannot add a product'
);
select tests.authenticate_as('a1@t.test');
select is_empty(
  $$update public.products set sale_requirements = '["iban"]' where code = 'T-LIFE-A' returning id$$,
  'an agent cannot change what a sale must capture'
);
select tests.authenticate_as_anon();
select throws_ok(
  $$update public.products set sale_requirements = '[]'$$, '42501', null, 'anon cannot change products'
);

select * from finish();
rollback;
