-- public.recordings: the queue a reported recording file goes through, the
-- call row that follows it, and the recordings worker's upload queue
-- (private.recording_upload_claim, _renew, _finish, _fail, _release) and
-- mark_recording_source_removed. The worker's clock is crm.now
-- (private.now()), moved forward from the transaction's now(), which
-- stamps updated_at. (That a claim skips rows another transaction has
-- locked is checked with two connections in tests/recordings/test_queues.py.)
begin;
select plan(64);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

-- The calls of this file, all of a1 in campaign A (consent required):
--   01 ended long ago, consent yes: uploaded
--   02 ended 2 seconds ago, consent yes: waits for the settle time
--   03 still in progress (an hour old): not claimed
--   04 never ended by the PBX, 7 hours old: claimed anyway
--   05 ended, lead refused: discarded
--   06 ended, lead never asked: discarded (consent required)
--   07 ended, consent yes, its lead erased meanwhile: never claimed
--   08 ended, consent yes, start corrected by the PBX after the file
insert into public.calls (
  id, started_at, answered_at, ended_at, status, outcome, lead_id, campaign_id, agent_id, phone_number,
  recording_consent, recording_file
)
select
  v.id::uuid as id,
  v.started_at,
  v.started_at as answered_at,
  v.ended_at,
  v.status,
  case when v.status = 'ended' then 'answered' end as outcome,
  'e0000000-0000-4000-8000-0000000000a1' as lead_id,
  'c0000000-0000-4000-8000-00000000000a' as campaign_id,
  'f0000000-0000-4000-8000-000000000101' as agent_id,
  '+34600000001' as phone_number,
  v.consent as recording_consent,
  v.file as recording_file
from (
  values
  (
    'cc000000-0000-4000-8000-000000000001', '2026-11-03 23:30+00'::timestamptz, '2026-11-03 23:35+00'::timestamptz,
    'ended', true, null
  ),
  (
    'cc000000-0000-4000-8000-000000000002', now() - interval '1 minute', now() - interval '2 seconds', 'ended',
    true, '/mon/q2.wav'
  ),
  ('cc000000-0000-4000-8000-000000000003', now() - interval '1 hour', null, 'confirmed', true, '/mon/q3.wav'),
  ('cc000000-0000-4000-8000-000000000004', now() - interval '7 hours', null, 'confirmed', true, '/mon/q4.wav'),
  (
    'cc000000-0000-4000-8000-000000000005', '2026-11-03 10:00+00', '2026-11-03 10:05+00', 'ended', false,
    '/mon/q5.wav'
  ),
  (
    'cc000000-0000-4000-8000-000000000006', '2026-11-03 11:00+00', '2026-11-03 11:05+00', 'ended', null,
    '/mon/q6.wav'
  ),
  (
    'cc000000-0000-4000-8000-000000000007', '2026-11-03 12:00+00', '2026-11-03 12:05+00', 'ended', true,
    '/mon/q7.wav'
  ),
  (
    'cc000000-0000-4000-8000-000000000008', '2026-11-01 00:00:30+00', '2026-11-01 00:05+00', 'ended', true,
    '/mon/q8.wav'
  )
) as v (id, started_at, ended_at, status, consent, file);
select set_config('crm.now', now()::text, true);

-- ----------------------------------------------------------------------------
-- Queueing
-- ----------------------------------------------------------------------------

select is(
  (select count(*)::integer from public.recordings as r where r.call_id = 'cc000000-0000-4000-8000-000000000001'),
  0,
  'no recording file, no recording row'
);
select is(
  (select c.recording_status from public.calls as c where c.id = 'cc000000-0000-4000-8000-000000000001'),
  null,
  'and no recording status'
);

-- The AMI bridge reports the file of call 01.
update public.calls set recording_file = '/var/spool/asterisk/monitor/q1.wav'
where id = 'cc000000-0000-4000-8000-000000000001';
select results_eq(
  $$select r.status, r.campaign_id, r.call_started_at, r.source_file, r.attempts, r.object_path
    from public.recordings as r where r.call_id = 'cc000000-0000-4000-8000-000000000001'$$,
  $$values (
    'pending', 'c0000000-0000-4000-8000-00000000000a'::uuid, '2026-11-03 23:30+00'::timestamptz,
    '/var/spool/asterisk/monitor/q1.wav', 0, null::text
  )$$,
  'the reported file queues one pending recording of the call'
);
select results_eq(
  $$select c.recording_status, c.recording_path from public.calls as c
    where c.id = 'cc000000-0000-4000-8000-000000000001'$$,
  $$values ('pending', null::text)$$,
  'the call says pending'
);

