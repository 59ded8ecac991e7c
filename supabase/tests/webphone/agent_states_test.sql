-- public.agent_states and rpc/set_agent_state(p_state, p_reason): an agent
-- publishes its own state through the RPC only; it reads its own row,
-- supervisors the rows of their campaigns' agents, admins all; anon nothing.
begin;
select plan(53);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql). Every user there
-- is active, so this file adds agent x1 to campaign A and deactivates it. a2
-- and b1 have published states already.
select tests.create_two_campaigns();

insert into auth.users (id, email, raw_app_meta_data, raw_user_meta_data) values
('f0000000-0000-4000-8000-000000000103', 'x1@t.test', '{"role": "agent"}', '{"full_name": "x1@t.test"}');
update public.profiles set active = false where id = 'f0000000-0000-4000-8000-000000000103';
insert into public.campaign_members (campaign_id, user_id, member_role) values
('c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000103', 'agent');

insert into public.agent_states (agent_id, state, reason, since) values
('f0000000-0000-4000-8000-000000000102', 'paused', 'lunch', '2026-11-25 09:30+00'),
('f0000000-0000-4000-8000-000000000201', 'on_call', null, '2026-11-25 09:55+00');

select set_config('crm.now', '2026-11-25 10:00+00', true);

select has_table('public', 'agent_states', 'table agent_states exists');
select col_is_pk('public', 'agent_states', 'agent_id', 'one row per agent');

-- Anon: nothing at all.
select tests.authenticate_as_anon();
select throws_ok('select * from public.agent_states', '42501', null, 'anon cannot read agent states');
select throws_ok(
  $$insert into public.agent_states (agent_id, state) values ('f0000000-0000-4000-8000-000000000101', 'available')$$,
  '42501', null, 'anon cannot insert a state'
);
select throws_ok(
  $$update public.agent_states set state = 'available'$$, '42501', null, 'anon cannot update states'
);
select throws_ok($$delete from public.agent_states$$, '42501', null, 'anon cannot delete states');
select throws_ok(
  $$select public.set_agent_state('available')$$, '42501', null, 'anon cannot publish a state'
);

-- An agent: its own state, through the RPC.
select tests.authenticate_as('a1@t.test');
select is_empty(
  $$select agent_id from public.agent_states where agent_id::text like 'f0000000-%'$$,
  'an agent that never published sees no state'
);
select results_eq(
  $$select agent_id::text, state, reason, since, updated_at from public.set_agent_state('available')$$,
  $$values (
    'f0000000-0000-4000-8000-000000000101', 'available', null::text,
    '2026-11-25 10:00+00'::timestamptz, '2026-11-25 10:00+00'::timestamptz
  )$$,
  'the first state creates the agent''s row'
);
select results_eq(
  $$select agent_id::text, state from public.agent_states where agent_id::text like 'f0000000-%'$$,
  $$values ('f0000000-0000-4000-8000-000000000101', 'available')$$,
  'an agent sees only its own state'
);
select throws_ok(
  $$insert into public.agent_states (agent_id, state) values ('f0000000-0000-4000-8000-000000000103', 'available')$$,
  '42501', null, 'an agent cannot insert a row directly'
);
select throws_ok(
  $$update public.agent_states set state = 'paused', reason = 'break'
    where agent_id = 'f0000000-0000-4000-8000-000000000101'$$,
  '42501', null, 'an agent cannot update even its own row directly'
);
select throws_ok(
  $$delete from public.agent_states where agent_id = 'f0000000-0000-4000-8000-000000000101'$$,
  '42501', null, 'an agent cannot delete its row'
);

