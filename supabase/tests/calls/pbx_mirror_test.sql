-- The duration rule (private.seconds_between) and the PBX's merge into calls
-- (private.pbx_merge, private.mirror_pbx_calls, private.close_vanished_pbx_calls).
begin;
select plan(33);

select tests.create_two_campaigns();
update public.profiles set sip_extension = '5101' where id = 'f0000000-0000-4000-8000-000000000101';

-- ============================================================================
-- The duration rule: whole seconds, floored as Asterisk's CDR counts them.
-- ============================================================================

select is(
  private.seconds_between('2026-11-25 10:00:00+00', '2026-11-25 10:00:02.999999+00'), 2,
  'a second counts once it has fully passed (2.999999 s is 2)'
);
select is(
  private.seconds_between('2026-11-25 10:00:00.5+00', '2026-11-25 10:01:33.5+00'), 93,
  'exact whole seconds stay whole'
);
select is(
  private.seconds_between('2026-11-25 10:00:05+00', '2026-11-25 10:00:00+00'), 0,
  'an interval backwards is 0, never negative'
);
select is(private.seconds_between(null, now()), null, 'an unknown start is no duration');
select is(private.seconds_between(now(), null), null, 'an unknown end is no duration');

-- Every writer of a call measures with it: rpc/hangup_call floors too.
insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number, status, answered_at)
values (
  'ca000000-0000-4000-8000-000000000001', '2026-11-25 10:00:00+00', 'e0000000-0000-4000-8000-0000000000a1',
  'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', '+34600000001',
  'confirmed', '2026-11-25 10:00:09.9+00'
);
select set_config('crm.now', '2026-11-25 10:01:33.8+00', true);
select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select ring_seconds, talk_seconds, duration_seconds
    from public.hangup_call('ca000000-0000-4000-8000-000000000001', 'answered', 'lead')$$,
  $$values (9, 83, 93)$$,
  'the webphone''s hang-up floors: 9.9 s ringing, 83.9 s talking, 93.8 s in all'
);
select tests.clear_authentication();

-- ============================================================================
-- The merge rule on one row (private.pbx_merge, pure).
-- ============================================================================

-- The webphone's row: confirmed, no PBX word yet.
create temporary table webphone_row on commit drop as
select
  jsonb_populate_record(null::public.calls, jsonb_build_object(
    'id', 'ca000000-0000-4000-8000-000000000002', 'started_at', '2026-11-25 10:00:00+00',
    'status', 'confirmed', 'answered_at', '2026-11-25 10:00:12+00', 'ring_seconds', 12,
    'phone_number', '+34600000001', 'lead_id', 'e0000000-0000-4000-8000-0000000000a1',
    'agent_id', 'f0000000-0000-4000-8000-000000000101', 'notes', 'the agent''s', 'source', 'webphone'
  )) as r;

select results_eq(
  $$select m.status, m.started_at, m.answered_at, m.ring_seconds, m.pbx_linkedid, m.notes, m.lead_id
    from webphone_row as w,
      private.pbx_merge(w.r, jsonb_populate_record(null::public.calls, jsonb_build_object(
        'status', 'ringing', 'started_at', '2026-11-25 09:59:59.5+00', 'ring_seconds', 3,
        'pbx_linkedid', '1764064799.1', 'lead_id', 'e0000000-0000-4000-8000-0000000000a2'
      ))) as m$$,
  $$values (
    'confirmed', '2026-11-25 09:59:59.5+00'::timestamptz, '2026-11-25 10:00:12+00'::timestamptz, 3,
    '1764064799.1', 'the agent''s', 'e0000000-0000-4000-8000-0000000000a1'::uuid
  )$$,
  'the PBX''s first word replaces the webphone''s times even from behind; status never goes back; '
  'lead, notes stay the CRM''s'
);

-- Once the PBX has spoken, an older version (a replay) only fills gaps.
select results_eq(
  $$select m.status, m.outcome, m.ended_at, m.talk_seconds, m.hangup_by, m.recording_file
    from webphone_row as w,
      private.pbx_merge(
        jsonb_populate_record(w.r, jsonb_build_object(
          'pbx_linkedid', '1764064799.1', 'status', 'ended', 'outcome', 'answered',
          'ended_at', '2026-11-25 10:01:33+00', 'talk_seconds', 81, 'hangup_by', null
        )),
        jsonb_populate_record(null::public.calls, jsonb_build_object(
          'status', 'confirmed', 'outcome', 'busy', 'talk_seconds', 5, 'hangup_by', 'lead',
          'recording_file', '/rec/x.wav', 'pbx_linkedid', '1764064799.1'
        ))
      ) as m$$,
  $$values ('ended', 'answered', '2026-11-25 10:01:33+00'::timestamptz, 81, 'lead', '/rec/x.wav')$$,
  'a version behind keeps every stored value and fills only the gaps'
);

