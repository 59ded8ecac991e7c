-- rpc/assign_lead(p_lead_id, p_agent_id): leads.assign, inside the caller's
-- campaigns, to an agent of the lead's campaign; its callback follows it.
begin;
select plan(18);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

insert into public.callbacks (lead_id, campaign_id, agent_id, due_at) values (
  'e0000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', '2026-12-01 10:00+00'
);
update public.leads set status = 'callback', next_call_at = '2026-12-01 10:00+00'
where id = 'e0000000-0000-4000-8000-0000000000a1';

select tests.authenticate_as_anon();
select throws_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000101')$$,
  '42501', null, 'anon cannot call assign_lead'
);

select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000101')$$,
  '42501', 'p_lead_id: assigning leads needs leads.assign',
  'an agent cannot assign leads, not even to itself'
);

select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select owner_id::text from public.assign_lead(
      'e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000102'
    )$$,
  $$values ('f0000000-0000-4000-8000-000000000102')$$,
  'a supervisor assigns a pool lead of its campaign to one of its agents'
);
select results_eq(
  $$select changed_fields, new_values ->> 'owner_id', via from public.lead_history
    where lead_id = 'e0000000-0000-4000-8000-0000000000a3' order by id desc limit 1$$,
  $$values (array['owner_id'], 'f0000000-0000-4000-8000-000000000102', 'rpc/assign_lead')$$,
  'the assignment is in the lead''s history, through rpc/assign_lead'
);
select lives_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a1', 'f0000000-0000-4000-8000-000000000102')$$,
  'a supervisor moves a lead with a pending callback to another agent'
);
select results_eq(
  $$select agent_id::text from public.callbacks where lead_id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('f0000000-0000-4000-8000-000000000102')$$,
  'the pending callback follows the lead'
);
select results_eq(
  $$select owner_id from public.assign_lead('e0000000-0000-4000-8000-0000000000a2', null)$$,
  $$values (null::uuid)$$,
  'a null agent returns the lead to the campaign''s pool'
);
select throws_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000b1', 'f0000000-0000-4000-8000-000000000101')$$,
  'PT404', 'p_lead_id: not found or not yours',
  'a supervisor cannot assign a lead of another campaign'
);
select throws_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000201')$$,
  'PT404', 'p_agent_id: not found or not an agent of the lead''s campaign',
  'the agent must work the lead''s campaign'
);
select throws_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000011')$$,
  'PT404', 'p_agent_id: not found or not an agent of the lead''s campaign', 'a supervisor is not an agent'
);
select throws_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-00000000ffff', 'f0000000-0000-4000-8000-000000000101')$$,
  'PT404', 'p_lead_id: not found or not yours', 'an unknown lead is a clear 404'
);
select throws_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-00000000ffff')$$,
  'PT404', 'p_agent_id: not found or not an agent of the lead''s campaign', 'an unknown agent is a clear 404'
);
select throws_ok(
  $$select public.assign_lead(null, 'f0000000-0000-4000-8000-000000000101')$$,
  '22023', 'p_lead_id: required', 'a lead is required'
);
select throws_ok(
  $$select public.assign_lead('not-a-uuid', 'f0000000-0000-4000-8000-000000000101')$$,
  '22P02', null, 'a malformed id is a type error'
);

-- A lead being called stays with its agent until the call ends.
select tests.clear_authentication();
update public.leads set status = 'in_call' where id = 'e0000000-0000-4000-8000-0000000000a3';
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000101')$$,
  'PT409', null, 'a lead in a call cannot be reassigned'
);
select results_eq(
  $$select owner_id::text from public.leads where id = 'e0000000-0000-4000-8000-0000000000a3'$$,
  $$values ('f0000000-0000-4000-8000-000000000102')$$,
  'a refused assignment changes nothing'
);

select tests.authenticate_as('supb@t.test');
select throws_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a2', 'f0000000-0000-4000-8000-000000000101')$$,
  'PT404', 'p_lead_id: not found or not yours', 'the other supervisor cannot assign campaign A''s leads'
);

select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select owner_id::text from public.assign_lead(
      'e0000000-0000-4000-8000-0000000000a2', 'f0000000-0000-4000-8000-000000000101'
    )$$,
  $$values ('f0000000-0000-4000-8000-000000000101')$$,
  'an admin assigns in any campaign'
);

select * from finish();
rollback;
