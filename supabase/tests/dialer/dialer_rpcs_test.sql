-- The dialer's RPCs and who may call them (migration 20261207000200), and
-- the rights on the worker's functions (crm_dialer only).
begin;
select plan(48);

select tests.create_two_campaigns();
select set_config('crm.now', '2026-11-25 10:00:00+00', true);
update public.campaigns set dial_mode = 'predictive' where id = 'c0000000-0000-4000-8000-00000000000a';
update public.profiles set sip_extension = '7101' where id = 'f0000000-0000-4000-8000-000000000101';
update public.profiles set sip_extension = '7201' where id = 'f0000000-0000-4000-8000-000000000201';
update public.leads set next_call_at = '2026-11-25 09:00:00+00' where id = 'e0000000-0000-4000-8000-0000000000a3';

-- ============================================================================
-- rpc/dialer_join and rpc/dialer_leave
-- ============================================================================

select tests.authenticate_as_anon();
select throws_ok(
  $$select public.dialer_join('c0000000-0000-4000-8000-00000000000a')$$,
  '42501', null, 'anon cannot join the dialer'
);

select tests.authenticate_as('b1@t.test');
select throws_ok(
  $$select public.dialer_join('c0000000-0000-4000-8000-00000000000a')$$,
  '42501', 'p_campaign_id: you are not an agent of this campaign', 'an agent of another campaign cannot join'
);
select throws_ok(
  $$select public.dialer_join('c0000000-0000-4000-8000-00000000000b')$$,
  '22023', null, 'a campaign in preview mode has no dialer'
);
select throws_ok(
  $$select public.dialer_join(null)$$, '22023', 'p_campaign_id: required', 'the campaign is required'
);

select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.dialer_join('c0000000-0000-4000-8000-00000000000a')$$,
  '42501', null, 'a supervisor is no agent: cannot join'
);

select tests.authenticate_as('a2@t.test');
select throws_ok(
  $$select public.dialer_join('c0000000-0000-4000-8000-00000000000a')$$,
  '22023', null, 'an agent without a SIP extension cannot join'
);

select tests.authenticate_as('a1@t.test');
create temporary table joined on commit drop as
select * from public.dialer_join('c0000000-0000-4000-8000-00000000000a');
select is(
  (select j.status || ' ' || j.extension || ' ' || j.agent_id from joined as j),
  'requested 7101 f0000000-0000-4000-8000-000000000101', 'a1 joins: a requested session on extension 7101'
);
select is(
  (public.dialer_join('c0000000-0000-4000-8000-00000000000a')).id, (select j.id from joined as j),
  'joining again returns the same open session'
);
select is(
  (select count(*)::integer from public.dialer_sessions where status <> 'ended'),
  1, 'a1 sees one open session: its own'
);
select throws_ok(
  $$insert into public.dialer_sessions (agent_id, campaign_id, extension)
    values ('f0000000-0000-4000-8000-000000000101', 'c0000000-0000-4000-8000-00000000000a', '7101')$$,
  '42501', null, 'the session row is written only by the RPC'
);
select tests.clear_authentication();
select throws_ok(
  $$insert into public.dialer_sessions (agent_id, campaign_id, extension)
    values ('f0000000-0000-4000-8000-000000000101', 'c0000000-0000-4000-8000-00000000000a', '7101')$$,
  '23505', null, 'one open session per agent (unique index)'
);

select tests.authenticate_as('a1@t.test');
select is(
  (public.dialer_leave()).end_reason, 'agent_left', 'a1 leaves: the session ends (agent_left)'
);
select ok((public.dialer_leave()).id is null, 'leaving again: nothing to end');
select public.dialer_join('c0000000-0000-4000-8000-00000000000a');
select tests.clear_authentication();
update public.campaigns set status = 'paused' where id = 'c0000000-0000-4000-8000-00000000000a';
select is(
  (
    select string_agg(s.status || ' ' || coalesce(s.end_reason, ''), ', ' order by s.end_reason)
    from public.dialer_sessions as s
    where s.agent_id = 'f0000000-0000-4000-8000-000000000101'
  ),
  'ended agent_left, ended campaign_stopped', 'the campaign paused in the editor: the open session ends'
);
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.dialer_join('c0000000-0000-4000-8000-00000000000a')$$,
  '22023', null, 'a campaign that is not active has no dialer'
);
select tests.clear_authentication();
update public.campaigns set status = 'active' where id = 'c0000000-0000-4000-8000-00000000000a';

