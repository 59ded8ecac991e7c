-- public.lead_history: written by trigger on every insert, update and delete
-- of a lead; visible with the lead; append-only for every API role.
begin;
select plan(20);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

select results_eq(
  $$select operation, actor, changed_by from public.lead_history
    where lead_id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('insert', 'system', null::uuid)$$,
  'an insert without a signed-in user is recorded as the system'
);
select ok(
  (
    select new_values ->> 'phone' = '+34600000001' and 'phone' = any(changed_fields)
    from public.lead_history where lead_id = 'e0000000-0000-4000-8000-0000000000a1'
  ),
  'the insert row carries the new values'
);

select tests.authenticate_as('a1@t.test');
update public.leads set email = 'lucia@example.es', notes = 'Llamar tarde'
where id = 'e0000000-0000-4000-8000-0000000000a1';
update public.leads set notes = 'Llamar tarde' where id = 'e0000000-0000-4000-8000-0000000000a1';

select tests.clear_authentication();
select results_eq(
  $$select changed_fields, old_values, new_values, actor, changed_by::text, via
    from public.lead_history
    where lead_id = 'e0000000-0000-4000-8000-0000000000a1' and operation = 'update'$$,
  $$values (
    array['email', 'notes'],
    '{"email": null, "notes": ""}'::jsonb,
    '{"email": "lucia@example.es", "notes": "Llamar tarde"}'::jsonb,
    'user', 'f0000000-0000-4000-8000-000000000101', null::text
  )$$,
  'an update records who, which fields, old and new values; a no-op update records nothing'
);

select tests.authenticate_as_service_role();
update public.leads set region = 'Madrid' where id = 'e0000000-0000-4000-8000-0000000000a2';
select tests.clear_authentication();
select results_eq(
  $$select actor, changed_by from public.lead_history
    where lead_id = 'e0000000-0000-4000-8000-0000000000a2' and operation = 'update'$$,
  $$values ('service_role', null::uuid)$$,
  'a worker through the API is recorded as the service role'
);

-- Visibility.
select tests.authenticate_as_anon();
select throws_ok('select * from public.lead_history', '42501', null, 'anon cannot read lead history');

select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select distinct lead_id::text from public.lead_history where campaign_id::text like 'c0000000-%'$$,
  $$values ('e0000000-0000-4000-8000-0000000000a1')$$,
  'an agent sees the history of its own leads only'
);
select throws_ok(
  $$insert into public.lead_history (lead_id, campaign_id, operation, changed_fields, actor)
    values ('e0000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-00000000000a', 'update', '{}', 'user')$$,
  '42501', null, 'an agent cannot write lead history'
);
select throws_ok(
  $$update public.lead_history set new_values = '{}' where lead_id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501', null, 'an agent cannot rewrite lead history'
);
select throws_ok(
  $$delete from public.lead_history where lead_id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501', null, 'an agent cannot erase lead history'
);

select tests.authenticate_as('a2@t.test');
select results_eq(
  $$select distinct lead_id::text from public.lead_history where campaign_id::text like 'c0000000-%'$$,
  $$values ('e0000000-0000-4000-8000-0000000000a2')$$,
  'another agent sees only its own leads'' history'
);

select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select count(distinct lead_id)::int from public.lead_history where campaign_id::text like 'c0000000-%'$$,
  $$values (3)$$,
  'a supervisor sees the history of every lead of its campaign'
);
select throws_ok(
  $$delete from public.lead_history where campaign_id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '42501', null, 'a supervisor cannot erase lead history'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select distinct lead_id::text from public.lead_history where campaign_id::text like 'c0000000-%'$$,
  $$values ('e0000000-0000-4000-8000-0000000000b1')$$,
  'the other supervisor sees none of campaign A''s history'
);

select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select count(distinct lead_id)::int from public.lead_history where campaign_id::text like 'c0000000-%'$$,
  $$values (4)$$,
  'an admin sees all lead history'
);
select throws_ok(
  $$update public.lead_history set actor = 'system'$$,
  '42501', null, 'not even an admin rewrites lead history'
);
select lives_ok(
  $$delete from public.leads where id = 'e0000000-0000-4000-8000-0000000000a3'$$,
  'an admin deletes a lead'
);
select results_eq(
  $$select operation, old_values ->> 'first_name' from public.lead_history
    where lead_id = 'e0000000-0000-4000-8000-0000000000a3' order by id desc limit 1$$,
  $$values ('delete', 'Carmen')$$,
  'the deletion is recorded, and the history outlives the lead'
);

-- The service role may purge (retention), but never write or rewrite.
select tests.authenticate_as_service_role();
select throws_ok(
  $$insert into public.lead_history (lead_id, campaign_id, operation, changed_fields, actor)
    values ('e0000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-00000000000a', 'update', '{}', 'user')$$,
  '42501', null, 'the service role cannot forge lead history'
);
select throws_ok(
  $$update public.lead_history set actor = 'system'$$,
  '42501', null, 'the service role cannot rewrite lead history'
);
select results_eq(
  $$with purged as (
      delete from public.lead_history where lead_id = 'e0000000-0000-4000-8000-0000000000a3' returning 1
    ) select count(*) > 0 from purged$$,
  $$values (true)$$,
  'the service role purges lead history'
);

select * from finish();
rollback;
