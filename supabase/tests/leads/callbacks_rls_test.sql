-- public.callbacks: read-only through the API (the RPCs write them); an
-- agent sees its own, a supervisor its campaigns', an admin all.
begin;
select plan(12);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

insert into public.callbacks (lead_id, campaign_id, agent_id, due_at) values
(
  'e0000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', '2026-12-01 10:00+00'
),
(
  'e0000000-0000-4000-8000-0000000000a2', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000102', '2026-12-01 11:00+00'
),
(
  'e0000000-0000-4000-8000-0000000000b1', 'c0000000-0000-4000-8000-00000000000b',
  'f0000000-0000-4000-8000-000000000201', '2026-12-01 18:00+00'
);

select tests.authenticate_as_anon();
select throws_ok('select * from public.callbacks', '42501', null, 'anon cannot read callbacks');

select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select lead_id::text from public.callbacks where campaign_id::text like 'c0000000-%'$$,
  $$values ('e0000000-0000-4000-8000-0000000000a1')$$,
  'an agent sees its own callbacks only'
);
select throws_ok(
  $$insert into public.callbacks (lead_id, campaign_id, agent_id, due_at) values
    ('e0000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-00000000000a',
     'f0000000-0000-4000-8000-000000000101', '2026-12-02 10:00+00')$$,
  '42501', null, 'an agent cannot insert a callback (rpc/end_call schedules them)'
);
select throws_ok(
  $$update public.callbacks set due_at = '2026-12-03 10:00+00'$$,
  '42501', null, 'an agent cannot move a callback'
);
select throws_ok(
  $$delete from public.callbacks$$, '42501', null, 'an agent cannot delete a callback'
);

select tests.authenticate_as('a2@t.test');
select results_eq(
  $$select lead_id::text from public.callbacks where campaign_id::text like 'c0000000-%'$$,
  $$values ('e0000000-0000-4000-8000-0000000000a2')$$,
  'another agent sees only its own callback'
);

select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select lead_id::text from public.callbacks where campaign_id::text like 'c0000000-%' order by 1$$,
  $$values ('e0000000-0000-4000-8000-0000000000a1'), ('e0000000-0000-4000-8000-0000000000a2')$$,
  'a supervisor sees its campaign''s callbacks'
);
select throws_ok(
  $$update public.callbacks set agent_id = null$$, '42501', null,
  'a supervisor cannot rewrite callbacks (they follow the lead through rpc/assign_lead)'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select lead_id::text from public.callbacks where campaign_id::text like 'c0000000-%'$$,
  $$values ('e0000000-0000-4000-8000-0000000000b1')$$,
  'the other supervisor sees only its campaign''s callbacks'
);

select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select count(*)::int from public.callbacks where campaign_id::text like 'c0000000-%'$$,
  $$values (3)$$,
  'an admin sees every callback'
);
select throws_ok(
  $$delete from public.callbacks$$, '42501', null, 'callbacks are not deleted through the API, even by admins'
);

select tests.clear_authentication();
select throws_ok(
  $$insert into public.callbacks (lead_id, campaign_id, agent_id, due_at) values
    ('e0000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-00000000000a',
     'f0000000-0000-4000-8000-000000000101', '2026-12-05 10:00+00')$$,
  '23505', null, 'a lead has at most one pending callback'
);

select * from finish();
rollback;