update public.calls set recording_file = '/var/spool/asterisk/monitor/q1-again.wav'
where id = 'cc000000-0000-4000-8000-000000000001';
update public.calls set notes = 'reported again' where id = 'cc000000-0000-4000-8000-000000000001';
select results_eq(
  $$select count(*)::integer, min(r.source_file) from public.recordings as r
    where r.call_id = 'cc000000-0000-4000-8000-000000000001'$$,
  $$values (1, '/var/spool/asterisk/monitor/q1.wav')$$,
  'reporting the file again never queues a second recording'
);
select is(
  (select count(*)::integer from public.recordings as r where r.call_id = 'cc000000-0000-4000-8000-000000000002'),
  1,
  'a call inserted with its file is queued too'
);
select results_eq(
  $$select r.status, c.recording_status from public.recordings as r
    inner join public.calls as c on r.call_id = c.id
    where r.call_id = 'cc000000-0000-4000-8000-000000000005'$$,
  $$values ('pending', 'not_recorded')$$,
  'a refused call''s file is queued for discarding, and the call stays not_recorded'
);

-- The lead of call 07 is being erased.
update public.recordings set erase_requested_at = now() where call_id = 'cc000000-0000-4000-8000-000000000007';

-- The PBX corrects the start of call 08 after reporting its file, into the
-- month before (another partition).
update public.calls set started_at = '2026-10-31 23:59:50+00', answered_at = '2026-10-31 23:59:50+00'
where id = 'cc000000-0000-4000-8000-000000000008';
select is(
  (select r.call_started_at from public.recordings as r where r.call_id = 'cc000000-0000-4000-8000-000000000008'),
  '2026-10-31 23:59:50+00'::timestamptz,
  'the recording follows a start the PBX corrects'
);

-- ----------------------------------------------------------------------------
-- The first claim
-- ----------------------------------------------------------------------------

-- Claims read every queued recording of the database; this file looks at
-- its own calls only.
create temporary table claims (
  round integer, call_id uuid, campaign_id uuid, call_started_at timestamptz, source_file text, object_path text,
  attempts integer, action text
);
grant all on claims to crm_recordings;

select tests.authenticate_as_worker('crm_recordings');
select throws_ok(
  $$select * from private.recording_upload_claim(' ')$$, '22023', 'p_worker: required',
  'a claim names its worker'
) as c;
insert into claims
select
  1 as round,
  c.*
from private.recording_upload_claim('w1', 1000) as c;
select tests.clear_authentication();

select results_eq(
  $$select call_id::text, action, object_path, attempts, source_file from claims
    where round = 1 and call_id::text like 'cc000000-%' order by call_id$$,
  $$values
    ('cc000000-0000-4000-8000-000000000001', 'upload',
      'c0000000-0000-4000-8000-00000000000a/2026/11/03/cc000000-0000-4000-8000-000000000001.opus', 1,
      '/var/spool/asterisk/monitor/q1.wav'),
    ('cc000000-0000-4000-8000-000000000004', 'upload',
      'c0000000-0000-4000-8000-00000000000a/' || to_char(
        (now() - interval '7 hours') at time zone 'UTC', 'YYYY/MM/DD'
      ) || '/cc000000-0000-4000-8000-000000000004.opus', 1, '/mon/q4.wav'),
    ('cc000000-0000-4000-8000-000000000005', 'discard', null, 0, '/mon/q5.wav'),
    ('cc000000-0000-4000-8000-000000000006', 'discard', null, 0, '/mon/q6.wav'),
    ('cc000000-0000-4000-8000-000000000008', 'upload',
      'c0000000-0000-4000-8000-00000000000a/2026/10/31/cc000000-0000-4000-8000-000000000008.opus', 1, '/mon/q8.wav')
  $$,
  'the claim takes ended calls past the settle time and calls the PBX never ended; '
  || 'upload at <campaign>/<UTC yyyy/mm/dd>/<call>.opus, or discard without consent'
);
select is(
  (select count(*)::integer from claims where call_id = 'cc000000-0000-4000-8000-000000000002'),
  0,
  'a call that ended 2 seconds ago waits for the settle time'
);
select is(
  (select count(*)::integer from claims where call_id = 'cc000000-0000-4000-8000-000000000003'),
  0,
  'a call still in progress is not claimed'
);
select is(
  (select count(*)::integer from claims where call_id = 'cc000000-0000-4000-8000-000000000007'),
  0,
  'a recording being erased is never claimed'
);

