-- rpc/end_call(p_call_id, p_disposition, p_notes, p_callback_at, p_hangup_by):
-- closes a call once, with an allowed disposition, and moves the lead on.
begin;
select plan(31);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

-- Five calls of a1 on its lead, started 2026-11-25 10:00 UTC (11:00 Madrid),
-- and one of b1. Each test below ends one of them.
update public.leads set status = 'in_call', attempts = 1, last_called_at = '2026-11-25 10:00+00'
where id = 'e0000000-0000-4000-8000-0000000000a1';
insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number, status, answered_at)
select
  ('ca000000-0000-4000-8000-00000000000' || n)::uuid as id,
  '2026-11-25 10:00+00'::timestamptz as started_at,
  'e0000000-0000-4000-8000-0000000000a1'::uuid as lead_id,
  'c0000000-0000-4000-8000-00000000000a'::uuid as campaign_id,
  'f0000000-0000-4000-8000-000000000101'::uuid as agent_id,
  '+34600000001' as phone_number,
  case when n = 1 then 'confirmed' else 'calling' end as status,
  case when n = 1 then '2026-11-25 10:00:10+00'::timestamptz end as answered_at
from generate_series(1, 5) as n;
insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number) values (
  'ca000000-0000-4000-8000-0000000000b1', '2026-11-25 16:00+00', 'e0000000-0000-4000-8000-0000000000b1',
  'c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000201', '+525512345678'
);
update public.campaigns set allowed_dispositions = array_remove(allowed_dispositions, 'voicemail')
where id = 'c0000000-0000-4000-8000-00000000000a';

select set_config('crm.now', '2026-11-25 10:02:10+00', true);

select tests.authenticate_as_anon();
select throws_ok(
  $$select public.end_call('ca000000-0000-4000-8000-000000000001', 'no_answer')$$,
  '42501', null, 'anon cannot end calls'
);

-- Bad input: each refused with its field, nothing written.
select tests.authenticate_as('a2@t.test');
select throws_ok(
  $$select public.end_call('ca000000-0000-4000-8000-000000000001', 'no_answer')$$,
  'PT404', 'p_call_id: not found or not yours',
  'an agent cannot end a colleague''s call'
);
select tests.authenticate_as('supb@t.test');
select throws_ok(
  $$select public.end_call('ca000000-0000-4000-8000-000000000001', 'no_answer')$$,
  'PT404', 'p_call_id: not found or not yours', 'a supervisor of another campaign cannot end the call'
);
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.end_call('ca000000-0000-4000-8000-00000000ffff', 'no_answer')$$,
  'PT404', 'p_call_id: not found or not yours', 'an unknown call is a 404'
);
select throws_ok(
  $$select public.end_call(null, 'no_answer')$$, '22023', 'p_call_id: required', 'the call is required'
);
select throws_ok(
  $$select public.end_call('ca000000-0000-4000-8000-000000000001', null)$$,
  '22023', 'p_disposition: required', 'the disposition is required'
);
select throws_ok(
  $$select public.end_call('ca000000-0000-4000-8000-000000000001', 'maybe')$$,
  '22023', 'p_disposition: unknown disposition ''maybe''', 'an unknown disposition is refused'
);
select throws_ok(
  $$select public.end_call('ca000000-0000-4000-8000-000000000001', 'voicemail')$$,
  '22023', 'p_disposition: ''voicemail'' is not allowed in campaign Test A',
  'a disposition the campaign does not allow is refused'
);
select throws_ok(
  $$select public.end_call('ca000000-0000-4000-8000-000000000001', 'callback')$$,
  '22023', 'p_callback_at: required with disposition ''callback''', 'a callback needs its time'
);
select throws_ok(
  $$select public.end_call('ca000000-0000-4000-8000-000000000001', 'callback', null, '2026-11-25 09:00+00')$$,
  '22023', null, 'a callback in the past is refused'
);
select throws_ok(
  $$select public.end_call('ca000000-0000-4000-8000-000000000001', 'callback', null, '2026-11-25 21:30+00')$$,
  'R0002',
  'p_callback_at: Wednesday 2026-11-25 22:30 in Europe/Madrid is outside the calling hours of campaign Test A '
  || '(09:00-21:00 on ISO days 1,2,3,4,5,6,7)',
  'a callback outside calling hours in the lead''s time zone is refused'
);
select throws_ok(
  $$select public.end_call('ca000000-0000-4000-8000-000000000001', 'no_answer', null, '2026-11-26 10:00+00')$$,
  '22023', 'p_callback_at: only a callback disposition schedules a call back, not ''no_answer''',
  'a callback time with another disposition is an error, not ignored'
);
select throws_ok(
  $$select public.end_call('ca000000-0000-4000-8000-000000000001', 'no_answer', null, null, 'nobody')$$,
  '22023', 'p_hangup_by: ''nobody'' is not agent, lead or system', 'hangup_by is agent, lead or system'
);
select results_eq(
  $$select status, disposition from public.calls where id = 'ca000000-0000-4000-8000-000000000001'$$,
  $$values ('confirmed', null::text)$$,
  'the refused attempts changed nothing'
);

