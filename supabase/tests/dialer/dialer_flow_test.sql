-- The dialer's calls from the queue to the wrap-up: take leads, AMD
-- verdicts, the atomic agent claim, abandons, ends, machines; the call rows
-- and leads they leave (migration 20261207000300).
begin;
select plan(45);

select tests.create_two_campaigns();
select set_config('crm.now', '2026-11-25 09:59:00+00', true);
update public.campaigns set dial_mode = 'predictive', abandon_lockout_hours = 72
where id = 'c0000000-0000-4000-8000-00000000000a';
update public.profiles set sip_extension = '7101' where id = 'f0000000-0000-4000-8000-000000000101';
update public.profiles set sip_extension = '7102' where id = 'f0000000-0000-4000-8000-000000000102';

-- Five more pool leads in A, due one after the other.
insert into public.leads (id, campaign_id, first_name, phone, time_zone, next_call_at) values
(
  'e0000000-0000-4000-8000-0000000000c1',
  'c0000000-0000-4000-8000-00000000000a',
  'P1',
  '+34600000101',
  'Europe/Madrid',
  '2026-11-25 08:00:00+00'
),
(
  'e0000000-0000-4000-8000-0000000000c2',
  'c0000000-0000-4000-8000-00000000000a',
  'P2',
  '+34600000102',
  'Europe/Madrid',
  '2026-11-25 08:01:00+00'
),
(
  'e0000000-0000-4000-8000-0000000000c3',
  'c0000000-0000-4000-8000-00000000000a',
  'P3',
  '+34600000103',
  'Europe/Madrid',
  '2026-11-25 08:02:00+00'
),
(
  'e0000000-0000-4000-8000-0000000000c4',
  'c0000000-0000-4000-8000-00000000000a',
  'P4',
  '+34600000104',
  'Europe/Madrid',
  '2026-11-25 08:03:00+00'
),
(
  'e0000000-0000-4000-8000-0000000000c5',
  'c0000000-0000-4000-8000-00000000000a',
  'P5',
  '+34600000105',
  'Europe/Madrid',
  '2026-11-25 08:04:00+00'
);
-- A's own pool lead (a3) is not due before the others.
update public.leads set next_call_at = '2026-11-25 09:30:00+00' where id = 'e0000000-0000-4000-8000-0000000000a3';

-- ============================================================================
-- Agents join; the worker calls their phones; they get ready
-- ============================================================================

select tests.authenticate_as('a1@t.test');
select is((public.dialer_join('c0000000-0000-4000-8000-00000000000a')).status, 'requested', 'a1 joins: requested');
select set_agent_state('available');
select tests.authenticate_as('a2@t.test');
select set_config('crm.now', '2026-11-25 09:59:30+00', true);
select public.dialer_join('c0000000-0000-4000-8000-00000000000a');
select set_agent_state('available');
select tests.clear_authentication();

select is(
  (
    select count(*)::integer from private.dialer_session_requests('w1') as s
    where s.campaign_id = 'c0000000-0000-4000-8000-00000000000a'
  ),
  2, 'the worker claims both requested sessions'
);
select is(
  (
    select count(*)::integer from private.dialer_session_requests('w1') as s
    where s.campaign_id = 'c0000000-0000-4000-8000-00000000000a'
  ),
  0, 'a ringing session is not handed out again'
);
select ok(
  private.dialer_session_connected(s.id, 'w1', 'PJSIP/7101-00000001'), 'a1''s phone answered: connected'
) from public.dialer_sessions as s where s.agent_id = 'f0000000-0000-4000-8000-000000000101';
select ok(
  private.dialer_session_connected(s.id, 'w1', 'PJSIP/7102-00000002'), 'a2''s phone answered: connected'
) from public.dialer_sessions as s where s.agent_id = 'f0000000-0000-4000-8000-000000000102';

select set_config('crm.now', '2026-11-25 10:00:00+00', true);
select is(
  private.dialer_floor('c0000000-0000-4000-8000-00000000000a') -> 'ready', '2'::jsonb, 'the floor: two ready agents'
);

-- ============================================================================
-- Taking leads
-- ============================================================================

create temporary table taken on commit drop as
select
  t.*,
  row_number() over () as n
from private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w1', 3) as t;
grant select on taken to authenticated;