select results_eq(
  $$select r.status, r.worker, r.heartbeat_at = now(), r.attempts
    from public.recordings as r where r.call_id = 'cc000000-0000-4000-8000-000000000001'$$,
  $$values ('uploading', 'w1', true, 1)$$,
  'a claimed recording is uploading, held by its worker, with a heartbeat'
);
select results_eq(
  $$select c.recording_status, c.recording_path from public.calls as c
    where c.id = 'cc000000-0000-4000-8000-000000000001'$$,
  $$values ('pending', null::text)$$,
  'the call of an uploading recording still reads pending'
);
select results_eq(
  $$select r.status, r.worker, r.object_path, r.attempts, c.recording_status
    from public.recordings as r inner join public.calls as c on r.call_id = c.id
    where r.call_id in ('cc000000-0000-4000-8000-000000000005', 'cc000000-0000-4000-8000-000000000006')
    order by r.call_id$$,
  $$values ('declined', null::text, null::text, 0, 'not_recorded'), ('declined', null, null, 0, 'not_recorded')$$,
  'a discarded recording is declined, and its call reads not_recorded'
);

-- A second worker, right after: nothing of the first claim again.
select tests.authenticate_as_worker('crm_recordings');
insert into claims
select
  2 as round,
  c.*
from private.recording_upload_claim('w2', 1000) as c;
select tests.clear_authentication();
select is(
  (select count(*)::integer from claims where round = 2 and call_id::text like 'cc000000-%'),
  0,
  'a recording is never handed to two claims'
);

-- ----------------------------------------------------------------------------
-- Renew, finish, fail: only for the claim holder
-- ----------------------------------------------------------------------------

select set_config('crm.now', (now() + interval '10 seconds')::text, true);
select tests.authenticate_as_worker('crm_recordings');
select is(
  private.recording_upload_renew('cc000000-0000-4000-8000-000000000001', 'w2'), false,
  'another worker cannot renew the claim'
);
select is(
  private.recording_upload_renew('cc000000-0000-4000-8000-000000000001', 'w1'), true,
  'the holder renews its claim'
);
select tests.clear_authentication(); -- reading the tables: the worker cannot
select is(
  (select r.heartbeat_at from public.recordings as r where r.call_id = 'cc000000-0000-4000-8000-000000000001'),
  now() + interval '10 seconds',
  'which moves the heartbeat to the worker''s clock'
);
select tests.authenticate_as_worker('crm_recordings');
select is(
  private.recording_upload_finish(
    'cc000000-0000-4000-8000-000000000001', 'w2', 'opus', 4096, repeat('a', 64), 61.5
  ),
  false,
  'another worker cannot finish the upload'
);
select is(
  private.mark_recording_source_removed('cc000000-0000-4000-8000-000000000001'), null,
  'the local file is not marked removed before the upload is stored'
);
select is(
  private.recording_upload_finish(
    'cc000000-0000-4000-8000-000000000001', 'w1', 'opus', 4096, repeat('a', 64), 61.5
  ),
  true,
  'the holder finishes its verified upload'
);
select tests.clear_authentication();
select results_eq(
  $$select r.status, r.format, r.bytes, r.sha256, r.duration_seconds, r.stored_at, r.worker, r.heartbeat_at
    from public.recordings as r where r.call_id = 'cc000000-0000-4000-8000-000000000001'$$,
  $$values (
    'stored', 'opus', 4096::bigint, repeat('a', 64), 61.50::numeric(10, 2), now() + interval '10 seconds',
    null::text, null::timestamptz
  )$$,
  'the recording is stored with its format, size, checksum and duration, and the claim is released'
);
select results_eq(
  $$select c.recording_status, c.recording_path from public.calls as c
    where c.id = 'cc000000-0000-4000-8000-000000000001'$$,
  $$values ('stored', 'c0000000-0000-4000-8000-00000000000a/2026/11/03/cc000000-0000-4000-8000-000000000001.opus')$$,
  'the call says stored and points at the object'
);

