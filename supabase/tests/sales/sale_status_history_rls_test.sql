-- public.sale_status_history: one row per status of a sale, by trigger only;
-- visible with the sale; append-only for every API role.
begin;
select plan(14);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

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
