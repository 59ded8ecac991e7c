-- The presence worker's database side (migration 20261205000500): the
-- offline state and its memory on public.agent_states, role crm_presence and
-- the three functions only it executes.
begin;
select plan(46);

-- Fixture (000-setup-test-helpers.sql): campaign A (agents a1, a2), campaign
-- B (agent b1). a1 is also an agent of B; agent x1 works only a paused
-- campaign C, agent x2 is deactivated. a1 has never published a state.
select tests.create_two_campaigns();

insert into auth.users (id, email, raw_app_meta_data, raw_user_meta_data) values
('f0000000-0000-4000-8000-000000000103', 'x1@t.test', '{"role": "agent"}', '{"full_name": "x1"}'),
('f0000000-0000-4000-8000-000000000104', 'x2@t.test', '{"role": "agent"}', '{"full_name": "x2"}');
update public.profiles set active = false where id = 'f0000000-0000-4000-8000-000000000104';
insert into public.campaigns (id, name, status) values
('c0000000-0000-4000-8000-00000000000c', 'Test C', 'paused');
insert into public.campaign_members (campaign_id, user_id, member_role) values
('c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000101', 'agent'),
('c0000000-0000-4000-8000-00000000000c', 'f0000000-0000-4000-8000-000000000103', 'agent'),
('c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000104', 'agent');

insert into public.agent_states (agent_id, state, reason, since) values
('f0000000-0000-4000-8000-000000000102', 'paused', 'lunch', '2026-11-25 09:30+00'),
('f0000000-0000-4000-8000-000000000201', 'on_call', null, '2026-11-25 09:55+00');

select set_config('crm.now', '2026-11-25 10:00+00', true);

-- ============================================================================
-- The role and who may execute what
-- ============================================================================

select results_eq(
  $$select r.rolcanlogin, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolinherit
    from pg_catalog.pg_roles as r where r.rolname = 'crm_presence'$$,
  $$values (true, false, false, false, false, false, false)$$,
  'crm_presence logs in and has no attribute'
);
select is_empty(
  $$select am.roleid::regrole::text from pg_catalog.pg_auth_members as am
    where am.member = 'crm_presence'::regrole$$,
  'crm_presence may become no other role'
);
select is_empty(
  $$select c.oid::regclass::text, p.privilege
    from pg_catalog.pg_class as c
    cross join (values ('select'), ('insert'), ('update'), ('delete'), ('truncate')) as p (privilege)
    where
      c.relnamespace in ('public'::regnamespace, 'private'::regnamespace, 'reports'::regnamespace)
      and c.relkind in ('r', 'p', 'v', 'm')
      and has_table_privilege('crm_presence', c.oid, p.privilege)$$,
  'crm_presence reads and writes no table'
);
select set_eq(
  $$select p.oid::regprocedure::text
    from pg_catalog.pg_proc as p
    cross join lateral aclexplode(p.proacl) as a
    where a.grantee = 'crm_presence'::regrole and a.privilege_type = 'EXECUTE'
      and p.pronamespace <> 'tests'::regnamespace$$,
  $$values ('private.presence_roster()'), ('private.presence_mark_offline(uuid,timestamp with time zone)'),
    ('private.presence_mark_online(uuid)')$$,
  'crm_presence executes exactly the roster and the two marks'
);
select is_empty(
  $$select r.rolname, f.f
    from (values ('anon'), ('authenticated'), ('service_role'), ('authenticator'), ('crm_ami_bridge'),
      ('crm_reporting'), ('crm_recordings'), ('crm_sip_proxy')) as r (rolname)
    cross join (values ('private.presence_roster()'), ('private.presence_mark_offline(uuid, timestamptz)'),
      ('private.presence_mark_online(uuid)')) as f (f)
    where has_function_privilege(r.rolname, f.f, 'execute')$$,
  'no API role and no other worker may execute them'
);

select tests.authenticate_as('a2@t.test');
select throws_ok(
  $$select private.presence_mark_offline('f0000000-0000-4000-8000-000000000102', now())$$,
  '42501', null, 'an agent cannot mark anyone offline, itself included'
);
select tests.authenticate_as_service_role();
select throws_ok(
  $$select private.presence_mark_online('f0000000-0000-4000-8000-000000000102')$$,
  '42501', null, 'neither can the service role'
);
select tests.authenticate_as_worker('crm_reporting');
select throws_ok($$select * from private.presence_roster()$$, '42501', null, 'nor another worker');

-- ============================================================================
-- The roster
-- ============================================================================