-- A version as far along wins column by column; a null never erases.
select results_eq(
  $$select m.outcome, m.talk_seconds, m.hangup_by, m.recording_file
    from webphone_row as w,
      private.pbx_merge(
        jsonb_populate_record(w.r, jsonb_build_object(
          'pbx_linkedid', '1764064799.1', 'status', 'ended', 'outcome', 'answered',
          'ended_at', '2026-11-25 10:01:33+00', 'talk_seconds', 81, 'recording_file', '/rec/a.wav'
        )),
        jsonb_populate_record(null::public.calls, jsonb_build_object(
          'status', 'ended', 'outcome', 'answered', 'talk_seconds', 80, 'hangup_by', 'agent',
          'recording_file', null, 'pbx_linkedid', '1764064799.1'
        ))
      ) as m$$,
  $$values ('answered', 80, 'agent', '/rec/a.wav')$$,
  'the latest version as far along wins; its nulls erase nothing'
);

-- An erased call stays erased whatever the PBX replays.
select results_eq(
  $$select m.phone_number, m.recording_file, m.hangup_cause
    from webphone_row as w,
      private.pbx_merge(
        jsonb_populate_record(w.r, jsonb_build_object(
          'pbx_linkedid', '1764064799.1', 'status', 'ended', 'outcome', 'answered',
          'phone_number', null, 'recording_file', null, 'erased_at', '2026-11-26 09:00:00+00'
        )),
        jsonb_populate_record(null::public.calls, jsonb_build_object(
          'status', 'ended', 'outcome', 'answered', 'phone_number', '+34600000001',
          'recording_file', '/rec/out-+34600000001.wav', 'hangup_cause', 16, 'pbx_linkedid', '1764064799.1'
        ))
      ) as m$$,
  $$values (null::public.phone_e164, null::text, 16)$$,
  'a replay never writes an erased call''s number or recording file back'
);

-- Times stay in order whatever the versions say.
select results_eq(
  $$select m.started_at, m.answered_at, m.ended_at
    from webphone_row as w,
      private.pbx_merge(w.r, jsonb_populate_record(null::public.calls, jsonb_build_object(
        'status', 'ended', 'started_at', '2026-11-25 10:00:20+00', 'answered_at', null,
        'ended_at', '2026-11-25 10:00:15+00', 'pbx_linkedid', '1764064799.1'
      ))) as m$$,
  $$values (
    '2026-11-25 10:00:20+00'::timestamptz, '2026-11-25 10:00:20+00'::timestamptz,
    '2026-11-25 10:00:20+00'::timestamptz
  )$$,
  'an answer before the start moves to the start, an end before the answer to the answer'
);

-- ============================================================================
-- Batches into calls (private.mirror_pbx_calls).
-- ============================================================================

-- A call the CRM never started: a new row, linked by number and extension,
-- its durations measured from the instants the bridge saw.
select results_eq(
  $$select updated, inserted, merged, parked from private.mirror_pbx_calls('[{
      "id": "ca000000-0000-4000-8000-000000000010", "provisional_id": "ca000000-0000-4000-8000-000000000010",
      "pbx_linkedid": "1764064800.10", "source": "pbx", "direction": "outbound",
      "phone_number": "+34600000001", "agent_extension": "5101", "status": "ended", "outcome": "answered",
      "started_at": "2026-11-25T10:00:00+00:00", "answered_at": "2026-11-25T10:00:09.518331+00:00",
      "ended_at": "2026-11-25T10:01:33.912640+00:00",
      "ring_started_at": "2026-11-25T10:00:00.118204+00:00", "ring_ended_at": "2026-11-25T10:00:09.518331+00:00",
      "talk_ended_at": "2026-11-25T10:01:33.900000+00:00", "hangup_cause": 16,
      "hangup_cause_text": "Normal Clearing", "hangup_by": "lead", "partial": false
    }]'::jsonb)$$,
  $$values (0, 1, 0, '{}'::text[])$$,
  'a call the CRM never started is inserted'
);
select results_eq(
  $$select source, lead_id, agent_id, campaign_id, ring_seconds, talk_seconds, duration_seconds
    from public.calls where pbx_linkedid = '1764064800.10'$$,
  $$values (
    'pbx', 'e0000000-0000-4000-8000-0000000000a1'::uuid, 'f0000000-0000-4000-8000-000000000101'::uuid,
    'c0000000-0000-4000-8000-00000000000a'::uuid, 9, 84, 93
  )$$,
  'linked to the lead by number and to the agent by extension; ring 9.4 s, talk 84.38 s, 93.9 s: floored'
);

