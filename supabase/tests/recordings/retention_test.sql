-- Retention: which stored recordings are past their campaign's retention
-- (private.expired_recordings), legal holds that keep them
-- (private.is_on_legal_hold), and what removing one records
-- (private.mark_recording_removed).
begin;
select plan(29);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql). A keeps
-- recordings 30 days, B the default 90.
select tests.create_two_campaigns();
update public.campaigns set recording_retention_days = 30 where id = 'c0000000-0000-4000-8000-00000000000a';

-- The calls of this file, each with a recording:
--   r1 A, lead a1, 1 Oct 10:00, stored
--   r2 A, lead a1, 10 Nov, stored
--   r3 A, lead a2, 2 Oct, stored, the call on legal hold
--   r4 A, lead a3, 3 Oct, stored, the lead on legal hold
--   r5 A, lead a2, 4 Oct, stored, its call's hold released
--   r6 B, lead b1, 1 Oct 09:00, stored
--   r7 A, lead a1, 5 Oct, stored, its lead being erased
--   r8 A, lead a1, 6 Oct, never uploaded (pending)
insert into public.calls (
  id, started_at, lead_id, campaign_id, agent_id, phone_number, recording_consent, recording_file
)
select
  v.id::uuid,
  v.started_at::timestamptz,
  v.lead_id::uuid,
  v.campaign_id::uuid,
  v.agent_id::uuid,
  '+34600000001' as phone_number,
  true as recording_consent,
  '/var/spool/asterisk/monitor/' || right(v.id, 2) || '-+34600000001.wav' as recording_file
from (
  values
  (
    'cc000000-0000-4000-8000-0000000000f1', '2026-10-01 10:00+00', 'e0000000-0000-4000-8000-0000000000a1',
    'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101'
  ),
  (
    'cc000000-0000-4000-8000-0000000000f2', '2026-11-10 10:00+00', 'e0000000-0000-4000-8000-0000000000a1',
    'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101'
  ),
  (
    'cc000000-0000-4000-8000-0000000000f3', '2026-10-02 10:00+00', 'e0000000-0000-4000-8000-0000000000a2',
    'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000102'
  ),
  (
    'cc000000-0000-4000-8000-0000000000f4', '2026-10-03 10:00+00', 'e0000000-0000-4000-8000-0000000000a3',
    'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101'
  ),
  (
    'cc000000-0000-4000-8000-0000000000f5', '2026-10-04 10:00+00', 'e0000000-0000-4000-8000-0000000000a2',
    'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000102'
  ),
  (
    'cc000000-0000-4000-8000-0000000000f6', '2026-10-01 09:00+00', 'e0000000-0000-4000-8000-0000000000b1',
    'c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000201'
  ),
  (
    'cc000000-0000-4000-8000-0000000000f7', '2026-10-05 10:00+00', 'e0000000-0000-4000-8000-0000000000a1',
    'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101'
  ),
  (
    'cc000000-0000-4000-8000-0000000000f8', '2026-10-06 10:00+00', 'e0000000-0000-4000-8000-0000000000a1',
    'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101'
  )
) as v (id, started_at, lead_id, campaign_id, agent_id);
-- As the worker leaves them once uploaded (r8 never was).
update public.recordings set
  status = 'stored',
  object_path = campaign_id || '/' || to_char(call_started_at, 'YYYY/MM/DD') || '/' || call_id || '.opus',
  bytes = 1000 + right(call_id::text, 1)::integer, sha256 = repeat('d', 64), format = 'opus'
where call_id::text like 'cc000000-0000-4000-8000-0000000000f%' and call_id <> 'cc000000-0000-4000-8000-0000000000f8';
update public.recordings set erase_requested_at = '2026-11-20 10:00+00'
where call_id = 'cc000000-0000-4000-8000-0000000000f7';

insert into public.legal_holds (call_id, lead_id, reason, placed_by, released_at, released_by) values
('cc000000-0000-4000-8000-0000000000f3', null, 'Claim 2026/118', 'f0000000-0000-4000-8000-000000000001', null, null),
(
  null, 'e0000000-0000-4000-8000-0000000000a3', 'Court order 55/2026', 'f0000000-0000-4000-8000-000000000001', null,
  null
),
(
  'cc000000-0000-4000-8000-0000000000f5', null, 'Complaint, settled', 'f0000000-0000-4000-8000-000000000001', null,
  null
);
update public.legal_holds set released_at = now(), released_by = 'f0000000-0000-4000-8000-000000000001'
where call_id = 'cc000000-0000-4000-8000-0000000000f5';

select set_config('crm.now', '2026-11-25 12:00+00', true);

-- ----------------------------------------------------------------------------
-- Legal holds
-- ----------------------------------------------------------------------------

