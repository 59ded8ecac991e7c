-- The live floor by Broadcast from the database: every change of
-- public.agent_states reaches floor:<campaign_id> of each campaign the agent
-- works, every change of public.calls its campaign's floor, as private
-- messages {schema, table, operation, record, old_record} whose event is the
-- operation; a state published again unchanged sends nothing; a failed
-- broadcast never undoes the write.
begin;
select plan(30);

select tests.create_two_campaigns();
-- Earlier messages (the seed's, say) are not this file's business.
delete from realtime.messages where topic like 'floor:%';
select set_config('crm.now', '2026-11-25 10:00+00', true);

-- Messages on the floors, as the test's own role (which bypasses RLS).
create function tests.floor_messages(p_campaign text)
returns table (event text, private boolean, extension text, payload jsonb)
language sql
as $$
  select m.event, m.private, m.extension, m.payload - 'id'
  from realtime.messages as m
  where m.topic = 'floor:c0000000-0000-4000-8000-00000000000' || p_campaign
$$;
create function tests.forget_floor_messages() returns void
language sql
as $$
  delete from realtime.messages where topic like 'floor:%'
$$;

-- The triggers and their functions.
select has_trigger('public', 'agent_states', 'agent_states_broadcast', 'agent_states has its broadcast trigger');
select has_trigger('public', 'calls', 'calls_broadcast', 'calls has its broadcast trigger');
select has_trigger(
  'public', 'agent_states', 'agent_states_broadcast_update', 'agent_states has its broadcast trigger for updates'
);
select has_trigger('public', 'calls', 'calls_broadcast_update', 'calls has its broadcast trigger for updates');
select results_eq(
  $$select p.proname::text collate "default", p.prosecdef, p.proconfig = array['search_path=""']
    from pg_proc as p
    where p.pronamespace = 'private'::regnamespace and p.proname in ('broadcast_agent_state', 'broadcast_call')
    order by 1$$,
  $$values ('broadcast_agent_state', true, true), ('broadcast_call', true, true)$$,
  'security definer functions with an empty search_path'
);
select ok(
  not has_function_privilege('authenticated', 'private.broadcast_call()', 'execute')
  and not has_function_privilege('anon', 'private.broadcast_agent_state()', 'execute'),
  'the API roles cannot call them'
);

-- ============================================================================
-- Agent states
-- ============================================================================

-- a1 works campaign A: its first state goes to floor:A, and nowhere else.
select tests.authenticate_as('a1@t.test');
select lives_ok($$select public.set_agent_state('available')$$, 'a1 publishes available');
select tests.clear_authentication();
select results_eq(
  $$select event, private, extension, payload from tests.floor_messages('a')$$,
  $$values ('INSERT', true, 'broadcast', jsonb_build_object(
    'schema', 'public', 'table', 'agent_states', 'operation', 'INSERT', 'old_record', null,
    'record', jsonb_build_object(
      'agent_id', 'f0000000-0000-4000-8000-000000000101', 'state', 'available', 'reason', null,
      'since', '2026-11-25T10:00:00+00:00', 'updated_at', '2026-11-25T10:00:00+00:00',
      'state_before_offline', null, 'reason_before_offline', null
    )
  ))$$,
  'floor:A gets one private INSERT message with the new row (RLS gives a1 no insert: the trigger still writes)'
);
select is_empty($$select 1 from tests.floor_messages('b')$$, 'floor:B gets nothing');
select ok(
  (select bool_and(payload ? 'id') from realtime.messages where topic like 'floor:%'),
  'the message carries its id, as realtime.send() adds it'
);
select tests.forget_floor_messages();

-- Published again unchanged (only updated_at moves): nothing is sent.
select set_config('crm.now', '2026-11-25 10:00:05+00', true);
select tests.authenticate_as('a1@t.test');
select public.set_agent_state('available');
select tests.clear_authentication();
select is(
  (select updated_at from public.agent_states where agent_id = 'f0000000-0000-4000-8000-000000000101'),
  '2026-11-25 10:00:05+00'::timestamptz, 'the same state again refreshes updated_at'
);
select is_empty($$select 1 from realtime.messages where topic like 'floor:%'$$, 'but sends nothing');

-- A new state: an UPDATE with the old row.
select set_config('crm.now', '2026-11-25 10:01+00', true);
select tests.authenticate_as('a1@t.test');
select public.set_agent_state('paused', 'break');
select tests.clear_authentication();
select results_eq(
  $$select event, payload ->> 'operation', payload -> 'record' ->> 'state', payload -> 'record' ->> 'reason',
      payload -> 'old_record' ->> 'state', payload -> 'record' ->> 'since'
    from tests.floor_messages('a')$$,
  $$values ('UPDATE', 'UPDATE', 'paused', 'break', 'available', '2026-11-25T10:01:00+00:00')$$,
  'a pause is an UPDATE on floor:A with the new and the old state'
);
select tests.forget_floor_messages();

-- An agent of two campaigns: both floors. A supervisor's membership is no agent's.
insert into public.campaign_members (campaign_id, user_id, member_role) values
('c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000101', 'agent');
select tests.authenticate_as('a1@t.test');
select public.set_agent_state('available');
select tests.clear_authentication();
select results_eq(
  $$select 'a' as floor, event, payload -> 'record' ->> 'state' from tests.floor_messages('a')
    union all
    select 'b' as floor, event, payload -> 'record' ->> 'state' from tests.floor_messages('b')
    order by 1$$,
  $$values ('a', 'UPDATE', 'available'), ('b', 'UPDATE', 'available')$$,
  'an agent of campaigns A and B: one message on each floor'
);
select is(
  (select count(*)::integer from realtime.messages where topic like 'floor:%'), 2,
  'and on no other topic'
);
select tests.forget_floor_messages();

-- An agent of no campaign: no message, no error.
insert into auth.users (id, email, raw_app_meta_data, raw_user_meta_data) values
('f0000000-0000-4000-8000-000000000109', 'lone@t.test', '{"role": "agent"}', '{"full_name": "lone@t.test"}');
select tests.authenticate_as('lone@t.test');
select lives_ok($$select public.set_agent_state('available')$$, 'an agent of no campaign publishes');
select tests.clear_authentication();
select is_empty($$select 1 from realtime.messages where topic like 'floor:%'$$, 'and nothing is broadcast');

-- A deleted state row (its agent's profile deleted): a DELETE with the old row.
delete from public.agent_states where agent_id = 'f0000000-0000-4000-8000-000000000101';
select results_eq(
  $$select event, payload -> 'record', payload -> 'old_record' ->> 'state' from tests.floor_messages('a')$$,
  $$values ('DELETE', 'null'::jsonb, 'available')$$,
  'a deleted state: DELETE on floor:A, record null, old_record the row'
);
select tests.forget_floor_messages();

-- ============================================================================
-- Calls
-- ============================================================================

insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number) values (
  'ca000000-0000-4000-8000-0000000000a1', '2026-11-25 10:00+00', 'e0000000-0000-4000-8000-0000000000a1',
  'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', '+34600000001'
);
select results_eq(
  $$select event, payload ->> 'table', payload -> 'record' ->> 'id', payload -> 'record' ->> 'status',
      payload -> 'old_record'
    from tests.floor_messages('a')$$,
  $$values ('INSERT', 'calls', 'ca000000-0000-4000-8000-0000000000a1', 'calling', 'null'::jsonb)$$,
  'a new call: INSERT on its campaign''s floor'
);
select is_empty($$select 1 from tests.floor_messages('b')$$, 'not on another campaign''s floor');
select tests.forget_floor_messages();

-- The agent answers through the API (the call's own agent may update it).
select tests.authenticate_as('a1@t.test');
update public.calls set status = 'ringing' where id = 'ca000000-0000-4000-8000-0000000000a1';
select tests.clear_authentication();
select results_eq(
  $$select event, payload -> 'record' ->> 'status', payload -> 'old_record' ->> 'status'
    from tests.floor_messages('a')$$,
  $$values ('UPDATE', 'ringing', 'calling')$$,
  'the agent''s update of its call: UPDATE with the new and old status'
);
select tests.forget_floor_messages();

update public.calls set notes = notes where id = 'ca000000-0000-4000-8000-0000000000a1';
select is_empty(
  $$select 1 from realtime.messages where topic like 'floor:%'$$, 'an update that changes nothing sends nothing'
);

-- Moved to campaign B: both floors hear of it.
update public.calls set campaign_id = 'c0000000-0000-4000-8000-00000000000b'
where id = 'ca000000-0000-4000-8000-0000000000a1';
select results_eq(
  $$select 'a' as floor, event, payload -> 'record' ->> 'campaign_id' from tests.floor_messages('a')
    union all
    select 'b' as floor, event, payload -> 'record' ->> 'campaign_id' from tests.floor_messages('b')
    order by 1$$,
  $$values ('a', 'UPDATE', 'c0000000-0000-4000-8000-00000000000b'),
    ('b', 'UPDATE', 'c0000000-0000-4000-8000-00000000000b')$$,
  'a call moved from A to B: the UPDATE on both floors'
);
select tests.forget_floor_messages();

delete from public.calls where id = 'ca000000-0000-4000-8000-0000000000a1';
select results_eq(
  $$select event, payload -> 'record', payload -> 'old_record' ->> 'id' from tests.floor_messages('b')$$,
  $$values ('DELETE', 'null'::jsonb, 'ca000000-0000-4000-8000-0000000000a1')$$,
  'a deleted call: DELETE on its campaign''s floor'
);
select tests.forget_floor_messages();

-- A call of no campaign (an unknown inbound caller): no floor to tell.
insert into public.calls (direction, source, phone_number, pbx_linkedid) values ('inbound', 'pbx', null, '9.9');
select is_empty($$select 1 from realtime.messages where topic like 'floor:%'$$, 'a call of no campaign sends nothing');

-- ============================================================================
-- A failed broadcast never undoes the write
-- ============================================================================

-- Refuse every floor message, as a missing partition or a full disk would.
alter table realtime.messages add constraint tests_no_floor check (topic not like 'floor:%') not valid;

select tests.authenticate_as('a2@t.test');
select lives_ok(
  $$select public.set_agent_state('wrap_up')$$, 'a2 publishes while no floor message can be written'
);
select tests.clear_authentication();
select is(
  (select state from public.agent_states where agent_id = 'f0000000-0000-4000-8000-000000000102'), 'wrap_up',
  'the state is written'
);
select lives_ok(
  $$insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number) values (
    'ca000000-0000-4000-8000-0000000000a2', '2026-11-25 10:02+00', 'e0000000-0000-4000-8000-0000000000a2',
    'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000102', '+34600000002')$$,
  'a call is inserted while no floor message can be written'
);
select is(
  (select count(*)::integer from public.calls where id = 'ca000000-0000-4000-8000-0000000000a2'), 1,
  'the call is there'
);
select is_empty($$select 1 from realtime.messages where topic like 'floor:%'$$, 'and no message was written');

select * from finish();
rollback;