-- Publishing the same state again keeps since; a new state or reason resets it.
select set_config('crm.now', '2026-11-25 10:01+00', true);
select results_eq(
  $$select state, since, updated_at from public.set_agent_state('available', null)$$,
  $$values ('available', '2026-11-25 10:00+00'::timestamptz, '2026-11-25 10:01+00'::timestamptz)$$,
  'the same state again keeps since and refreshes updated_at'
);
select results_eq(
  $$select state, since from public.set_agent_state('on_call')$$,
  $$values ('on_call', '2026-11-25 10:01+00'::timestamptz)$$,
  'on a call since now'
);
select set_config('crm.now', '2026-11-25 10:03+00', true);
select results_eq(
  $$select state, since from public.set_agent_state('wrap_up')$$,
  $$values ('wrap_up', '2026-11-25 10:03+00'::timestamptz)$$,
  'in wrap-up since now'
);
select set_config('crm.now', '2026-11-25 10:04+00', true);
select results_eq(
  $$select state, reason, since from public.set_agent_state('paused', 'break')$$,
  $$values ('paused', 'break', '2026-11-25 10:04+00'::timestamptz)$$,
  'paused with a reason'
);
select set_config('crm.now', '2026-11-25 10:05+00', true);
select results_eq(
  $$select reason, since from public.set_agent_state('paused', 'break')$$,
  $$values ('break', '2026-11-25 10:04+00'::timestamptz)$$,
  'the same pause again keeps since'
);
select results_eq(
  $$select reason, since from public.set_agent_state('paused', 'training')$$,
  $$values ('training', '2026-11-25 10:05+00'::timestamptz)$$,
  'another reason is a new pause'
);
select results_eq(
  $$select state, reason from public.set_agent_state('available')$$,
  $$values ('available', null::text)$$,
  'back to available clears the reason'
);

-- Bad input: each refused with its field, nothing written.
select throws_ok(
  $$select public.set_agent_state(null)$$, '22023', 'p_state: required', 'the state is required'
);
select throws_ok(
  $$select public.set_agent_state('busy')$$,
  '22023', 'p_state: ''busy'' is not available, on_call, wrap_up or paused', 'an unknown state is refused'
);
select throws_ok(
  $$select public.set_agent_state('paused')$$,
  '22023', 'p_reason: a reason is required to pause', 'a pause needs a reason'
);
select throws_ok(
  $$select public.set_agent_state('paused', '  ')$$,
  '22023', 'p_reason: a reason is required to pause', 'a blank reason is no reason'
);
select throws_ok(
  $$select public.set_agent_state('paused', 'coffee')$$,
  '22023', 'p_reason: ''coffee'' is not a pause reason (break, lunch, training, meeting, technical, personal)',
  'an unknown pause reason is refused'
);
select throws_ok(
  $$select public.set_agent_state('on_call', 'break')$$,
  '22023', 'p_reason: only a pause has a reason, not on_call', 'a reason without a pause is refused'
);
select results_eq(
  $$select state, reason from public.agent_states where agent_id = 'f0000000-0000-4000-8000-000000000101'$$,
  $$values ('available', null::text)$$,
  'the refused calls changed nothing'
);

select tests.authenticate_as('a2@t.test');
select results_eq(
  $$select agent_id::text, state, reason from public.agent_states where agent_id::text like 'f0000000-%'$$,
  $$values ('f0000000-0000-4000-8000-000000000102', 'paused', 'lunch')$$,
  'another agent sees only its own state'
);
select results_eq(
  $$select agent_id::text, state from public.set_agent_state('available')$$,
  $$values ('f0000000-0000-4000-8000-000000000102', 'available')$$,
  'and publishes its own, never a colleague''s'
);

select tests.authenticate_as('x1@t.test');
select throws_ok(
  $$select public.set_agent_state('available')$$,
  '42501', 'p_state: only an active agent publishes an agent state', 'a deactivated agent cannot publish'
);

