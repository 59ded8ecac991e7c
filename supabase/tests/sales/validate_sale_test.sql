-- rpc/validate_sale(p_sale_id, p_approved, p_reason): sales.validate inside
-- the caller's campaigns; once; a rejection needs a reason; history follows.
begin;
select plan(15);

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
  '42501', 'p_sale_id: sale 5a000000-0000-4000-8000-0000000000a1 is in campaign Test A, which you do not run',
  'a supervisor cannot validate another campaign''s sale'
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
  'PT404', 'p_sale_id: no sale 5a000000-0000-4000-8000-00000000ffff', 'an unknown sale is a 404'
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
