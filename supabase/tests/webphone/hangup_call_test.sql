-- rpc/hangup_call(p_call_id, p_outcome, p_hangup_by): the webphone ends its
-- own call when SIP ends it, before the wrap-up; end_call keeps what it set.
begin;
select plan(35);
set local timezone = 'UTC'; -- the conflict message names the end time

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql). The fixture's
-- leads are new and never called; a1's lead here is in_call on its first
-- attempt, with four calls started 2026-11-25 10:00 UTC: 1 confirmed
-- (answered 10:00:10), 2 calling, 3 ringing, 4 calling.
select tests.create_two_campaigns();

update public.leads set status = 'in_call', attempts = 1 where id = 'e0000000-0000-4000-8000-0000000000a1';

insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number, status, answered_at)
select
  ('ca000000-0000-4000-8000-00000000000' || n)::uuid as id,
  '2026-11-25 10:00+00'::timestamptz as started_at,
  'e0000000-0000-4000-8000-0000000000a1'::uuid as lead_id,
  'c0000000-0000-4000-8000-00000000000a'::uuid as campaign_id,
  'f0000000-0000-4000-8000-000000000101'::uuid as agent_id,
  '+34600000001' as phone_number,
  (array['confirmed', 'calling', 'ringing', 'calling'])[n] as status,
  case when n = 1 then '2026-11-25 10:00:10+00'::timestamptz end as answered_at
from generate_series(1, 4) as n;

select set_config('crm.now', '2026-11-25 10:02:10+00', true);

-- Who may report a hang-up: the call's own agent, nobody else.
select tests.authenticate_as_anon();
select throws_ok(
  $$select public.hangup_call('ca000000-0000-4000-8000-000000000001', 'answered', 'lead')$$,
  '42501', null, 'anon cannot hang up calls'
);
select tests.authenticate_as_service_role();
select throws_ok(
  $$select public.hangup_call('ca000000-0000-4000-8000-000000000001', 'answered', 'lead')$$,
  '42501', null, 'the service role does not use it (the PBX writes its own view of the call)'
);
select tests.authenticate_as('a2@t.test');
select throws_ok(
  $$select public.hangup_call('ca000000-0000-4000-8000-000000000001', 'answered', 'lead')$$,
  'PT404', 'p_call_id: not found or not yours',
  'an agent cannot hang up a colleague''s call'
);
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.hangup_call('ca000000-0000-4000-8000-000000000001', 'answered', 'lead')$$,
  'PT404', 'p_call_id: not found or not yours',
  'the campaign''s supervisor cannot (it closes a stranded call with rpc/end_call)'
);
select tests.authenticate_as('adm@t.test');
select throws_ok(
  $$select public.hangup_call('ca000000-0000-4000-8000-000000000001', 'answered', 'lead')$$,
  'PT404', 'p_call_id: not found or not yours',
  'nor can an admin'
);

-- Bad input: each refused with its field, nothing written.
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.hangup_call(null, 'answered')$$, '22023', 'p_call_id: required', 'the call is required'
);
select throws_ok(
  $$select public.hangup_call('ca000000-0000-4000-8000-000000000001', null)$$,
  '22023', 'p_outcome: required', 'the outcome is required'
);
select throws_ok(
  $$select public.hangup_call('ca000000-0000-4000-8000-000000000001', 'voicemail')$$,
  '22023', 'p_outcome: ''voicemail'' is not answered, busy, no_answer, failed, congestion or cancelled',
  'an unknown outcome is refused'
);
select throws_ok(
  $$select public.hangup_call('ca000000-0000-4000-8000-000000000001', 'answered', 'nobody')$$,
  '22023', 'p_hangup_by: ''nobody'' is not agent, lead or system', 'hangup_by is agent, lead or system'
);
select throws_ok(
  $$select public.hangup_call('ca000000-0000-4000-8000-00000000ffff', 'answered')$$,
  'PT404', 'p_call_id: not found or not yours', 'an unknown call is a 404'
);
select throws_ok(
  $$select public.hangup_call('ca000000-0000-4000-8000-000000000002', 'answered', 'lead')$$,
  '22023', 'p_outcome: call ca000000-0000-4000-8000-000000000002 was never answered (status calling)',
  'a call never marked confirmed cannot end answered'
);
select throws_ok(
  $$select public.hangup_call('ca000000-0000-4000-8000-000000000001', 'busy', 'system')$$,
  '22023', 'p_outcome: call ca000000-0000-4000-8000-000000000001 was answered; its outcome is answered, not busy',
  'an answered call cannot end busy'
);
select results_eq(
  $$select count(*)::int from public.calls
    where lead_id = 'e0000000-0000-4000-8000-0000000000a1' and status = 'ended'$$,
  $$values (0)$$,
  'the refused attempts ended no call'
);