select tests.authenticate_as_worker('crm_presence');
select results_eq(
  $$select agent_id::text, campaign_ids::text[], state from private.presence_roster()
    where agent_id::text like 'f0000000-%' order by agent_id$$,
  $$values
    ('f0000000-0000-4000-8000-000000000101',
      array['c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b'], null::text),
    ('f0000000-0000-4000-8000-000000000102', array['c0000000-0000-4000-8000-00000000000a'], 'paused'),
    ('f0000000-0000-4000-8000-000000000201', array['c0000000-0000-4000-8000-00000000000b'], 'on_call')$$,
  'the roster: active agents of active campaigns with their campaigns and state (none: null)'
);
select throws_ok(
  $$select count(*) from public.agent_states$$, '42501', null, 'the worker reads no table itself'
);

-- ============================================================================
-- Offline and back
-- ============================================================================

select is(
  private.presence_mark_offline('f0000000-0000-4000-8000-000000000101', '2026-11-25 09:59:50+00'),
  false, 'an agent who never published a state is not marked'
);
select is(
  private.presence_mark_offline('f0000000-0000-4000-8000-000000000102', '2026-11-25 09:59:50+00'),
  true, 'a paused agent who left goes offline'
);
select is(
  private.presence_mark_offline('f0000000-0000-4000-8000-000000000102', '2026-11-25 09:59:58+00'),
  false, 'marking again changes nothing'
);
select is(
  private.presence_mark_online('f0000000-0000-4000-8000-000000000201'),
  null, 'an agent who is not offline is not restored'
);

select tests.clear_authentication();
select results_eq(
  $$select state, reason, since, updated_at, state_before_offline, reason_before_offline
    from public.agent_states where agent_id = 'f0000000-0000-4000-8000-000000000102'$$,
  $$values ('offline', 'disconnected', '2026-11-25 09:59:50+00'::timestamptz, '2026-11-25 10:00+00'::timestamptz,
    'paused', 'lunch')$$,
  'offline, disconnected, since the time they left, remembering the pause and its reason'
);
select results_eq(
  $$select state, since from public.agent_states where agent_id = 'f0000000-0000-4000-8000-000000000201'$$,
  $$values ('on_call', '2026-11-25 09:55+00'::timestamptz)$$,
  'the others are untouched'
);

select set_config('crm.now', '2026-11-25 10:05+00', true);
select tests.authenticate_as_worker('crm_presence');
select is(
  private.presence_mark_online('f0000000-0000-4000-8000-000000000102'), 'paused', 'back: paused again'
);
select is(private.presence_mark_online('f0000000-0000-4000-8000-000000000102'), null, 'once');
select tests.clear_authentication();
select results_eq(
  $$select state, reason, since, updated_at, state_before_offline, reason_before_offline
    from public.agent_states where agent_id = 'f0000000-0000-4000-8000-000000000102'$$,
  $$values ('paused', 'lunch', '2026-11-25 10:05+00'::timestamptz, '2026-11-25 10:05+00'::timestamptz,
    null::text, null::text)$$,
  'with the same reason, since the return, the memory cleared'
);

-- on_call and wrap_up come back as wrap_up; available as available.
select tests.authenticate_as_worker('crm_presence');
select is(
  private.presence_mark_offline('f0000000-0000-4000-8000-000000000201', '2026-11-25 10:04+00'),
  true, 'an agent on a call who left goes offline'
);
select tests.clear_authentication();
select results_eq(
  $$select state, reason, since, state_before_offline, reason_before_offline
    from public.agent_states where agent_id = 'f0000000-0000-4000-8000-000000000201'$$,
  $$values ('offline', 'disconnected', '2026-11-25 10:04+00'::timestamptz, 'on_call', null::text)$$,
  'remembering on_call'
);
select isnt_empty(
  $$select 1 from realtime.messages as m
    where m.topic = 'floor:c0000000-0000-4000-8000-00000000000b' and m.event = 'UPDATE'
      and m.payload -> 'record' ->> 'agent_id' = 'f0000000-0000-4000-8000-000000000201'
      and m.payload -> 'record' ->> 'state' = 'offline' and m.payload -> 'old_record' ->> 'state' = 'on_call'$$,
  'going offline reaches the campaign''s floor like any state change'
);
select tests.authenticate_as_worker('crm_presence');
select is(
  private.presence_mark_online('f0000000-0000-4000-8000-000000000201'), 'wrap_up',
  'back from a call: wrap_up, not on_call nor available'
);
select is(
  private.presence_mark_offline('f0000000-0000-4000-8000-000000000201', '2026-11-25 10:05+00'), true,
  'offline from wrap_up'
);
select is(private.presence_mark_online('f0000000-0000-4000-8000-000000000201'), 'wrap_up', 'back: wrap_up');
select tests.clear_authentication();
select results_eq(
  $$select state, reason from public.agent_states where agent_id = 'f0000000-0000-4000-8000-000000000201'$$,
  $$values ('wrap_up', null::text)$$,
  'wrap_up has no reason'
);