-- A supervisor: reads the states of its campaigns' agents, writes nothing.
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select agent_id::text, state from public.agent_states where agent_id::text like 'f0000000-%' order by 1$$,
  $$values
    ('f0000000-0000-4000-8000-000000000101', 'available'),
    ('f0000000-0000-4000-8000-000000000102', 'available')$$,
  'a supervisor sees the states of its campaign''s agents'
);
select throws_ok(
  $$select public.set_agent_state('available')$$,
  '42501', 'p_state: only an active agent publishes an agent state', 'a supervisor has no state to publish'
);
select throws_ok(
  $$insert into public.agent_states (agent_id, state) values ('f0000000-0000-4000-8000-000000000011', 'available')$$,
  '42501', null, 'a supervisor cannot insert a state'
);
select throws_ok(
  $$update public.agent_states set state = 'available', reason = null$$,
  '42501', null, 'a supervisor cannot change its agents'' states'
);
select throws_ok(
  $$delete from public.agent_states$$, '42501', null, 'a supervisor cannot delete states'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select agent_id::text, state from public.agent_states where agent_id::text like 'f0000000-%'$$,
  $$values ('f0000000-0000-4000-8000-000000000201', 'on_call')$$,
  'the other supervisor sees only its campaign''s agent'
);
select throws_ok(
  $$select public.set_agent_state('available')$$, '42501', null, 'nor does it publish a state'
);

-- An admin: reads every state, writes nothing through the API.
select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select count(*)::int from public.agent_states where agent_id::text like 'f0000000-%'$$,
  $$values (3)$$,
  'an admin sees every state'
);
select throws_ok(
  $$select public.set_agent_state('available')$$, '42501', null, 'an admin has no state to publish'
);
select throws_ok(
  $$insert into public.agent_states (agent_id, state) values ('f0000000-0000-4000-8000-000000000001', 'available')$$,
  '42501', null, 'an admin cannot insert a state'
);
select throws_ok(
  $$update public.agent_states set state = 'available', reason = null$$,
  '42501', null, 'an admin cannot change states'
);
select throws_ok(
  $$delete from public.agent_states$$, '42501', null, 'an admin cannot delete states through the API'
);

-- The service role (workers) reads and writes everything.
select tests.authenticate_as_service_role();
select results_eq(
  $$select count(*)::int from public.agent_states where agent_id::text like 'f0000000-%'$$,
  $$values (3)$$,
  'the service role sees every state'
);
select lives_ok(
  $$update public.agent_states set state = 'available', reason = null
    where agent_id = 'f0000000-0000-4000-8000-000000000201'$$,
  'the service role can reset a state (an agent who left without signing out)'
);
select throws_ok(
  $$select public.set_agent_state('available')$$, '42501', null, 'the service role has no state to publish'
);

-- The table holds the same rules as the RPC.
select tests.clear_authentication();
select throws_ok(
  $$update public.agent_states set state = 'paused' where agent_id = 'f0000000-0000-4000-8000-000000000101'$$,
  '23514', null, 'no pause without a reason'
);
select throws_ok(
  $$update public.agent_states set reason = 'break' where agent_id = 'f0000000-0000-4000-8000-000000000101'$$,
  '23514', null, 'no reason without a pause'
);
select throws_ok(
  $$update public.agent_states set state = 'lunch' where agent_id = 'f0000000-0000-4000-8000-000000000101'$$,
  '23514', null, 'only the four states'
);
select throws_ok(
  $$insert into public.agent_states (agent_id, state) values ('f0000000-0000-4000-8000-00000000ffff', 'available')$$,
  '23503', null, 'a state belongs to a user'
);

-- Rights as the catalogue sees them.
select ok(
  not has_table_privilege('anon', 'public.agent_states', 'select'), 'anon has no privilege on agent_states'
);
select ok(
  not has_table_privilege('authenticated', 'public.agent_states', 'insert, update, delete'),
  'signed-in users cannot write agent_states directly'
);
select ok(
  not has_function_privilege('anon', 'public.set_agent_state(text, text)', 'execute'),
  'anon cannot execute set_agent_state'
);
select ok(
  not has_function_privilege('anon', 'public.hangup_call(uuid, text, text)', 'execute'),
  'anon cannot execute hangup_call'
);

select * from finish();
rollback;