select tests.authenticate_as_worker('crm_recordings');
select is(
  private.recording_upload_finish(
    'cc000000-0000-4000-8000-000000000001', 'w1', 'opus', 4096, repeat('a', 64), 61.5
  ),
  false,
  'a stored recording cannot be finished twice'
);
select is(
  private.recording_upload_fail('cc000000-0000-4000-8000-000000000001', 'w1', 'late', true), false,
  'nor failed after it is stored'
);
select is(
  private.recording_upload_renew('cc000000-0000-4000-8000-000000000001', 'w1'), false,
  'nor renewed'
);
select is(
  private.mark_recording_source_removed('cc000000-0000-4000-8000-000000000001'), true,
  'the local file of a stored recording is marked removed'
);
select is(
  private.mark_recording_source_removed('cc000000-0000-4000-8000-000000000005'), true,
  'so is the discarded file of a declined recording'
);
select is(
  private.mark_recording_source_removed('cc000000-0000-4000-8000-000000000002'), null,
  'but not the file of a recording still waiting'
);
select throws_ok(
  $$select private.recording_upload_finish(
    'cc000000-0000-4000-8000-000000000008', 'w1', 'opus', 0, repeat('a', 64), 1
  )$$,
  '23514', null,
  'an empty object is never stored'
);
select throws_ok(
  $$select private.recording_upload_finish(
    'cc000000-0000-4000-8000-000000000008', 'w1', 'opus', 10, 'not-a-checksum', 1
  )$$,
  '23514', null,
  'nor one without a SHA-256'
);
select tests.clear_authentication();
select is(
  (select r.source_removed_at from public.recordings as r where r.call_id = 'cc000000-0000-4000-8000-000000000001'),
  now() + interval '10 seconds',
  'with the time it was removed'
);

-- Call 02 has now settled: a second worker claims it, a transient error
-- returns it to the queue.
select tests.authenticate_as_worker('crm_recordings');
insert into claims
select
  3 as round,
  c.*
from private.recording_upload_claim('w2', 1000) as c;
select tests.clear_authentication();
select results_eq(
  $$select call_id::text, action, attempts from claims where round = 3 and call_id::text like 'cc000000-%'$$,
  $$values ('cc000000-0000-4000-8000-000000000002', 'upload', 1)$$,
  'once settled, the call''s recording is claimed'
);

select tests.authenticate_as_worker('crm_recordings');
select is(
  private.recording_upload_fail('cc000000-0000-4000-8000-000000000002', 'w1', 'not mine', false), false,
  'another worker cannot fail it'
);
select is(
  private.recording_upload_fail('cc000000-0000-4000-8000-000000000002', 'w2', repeat('x', 3000), false), true,
  'its holder reports a transient error'
);
select tests.clear_authentication();
select results_eq(
  $$select r.status, length(r.last_error), r.worker, r.attempts, c.recording_status
    from public.recordings as r inner join public.calls as c on r.call_id = c.id
    where r.call_id = 'cc000000-0000-4000-8000-000000000002'$$,
  $$values ('pending', 2000, null::text, 1, 'pending')$$,
  'it is pending again, with the error (cut to 2000 characters)'
);

-- Retry delay: 30 seconds times the attempts, from its last change.
select set_config('crm.now', (now() + interval '20 seconds')::text, true);
select tests.authenticate_as_worker('crm_recordings');
insert into claims
select
  4 as round,
  c.*
from private.recording_upload_claim('w3', 1000, 5, 300, 30) as c;
select tests.clear_authentication();
select is(
  (select count(*)::integer from claims where round = 4 and call_id = 'cc000000-0000-4000-8000-000000000002'),
  0,
  'a failed recording waits its retry delay'
);
select set_config('crm.now', (now() + interval '31 seconds')::text, true);
select tests.authenticate_as_worker('crm_recordings');
insert into claims
select
  5 as round,
  c.*
from private.recording_upload_claim('w3', 1000, 5, 300, 30) as c;
select tests.clear_authentication();
select results_eq(
  $$select call_id::text, attempts from claims where round = 5 and call_id::text like 'cc000000-%'$$,
  $$values ('cc000000-0000-4000-8000-000000000002', 2)$$,
  'then it is claimed again, one attempt more'
);