-- Replaying the same batch changes nothing.
select results_eq(
  $$select updated, inserted from private.mirror_pbx_calls('[{
      "id": "ca000000-0000-4000-8000-000000000010", "provisional_id": "ca000000-0000-4000-8000-000000000010",
      "pbx_linkedid": "1764064800.10", "source": "pbx", "direction": "outbound",
      "phone_number": "+34600000001", "agent_extension": "5101", "status": "ended", "outcome": "answered",
      "started_at": "2026-11-25T10:00:00+00:00", "answered_at": "2026-11-25T10:00:09.518331+00:00",
      "ended_at": "2026-11-25T10:01:33.912640+00:00",
      "ring_started_at": "2026-11-25T10:00:00.118204+00:00", "ring_ended_at": "2026-11-25T10:00:09.518331+00:00",
      "talk_ended_at": "2026-11-25T10:01:33.900000+00:00", "hangup_cause": 16,
      "hangup_cause_text": "Normal Clearing", "hangup_by": "lead", "partial": false
    }]'::jsonb)$$,
  $$values (1, 0)$$,
  'the same row again updates its own row, no second one'
);
select results_eq(
  $$select count(*)::int, min(duration_seconds) from public.calls where pbx_linkedid = '1764064800.10'$$,
  $$values (1, 93)$$,
  'still one row, unchanged'
);

-- An outbound call without a number is parked; a withheld inbound one is written.
select results_eq(
  $$select inserted, parked from private.mirror_pbx_calls('[
      {"id": "ca000000-0000-4000-8000-000000000011", "pbx_linkedid": "1764064800.11", "source": "pbx",
       "direction": "outbound", "status": "ringing", "started_at": "2026-11-25T10:05:00+00:00", "partial": false},
      {"id": "ca000000-0000-4000-8000-000000000012", "pbx_linkedid": "1764064800.12", "source": "pbx",
       "direction": "inbound", "status": "ringing", "started_at": "2026-11-25T10:05:00+00:00", "partial": false}
    ]'::jsonb)$$,
  $$values (1, '{1764064800.11}'::text[])$$,
  'the outbound row without a number is parked and named, the inbound one inserted'
);
select results_eq(
  $$select pbx_linkedid, phone_number, lead_id from public.calls
    where pbx_linkedid in ('1764064800.11', '1764064800.12')$$,
  $$values ('1764064800.12', null::public.phone_e164, null::uuid)$$,
  'only the withheld inbound call is a row'
);

-- The webphone's call: the PBX updates the CRM's row (its call id), the
-- PBX's first word replacing the webphone's start.
insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number, status)
values (
  'ca000000-0000-4000-8000-000000000020', '2026-11-25 11:00:00+00', 'e0000000-0000-4000-8000-0000000000a2',
  'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000102', '+34600000002', 'ringing'
);
-- First the PBX row written before the CRM id was known (Newchannel before the VarSet)...
select results_eq(
  $$select inserted from private.mirror_pbx_calls('[{
      "id": "ca000000-0000-4000-8000-000000000021", "provisional_id": "ca000000-0000-4000-8000-000000000021",
      "pbx_linkedid": "1764068400.20", "source": "pbx", "direction": "outbound", "phone_number": "+34600000002",
      "status": "calling", "started_at": "2026-11-25T10:59:59.8+00:00", "partial": false
    }]'::jsonb)$$,
  $$values (1)$$,
  'a provisional row under the Linkedid''s id'
);
-- ...then the version carrying the CRM id: merged into the CRM's row.
select results_eq(
  $$select updated, inserted, merged from private.mirror_pbx_calls('[{
      "id": "ca000000-0000-4000-8000-000000000020", "provisional_id": "ca000000-0000-4000-8000-000000000021",
      "crm_call_id": "ca000000-0000-4000-8000-000000000020", "pbx_linkedid": "1764068400.20",
      "source": "webphone", "direction": "outbound", "phone_number": "+34600000002", "status": "confirmed",
      "started_at": "2026-11-25T10:59:59.8+00:00", "answered_at": "2026-11-25T11:00:07.1+00:00",
      "ring_started_at": "2026-11-25T11:00:00+00:00", "ring_ended_at": "2026-11-25T11:00:07.1+00:00",
      "partial": false
    }]'::jsonb)$$,
  $$values (1, 0, 1)$$,
  'the CRM''s row is updated and the provisional row merged away'
);
select results_eq(
  $$select id, source, status, started_at, answered_at, ring_seconds, pbx_linkedid, lead_id
    from public.calls where pbx_linkedid = '1764068400.20'$$,
  $$values (
    'ca000000-0000-4000-8000-000000000020'::uuid, 'webphone', 'confirmed', '2026-11-25 10:59:59.8+00'::timestamptz,
    '2026-11-25 11:00:07.1+00'::timestamptz, 7, '1764068400.20', 'e0000000-0000-4000-8000-0000000000a2'::uuid
  )$$,
  'one row: the CRM''s id, source and lead, the PBX''s times'
);