-- ============================================================================
-- rpc/dialer_hangup
-- ============================================================================

select tests.authenticate_as('a1@t.test');
select public.dialer_join('c0000000-0000-4000-8000-00000000000a');
select set_agent_state('available');
select tests.clear_authentication();
select private.dialer_session_requests('w1');
select private.dialer_session_connected(s.id, 'w1', 'PJSIP/7101-1')
from public.dialer_sessions as s where s.agent_id = 'f0000000-0000-4000-8000-000000000101' and s.status <> 'ended';
create temporary table taken on commit drop as
select * from private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w1', 1);
grant select on taken to authenticated;
select private.dialer_attempt_answered(t.attempt_id, 'w1', null, null, '2026-11-25 10:00:03+00') from taken as t;
select private.dialer_claim_agent(t.attempt_id, 'w1') from taken as t;

select tests.authenticate_as('a2@t.test');
select throws_ok(
  $$select public.dialer_hangup((select t.call_id from taken as t))$$,
  '42501', 'p_call_id: not a dialer call you are connected to', 'another agent cannot hang up a1''s call'
);
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.dialer_hangup((select t.call_id from taken as t))$$,
  '42501', null, 'nor can the supervisor'
);
select tests.authenticate_as('a1@t.test');
select lives_ok(
  $$select public.dialer_hangup((select t.call_id from taken as t))$$, 'the connected agent hangs up the lead'
);
select throws_ok($$select public.dialer_hangup(null)$$, '22023', 'p_call_id: required', 'the call is required');

-- ============================================================================
-- rpc/dialer_set_paused and rpc/dialer_set_mode
-- ============================================================================

select throws_ok(
  $$select public.dialer_set_paused('c0000000-0000-4000-8000-00000000000a', true)$$,
  '42501', null, 'an agent cannot pause the dialer'
);
select tests.authenticate_as('supb@t.test');
select throws_ok(
  $$select public.dialer_set_paused('c0000000-0000-4000-8000-00000000000a', true)$$,
  '42501', null, 'another campaign''s supervisor cannot pause it'
);
select throws_ok(
  $$select public.dialer_set_mode('c0000000-0000-4000-8000-00000000000a', 'preview')$$,
  '42501', null, 'nor switch its mode'
);
select tests.authenticate_as('supa@t.test');
select is(
  (
    select s.paused::text || ' ' || s.paused_by
    from public.dialer_set_paused('c0000000-0000-4000-8000-00000000000a', true) as s
  ),
  'true f0000000-0000-4000-8000-000000000011', 'the campaign''s supervisor pauses its dialer'
);
select tests.clear_authentication();
select is(
  (
    select count(*)::integer from private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w1', 5)
  ),
  0, 'a paused dialer takes no lead'
);
select is(
  (
    select (c ->> 'paused')::boolean from private.dialer_campaigns() as c
    where c ->> 'id' = 'c0000000-0000-4000-8000-00000000000a'
  ),
  true, 'dialer_campaigns tells the worker'
);
select tests.authenticate_as('adm@t.test');
select is(
  (public.dialer_set_paused('c0000000-0000-4000-8000-00000000000a', false)).paused, false, 'an admin resumes it'
);
select throws_ok(
  $$select public.dialer_set_paused('c0000000-0000-4000-8000-00000000000f', false)$$,
  'PT404', 'p_campaign_id: not found or not yours', 'an unknown campaign'
);
select throws_ok(
  $$select public.dialer_set_paused('c0000000-0000-4000-8000-00000000000a', null)$$,
  '22023', 'p_paused: required', 'paused or not is required'
);

