-- public.sales: agents register sales of their own leads (born pending) and
-- correct them while pending; only rpc/validate_sale changes a status;
-- supervisors work inside their campaigns; admins everything.
begin;
select plan(28);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

insert into public.sales (id, lead_id, product_id, agent_id) values
(
  '5a000000-0000-4000-8000-0000000000a2', 'e0000000-0000-4000-8000-0000000000a2',
  'd0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000102'
),
(
  '5a000000-0000-4000-8000-0000000000b1', 'e0000000-0000-4000-8000-0000000000b1',
  'd0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000201'
);

select tests.authenticate_as_anon();
select throws_ok('select * from public.sales', '42501', null, 'anon cannot read sales');

-- Agent a1 registers a sale of its own lead.
select tests.authenticate_as('a1@t.test');
select is_empty(
  $$select id from public.sales where campaign_id::text like 'c0000000-%'$$,
  'an agent sees none of its colleagues'' sales'
);
select results_eq(
  $$insert into public.sales (id, lead_id, product_id, policy_number, notes) values (
      '5a000000-0000-4000-8000-0000000000a1', 'e0000000-0000-4000-8000-0000000000a1',
      'd0000000-0000-4000-8000-00000000000a', 'POL-2026-0001', 'Pago domiciliado'
    ) returning status::text, agent_id::text, campaign_id::text, premium, currency, payment_frequency::text$$,
  $$values (
    'pending', 'f0000000-0000-4000-8000-000000000101', 'c0000000-0000-4000-8000-00000000000a',
    20.00::numeric(12, 2), 'EUR', 'monthly'
  )$$,
  'an agent registers a pending sale of its lead; campaign, premium and currency come from lead and product'
);
select results_eq(
  $$select id::text from public.sales where campaign_id::text like 'c0000000-%'$$,
  $$values ('5a000000-0000-4000-8000-0000000000a1')$$,
  'an agent sees its own sales'
);
select throws_ok(
  $$insert into public.sales (lead_id, product_id, status, validated_at, validated_by) values (
      'e0000000-0000-4000-8000-0000000000a1', 'd0000000-0000-4000-8000-00000000000a', 'validated', now(),
      'f0000000-0000-4000-8000-000000000101'
    )$$,
  '42501', 'status: a new sale is pending; rpc/validate_sale validates or rejects it',
  'an agent cannot register an already validated sale'
);
select throws_ok(
  $$insert into public.sales (lead_id, product_id) values
    ('e0000000-0000-4000-8000-0000000000a2', 'd0000000-0000-4000-8000-00000000000a')$$,
  'PT404', 'lead_id: not found or not yours',
  'an agent cannot sell a colleague''s lead'
);
select throws_ok(
  $$insert into public.sales (lead_id, product_id, agent_id) values (
      'e0000000-0000-4000-8000-0000000000a1', 'd0000000-0000-4000-8000-00000000000a',
      'f0000000-0000-4000-8000-000000000102'
    )$$,
  '42501', 'agent_id: agents register sales in their own name', 'an agent cannot credit a colleague'
);
select throws_ok(
  $$insert into public.sales (lead_id, product_id) values
    ('e0000000-0000-4000-8000-0000000000a1', 'd0000000-0000-4000-8000-00000000000b')$$,
  'PT404', 'product_id: not found or not sold in the sale''s campaign',
  'a product must be sold by the lead''s campaign'
);
select throws_ok(
  $$insert into public.sales (lead_id, product_id, premium) values
    ('e0000000-0000-4000-8000-0000000000a1', 'd0000000-0000-4000-8000-00000000000a', -5)$$,
  '23514', null, 'a premium must be positive'
);
select results_eq(
  $$update public.sales set premium = 22.50 where id = '5a000000-0000-4000-8000-0000000000a1' returning premium$$,
  $$values (22.50::numeric(12, 2))$$,
  'an agent corrects its pending sale'
);
select throws_ok(
  $$update public.sales set status = 'validated' where id = '5a000000-0000-4000-8000-0000000000a1'$$,
  '42501', 'status: a sale''s status changes only through rpc/validate_sale', 'an agent cannot validate its sale'
);
select throws_ok(
  $$update public.sales set lead_id = 'e0000000-0000-4000-8000-0000000000a2'
    where id = '5a000000-0000-4000-8000-0000000000a1'$$,
  '42501', null, 'a sale''s lead never changes'
);
select is_empty(
  $$update public.sales set premium = 1 where id = '5a000000-0000-4000-8000-0000000000a2' returning id$$,
  'an agent cannot touch a colleague''s sale'
);
select is_empty(
  $$delete from public.sales where id = '5a000000-0000-4000-8000-0000000000a1' returning id$$,
  'an agent cannot delete its sale'
);