-- A callback: the call ends, the lead waits for the agreed time.
select results_eq(
  $$select status, outcome, disposition, duration_seconds, talk_seconds, ring_seconds, notes
    from public.end_call(
      'ca000000-0000-4000-8000-000000000001', 'callback', 'Llamar el jueves', '2026-11-26 17:00+00', 'lead'
    )$$,
  $$values ('ended', 'answered', 'callback', 130, 120, 10, 'Llamar el jueves')$$,
  'an answered call ends with its durations and the agent''s notes'
);
select results_eq(
  $$select status::text, next_call_at, attempts from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('callback', '2026-11-26 17:00+00'::timestamptz, 1)$$,
  'the lead waits for the callback'
);
select results_eq(
  $$select agent_id::text, due_at, status::text, notes from public.callbacks
    where lead_id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values (
    'f0000000-0000-4000-8000-000000000101', '2026-11-26 17:00+00'::timestamptz, 'pending', 'Llamar el jueves'
  )$$,
  'the callback is scheduled for the agent'
);
select throws_ok(
  $$select public.end_call('ca000000-0000-4000-8000-000000000001', 'sale')$$,
  'PT409', null, 'ending a call twice is an error'
);

-- No answer: retried after the campaign's first retry delay (1 hour).
select results_eq(
  $$select outcome from public.end_call('ca000000-0000-4000-8000-000000000002', 'no_answer')$$,
  $$values ('no_answer')$$,
  'without the PBX''s word, a no_answer disposition gives outcome no_answer'
);
select results_eq(
  $$select status::text, next_call_at from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('retry', '2026-11-25 11:02:10+00'::timestamptz)$$,
  'the lead is retried after the first retry delay'
);
select results_eq(
  $$select status::text, completed_at from public.callbacks where lead_id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('cancelled', '2026-11-25 10:02:10+00'::timestamptz)$$,
  'a callback not yet due is superseded by the new call'
);

-- A third attempt without answer exhausts the lead (max_attempts 3).
select tests.clear_authentication();
update public.leads set attempts = 3 where id = 'e0000000-0000-4000-8000-0000000000a1';
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.end_call('ca000000-0000-4000-8000-000000000003', 'callback', null, '2026-11-26 10:00+00')$$,
  'R0003', null, 'no callback can be scheduled past max attempts'
);
select lives_ok(
  $$select public.end_call('ca000000-0000-4000-8000-000000000003', 'busy', null, null, 'system')$$,
  'a busy call ends'
);
select results_eq(
  $$select status::text, next_call_at from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('exhausted', null::timestamptz)$$,
  'with no attempts left the lead is exhausted'
);

-- What the PBX reported is kept.
select tests.authenticate_as_service_role();
update public.calls set
  status = 'ended', outcome = 'answered', answered_at = '2026-11-25 10:00:05+00',
  ended_at = '2026-11-25 10:01:00+00', talk_seconds = 55, duration_seconds = 60, ring_seconds = 5,
  hangup_by = 'agent', recording_file = '/var/spool/asterisk/monitor/x.wav'
where id = 'ca000000-0000-4000-8000-000000000004';
select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select outcome, ended_at, talk_seconds, duration_seconds, hangup_by, disposition
    from public.end_call('ca000000-0000-4000-8000-000000000004', 'sale', null, null, 'lead')$$,
  $$values ('answered', '2026-11-25 10:01:00+00'::timestamptz, 55, 60, 'agent', 'sale')$$,
  'the PBX''s times and outcome win; the agent adds the disposition'
);
select results_eq(
  $$select status::text from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('won')$$,
  'a sale disposition wins the lead'
);

-- Do not call: the number joins the company-wide list.
select results_eq(
  $$select disposition from public.end_call('ca000000-0000-4000-8000-000000000005', 'do_not_call')$$,
  $$values ('do_not_call')$$,
  'a lead asking not to be called again'
);
select tests.clear_authentication();
select results_eq(
  $$select l.status::text, d.campaign_id, d.source::text
    from public.leads as l inner join public.do_not_call as d on l.phone = d.phone
    where l.id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('do_not_call', null::uuid, 'lead_request')$$,
  'is listed company-wide and its lead closed'
);
select results_eq(
  $$select array_agg(via order by id) from public.lead_history
    where lead_id = 'e0000000-0000-4000-8000-0000000000a1' and via is not null$$,
  $$values (array['rpc/end_call', 'rpc/end_call', 'rpc/end_call', 'rpc/end_call', 'rpc/end_call'])$$,
  'every change end_call made to the lead is in its history'
);

-- A supervisor releases a call its agent left open.
select set_config('crm.now', '2026-11-25 16:05+00', true);
select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select status, outcome, wrapped_up_at
    from public.end_call('ca000000-0000-4000-8000-0000000000b1', 'not_interested')$$,
  $$values ('ended', 'cancelled', '2026-11-25 16:05+00'::timestamptz)$$,
  'a supervisor of the campaign can close a call'
);
select results_eq(
  $$select status::text from public.leads where id = 'e0000000-0000-4000-8000-0000000000b1'$$,
  $$values ('lost')$$,
  'not interested closes the lead as lost'
);

select * from finish();
rollback;