select tests.authenticate_as('supa@t.test');
select is(
  (public.dialer_set_mode('c0000000-0000-4000-8000-00000000000a', 'progressive')).dial_mode, 'progressive',
  'the supervisor switches the mode'
);
select tests.clear_authentication();
select is(
  (
    select l.changed_fields from public.admin_audit_log as l
    where l.table_name = 'campaigns' and l.record_key ->> 'id' = 'c0000000-0000-4000-8000-00000000000a'
    order by l.id desc limit 1
  ),
  array['dial_mode'], 'only dial_mode changed, in the audit log'
);
select is(
  (
    select l.changed_by from public.admin_audit_log as l
    where l.table_name = 'campaigns' and l.record_key ->> 'id' = 'c0000000-0000-4000-8000-00000000000a'
    order by l.id desc limit 1
  ),
  'f0000000-0000-4000-8000-000000000011'::uuid, 'by the supervisor'
);
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.dialer_set_mode('c0000000-0000-4000-8000-00000000000a', null)$$,
  '22023', 'p_mode: required', 'the mode is required'
);

-- Back to preview: the dialer stops, its sessions end (a call goes on).
select tests.authenticate_as('supa@t.test');
select public.dialer_set_mode('c0000000-0000-4000-8000-00000000000a', 'preview');
select tests.clear_authentication();
select is(
  (
    select count(*)::integer from public.dialer_sessions as s
    where s.agent_id = 'f0000000-0000-4000-8000-000000000101' and s.status <> 'ended'
  ),
  0, 'switched to preview: a1''s session ends'
);
select is(
  (select a.status from public.dialer_attempts as a inner join taken as t on a.id = t.attempt_id),
  'connected', 'its call goes on'
);

-- ============================================================================
-- rpc/dialer_compliance (its numbers: dialer_compliance_test.sql)
-- ============================================================================

select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.dialer_compliance('c0000000-0000-4000-8000-00000000000a')$$,
  '42501', null, 'an agent cannot read the ledger'
);
select tests.authenticate_as('supb@t.test');
select throws_ok(
  $$select public.dialer_compliance('c0000000-0000-4000-8000-00000000000a')$$,
  '42501', null, 'nor another campaign''s supervisor'
);
select tests.authenticate_as('supa@t.test');
select is(
  public.dialer_compliance('c0000000-0000-4000-8000-00000000000a') - array['today', 'h24', 'd30'],
  jsonb_build_object(
    'campaign_id', 'c0000000-0000-4000-8000-00000000000a', 'target', 0.025, 'cap', 0.030, 'lockout_hours', 0,
    'amd_false_positive_rate', 0.050
  ),
  'the campaign''s supervisor reads it: target, cap, lockout'
);
select tests.authenticate_as_anon();
select throws_ok(
  $$select public.dialer_compliance('c0000000-0000-4000-8000-00000000000a')$$,
  '42501', null, 'anon cannot read the ledger'
);

-- ============================================================================
-- The worker's functions: crm_dialer only
-- ============================================================================

select tests.clear_authentication();
select is(
  array(
    select p.proname::text from pg_catalog.pg_proc as p
    where
      p.pronamespace = 'private'::regnamespace and p.proname like 'dialer\_%'
      and has_function_privilege('crm_dialer', p.oid, 'execute')
    order by p.proname
  ),
  array[
    'dialer_attempt_abandoned', 'dialer_attempt_analysing', 'dialer_attempt_answered', 'dialer_attempt_ended',
    'dialer_campaigns', 'dialer_claim_agent', 'dialer_floor', 'dialer_history', 'dialer_publish_state',
    'dialer_release', 'dialer_session_connected', 'dialer_session_ended', 'dialer_session_requests',
    'dialer_take_leads'
  ],
  'crm_dialer executes the worker''s functions'
);
select is(
  array(
    select p.proname::text || ' ' || r.rolname from pg_catalog.pg_proc as p
    cross join pg_catalog.pg_roles as r
    where
      p.pronamespace = 'private'::regnamespace and p.proname like 'dialer\_%'
      and r.rolname in ('anon', 'authenticated', 'service_role', 'crm_ami_bridge', 'public')
      and has_function_privilege(r.oid, p.oid, 'execute')
  ),
  '{}'::text[],
  'no one else does: not anon, authenticated, the service role nor another worker'
);
select ok(
  (
    select bool_and(p.prosecdef and p.proconfig @> array['search_path=""'])
    from pg_catalog.pg_proc as p
    where
      p.pronamespace = 'private'::regnamespace and p.proname like 'dialer\_%'
      and has_function_privilege('crm_dialer', p.oid, 'execute')
  ),
  'each is security definer with search_path pinned'
);
select tests.authenticate_as('adm@t.test');
select throws_ok(
  $$select private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w1', 1)$$,
  '42501', null, 'a signed-in user cannot take leads (not even an admin)'
);
select tests.authenticate_as_service_role();
select throws_ok(
  $$select private.dialer_release('w1')$$,
  '42501', null, 'nor the service role release them'
);
select tests.clear_authentication();