select results_eq(
  'select lead_id from taken order by n',
  $$values ('e0000000-0000-4000-8000-0000000000c1'::uuid), ('e0000000-0000-4000-8000-0000000000c2'::uuid),
    ('e0000000-0000-4000-8000-0000000000c3'::uuid)$$,
  'three pool leads, earliest due first'
);
select is(
  (select count(*)::integer from taken where ring_timeout_s = 25 and amd and phone_number like '+346000001%'),
  3, 'each with its number, the campaign''s ring timeout and AMD'
);
select is(
  (
    select count(*)::integer from public.leads as l inner join taken as t on l.id = t.lead_id
    where
      l.status = 'in_call' and l.attempts = 1 and l.last_called_at = '2026-11-25 10:00:00+00' and l.owner_id is null
  ),
  3, 'the leads are in a call, the attempt counted, still in the pool'
);
select is(
  (
    select count(*)::integer from public.calls as c inner join taken as t on c.id = t.call_id
    where c.source = 'pbx' and c.status = 'calling' and c.agent_id is null and c.lead_id = t.lead_id
  ),
  3, 'each has its call row: source pbx, calling, no agent yet'
);
select is(
  (
    select count(*)::integer from public.dialer_attempts as a inner join taken as t on a.id = t.attempt_id
    where a.status = 'dialing' and a.worker = 'w1' and a.call_id = t.call_id
  ),
  3, 'and its attempt: dialing, held by w1'
);
select is(
  private.dialer_floor('c0000000-0000-4000-8000-00000000000a') -> 'lines' -> 'dialing', '3'::jsonb,
  'the floor counts three lines dialing'
);

-- next_lead skips a lead with an open dialer attempt even if it looks
-- queued (c3, due first): a1 gets c4.
update public.leads set status = 'retry', next_call_at = '2026-11-25 07:00:00+00'
where id = 'e0000000-0000-4000-8000-0000000000c3';
select tests.authenticate_as('a1@t.test');
select is(
  (select l.id from public.next_lead('c0000000-0000-4000-8000-00000000000a') as l),
  'e0000000-0000-4000-8000-0000000000c4'::uuid,
  'next_lead skips the lead the dialer is calling'
);
select tests.clear_authentication();
update public.leads set status = 'in_call' where id = 'e0000000-0000-4000-8000-0000000000c3';
create temporary table taken2 on commit drop as
select
  t.*,
  row_number() over (order by t.lead_id) as n
from private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w1', 10) as t;
select results_eq(
  'select lead_id from taken2 order by n',
  $$values ('e0000000-0000-4000-8000-0000000000a3'::uuid), ('e0000000-0000-4000-8000-0000000000c5'::uuid)$$,
  'asked for ten, the dialer takes the two callable pool leads left, never one twice nor a1''s'
);

-- ============================================================================
-- A live answer reaches the agent ready longest
-- ============================================================================

select is(
  private.dialer_attempt_answered(attempt_id, 'w1', 'HUMAN', 'HUMAN-1-1', '2026-11-25 10:00:05+00'),
  'waiting', 'HUMAN: waiting for an agent'
) from taken where n = 1;
select is(
  (
    select c.status || ' ' || c.answered_at
    from public.calls as c
    inner join taken as t on c.id = t.call_id
    where t.n = 1
  ),
  'confirmed 2026-11-25 10:00:05+00', 'the call is answered when the greeting ended'
);
select is(
  private.dialer_attempt_answered(attempt_id, 'w2', 'MACHINE', null, '2026-11-25 10:00:05+00'),
  null, 'another worker''s verdict changes nothing'
) from taken where n = 1;
select is(
  private.dialer_attempt_answered(attempt_id, 'w1', 'MACHINE', null, '2026-11-25 10:00:06+00'),
  'waiting', 'a late verdict changes nothing'
) from taken where n = 1;

