-- Recording consent: which calls may be kept recorded
-- (private.recording_allowed), which start not_recorded, and what the
-- agent's answer on a call does to the call and to the lead.
begin;
select plan(29);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql). Campaign A
-- records with consent required (the default); B does not record.
select tests.create_two_campaigns();
update public.campaigns set recording_enabled = false where id = 'c0000000-0000-4000-8000-00000000000b';
-- Campaign N records with a notice only; campaign O does not record and
-- needs no consent.
insert into public.campaigns (id, name, recording_enabled, recording_consent_required) values
('c0000000-0000-4000-8000-0000000000c1', 'Test notice only', true, false),
('c0000000-0000-4000-8000-0000000000c2', 'Test off, no consent', false, false);
-- a1's lead refused recording on an earlier call.
update public.leads set consent_recording = false where id = 'e0000000-0000-4000-8000-0000000000a1';
select set_config('crm.now', '2026-11-25 17:00+00', true);

-- ----------------------------------------------------------------------------
-- private.recording_allowed: every campaign setting against every answer
-- ----------------------------------------------------------------------------

create temporary table allowed_cases (campaign_id uuid, campaign text, consent boolean, expected boolean);
insert into allowed_cases values
('c0000000-0000-4000-8000-00000000000a', 'recording, consent required', true, true),
('c0000000-0000-4000-8000-00000000000a', 'recording, consent required', false, false),
('c0000000-0000-4000-8000-00000000000a', 'recording, consent required', null, false),
('c0000000-0000-4000-8000-0000000000c1', 'recording, notice only', true, true),
('c0000000-0000-4000-8000-0000000000c1', 'recording, notice only', false, false),
('c0000000-0000-4000-8000-0000000000c1', 'recording, notice only', null, true),
('c0000000-0000-4000-8000-00000000000b', 'not recording, consent required', true, false),
('c0000000-0000-4000-8000-00000000000b', 'not recording, consent required', false, false),
('c0000000-0000-4000-8000-00000000000b', 'not recording, consent required', null, false),
('c0000000-0000-4000-8000-0000000000c2', 'not recording, no consent needed', true, false),
('c0000000-0000-4000-8000-0000000000c2', 'not recording, no consent needed', false, false),
('c0000000-0000-4000-8000-0000000000c2', 'not recording, no consent needed', null, false),
('c0000000-0000-4000-8000-0000000000ff', 'unknown campaign', true, false);

select
  is(
    private.recording_allowed(a.campaign_id, a.consent), a.expected,
    format('recording_allowed: %s, answer %s', a.campaign, coalesce(a.consent::text, 'not asked'))
  )
from allowed_cases as a;

-- ----------------------------------------------------------------------------
-- New calls
-- ----------------------------------------------------------------------------

select tests.authenticate_as('a1@t.test');
create temporary table started (who text primary key, call_id uuid);
grant all on started to authenticated, service_role;
insert into started (who, call_id)
select
  'a1' as who,
  (public.start_call('e0000000-0000-4000-8000-0000000000a1')).id as call_id;
select tests.authenticate_as('a2@t.test');
insert into started (who, call_id)
select
  'a2' as who,
  (public.start_call('e0000000-0000-4000-8000-0000000000a2')).id as call_id;
select tests.authenticate_as('b1@t.test');
insert into started (who, call_id)
select
  'b1' as who,
  (public.start_call('e0000000-0000-4000-8000-0000000000b1')).id as call_id;
select tests.clear_authentication();

select results_eq(
  $$select c.recording_consent, c.recording_status from public.calls as c
    where c.id = (select s.call_id from started as s where s.who = 'a1')$$,
  $$values (false, 'not_recorded')$$,
  'a call to a lead who refused recording carries the refusal and starts not_recorded'
);
select results_eq(
  $$select c.recording_consent, c.recording_status from public.calls as c
    where c.id = (select s.call_id from started as s where s.who = 'b1')$$,
  $$values (null::boolean, 'not_recorded')$$,
  'a call of a campaign that does not record starts not_recorded'
);
select results_eq(
  $$select c.recording_consent, c.recording_status from public.calls as c
    where c.id = (select s.call_id from started as s where s.who = 'a2')$$,
  $$values (null::boolean, null::text)$$,
  'a call of a recording campaign to a lead not yet asked has no recording status yet'
);

