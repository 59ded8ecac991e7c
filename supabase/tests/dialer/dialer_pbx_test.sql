-- The AMI bridge mirrors the dialer's calls too (CRM_CALL_ID): the PBX is
-- the authority on their times and outcome, whichever writes first; the
-- dialer never moves what the bridge wrote (migrations 20261204000200,
-- 20261207000300).
begin;
select plan(8);

select tests.create_two_campaigns();
select set_config('crm.now', '2026-11-25 09:59:00+00', true);
update public.campaigns set dial_mode = 'predictive' where id = 'c0000000-0000-4000-8000-00000000000a';
update public.profiles set sip_extension = '7101' where id = 'f0000000-0000-4000-8000-000000000101';
update public.leads set next_call_at = '2026-11-25 09:00:00+00' where id = 'e0000000-0000-4000-8000-0000000000a3';
insert into public.leads (id, campaign_id, first_name, phone, time_zone, next_call_at) values
(
  'e3000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-00000000000a', 'Q1', '+34630000001',
  'Europe/Madrid', '2026-11-25 09:01:00+00'
);
select tests.authenticate_as('a1@t.test');
select public.dialer_join('c0000000-0000-4000-8000-00000000000a');
select set_agent_state('available');
select tests.clear_authentication();
select private.dialer_session_requests('w1');
select private.dialer_session_connected(s.id, 'w1', 'PJSIP/7101-1')
from public.dialer_sessions as s where s.agent_id = 'f0000000-0000-4000-8000-000000000101';

select set_config('crm.now', '2026-11-25 10:00:00+00', true);
create temporary table taken on commit drop as
select
  t.*,
  row_number() over (order by t.lead_id) as n
from private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w1', 2) as t;

-- The bridge's version of a dialer call.
create function pg_temp.pbx(
  p_n integer, p_status text, p_answered text, p_ended text, p_outcome text default null
) returns void
language sql
as $$
  select private.mirror_pbx_calls(jsonb_build_array(jsonb_build_object(
    'id', t.call_id, 'crm_call_id', t.call_id, 'pbx_linkedid', 'L' || p_n, 'source', 'pbx',
    'direction', 'outbound', 'phone_number', t.phone_number, 'status', p_status, 'outcome', p_outcome,
    'started_at', '2026-11-25T10:00:00.2+00:00', 'answered_at', p_answered, 'ended_at', p_ended,
    'ring_started_at', '2026-11-25T10:00:00.2+00:00', 'ring_ended_at', p_answered, 'talk_ended_at', p_ended,
    'hangup_by', case when p_ended is not null then 'lead' end, 'partial', false
  )))
  from taken as t where t.n = p_n
$$;

-- 1. The bridge saw the answer first; the dialer's verdict comes later.
select pg_temp.pbx(1, 'confirmed', '2026-11-25T10:00:03+00:00', null);
select private.dialer_attempt_answered(t.attempt_id, 'w1', 'HUMAN', null, '2026-11-25 10:00:05+00')
from taken as t where t.n = 1;
select is(
  (select c.answered_at from public.calls as c inner join taken as t on c.id = t.call_id where t.n = 1),
  '2026-11-25 10:00:03+00'::timestamptz, 'the PBX''s answer time stands'
);
select set_config('crm.now', '2026-11-25 10:00:06+00', true);
select private.dialer_claim_agent(t.attempt_id, 'w1') from taken as t where t.n = 1;
select is(
  (
    select c.agent_id || ' ' || c.status from public.calls as c inner join taken as t on c.id = t.call_id
    where t.n = 1
  ),
  'f0000000-0000-4000-8000-000000000101 confirmed', 'the claim gives the mirrored call its agent'
);
-- The bridge reports the end before the dialer does.
select pg_temp.pbx(1, 'ended', '2026-11-25T10:00:03+00:00', '2026-11-25T10:02:00+00:00', 'answered');
select private.dialer_attempt_ended(t.attempt_id, 'w1', 'hangup', '2026-11-25 10:02:01+00') from taken as t
where t.n = 1;
select is(
  (
    select a.status || ' ' || c.ended_at || ' ' || c.talk_seconds || ' ' || c.hangup_by
    from taken as t
    inner join public.calls as c on t.call_id = c.id
    inner join public.dialer_attempts as a on t.attempt_id = a.id
    where t.n = 1
  ),
  'completed 2026-11-25 10:02:00+00 117 lead', 'completed; the call keeps the PBX''s end, talk time and side'
);
select is(
  (
    select c.disposition from public.calls as c inner join taken as t on c.id = t.call_id where t.n = 1
  ),
  null, 'waiting for the agent''s wrap-up'
);

-- 2. Abandoned: the dialer closes the call first (message playing); the
-- PBX's end, after the message, replaces its end time but not the
-- disposition.
select pg_temp.pbx(2, 'confirmed', '2026-11-25T10:00:04+00:00', null);
select private.dialer_attempt_answered(t.attempt_id, 'w1', 'HUMAN', null, '2026-11-25 10:00:05+00')
from taken as t where t.n = 2;
select private.dialer_attempt_abandoned(t.attempt_id, 'w1', '2026-11-25 10:00:07.2+00') from taken as t
where t.n = 2;
select is(
  (
    select c.status || ' ' || c.ended_at || ' ' || c.disposition from public.calls as c
    inner join taken as t on c.id = t.call_id where t.n = 2
  ),
  'ended 2026-11-25 10:00:07.2+00 abandoned', 'the dialer closes the abandoned call'
);
select pg_temp.pbx(2, 'ended', '2026-11-25T10:00:04+00:00', '2026-11-25T10:00:19+00:00', 'answered');
select is(
  (
    select c.ended_at || ' ' || c.talk_seconds || ' ' || c.disposition || ' ' || c.hangup_by
    from public.calls as c
    inner join taken as t on c.id = t.call_id where t.n = 2
  ),
  '2026-11-25 10:00:19+00 15 abandoned lead', 'the PBX''s end replaces the dialer''s; the disposition stays'
);
select is(
  (
    select a.ended_at || ' ' || a.wait_ms from public.dialer_attempts as a
    inner join taken as t on a.id = t.attempt_id where t.n = 2
  ),
  '2026-11-25 10:00:07.2+00 2200', 'the ledger keeps the moment of the abandon'
);
select is(
  (
    select count(*)::integer from public.calls as c
    where c.pbx_linkedid in ('L1', 'L2')
  ),
  2, 'one call row per dialer call, never a second'
);

select * from finish();
rollback;