-- An answered call, hung up by the lead two minutes after it was answered.
select results_eq(
  $$select status, outcome, ended_at, ring_seconds, talk_seconds, duration_seconds, hangup_by
    from public.hangup_call('ca000000-0000-4000-8000-000000000001', 'answered', 'lead')$$,
  $$values ('ended', 'answered', '2026-11-25 10:02:10+00'::timestamptz, 10, 120, 130, 'lead')$$,
  'the call ends now with its outcome, who hung up, and its durations'
);
select results_eq(
  $$select disposition, wrapped_up_at from public.calls where id = 'ca000000-0000-4000-8000-000000000001'$$,
  $$values (null::text, null::timestamptz)$$,
  'the wrap-up is still to come'
);
select results_eq(
  $$select status::text from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('in_call')$$,
  'the lead stays in_call until the wrap-up'
);

-- Reported again: the same end is a no-op, another one a conflict.
select set_config('crm.now', '2026-11-25 10:02:40+00', true);
select results_eq(
  $$select outcome, ended_at, talk_seconds
    from public.hangup_call('ca000000-0000-4000-8000-000000000001', 'answered', 'lead')$$,
  $$values ('answered', '2026-11-25 10:02:10+00'::timestamptz, 120)$$,
  'the same hang-up reported again changes nothing'
);
select lives_ok(
  $$select public.hangup_call('ca000000-0000-4000-8000-000000000001', 'answered')$$,
  'the same outcome without hangup_by is the same end too'
);
select throws_ok(
  $$select public.hangup_call('ca000000-0000-4000-8000-000000000001', 'answered', 'agent')$$,
  'PT409',
  'p_call_id: call ca000000-0000-4000-8000-000000000001 already ended at 2026-11-25 10:02:10+00 with outcome answered',
  'another hang-up side is a conflict: the first report stands'
);
select throws_ok(
  $$select public.hangup_call('ca000000-0000-4000-8000-000000000001', 'cancelled', 'agent')$$,
  'PT409', null, 'another outcome is a conflict'
);
select throws_ok(
  $$update public.calls set status = 'confirmed' where id = 'ca000000-0000-4000-8000-000000000001'$$,
  'PT409', null, 'a late status update from the webphone cannot reopen the call'
);

-- The wrap-up three minutes later keeps the hang-up's times and outcome.
select set_config('crm.now', '2026-11-25 10:05:10+00', true);
select results_eq(
  $$select status, outcome, ended_at, ring_seconds, talk_seconds, duration_seconds, hangup_by, disposition,
      wrapped_up_at
    from public.end_call('ca000000-0000-4000-8000-000000000001', 'not_interested', 'No quiere', null, 'agent')$$,
  $$values (
    'ended', 'answered', '2026-11-25 10:02:10+00'::timestamptz, 10, 120, 130, 'lead', 'not_interested',
    '2026-11-25 10:05:10+00'::timestamptz
  )$$,
  'end_call keeps ended_at, durations, outcome and hangup_by: talk time leaves out the wrap-up'
);
select results_eq(
  $$select status::text from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('lost')$$,
  'end_call moves the lead on as usual'
);
select lives_ok(
  $$select public.hangup_call('ca000000-0000-4000-8000-000000000001', 'answered', 'lead')$$,
  'the same end reported after the wrap-up (a retried request) is still a no-op'
);
select throws_ok(
  $$select public.end_call('ca000000-0000-4000-8000-000000000001', 'sale')$$,
  'PT409', null, 'the wrap-up is still given once'
);