-- ----------------------------------------------------------------------------
-- The agent's answer
-- ----------------------------------------------------------------------------

select tests.authenticate_as('a2@t.test');
update public.calls set status = 'confirmed' where id = (select s.call_id from started as s where s.who = 'a2');
select results_eq(
  $$update public.calls set recording_consent = false
    where id = (select s.call_id from started as s where s.who = 'a2') returning recording_status$$,
  $$values ('not_recorded')$$,
  'the agent writes the lead''s refusal: the call is not_recorded'
);
select tests.clear_authentication();
select is(
  (select l.consent_recording from public.leads as l where l.id = 'e0000000-0000-4000-8000-0000000000a2'),
  false,
  'the refusal is copied to the lead, for the next calls'
);

select tests.authenticate_as('a2@t.test');
select results_eq(
  $$update public.calls set recording_consent = true
    where id = (select s.call_id from started as s where s.who = 'a2') returning recording_status$$,
  $$values (null::text)$$,
  'a yes after the no restores the call (no file reported yet: no status)'
);
select tests.clear_authentication();
select is(
  (select l.consent_recording from public.leads as l where l.id = 'e0000000-0000-4000-8000-0000000000a2'),
  true,
  'and the yes becomes the lead''s standing answer'
);

-- The PBX reports the file while the lead has said yes: queued, pending.
select tests.authenticate_as_service_role();
update public.calls set recording_file = '/var/spool/asterisk/monitor/consent-a2.wav'
where id = (select s.call_id from started as s where s.who = 'a2');
select tests.clear_authentication();
select is(
  (
    select c.recording_status
    from public.calls as c
    where c.id = (select s.call_id from started as s where s.who = 'a2')
  ),
  'pending',
  'with consent, a reported file makes the call pending'
);

select tests.authenticate_as('a2@t.test');
select results_eq(
  $$update public.calls set recording_consent = false
    where id = (select s.call_id from started as s where s.who = 'a2') returning recording_status$$,
  $$values ('not_recorded')$$,
  'the lead changes its mind during the call: not_recorded again'
);
select results_eq(
  $$update public.calls set recording_consent = true
    where id = (select s.call_id from started as s where s.who = 'a2') returning recording_status$$,
  $$values ('pending')$$,
  'and back to yes: the file is pending again'
);
select tests.clear_authentication();
select is(
  (
    select r.status
    from public.recordings as r
    where r.call_id = (select s.call_id from started as s where s.who = 'a2')
  ),
  'pending',
  'the recording stays queued for the worker, which decides with the final answer'
);

-- A file made anyway for a call the lead refused: the worker must discard
-- it, but the call keeps saying not_recorded meanwhile.
select tests.authenticate_as_service_role();
update public.calls set recording_file = '/var/spool/asterisk/monitor/consent-a1.wav'
where id = (select s.call_id from started as s where s.who = 'a1');
select tests.clear_authentication();
select is(
  (
    select r.status
    from public.recordings as r
    where r.call_id = (select s.call_id from started as s where s.who = 'a1')
  ),
  'pending',
  'a file reported for a refused call is still queued (the worker discards it)'
);
select is(
  (
    select c.recording_status
    from public.calls as c
    where c.id = (select s.call_id from started as s where s.who = 'a1')
  ),
  'not_recorded',
  'while the call keeps saying not_recorded'
);

-- A yes on a call of a campaign that does not record changes nothing.
select tests.authenticate_as('b1@t.test');
select results_eq(
  $$update public.calls set recording_consent = true
    where id = (select s.call_id from started as s where s.who = 'b1') returning recording_status$$,
  $$values ('not_recorded')$$,
  'a yes does not make a call of a non-recording campaign recorded'
);

-- Consent is the call's own agent's to write.
select tests.authenticate_as('a1@t.test');
select is_empty(
  $$update public.calls set recording_consent = true
    where id = (select s.call_id from started as s where s.who = 'a2') returning id$$,
  'an agent cannot answer for a colleague''s call'
);
select throws_ok(
  $$update public.calls set recording_status = 'stored'
    where id = (select s.call_id from started as s where s.who = 'a1')$$,
  '42501', 'recording_status: the webphone may change only status, notes and recording_consent of a call',
  'an agent cannot set the recording status itself'
);
select tests.clear_authentication();

select * from finish();
rollback;
