-- public.calls: agents see their own calls and move them forward up to
-- confirmed; supervisors see their campaigns' calls; admins all. Calls are
-- created by rpc/start_call, ended by rpc/end_call, mirrored by the service role.
begin;
select plan(26);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number) values
(
  'ca000000-0000-4000-8000-0000000000a1', '2026-11-25 10:00+00', 'e0000000-0000-4000-8000-0000000000a1',
  'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', '+34600000001'
),
(
  'ca000000-0000-4000-8000-0000000000a2', '2026-11-25 10:01+00', 'e0000000-0000-4000-8000-0000000000a2',
  'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000102', '+34600000002'
),
(
  'ca000000-0000-4000-8000-0000000000b1', '2026-11-25 16:00+00', 'e0000000-0000-4000-8000-0000000000b1',
  'c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000201', '+525512345678'
);

select set_config('crm.now', '2026-11-25 10:00:30+00', true);

select tests.authenticate_as_anon();
select throws_ok('select * from public.calls', '42501', null, 'anon cannot read calls');

select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select id::text from public.calls where id::text like 'ca000000-%'$$,
  $$values ('ca000000-0000-4000-8000-0000000000a1')$$,
  'an agent sees its own calls only'
);
select throws_ok(
  $$insert into public.calls (lead_id, campaign_id, agent_id, phone_number) values
    ('e0000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-00000000000a',
     'f0000000-0000-4000-8000-000000000101', '+34600000001')$$,
  '42501', null, 'an agent cannot insert calls (rpc/start_call does)'
);
select results_eq(
  $$update public.calls set status = 'ringing' where id = 'ca000000-0000-4000-8000-0000000000a1' returning status$$,
  $$values ('ringing')$$,
  'the webphone moves its call to ringing'
);
select results_eq(
  $$update public.calls set status = 'confirmed', notes = 'Contesta', recording_consent = true
    where id = 'ca000000-0000-4000-8000-0000000000a1' returning status, answered_at is not null$$,
  $$values ('confirmed', true)$$,
  'then to confirmed, which stamps answered_at'
);
select throws_ok(
  $$update public.calls set status = 'ringing' where id = 'ca000000-0000-4000-8000-0000000000a1'$$,
  '23514', 'status: a call cannot go back from confirmed to ringing', 'a call never goes back'
);
select throws_ok(
  $$update public.calls set status = 'ended' where id = 'ca000000-0000-4000-8000-0000000000a1'$$,
  '42501', 'status: a call is ended only through rpc/end_call', 'the webphone does not end calls directly'
);
select throws_ok(
  $$update public.calls set outcome = 'answered' where id = 'ca000000-0000-4000-8000-0000000000a1'$$,
  '42501', 'outcome: the webphone may change only status, notes and recording_consent of a call',
  'the outcome is the PBX''s'
);
select throws_ok(
  $$update public.calls set talk_seconds = 9999 where id = 'ca000000-0000-4000-8000-0000000000a1'$$,
  '42501', null, 'an agent cannot inflate its talk time'
);
select throws_ok(
  $$update public.calls set agent_id = 'f0000000-0000-4000-8000-000000000102'
    where id = 'ca000000-0000-4000-8000-0000000000a1'$$,
  '42501', null, 'an agent cannot pass its call to a colleague'
);
select is_empty(
  $$update public.calls set notes = 'x' where id = 'ca000000-0000-4000-8000-0000000000a2' returning id$$,
  'an agent cannot touch a colleague''s call'
);
select throws_ok(
  $$delete from public.calls where id = 'ca000000-0000-4000-8000-0000000000a1'$$,
  '42501', null, 'an agent cannot delete a call'
);
select throws_ok(
  'select * from private.calls_default', '42501', null, 'partitions are out of the API''s reach'
);
select throws_ok(
  'select * from private.call_index', '42501', null, 'the call index is out of the API''s reach'
);

select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select id::text from public.calls where id::text like 'ca000000-%' order by 1$$,
  $$values ('ca000000-0000-4000-8000-0000000000a1'), ('ca000000-0000-4000-8000-0000000000a2')$$,
  'a supervisor sees the calls of its campaign'
);
select is_empty(
  $$update public.calls set notes = 'x' where id = 'ca000000-0000-4000-8000-0000000000a2' returning id$$,
  'a supervisor does not edit calls directly'
);
select throws_ok(
  $$delete from public.calls where id = 'ca000000-0000-4000-8000-0000000000a2'$$,
  '42501', null, 'a supervisor cannot delete a call'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select id::text from public.calls where id::text like 'ca000000-%'$$,
  $$values ('ca000000-0000-4000-8000-0000000000b1')$$,
  'the other supervisor sees only its campaign''s calls'
);

select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select count(*)::int from public.calls where id::text like 'ca000000-%'$$,
  $$values (3)$$,
  'an admin sees every call'
);
select throws_ok(
  $$delete from public.calls where id = 'ca000000-0000-4000-8000-0000000000b1'$$,
  '42501', null, 'call records are not deleted through the API (retention is the service role''s)'
);

-- The AMI bridge (service role) mirrors the PBX: any column.
select tests.authenticate_as_service_role();
select results_eq(
  $$update public.calls set
      status = 'ended', outcome = 'busy', ended_at = started_at + interval '20 seconds', hangup_cause = 17,
      hangup_cause_text = 'User busy', hangup_by = 'lead', pbx_linkedid = '1732528800.42'
    where id = 'ca000000-0000-4000-8000-0000000000a2' returning status, outcome$$,
  $$values ('ended', 'busy')$$,
  'the service role records the PBX''s outcome'
);
select throws_ok(
  $$update public.calls set outcome = 'answered', status = 'confirmed'
    where id = 'ca000000-0000-4000-8000-0000000000b1'$$,
  '23514', null, 'an outcome belongs to an ended call only'
);

select lives_ok(
  $$insert into public.calls (direction, source, phone_number, pbx_linkedid) values ('inbound', 'pbx', null, '1.1')$$,
  'the service role records an inbound call from a withheld number'
);
select throws_ok(
  $$insert into public.calls (direction, source, phone_number) values ('outbound', 'pbx', null)$$,
  '23514', null, 'an outbound call always has a number'
);
select throws_ok(
  $$insert into public.calls (direction, source, phone_number) values ('inbound', 'pbx', '5551234')$$,
  '23514', 'phone: ''5551234'' is not a valid E.164 number', 'a number the PBX reports must be normalised to E.164'
);

-- Once ended, the webphone can no longer change the call.
select tests.authenticate_as('a2@t.test');
select throws_ok(
  $$update public.calls set notes = 'late' where id = 'ca000000-0000-4000-8000-0000000000a2'$$,
  'PT409', null, 'an ended call is closed to the webphone'
);

select * from finish();
rollback;