select set_config('crm.now', '2026-11-25 10:00:06.25+00', true);
select results_eq(
  $$select c.agent_id, c.extension, c.channel
    from taken as t cross join private.dialer_claim_agent(t.attempt_id, 'w1') as c where t.n = 1$$,
  $$values ('f0000000-0000-4000-8000-000000000101'::uuid, '7101', 'PJSIP/7101-00000001')$$,
  'claim: a1, ready longest, with extension and channel'
);
select is(
  (
    select a.status || ' ' || a.wait_ms || ' ' || a.agent_id from public.dialer_attempts as a
    inner join taken as t on a.id = t.attempt_id where t.n = 1
  ),
  'connected 1250 f0000000-0000-4000-8000-000000000101', 'the attempt is connected, 1.25 s after the greeting'
);
select is(
  (
    select s.call_id from public.dialer_sessions as s
    where s.agent_id = 'f0000000-0000-4000-8000-000000000101' and s.status = 'connected'
  ),
  (select call_id from taken where n = 1), 'a1''s session carries the call (the screen pop)'
);
select is(
  (select c.agent_id from public.calls as c inner join taken as t on c.id = t.call_id where t.n = 1),
  'f0000000-0000-4000-8000-000000000101'::uuid, 'the call is a1''s'
);
select is(
  (select l.owner_id from public.leads as l inner join taken as t on l.id = t.lead_id where t.n = 1),
  'f0000000-0000-4000-8000-000000000101'::uuid, 'so is the lead'
);
select is(
  (select st.state from public.agent_states as st where st.agent_id = 'f0000000-0000-4000-8000-000000000101'),
  'on_call', 'a1 is on a call'
);
select is(
  (select count(*)::integer from taken as t cross join private.dialer_claim_agent(t.attempt_id, 'w1') where t.n = 1),
  0, 'claiming again for a connected attempt: nobody'
);

-- Two live answers, one agent left: one wins.
select private.dialer_attempt_answered(attempt_id, 'w1', 'NOTSURE', 'TOOLONG', '2026-11-25 10:00:06+00')
from taken where n in (2, 3);
select is(
  (
    select count(*)::integer from taken as t cross join private.dialer_claim_agent(t.attempt_id, 'w1')
    where t.n in (2, 3)
  ),
  1, 'two live answers, one ready agent: one claim wins'
);
select is(
  (select a.agent_id from public.dialer_attempts as a inner join taken as t on a.id = t.attempt_id where t.n = 2),
  'f0000000-0000-4000-8000-000000000102'::uuid, 'the first gets a2'
);
select is(
  (select count(*)::integer from taken as t cross join private.dialer_claim_agent(t.attempt_id, 'w1') where t.n = 3),
  0, 'the second finds nobody (a1 and a2 are busy)'
);
select throws_ok(
  $$update public.dialer_attempts set status = 'connected', agent_id = 'f0000000-0000-4000-8000-000000000101',
    connected_at = now() where id = (select attempt_id from taken where n = 3)$$,
  '23505', null, 'one agent, one connected call: the unique index says so too'
);
select is(
  private.dialer_floor('c0000000-0000-4000-8000-00000000000a') #>> '{busy,0,state}', 'talking',
  'the floor: a1 and a2 talking'
);

-- ============================================================================
-- Abandoned: no agent within 2 s
-- ============================================================================

select set_config('crm.now', '2026-11-25 10:00:08.5+00', true);
select private.dialer_attempt_abandoned(attempt_id, 'w1', '2026-11-25 10:00:08.1+00') from taken where n = 3;
select is(
  (
    select a.status || ' ' || a.wait_ms || ' ' || a.live_answer || ' ' || a.lockout_until
    from public.dialer_attempts as a inner join taken as t on a.id = t.attempt_id where t.n = 3
  ),
  'abandoned 2100 true 2026-11-28 10:00:08.1+00', 'abandoned after 2.1 s, the number locked out 72 h'
);
select is(
  (
    select c.status || ' ' || c.outcome || ' ' || c.disposition || ' ' || c.hangup_by
    from public.calls as c inner join taken as t on c.id = t.call_id where t.n = 3
  ),
  'ended answered abandoned system', 'its call: ended, disposition abandoned'
);
select is(
  (
    select l.status::text || ' ' || l.attempts || ' ' || l.next_call_at || ' ' || coalesce(l.owner_id::text, 'pool')
    from public.leads as l inner join taken as t on l.id = t.lead_id where t.n = 3
  ),
  'retry 1 2026-11-25 11:00:08.5+00 pool', 'the lead: retry after the first delay, back in the pool'
);
select is(
  (
    select count(*)::integer from private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w1', 10) as t
    where t.lead_id = (select tk.lead_id from taken as tk where tk.n = 3)
  ),
  0, 'even when due, a locked-out number is not dialled'
);

