-- A dialer that crashes leaves no agent claimed and no lead locked:
-- private.dialer_release on restart (or by another worker once the attempts
-- are stale), and never counts an attempt twice (migration 20261207000300).
begin;
select plan(23);

select tests.create_two_campaigns();
select set_config('crm.now', '2026-11-25 10:00:00+00', true);
update public.campaigns set dial_mode = 'predictive', abandon_lockout_hours = 72
where id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b');
update public.profiles set sip_extension = '7101' where id = 'f0000000-0000-4000-8000-000000000101';
update public.profiles set sip_extension = '7102' where id = 'f0000000-0000-4000-8000-000000000102';
update public.profiles set sip_extension = '7201' where id = 'f0000000-0000-4000-8000-000000000201';
update public.leads set next_call_at = '2026-11-25 09:00:00+00' where id = 'e0000000-0000-4000-8000-0000000000a3';
insert into public.leads (id, campaign_id, first_name, phone, time_zone, next_call_at)
select
  ('e2000000-0000-4000-8000-00000000000' || n)::uuid as id,
  'c0000000-0000-4000-8000-00000000000a'::uuid as campaign_id,
  'R' || n as first_name,
  '+3462000000' || n as phone,
  'Europe/Madrid' as time_zone,
  '2026-11-25 08:00:00+00'::timestamptz + make_interval(mins => n) as next_call_at
from generate_series(1, 4) as n;
insert into public.leads (id, campaign_id, first_name, phone, time_zone, next_call_at) values
(
  'e2000000-0000-4000-8000-000000000005', 'c0000000-0000-4000-8000-00000000000a', 'R5', '+34620000005',
  'Europe/Madrid', '2026-11-25 09:30:00+00'
);

-- a1 ready first, then a2 (the claim takes the agent ready longest).
select set_config('crm.now', '2026-11-25 09:59:00+00', true);
select tests.authenticate_as('a1@t.test');
select public.dialer_join('c0000000-0000-4000-8000-00000000000a');
select set_agent_state('available');
select set_config('crm.now', '2026-11-25 10:00:00+00', true);
select tests.authenticate_as('a2@t.test');
select public.dialer_join('c0000000-0000-4000-8000-00000000000a');
select set_agent_state('available');
select tests.clear_authentication();
select private.dialer_session_requests('w1');
select private.dialer_session_connected(s.id, 'w1', 'PJSIP/' || s.extension || '-1')
from public.dialer_sessions as s where s.campaign_id = 'c0000000-0000-4000-8000-00000000000a';
-- b1's session is still ringing when w1 dies.
select tests.authenticate_as('b1@t.test');
select public.dialer_join('c0000000-0000-4000-8000-00000000000b');
select tests.clear_authentication();
select private.dialer_session_requests('w1');

-- w1 placed four calls: 1 ringing, 2 a live answer waiting for an agent,
-- 3 connected to an agent and still talking, 4 connected and hung up (the
-- PBX has ended the call; w1 died before it heard). w2 placed a fifth.
create temporary table taken on commit drop as
select
  t.*,
  row_number() over (order by t.lead_id) as n
from private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w1', 4) as t;
grant select on taken to authenticated;
select private.dialer_attempt_answered(t.attempt_id, 'w1', 'HUMAN', null, '2026-11-25 10:00:04+00')
from taken as t where t.n in (2, 3, 4);
select private.dialer_claim_agent(t.attempt_id, 'w1') from taken as t where t.n = 3;
select private.dialer_claim_agent(t.attempt_id, 'w1') from taken as t where t.n = 4;
update public.calls set status = 'ended', outcome = 'answered', ended_at = '2026-11-25 10:00:40+00'
where id = (select t.call_id from taken as t where t.n = 4);
create temporary table taken_w2 on commit drop as
select * from private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w2', 1);

select set_config('crm.now', '2026-11-25 10:01:00+00', true);
select is(private.dialer_release('w1'), 4, 'w1 restarts: four things to fix');