select tests.authenticate_as_worker('crm_recordings');
select is(
  private.recording_upload_fail('cc000000-0000-4000-8000-000000000002', 'w3', 'corrupt audio', true), true,
  'a file that will never upload fails for good'
);
select tests.clear_authentication();
select results_eq(
  $$select r.status, r.last_error, r.source_removed_at, c.recording_status
    from public.recordings as r inner join public.calls as c on r.call_id = c.id
    where r.call_id = 'cc000000-0000-4000-8000-000000000002'$$,
  $$values ('failed', 'corrupt audio', null::timestamptz, 'failed')$$,
  'failed, the local file kept for a person to look at, and the call says failed'
);
select tests.authenticate_as_worker('crm_recordings');
select is(
  private.mark_recording_source_removed('cc000000-0000-4000-8000-000000000002'), null,
  'the file of a failed recording is not marked removed'
);
insert into claims
select
  6 as round,
  c.*
from private.recording_upload_claim('w4', 1000, 5, 300, 0) as c;
select tests.clear_authentication();
select is(
  (select count(*)::integer from claims where round = 6 and call_id = 'cc000000-0000-4000-8000-000000000002'),
  0,
  'a failed recording is never claimed again'
);

-- ----------------------------------------------------------------------------
-- Stale claims
-- ----------------------------------------------------------------------------

-- Worker w1 went silent on call 04 (heartbeat at now()).
select set_config('crm.now', (now() + interval '299 seconds')::text, true);
select tests.authenticate_as_worker('crm_recordings');
insert into claims
select
  7 as round,
  c.*
from private.recording_upload_claim('w5', 1000, 5, 300, 30) as c;
select tests.clear_authentication();
select is(
  (select count(*)::integer from claims where round = 7 and call_id = 'cc000000-0000-4000-8000-000000000004'),
  0,
  'a claim within its lease is not taken over'
);
select set_config('crm.now', (now() + interval '301 seconds')::text, true);
select tests.authenticate_as_worker('crm_recordings');
insert into claims
select
  8 as round,
  c.*
from private.recording_upload_claim('w5', 1000, 5, 300, 30) as c;
select tests.clear_authentication();
select results_eq(
  $$select action, attempts, object_path from claims
    where round = 8 and call_id = 'cc000000-0000-4000-8000-000000000004'$$,
  $$select 'upload', 2, object_path from claims
    where round = 1 and call_id = 'cc000000-0000-4000-8000-000000000004'$$,
  'a stale claim is taken over, one attempt more, to the same object path'
);
select tests.authenticate_as_worker('crm_recordings');
select is(
  private.recording_upload_renew('cc000000-0000-4000-8000-000000000004', 'w1'), false,
  'the worker that lost the claim cannot renew it'
);
select is(
  private.recording_upload_finish('cc000000-0000-4000-8000-000000000004', 'w1', 'opus', 10, repeat('b', 64), 1),
  false,
  'nor finish it'
);
select is(
  private.recording_upload_fail('cc000000-0000-4000-8000-000000000004', 'w1', 'lost', false), false,
  'nor fail it'
);
select tests.clear_authentication(); -- reading the tables: the worker cannot
select is(
  (select r.worker from public.recordings as r where r.call_id = 'cc000000-0000-4000-8000-000000000004'),
  'w5',
  'the new holder keeps it'
);
select tests.authenticate_as_worker('crm_recordings');

-- ----------------------------------------------------------------------------
-- Erasure during an upload
-- ----------------------------------------------------------------------------

select tests.clear_authentication();
select tests.clear_authentication(); -- reading the tables: the worker cannot
update public.recordings set erase_requested_at = now() where call_id = 'cc000000-0000-4000-8000-000000000004';
select tests.authenticate_as_worker('crm_recordings');
select tests.authenticate_as_worker('crm_recordings');
select is(
  private.recording_upload_renew('cc000000-0000-4000-8000-000000000004', 'w5'), false,
  'once erasure is requested the upload''s claim cannot be renewed'
);
select is(
  private.recording_upload_finish('cc000000-0000-4000-8000-000000000004', 'w5', 'opus', 10, repeat('b', 64), 1),
  false,
  'and the upload cannot be finished: the worker deletes the object instead'
);
select tests.clear_authentication();
select is(
  (select r.status from public.recordings as r where r.call_id = 'cc000000-0000-4000-8000-000000000004'),
  'uploading',
  'so nothing is stored'
);