-- A restarted bridge (no CRM id, partial: "seen alive at" times) updates the
-- CRM's row for that Linkedid and keeps the earlier start and answer.
select results_eq(
  $$select updated, inserted from private.mirror_pbx_calls('[{
      "id": "ca000000-0000-4000-8000-000000000021", "provisional_id": "ca000000-0000-4000-8000-000000000021",
      "pbx_linkedid": "1764068400.20", "source": "pbx", "direction": "outbound", "phone_number": "+34600000002",
      "status": "ended", "outcome": "answered", "started_at": "2026-11-25T11:00:30+00:00",
      "answered_at": "2026-11-25T11:00:30+00:00", "ended_at": "2026-11-25T11:01:40.5+00:00",
      "ring_started_at": "2026-11-25T11:00:30+00:00", "ring_ended_at": "2026-11-25T11:00:30+00:00",
      "talk_ended_at": "2026-11-25T11:01:40.5+00:00", "hangup_by": "agent", "partial": true
    }]'::jsonb)$$,
  $$values (1, 0)$$,
  'a partially known version updates the CRM''s row'
);
select results_eq(
  $$select id, status, started_at, answered_at, ended_at, ring_seconds, talk_seconds, duration_seconds
    from public.calls where pbx_linkedid = '1764068400.20'$$,
  $$values (
    'ca000000-0000-4000-8000-000000000020'::uuid, 'ended', '2026-11-25 10:59:59.8+00'::timestamptz,
    '2026-11-25 11:00:07.1+00'::timestamptz, '2026-11-25 11:01:40.5+00'::timestamptz, 7, 93, 100
  )$$,
  'the earlier start and answer stay, the durations are measured again from them'
);

-- A partially known call that nobody has answered yet stays unanswered: the
-- earlier start is kept, and no answer is made up from it.
select private.mirror_pbx_calls('[{
  "id": "ca000000-0000-4000-8000-000000000050", "pbx_linkedid": "1764064900.50", "source": "pbx",
  "direction": "outbound", "phone_number": "+34600000003", "status": "ringing",
  "started_at": "2026-11-25T13:00:00+00:00", "partial": false
}]'::jsonb);
select private.mirror_pbx_calls('[{
  "id": "ca000000-0000-4000-8000-000000000050", "pbx_linkedid": "1764064900.50", "source": "pbx",
  "direction": "outbound", "phone_number": "+34600000003", "status": "ringing",
  "started_at": "2026-11-25T13:00:20+00:00", "partial": true
}]'::jsonb);
select results_eq(
  $$select started_at, answered_at, ring_seconds from public.calls where pbx_linkedid = '1764064900.50'$$,
  $$values ('2026-11-25 13:00:00+00'::timestamptz, null::timestamptz, null::integer)$$,
  'a partial row of a call still ringing keeps the earlier start and no answer'
);