select is(
  (
    select
      a.status || ' ' || c.status || ' ' || c.outcome || ' ' || c.disposition || ' ' || l.status::text || ' '
      || l.attempts || ' ' || coalesce(l.owner_id::text, 'pool')
    from taken as t
    inner join public.dialer_attempts as a on t.attempt_id = a.id
    inner join public.calls as c on t.call_id = c.id
    inner join public.leads as l on t.lead_id = l.id
    where t.n = 1
  ),
  'failed ended failed call_failed retry 1 pool',
  'the ringing call failed: call closed, lead back to retry in the pool, its attempt counted once'
);
select is(
  (
    select a.status || ' ' || a.live_answer || ' ' || a.wait_ms || ' ' || c.disposition || ' ' || l.status::text
    from taken as t
    inner join public.dialer_attempts as a on t.attempt_id = a.id
    inner join public.calls as c on t.call_id = c.id
    inner join public.leads as l on t.lead_id = l.id
    where t.n = 2
  ),
  'abandoned true 56000 abandoned retry',
  'the person left waiting is an abandoned live answer (the ledger counts it), the lead back to retry'
);
select is(
  (
    select a.status || ' ' || st.state || ' ' || (s.call_id = t.call_id)
    from taken as t
    inner join public.dialer_attempts as a on t.attempt_id = a.id
    inner join public.dialer_sessions as s on a.session_id = s.id
    inner join public.agent_states as st on a.agent_id = st.agent_id
    where t.n = 3
  ),
  'connected on_call true', 'the call still under way is left alone: the agent keeps talking'
);
select is(
  (
    select a.status || ' ' || a.ended_at || ' ' || st.state || ' ' || (s.call_id is null)
    from taken as t
    inner join public.dialer_attempts as a on t.attempt_id = a.id
    inner join public.dialer_sessions as s on a.session_id = s.id
    inner join public.agent_states as st on a.agent_id = st.agent_id
    where t.n = 4
  ),
  'completed 2026-11-25 10:00:40+00 wrap_up true',
  'the call the PBX ended is completed at the PBX''s time: the agent wraps up, the session is free'
);
select is(
  (
    select s.status || ' ' || coalesce(s.worker, 'none') from public.dialer_sessions as s
    where s.agent_id = 'f0000000-0000-4000-8000-000000000201' and s.status <> 'ended'
  ),
  'requested none', 'the ringing session goes back to requested, for the next worker'
);
select is(
  (
    select a.status from public.dialer_attempts as a
    where a.id = (select t.attempt_id from taken_w2 as t)
  ),
  'dialing', 'another worker''s call is not touched'
);

-- Again: nothing left to fix; a late event changes nothing.
select is(private.dialer_release('w1'), 0, 'a second release fixes nothing');
select private.dialer_attempt_ended(t.attempt_id, 'w1', 'no_answer', '2026-11-25 10:01:30+00', 19)
from taken as t where t.n = 1;
select private.dialer_attempt_abandoned(t.attempt_id, 'w1', '2026-11-25 10:01:30+00') from taken as t where t.n = 2;
select is(
  (
    select array_agg(a.status || ' ' || a.ended_at || ' ' || l.attempts order by t.n)
    from taken as t
    inner join public.dialer_attempts as a on t.attempt_id = a.id
    inner join public.leads as l on t.lead_id = l.id
    where t.n in (1, 2)
  ),
  array['failed 2026-11-25 10:01:00+00 1', 'abandoned 2026-11-25 10:01:00+00 1'],
  'late events from the PBX change neither the attempts nor the count'
);
select is(
  (
    select l.last_outcome || ' ' || l.next_call_at from public.leads as l
    inner join taken as t on l.id = t.lead_id where t.n = 1
  ),
  'call_failed 2026-11-25 11:01:00+00', 'the lead is due again after the first retry delay'
);

-- The connected call ends normally once the worker is back.
select private.dialer_attempt_ended(t.attempt_id, 'w1-new', 'hangup', '2026-11-25 10:02:00+00')
from taken as t where t.n = 3;
select is(
  (
    select a.status || ' ' || st.state from taken as t
    inner join public.dialer_attempts as a on t.attempt_id = a.id
    inner join public.agent_states as st on a.agent_id = st.agent_id
    where t.n = 3
  ),
  'completed wrap_up', 'the surviving call''s end is reported by the new worker: completed'
);

-- ============================================================================
-- Stale attempts of a worker that never came back
-- ============================================================================