-- ----------------------------------------------------------------------------
-- Release: a worker gives back what it holds (reconnect, stop)
-- ----------------------------------------------------------------------------

-- Another worker, w9, holds call 03's recording.
update public.recordings set status = 'uploading', worker = 'w9', heartbeat_at = private.now(), attempts = 1
where call_id = 'cc000000-0000-4000-8000-000000000003';
select tests.authenticate_as_worker('crm_recordings');
select is(
  private.recording_upload_release('w5'), 2,
  'release gives back every claim of its worker (calls 04 and 08, taken over by w5)'
);
select tests.clear_authentication();
select results_eq(
  $$select r.call_id::text, r.status, r.worker, r.heartbeat_at, r.attempts,
      r.last_error is not distinct from 'given back by worker w5 (it stopped or reconnected)'
    from public.recordings as r
    where r.call_id in (
      'cc000000-0000-4000-8000-000000000003', 'cc000000-0000-4000-8000-000000000004',
      'cc000000-0000-4000-8000-000000000008'
    )
    order by r.call_id$$,
  $$values
    ('cc000000-0000-4000-8000-000000000003', 'uploading', 'w9', private.now(), 1, false),
    ('cc000000-0000-4000-8000-000000000004', 'pending', null::text, null::timestamptz, 2, true),
    ('cc000000-0000-4000-8000-000000000008', 'pending', null, null, 2, true)$$,
  'they are pending again with their attempts counted, and another worker''s claim is left alone'
);
select tests.authenticate_as_worker('crm_recordings');
select is(private.recording_upload_release('w5'), 0, 'releasing again gives back nothing');
select is(
  private.recording_upload_renew('cc000000-0000-4000-8000-000000000008', 'w5'), false,
  'a released claim is lost to its worker'
);
select tests.clear_authentication();

-- ----------------------------------------------------------------------------
-- Who may run the worker's functions
-- ----------------------------------------------------------------------------

create temporary table worker_functions (signature text);
insert into worker_functions values
('private.recording_upload_claim(text, integer, integer, integer, integer)'),
('private.recording_upload_renew(uuid, text)'),
('private.recording_upload_finish(uuid, text, text, bigint, text, numeric)'),
('private.recording_upload_fail(uuid, text, text, boolean)'),
('private.recording_upload_release(text)'),
('private.mark_recording_source_removed(uuid)'),
('private.recording_allowed(uuid, boolean)');

select is(
  (
    select array_agg(f.signature order by f.signature)
    from worker_functions as f
    where
      has_function_privilege('anon', f.signature, 'execute')
      or has_function_privilege('authenticated', f.signature, 'execute')
  ),
  null,
  'neither anon nor authenticated may execute the worker''s functions'
);
-- recording_allowed is the claim's own helper: the worker never calls it.
select is(
  (
    select bool_and(has_function_privilege('crm_recordings', f.signature, 'execute'))
    from worker_functions as f
    where f.signature <> 'private.recording_allowed(uuid, boolean)'
  ),
  true,
  'the recordings worker''s role may'
);
select is(
  (
    select bool_or(has_function_privilege('service_role', f.signature, 'execute'))
    from worker_functions as f
    where f.signature <> 'private.recording_allowed(uuid, boolean)'
  ),
  false,
  'the service role may not: they are the worker''s own'
);
select tests.authenticate_as('adm@t.test');
select throws_ok(
  $$select * from private.recording_upload_claim('sneaky')$$, '42501', null,
  'not even an admin claims recordings through the API'
) as c;
select throws_ok(
  $$select private.recording_upload_release('w9')$$, '42501', null,
  'nor gives another worker''s claims back'
);
select throws_ok(
  $$select private.recording_upload_finish(
    'cc000000-0000-4000-8000-000000000004', 'w5', 'opus', 10, repeat('b', 64), 1
  )$$,
  '42501', null,
  'nor finishes an upload'
);
select tests.authenticate_as_anon();
select throws_ok(
  $$select private.mark_recording_source_removed('cc000000-0000-4000-8000-000000000001')$$, '42501', null,
  'anon cannot touch the queue'
);
select tests.clear_authentication();

select * from finish();
rollback;