select is(
  private.is_on_legal_hold('cc000000-0000-4000-8000-0000000000f3', 'e0000000-0000-4000-8000-0000000000a2'), true,
  'a call under an active hold is on hold'
);
select is(
  private.is_on_legal_hold('cc000000-0000-4000-8000-0000000000f4', 'e0000000-0000-4000-8000-0000000000a3'), true,
  'every call of a lead under an active hold is on hold'
);
select is(
  private.is_on_legal_hold('cc000000-0000-4000-8000-0000000000f5', 'e0000000-0000-4000-8000-0000000000a2'), false,
  'a released hold holds nothing'
);
select is(
  private.is_on_legal_hold('cc000000-0000-4000-8000-0000000000f1', 'e0000000-0000-4000-8000-0000000000a1'), false,
  'a call without hold is not on hold'
);

-- ----------------------------------------------------------------------------
-- Expired recordings
-- ----------------------------------------------------------------------------

select results_eq(
  $$select e.call_id::text, e.campaign_id::text, e.call_started_at, e.object_path, e.bytes, e.retention_days,
      e.expired_at
    from private.expired_recordings('2026-11-25 12:00+00') as e
    where e.call_id::text like 'cc000000-0000-4000-8000-0000000000f%'$$,
  $$values
    ('cc000000-0000-4000-8000-0000000000f1', 'c0000000-0000-4000-8000-00000000000a',
      '2026-10-01 10:00+00'::timestamptz,
      'c0000000-0000-4000-8000-00000000000a/2026/10/01/cc000000-0000-4000-8000-0000000000f1.opus', 1001::bigint, 30,
      '2026-10-31 10:00+00'::timestamptz),
    ('cc000000-0000-4000-8000-0000000000f5', 'c0000000-0000-4000-8000-00000000000a',
      '2026-10-04 10:00+00'::timestamptz,
      'c0000000-0000-4000-8000-00000000000a/2026/10/04/cc000000-0000-4000-8000-0000000000f5.opus', 1005::bigint, 30,
      '2026-11-03 10:00+00'::timestamptz)
  $$,
  'on 25 Nov: A''s stored recordings older than 30 days, not on hold (a released hold no longer holds), '
  || 'not being erased, oldest first; B''s 90 days have not passed'
);
select results_eq(
  $$select e.call_id::text from private.expired_recordings() as e
    where e.call_id::text like 'cc000000-0000-4000-8000-0000000000f%'$$,
  $$values ('cc000000-0000-4000-8000-0000000000f1'), ('cc000000-0000-4000-8000-0000000000f5')$$,
  'without p_now it reads the worker''s clock (crm.now)'
);
select is(
  (
    select array_agg(e.call_id::text) from private.expired_recordings('2026-10-31 10:00+00') as e
    where e.call_id::text like 'cc000000-0000-4000-8000-0000000000f%'
  ),
  array['cc000000-0000-4000-8000-0000000000f1'],
  'a recording expires exactly retention days after its call started'
);
select is(
  (
    select array_agg(e.call_id::text) from private.expired_recordings('2026-10-31 09:59:59+00') as e
    where e.call_id::text like 'cc000000-0000-4000-8000-0000000000f%'
  ),
  null,
  'and not a second before'
);
select results_eq(
  $$select e.call_id::text, e.retention_days from private.expired_recordings('2026-12-31 12:00+00') as e
    where e.call_id::text like 'cc000000-0000-4000-8000-0000000000f%'$$,
  $$values
    ('cc000000-0000-4000-8000-0000000000f6', 90), ('cc000000-0000-4000-8000-0000000000f1', 30),
    ('cc000000-0000-4000-8000-0000000000f5', 30), ('cc000000-0000-4000-8000-0000000000f2', 30)$$,
  'on 31 Dec B''s 90 days have passed too, and the list is ordered by the call''s start'
);
select is(
  (select count(*)::integer from private.expired_recordings('2026-12-31 12:00+00', 2)),
  2,
  'p_limit caps the list'
);

update public.campaigns set recording_retention_days = 60 where id = 'c0000000-0000-4000-8000-00000000000a';
select is(
  (
    select array_agg(e.call_id::text) from private.expired_recordings('2026-11-25 12:00+00') as e
    where e.call_id::text like 'cc000000-0000-4000-8000-0000000000f%'
  ),
  null,
  'a longer retention set on the campaign keeps them'
);
update public.campaigns set recording_retention_days = 30 where id = 'c0000000-0000-4000-8000-00000000000a';
select throws_ok(
  $$update public.campaigns set recording_retention_days = 0 where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', null,
  'a retention of 0 days is refused'
);

-- The hold on the lead is released: its recording goes too.
update public.legal_holds set released_at = now(), released_by = 'f0000000-0000-4000-8000-000000000001'
where lead_id = 'e0000000-0000-4000-8000-0000000000a3';
select is(
  (
    select array_agg(e.call_id::text order by e.call_id) from private.expired_recordings('2026-11-25 12:00+00') as e
    where e.call_id::text like 'cc000000-0000-4000-8000-0000000000f%'
  ),
  array[
    'cc000000-0000-4000-8000-0000000000f1', 'cc000000-0000-4000-8000-0000000000f4',
    'cc000000-0000-4000-8000-0000000000f5'
  ],
  'once the lead''s hold is released, its recording expires like the others'
);

-- ----------------------------------------------------------------------------
-- Removal
-- ----------------------------------------------------------------------------