-- The time they left is kept between the start of the state and now.
select tests.authenticate_as('a1@t.test');
select lives_ok($$select public.set_agent_state('available')$$, 'a1 publishes available at 10:05');
select tests.authenticate_as_worker('crm_presence');
select is(
  private.presence_mark_offline('f0000000-0000-4000-8000-000000000101', '2026-11-25 09:00+00'), true,
  'a time of leaving before the state began'
);
select tests.clear_authentication();
select results_eq(
  $$select state, since, state_before_offline from public.agent_states
    where agent_id = 'f0000000-0000-4000-8000-000000000101'$$,
  $$values ('offline', '2026-11-25 10:05+00'::timestamptz, 'available')$$,
  'is taken as the start of the state'
);
select tests.authenticate_as_worker('crm_presence');
select is(private.presence_mark_online('f0000000-0000-4000-8000-000000000101'), 'available', 'back: available');
select is(
  private.presence_mark_offline('f0000000-0000-4000-8000-000000000101', '2026-11-25 11:00+00'), true,
  'a time of leaving in the future'
);
select tests.clear_authentication();
select results_eq(
  $$select since from public.agent_states where agent_id = 'f0000000-0000-4000-8000-000000000101'$$,
  $$values ('2026-11-25 10:05+00'::timestamptz)$$,
  'is taken as now'
);

-- ============================================================================
-- An agent publishing a state while offline
-- ============================================================================

select set_config('crm.now', '2026-11-25 10:10+00', true);
select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select state, reason, since, state_before_offline, reason_before_offline
    from public.set_agent_state('paused', 'break')$$,
  $$values ('paused', 'break', '2026-11-25 10:10+00'::timestamptz, null::text, null::text)$$,
  'an agent publishing while offline simply gets that state, and the memory is gone'
);
select throws_ok(
  $$select public.set_agent_state('offline')$$, '22023', null, 'an agent cannot publish offline'
);
select throws_ok(
  $$select public.set_agent_state('paused', 'disconnected')$$, '22023', null,
  'nor pause as disconnected'
);
select tests.authenticate_as_worker('crm_presence');
select is(
  private.presence_mark_online('f0000000-0000-4000-8000-000000000101'), null,
  'the worker''s late return then changes nothing'
);
select tests.clear_authentication();
select results_eq(
  $$select state, reason from public.agent_states where agent_id = 'f0000000-0000-4000-8000-000000000101'$$,
  $$values ('paused', 'break')$$,
  'the agent keeps what they published'
);

-- ============================================================================
-- Arguments and the table's rules
-- ============================================================================

select tests.authenticate_as_worker('crm_presence');
select throws_ok(
  $$select private.presence_mark_offline(null, now())$$, '22023', 'p_agent_id: required', 'an agent is required'
);
select throws_ok(
  $$select private.presence_mark_offline('f0000000-0000-4000-8000-000000000101', null)$$,
  '22023', 'p_at: required', 'and the time they left'
);
select throws_ok(
  $$select private.presence_mark_online(null)$$, '22023', 'p_agent_id: required', 'to come back too'
);
select tests.clear_authentication();

select throws_ok(
  $$insert into public.agent_states (agent_id, state) values ('f0000000-0000-4000-8000-000000000103', 'offline')$$,
  '23514', null, 'offline needs a reason'
);
select throws_ok(
  $$insert into public.agent_states (agent_id, state, reason, state_before_offline)
    values ('f0000000-0000-4000-8000-000000000103', 'paused', 'disconnected', null)$$,
  '23514', null, 'disconnected is no pause reason'
);
select throws_ok(
  $$insert into public.agent_states (agent_id, state, reason)
    values ('f0000000-0000-4000-8000-000000000103', 'offline', 'disconnected')$$,
  '23514', null, 'offline remembers the state before'
);
select throws_ok(
  $$insert into public.agent_states (agent_id, state, reason, state_before_offline)
    values ('f0000000-0000-4000-8000-000000000103', 'offline', 'disconnected', 'paused')$$,
  '23514', null, 'and a paused state before, its reason'
);
select throws_ok(
  $$insert into public.agent_states (agent_id, state, state_before_offline)
    values ('f0000000-0000-4000-8000-000000000103', 'available', 'paused')$$,
  '23514', null, 'only while offline'
);
select lives_ok(
  $$insert into public.agent_states (agent_id, state, reason, state_before_offline, reason_before_offline)
    values ('f0000000-0000-4000-8000-000000000103', 'offline', 'disconnected', 'paused', 'training')$$,
  'offline, disconnected, remembering a pause with its reason'
);

select * from finish();
rollback;
