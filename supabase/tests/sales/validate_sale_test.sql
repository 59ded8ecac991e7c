-- rpc/validate_sale(p_sale_id, p_approved, p_reason): sales.validate inside
-- the caller's campaigns; once; a rejection needs a reason; history follows.
begin;
select plan(15);

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
select set_config('crm.now', '2026-11-25 12:00+00', true);

select tests.authenticate_as_anon();
select throws_ok(
  $$select public.validate_sale('5a000000-0000-4000-8000-0000000000a1', true)$$,
  '42501', null, 'anon cannot validate'
);

select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.validate_sale('5a000000-0000-4000-8000-0000000000a1', true)$$,
  '42501', 'p_sale_id: validating sales needs sales.validate', 'an agent cannot validate its own sale'
);

select tests.authenticate_as('supb@t.test');
select throws_ok(
  $$select public.validate_sale('5a000000-0000-4000-8000-0000000000a1', true)$$,
  'PT404', 'p_sale_id: not found or not yours',
  'a supervisor cannot validate another campaign''s sale, answered as an unknown one'
);

select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.validate_sale('5a000000-0000-4000-8000-0000000000a2', false)$$,
  '22023', 'p_reason: a reason is required to reject a sale', 'a rejection needs a reason'
);
select throws_ok(
  $$select public.validate_sale('5a000000-0000-4000-8000-0000000000a2', false, '   ')$$,
  '22023', null, 'a blank reason is no reason'
);
select throws_ok(
  $$select public.validate_sale('5a000000-0000-4000-8000-0000000000a2', null)$$,
  '22023', 'p_approved: required (true validates the sale, false rejects it)', 'p_approved is required'
);
select throws_ok(
  $$select public.validate_sale('5a000000-0000-4000-8000-00000000ffff', true)$$,
  'PT404', 'p_sale_id: not found or not yours', 'an unknown sale is a 404'
);
select throws_ok(
  $$select public.validate_sale(null, true)$$, '22023', 'p_sale_id: required', 'the sale is required'
);
select tests.clear_authentication();
select results_eq(
  $$select status::text from public.sales where id::text like '5a000000-%' order by id$$,
  $$values ('pending'), ('pending'), ('pending')$$,
  'refused validations changed nothing'
);
select tests.authenticate_as('supa@t.test');

select results_eq(
  $$select status::text, validated_by::text, validated_at, status_reason
    from public.validate_sale('5a000000-0000-4000-8000-0000000000a1', true)$$,
  $$values (
    'validated', 'f0000000-0000-4000-8000-000000000011', '2026-11-25 12:00+00'::timestamptz, null::text
  )$$,
  'a supervisor validates a sale of its campaign'
);
select results_eq(
  $$select status::text, status_reason from public.validate_sale(
      '5a000000-0000-4000-8000-0000000000a2', false, 'Cliente no firmó el mandato SEPA'
    )$$,
  $$values ('rejected', 'Cliente no firmó el mandato SEPA')$$,
  'a supervisor rejects a sale with a reason'
);
select throws_ok(
  $$select public.validate_sale('5a000000-0000-4000-8000-0000000000a1', false, 'Cambio de opinión')$$,
  'PT409', 'p_sale_id: sale 5a000000-0000-4000-8000-0000000000a1 is already validated',
  'validating twice is an error'
);
select throws_ok(
  $$select public.validate_sale('5a000000-0000-4000-8000-0000000000a2', true)$$,
  'PT409', 'p_sale_id: sale 5a000000-0000-4000-8000-0000000000a2 is already rejected',
  'a rejected sale cannot be validated afterwards'
);
select results_eq(
  $$select old_status::text, new_status::text, reason, changed_by::text, via from public.sale_status_history
    where sale_id = '5a000000-0000-4000-8000-0000000000a2' order by id$$,
  $$values
    (null, 'pending', null, null, null),
    ('pending', 'rejected', 'Cliente no firmó el mandato SEPA', 'f0000000-0000-4000-8000-000000000011',
     'rpc/validate_sale')$$,
  'the status history has the creation and the rejection, with who and why'
);

select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select status::text from public.validate_sale('5a000000-0000-4000-8000-0000000000b1', true)$$,
  $$values ('validated')$$,
  'an admin validates in any campaign'
);

select * from finish();
rollback;