-- Busy: never answered, all ring time.
select tests.clear_authentication();
update public.leads set status = 'in_call' where id = 'e0000000-0000-4000-8000-0000000000a1';
select set_config('crm.now', '2026-11-25 10:00:04+00', true);
select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select status, outcome, answered_at, ended_at, ring_seconds, talk_seconds, duration_seconds, hangup_by
    from public.hangup_call('ca000000-0000-4000-8000-000000000002', 'busy', 'system')$$,
  $$values (
    'ended', 'busy', null::timestamptz, '2026-11-25 10:00:04+00'::timestamptz, 4, 0, 4, 'system'
  )$$,
  'a busy call ends with ring time only'
);
select set_config('crm.now', '2026-11-25 10:01:00+00', true);
select results_eq(
  $$select outcome, ended_at, talk_seconds, duration_seconds, disposition
    from public.end_call('ca000000-0000-4000-8000-000000000002', 'busy', null, null, 'system')$$,
  $$values ('busy', '2026-11-25 10:00:04+00'::timestamptz, 0, 4, 'busy')$$,
  'its wrap-up keeps the busy outcome and the hang-up time'
);

-- No answer after ringing, and an agent who gave up (cancelled) without hangup_by.
select tests.clear_authentication();
update public.leads set status = 'in_call' where id = 'e0000000-0000-4000-8000-0000000000a1';
select set_config('crm.now', '2026-11-25 10:00:45+00', true);
select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select outcome, ring_seconds, talk_seconds, duration_seconds, hangup_by
    from public.hangup_call('ca000000-0000-4000-8000-000000000003', 'no_answer', 'system')$$,
  $$values ('no_answer', 45, 0, 45, 'system')$$,
  'a call that rang out ends no_answer'
);
select results_eq(
  $$select outcome, hangup_by from public.hangup_call('ca000000-0000-4000-8000-000000000004', 'cancelled')$$,
  $$values ('cancelled', null::text)$$,
  'hangup_by is optional'
);
select results_eq(
  $$select outcome, hangup_by
    from public.end_call('ca000000-0000-4000-8000-000000000004', 'no_answer', null, null, 'agent')$$,
  $$values ('cancelled', 'agent')$$,
  'end_call fills in hangup_by when the hang-up did not say'
);

-- The other outcomes are accepted as the phone saw them.
select tests.clear_authentication();
insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number, status)
select
  ('cb000000-0000-4000-8000-00000000000' || n)::uuid as id,
  '2026-11-25 10:00+00'::timestamptz as started_at,
  'e0000000-0000-4000-8000-0000000000a1'::uuid as lead_id,
  'c0000000-0000-4000-8000-00000000000a'::uuid as campaign_id,
  'f0000000-0000-4000-8000-000000000101'::uuid as agent_id,
  '+34600000001' as phone_number,
  'calling' as status
from generate_series(1, 2) as n;
select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select outcome from public.hangup_call('cb000000-0000-4000-8000-000000000001', 'failed', 'system')$$,
  $$values ('failed')$$,
  'failed'
);
select results_eq(
  $$select outcome from public.hangup_call('cb000000-0000-4000-8000-000000000002', 'congestion', 'system')$$,
  $$values ('congestion')$$,
  'congestion'
);

-- A clock behind the call's own times never makes it end before it began.
select tests.clear_authentication();
insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number, status, answered_at) values (
  'cc000000-0000-4000-8000-000000000001', '2026-11-25 10:00+00', 'e0000000-0000-4000-8000-0000000000a1',
  'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', '+34600000001',
  'confirmed', '2026-11-25 10:00:20+00'
);
select set_config('crm.now', '2026-11-25 10:00:15+00', true);
select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select ended_at, talk_seconds, duration_seconds
    from public.hangup_call('cc000000-0000-4000-8000-000000000001', 'answered', 'agent')$$,
  $$values ('2026-11-25 10:00:20+00'::timestamptz, 0, 20)$$,
  'ended_at is never before answered_at'
);

select tests.clear_authentication();
select results_eq(
  $$select count(*)::int from public.calls
    where lead_id = 'e0000000-0000-4000-8000-0000000000a1' and status = 'ended' and outcome is not null$$,
  $$values (7)$$,
  'every call that was hung up is ended with an outcome'
);
select is_empty(
  $$select id from public.lead_history
    where lead_id = 'e0000000-0000-4000-8000-0000000000a1' and via = 'rpc/hangup_call'$$,
  'a hang-up does not touch the lead (no history entry)'
);

select * from finish();
rollback;