-- A validated sale is closed to its agent.
select tests.clear_authentication();
update public.sales
set status = 'validated', validated_at = now(), validated_by = 'f0000000-0000-4000-8000-000000000011'
where id = '5a000000-0000-4000-8000-0000000000a1';
select tests.authenticate_as('a1@t.test');
select is_empty(
  $$update public.sales set premium = 99 where id = '5a000000-0000-4000-8000-0000000000a1' returning id$$,
  'an agent cannot change a sale once validated'
);

-- The other campaign's agent.
select tests.authenticate_as('b1@t.test');
select results_eq(
  $$select id::text from public.sales where campaign_id::text like 'c0000000-%'$$,
  $$values ('5a000000-0000-4000-8000-0000000000b1')$$,
  'an agent of campaign B sees only its own sale'
);
select throws_ok(
  $$insert into public.sales (lead_id, product_id) values
    ('e0000000-0000-4000-8000-0000000000a1', 'd0000000-0000-4000-8000-00000000000a')$$,
  'PT404', 'lead_id: not found or not yours', 'an agent cannot sell in a campaign it does not work'
);

-- Supervisor of A.
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select id::text from public.sales where campaign_id::text like 'c0000000-%' order by 1$$,
  $$values ('5a000000-0000-4000-8000-0000000000a1'), ('5a000000-0000-4000-8000-0000000000a2')$$,
  'a supervisor sees the sales of its campaign'
);
select results_eq(
  $$insert into public.sales (lead_id, product_id, agent_id) values (
      'e0000000-0000-4000-8000-0000000000a3', 'd0000000-0000-4000-8000-00000000000a',
      'f0000000-0000-4000-8000-000000000102'
    ) returning status::text$$,
  $$values ('pending')$$,
  'a supervisor registers a sale for one of its agents'
);
select throws_ok(
  $$insert into public.sales (lead_id, product_id, agent_id) values (
      'e0000000-0000-4000-8000-0000000000a3', 'd0000000-0000-4000-8000-00000000000a',
      'f0000000-0000-4000-8000-000000000011'
    )$$,
  '23514', null, 'a sale is credited to an agent of the campaign'
);
select results_eq(
  $$update public.sales set policy_number = 'POL-2026-0002' where id = '5a000000-0000-4000-8000-0000000000a2'
    returning policy_number$$,
  $$values ('POL-2026-0002')$$,
  'a supervisor corrects a sale of its campaign'
);
select throws_ok(
  $$update public.sales set status = 'rejected', status_reason = 'x'
    where id = '5a000000-0000-4000-8000-0000000000a2'$$,
  '42501', null, 'a supervisor too changes statuses only through rpc/validate_sale'
);
select is_empty(
  $$update public.sales set notes = 'x' where id = '5a000000-0000-4000-8000-0000000000b1' returning id$$,
  'a supervisor cannot touch another campaign''s sale'
);
select is_empty(
  $$delete from public.sales where id = '5a000000-0000-4000-8000-0000000000a2' returning id$$,
  'a supervisor cannot delete sales'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select id::text from public.sales where campaign_id::text like 'c0000000-%'$$,
  $$values ('5a000000-0000-4000-8000-0000000000b1')$$,
  'the other supervisor sees only its campaign''s sales'
);
select throws_ok(
  $$insert into public.sales (lead_id, product_id, agent_id) values (
      'e0000000-0000-4000-8000-0000000000a3', 'd0000000-0000-4000-8000-00000000000a',
      'f0000000-0000-4000-8000-000000000102'
    )$$,
  'PT404', 'lead_id: not found or not yours', 'the other supervisor cannot register a sale in campaign A'
);

select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select count(*)::int from public.sales where campaign_id::text like 'c0000000-%'$$,
  $$values (4)$$,
  'an admin sees every sale'
);
select results_eq(
  $$delete from public.sales where id = '5a000000-0000-4000-8000-0000000000b1' returning id::text$$,
  $$values ('5a000000-0000-4000-8000-0000000000b1')$$,
  'an admin deletes a sale'
);

select * from finish();
rollback;