select tests.authenticate_as_worker('crm_recordings');
select is(
  private.mark_recording_removed('cc000000-0000-4000-8000-0000000000f1', 'retention'), true,
  'the worker marks a purged recording'
);
select is(
  private.mark_recording_removed('cc000000-0000-4000-8000-0000000000f1', 'retention'), false,
  'only once'
);
select is(
  private.mark_recording_removed('cc000000-0000-4000-8000-0000000000f7', 'erasure'), true,
  'and an erased one'
);
select throws_ok(
  $$select private.mark_recording_removed('cc000000-0000-4000-8000-0000000000f2', 'tidy up')$$,
  '22023', 'p_reason: tidy up is not retention or erasure',
  'for a known reason only'
);
select tests.clear_authentication();

select results_eq(
  $$select r.status, r.removed_at, r.source_file from public.recordings as r
    where r.call_id = 'cc000000-0000-4000-8000-0000000000f1'$$,
  $$values ('purged', '2026-11-25 12:00+00'::timestamptz, '/var/spool/asterisk/monitor/f1-+34600000001.wav')$$,
  'a purged recording records when it went'
);
select results_eq(
  $$select c.recording_status, c.recording_path from public.calls as c
    where c.id = 'cc000000-0000-4000-8000-0000000000f1'$$,
  $$values ('purged', null::text)$$,
  'its call says purged and no longer points at an object'
);
select results_eq(
  $$select r.status, r.removed_at, r.source_file from public.recordings as r
    where r.call_id = 'cc000000-0000-4000-8000-0000000000f7'$$,
  $$values ('erased', '2026-11-25 12:00+00'::timestamptz, '[erased]')$$,
  'an erased recording loses its file name too (Asterisk''s names carry the number)'
);
select results_eq(
  $$select c.recording_status, c.recording_path from public.calls as c
    where c.id = 'cc000000-0000-4000-8000-0000000000f7'$$,
  $$values ('erased', null::text)$$,
  'its call says erased'
);
select is(
  (
    select array_agg(e.call_id::text order by e.call_id) from private.expired_recordings('2026-11-25 12:00+00') as e
    where e.call_id::text like 'cc000000-0000-4000-8000-0000000000f%'
  ),
  array['cc000000-0000-4000-8000-0000000000f4', 'cc000000-0000-4000-8000-0000000000f5'],
  'a purged recording is no longer listed'
);
select tests.authenticate_as_worker('crm_recordings');
select is(
  private.mark_recording_removed('cc000000-0000-4000-8000-0000000000f8', 'erasure'), true,
  'a recording never uploaded can be erased (its local file deleted)'
);
select tests.clear_authentication();
select results_eq(
  $$select r.status, r.source_file, c.recording_status from public.recordings as r
    inner join public.calls as c on r.call_id = c.id
    where r.call_id = 'cc000000-0000-4000-8000-0000000000f8'$$,
  $$values ('erased', '[erased]', 'erased')$$,
  'and reads erased'
);

-- ----------------------------------------------------------------------------
-- A recording whose campaign was deleted
-- ----------------------------------------------------------------------------

-- (campaign_id is set null when the campaign goes) It keeps the default 90 days.
update public.recordings set campaign_id = null where call_id = 'cc000000-0000-4000-8000-0000000000f6';
select is(
  (
    select e.retention_days from private.expired_recordings('2026-12-30 09:00+00') as e
    where e.call_id = 'cc000000-0000-4000-8000-0000000000f6'
  ),
  90,
  'a recording without a campaign expires after the default 90 days'
);
select is(
  (
    select count(*)::integer from private.expired_recordings('2026-12-30 08:59+00') as e
    where e.call_id = 'cc000000-0000-4000-8000-0000000000f6'
  ),
  0,
  'and not a minute before'
);

-- ----------------------------------------------------------------------------
-- Who may run them
-- ----------------------------------------------------------------------------

select is(
  (
    select array_agg(f.signature)
    from (
      values
      ('private.expired_recordings(timestamptz, integer)'), ('private.mark_recording_removed(uuid, text)'),
      ('private.is_on_legal_hold(uuid, uuid)')
    ) as f (signature)
    where
      has_function_privilege('anon', f.signature, 'execute')
      or has_function_privilege('authenticated', f.signature, 'execute')
  ),
  null,
  'no API role runs the retention functions'
);
select is(
  (
    select array_agg(f.signature)
    from (
      values ('private.expired_recordings(timestamptz, integer)'), ('private.mark_recording_removed(uuid, text)')
    ) as f (signature)
    where
      not has_function_privilege('crm_recordings', f.signature, 'execute')
      or has_function_privilege('service_role', f.signature, 'execute')
  ),
  null,
  'the recordings worker''s role runs them, and only it'
);
select tests.authenticate_as('adm@t.test');
select throws_ok(
  $$select private.mark_recording_removed('cc000000-0000-4000-8000-0000000000f2', 'retention')$$, '42501', null,
  'not even an admin marks a recording removed through the API'
);
select tests.clear_authentication();

select * from finish();
rollback;