select set_config('crm.now', '2026-11-25 10:00:50+00', true);
select is(private.dialer_release('w3', 60), 0, 'w2''s attempt, 50 s old: not stale yet');
select set_config('crm.now', '2026-11-25 10:01:01+00', true);
select is(private.dialer_release('w3', 60), 1, 'after 60 s without news any worker fails it');
select is(
  (
    select a.status || ' ' || l.status::text || ' ' || l.attempts
    from public.dialer_attempts as a
    inner join public.leads as l on a.lead_id = l.id
    where a.id = (select t.attempt_id from taken_w2 as t)
  ),
  'failed retry 1', 'the lead is free again, its attempt counted once'
);

-- ============================================================================
-- Agents claimed without a connected call are freed
-- ============================================================================

-- a2 wrapped up; its state says on_call and its session holds a call that
-- is over (as if a claim had half happened).
select tests.authenticate_as('a2@t.test');
select public.end_call(t.call_id, 'not_interested') from taken as t where t.n = 4;
select tests.clear_authentication();
update public.agent_states set state = 'on_call' where agent_id = 'f0000000-0000-4000-8000-000000000102';
update public.dialer_sessions set
  attempt_id = (select t.attempt_id from taken as t where t.n = 1),
  call_id = (select t.call_id from taken as t where t.n = 1),
  lead_id = (select t.lead_id from taken as t where t.n = 1)
where agent_id = 'f0000000-0000-4000-8000-000000000102' and status = 'connected';
select is(private.dialer_release('w1'), 2, 'release: the session and the agent');
select is(
  (
    select s.attempt_id is null and st.state = 'available'
    from public.dialer_sessions as s
    inner join public.agent_states as st on s.agent_id = st.agent_id
    where s.agent_id = 'f0000000-0000-4000-8000-000000000102' and s.status = 'connected'
  ),
  true, 'a2''s session is free and a2 available again'
);
select is(
  (select st.state from public.agent_states as st where st.agent_id = 'f0000000-0000-4000-8000-000000000101'),
  'wrap_up', 'a1, still wrapping up its call, is left alone'
);
select is(
  private.dialer_floor('c0000000-0000-4000-8000-00000000000a') -> 'ready', '1'::jsonb,
  'the floor counts a2 ready'
);

-- ============================================================================
-- Sessions end; a connected call keeps running
-- ============================================================================

select tests.authenticate_as('a2@t.test');
select set_agent_state('available');
select tests.clear_authentication();
select private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w1', 1);
create temporary table last_taken on commit drop as
select a.id as attempt_id from public.dialer_attempts as a
where a.campaign_id = 'c0000000-0000-4000-8000-00000000000a' and a.status = 'dialing' and a.worker = 'w1';
select private.dialer_attempt_answered(t.attempt_id, 'w1', 'HUMAN', null, '2026-11-25 10:01:05+00')
from last_taken as t;
select private.dialer_claim_agent(t.attempt_id, 'w1') from last_taken as t;
select
  ok(
    private.dialer_session_ended(s.id, 'w1', 'channel gone'), 'a2''s nailed-up channel is gone: session ended'
  )
from public.dialer_sessions as s where s.agent_id = 'f0000000-0000-4000-8000-000000000102' and s.status = 'connected';
select is(
  (select a.status from public.dialer_attempts as a inner join last_taken as t on a.id = t.attempt_id),
  'connected', 'its call keeps running'
);
select is(
  (
    select s.status || ' ' || s.end_reason || ' ' || (s.call_id is null) from public.dialer_sessions as s
    where s.agent_id = 'f0000000-0000-4000-8000-000000000102' order by s.requested_at desc limit 1
  ),
  'ended channel gone true', 'the ended session holds no call'
);
select
  ok(
    not private.dialer_session_ended(s.id, 'w1', 'again'), 'ending it again: false'
  )
from public.dialer_sessions as s where s.agent_id = 'f0000000-0000-4000-8000-000000000102'
order by s.requested_at desc limit 1;

-- ============================================================================
-- Erasure keeps the ledger, not the number
-- ============================================================================

select tests.authenticate_as('adm@t.test');
select public.erase_lead(t.lead_id) from taken as t where t.n = 1;
select tests.clear_authentication();
select is(
  (
    select a.status || ' ' || coalesce(a.phone_number, 'no number') from public.dialer_attempts as a
    inner join taken as t on a.id = t.attempt_id where t.n = 1
  ),
  'failed no number', 'an erased lead''s attempt stays in the ledger without its number'
);

select * from finish();
rollback;