select set_eq(
  $$select p.oid::regprocedure::text
    from pg_catalog.pg_proc as p
    cross join lateral aclexplode(p.proacl) as a
    where a.grantee = 'crm_dialer'::regrole and a.privilege_type = 'EXECUTE'
      and p.pronamespace <> 'tests'::regnamespace$$,
  $$select s::regprocedure::text from unnest(array[
      'private.now()',
      'private.purge_dialer_records(timestamptz)',
      'private.dialer_campaigns()',
      'private.dialer_floor(uuid)',
      'private.dialer_take_leads(uuid, text, integer)',
      'private.dialer_attempt_analysing(uuid, text, timestamptz)',
      'private.dialer_attempt_answered(uuid, text, text, text, timestamptz)',
      'private.dialer_claim_agent(uuid, text)',
      'private.dialer_attempt_abandoned(uuid, text, timestamptz)',
      'private.dialer_attempt_ended(uuid, text, text, timestamptz, integer)',
      'private.dialer_session_requests(text)',
      'private.dialer_session_connected(uuid, text, text)',
      'private.dialer_session_ended(uuid, text, text)',
      'private.dialer_release(text, integer)',
      'private.dialer_publish_state(uuid, text, jsonb)',
      'private.dialer_history(uuid, timestamptz)'
    ]) as s$$,
  'crm_dialer executes exactly its functions'
);
select results_eq(
  $$select r.rolcanlogin, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolinherit,
      (select count(*)::integer from pg_catalog.pg_auth_members as am where am.member = r.oid)
    from pg_catalog.pg_roles as r where r.rolname = 'crm_dialer'$$,
  $$values (true, false, false, false, false, false, false, 0)$$,
  'crm_dialer: a login role with no attribute, member of no role'
);
select is_empty(
  $$select c.oid::regclass::text, p.privilege
    from pg_catalog.pg_class as c
    cross join (values ('select'), ('insert'), ('update'), ('delete'), ('truncate')) as p (privilege)
    where
      c.relnamespace in ('public'::regnamespace, 'private'::regnamespace, 'reports'::regnamespace)
      and c.relkind in ('r', 'p', 'v', 'm')
      and has_table_privilege('crm_dialer', c.oid, p.privilege)$$,
  'crm_dialer reads and writes no table or view'
);

-- The role itself, as the worker connects: only its functions.
create temporary table as_dialer (floor jsonb, denied text) on commit drop;
grant insert, update on as_dialer to crm_dialer;
select tests.authenticate_as_worker('crm_dialer');
insert into as_dialer (floor) select private.dialer_floor('c0000000-0000-4000-8000-00000000000a');
do $$
begin
  perform 1 from public.dialer_attempts;
exception when insufficient_privilege then
  update as_dialer set denied = 'denied';
end;
$$;
select tests.clear_authentication();
select is(
  (select a.floor ->> 'ready' from as_dialer as a), '0', 'crm_dialer reads the floor through its function'
);
select is((select a.denied from as_dialer as a), 'denied', 'but cannot read the ledger table itself');

select * from finish();
rollback;