-- ============================================================================
-- The end of a connected call: completed, the agent wraps up as in preview
-- ============================================================================

select set_config('crm.now', '2026-11-25 10:03:00+00', true);
select private.dialer_attempt_ended(attempt_id, 'w1', 'hangup', '2026-11-25 10:02:59+00', 16) from taken where n = 1;
select is(
  (
    select a.status || ' ' || a.ended_at from public.dialer_attempts as a inner join taken as t on a.id = t.attempt_id
    where t.n = 1
  ),
  'completed 2026-11-25 10:02:59+00', 'the attempt is completed'
);
select is(
  (
    select c.status || ' ' || c.outcome || ' ' || c.talk_seconds || ' ' || (c.disposition is null)
    from public.calls as c inner join taken as t on c.id = t.call_id where t.n = 1
  ),
  'ended answered 174 true', 'the call ended, answered, 174 s of talk, waiting for the wrap-up'
);
select is(
  (
    select s.call_id from public.dialer_sessions as s
    where s.agent_id = 'f0000000-0000-4000-8000-000000000101' and s.status = 'connected'
  ),
  null, 'a1''s session is free for the next call'
);
select is(
  (select st.state from public.agent_states as st where st.agent_id = 'f0000000-0000-4000-8000-000000000101'),
  'wrap_up', 'a1 is in wrap-up'
);
select tests.authenticate_as('a1@t.test');
select is(
  (public.end_call((select call_id from taken where n = 1), 'not_interested', 'no')).disposition, 'not_interested',
  'a1 wraps up with end_call, as in preview'
);
select tests.clear_authentication();
select is(
  (select l.status::text from public.leads as l inner join taken as t on l.id = t.lead_id where t.n = 1),
  'lost', 'and the lead follows the disposition'
);
select private.dialer_attempt_ended(attempt_id, 'w1', 'hangup', '2026-11-25 10:03:30+00') from taken where n = 1;
select is(
  (select a.ended_at from public.dialer_attempts as a inner join taken as t on a.id = t.attempt_id where t.n = 1),
  '2026-11-25 10:02:59+00'::timestamptz, 'a second end changes nothing'
);

-- ============================================================================
-- Machines, busy, no answer
-- ============================================================================

select set_config('crm.now', '2026-11-25 10:05:00+00', true);
select is(
  private.dialer_attempt_answered(attempt_id, 'w1', 'MACHINE', 'INITIALSILENCE-2500-2500', '2026-11-25 10:05:04+00'),
  'machine', 'MACHINE: the attempt ends'
) from taken2 where n = 1;
select is(
  (
    select c.status || ' ' || c.disposition || ' ' || l.status::text || ' ' || a.live_answer
    from taken2 as t
    inner join public.calls as c on t.call_id = c.id
    inner join public.leads as l on t.lead_id = l.id
    inner join public.dialer_attempts as a on t.attempt_id = a.id
    where t.n = 1
  ),
  'ended voicemail retry false', 'dispositioned voicemail, the lead back to retry, no live answer'
);
select private.dialer_attempt_ended(attempt_id, 'w1', 'busy', '2026-11-25 10:05:03+00', 17) from taken2 where n = 2;
select is(
  (
    select a.status || ' ' || c.outcome || ' ' || c.disposition || ' ' || c.hangup_cause || ' ' || l.status::text
    from taken2 as t
    inner join public.calls as c on t.call_id = c.id
    inner join public.leads as l on t.lead_id = l.id
    inner join public.dialer_attempts as a on t.attempt_id = a.id
    where t.n = 2
  ),
  'busy busy busy 17 retry', 'busy: the call dispositioned busy, the lead back to retry'
);

select is(
  private.dialer_history('c0000000-0000-4000-8000-00000000000a', null) -> 'handling',
  '[{"talk_s": 174, "wrap_s": 1}]'::jsonb,
  'the pacer''s history: 174 s of talk, 1 s of wrap-up (ended 10:02:59, wrapped up 10:03:00)'
);

select * from finish();
rollback;