-- A batch the table refuses is refused whole; bad input names the argument.
select throws_ok(
  $$select * from private.mirror_pbx_calls('[{
      "id": "ca000000-0000-4000-8000-000000000030", "pbx_linkedid": "1764064800.30", "source": "pbx",
      "direction": "outbound", "phone_number": "+34600000003", "status": "ended", "outcome": "answered",
      "started_at": "2026-11-25T10:00:00+00:00", "ended_at": "2026-11-25T10:00:10+00:00",
      "hangup_by": "nobody", "partial": false
    }]'::jsonb)$$,
  '23514', null,
  'a row breaking a check of calls refuses the batch (the bridge then writes rows one by one)'
);
select throws_ok(
  $$select * from private.mirror_pbx_calls('{"id": 1}'::jsonb)$$,
  '22023', 'p_rows: a JSON array of call rows is required, not object',
  'p_rows must be an array'
);

-- ============================================================================
-- Calls that ended while the bridge was away (private.close_vanished_pbx_calls).
-- ============================================================================

select private.mirror_pbx_calls('[
  {"id": "ca000000-0000-4000-8000-000000000040", "pbx_linkedid": "1764064800.40", "source": "pbx",
   "direction": "outbound", "phone_number": "+34600000003", "status": "confirmed",
   "started_at": "2026-11-25T12:00:00+00:00", "answered_at": "2026-11-25T12:00:05.5+00:00",
   "ring_started_at": "2026-11-25T12:00:00+00:00", "ring_ended_at": "2026-11-25T12:00:05.5+00:00",
   "partial": false},
  {"id": "ca000000-0000-4000-8000-000000000041", "pbx_linkedid": "1764064800.41", "source": "pbx",
   "direction": "outbound", "phone_number": "+34600000003", "status": "ringing",
   "started_at": "2026-11-25T12:00:00+00:00", "partial": false},
  {"id": "ca000000-0000-4000-8000-000000000042", "pbx_linkedid": "1764064800.42", "source": "pbx",
   "direction": "outbound", "phone_number": "+34600000003", "status": "ringing",
   "started_at": "2026-11-25T12:00:00+00:00", "partial": false}
]'::jsonb);

select results_eq(
  $$select v.pbx_linkedid
    from private.close_vanished_pbx_calls('{1764064800.42}', '2026-11-25 12:01:00.7+00') as v
    where v.pbx_linkedid like '1764064800.%' -- other files' calls may be open in the database
    order by 1$$,
  $$values ('1764064800.12'), ('1764064800.40'), ('1764064800.41')$$,
  'every open mirrored call outside keep is closed, and only those'
);
select results_eq(
  $$select pbx_linkedid, status, outcome, hangup_by, ended_at, ring_seconds, talk_seconds, duration_seconds
    from public.calls where pbx_linkedid in ('1764064800.40', '1764064800.41', '1764064800.42')
    order by pbx_linkedid$$,
  $$values
    (
      '1764064800.40', 'ended', 'answered', null::text, '2026-11-25 12:01:00.7+00'::timestamptz, 5, 55, 60
    ),
    ('1764064800.41', 'ended', 'failed', 'system', '2026-11-25 12:01:00.7+00'::timestamptz, 60, 0, 60),
    ('1764064800.42', 'ringing', null, null, null::timestamptz, null::integer, null::integer, null::integer)$$,
  'answered ones end answered, the others failed by the system, measured by the one rule; the kept one is open'
);
select results_eq(
  $$select count(*)::int from private.close_vanished_pbx_calls('{1764064800.42}', '2026-11-25 12:02:00+00')
    where pbx_linkedid like '1764064800.%'$$,
  $$values (0)$$,
  'running it again closes nothing more'
);
select throws_ok(
  $$select * from private.close_vanished_pbx_calls(null, now())$$,
  '22023', 'p_keep: required', 'p_keep is required (an empty array keeps nothing)'
);

-- ============================================================================
-- Who may call them.
-- ============================================================================

select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select * from private.mirror_pbx_calls('[]'::jsonb)$$, '42501', null, 'an agent cannot mirror calls'
);
select throws_ok(
  $$select * from private.close_vanished_pbx_calls('{}', now())$$, '42501', null, 'nor close them'
);
select tests.authenticate_as_anon();
select throws_ok(
  $$select * from private.mirror_pbx_calls('[]'::jsonb)$$, '42501', null, 'anon cannot mirror calls'
);
select tests.authenticate_as_service_role();
select throws_ok(
  $$select * from private.mirror_pbx_calls('[]'::jsonb)$$, '42501', null,
  'nor the service role: only the AMI bridge''s own role'
);
select tests.clear_authentication();

select * from finish();
rollback;
