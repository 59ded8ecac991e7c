-- The eraser's queue (private.recording_erasure_claim, _finish, _fail,
-- _release): a lease on a recording marked for erasure, in columns of its
-- own (erase_worker, erase_claimed_at) apart from an upload's claim; only its
-- worker may finish or fail it; a failed one waits behind the rows not yet
-- tried; a stale one is taken over; release gives back only the releasing
-- worker's. The worker's clock is crm.now (private.now()). (That claim skips
-- rows another transaction has locked is checked with two connections in
-- tests/recordings/test_queues.py.)
begin;
select plan(27);

select tests.create_two_campaigns();

-- Erasures waiting elsewhere in the database are out of this file's way.
update public.recordings set erase_requested_at = null
where erase_requested_at is not null and status not in ('purged', 'erased');

-- The recordings of this file, all of a1's lead in campaign A:
--   x1 stored                                    erasure requested 1st
--   x2 being uploaded by worker up1              erasure requested 2nd
--   x3 pending                                   erasure requested 3rd
--   x4 purged already                            erasure requested 4th (never claimed)
--   x5 stored                                    no erasure
--   x6 pending                                   erasure requested 6th
insert into public.calls (
  id, started_at, ended_at, status, outcome, lead_id, campaign_id, agent_id, phone_number, recording_consent,
  recording_file
)
select
  ('cc000000-0000-4000-8000-0000000000d' || n)::uuid as id,
  '2026-11-20 10:00+00'::timestamptz as started_at,
  '2026-11-20 10:05+00'::timestamptz as ended_at,
  'ended' as status,
  'answered' as outcome,
  'e0000000-0000-4000-8000-0000000000a1'::uuid as lead_id,
  'c0000000-0000-4000-8000-00000000000a'::uuid as campaign_id,
  'f0000000-0000-4000-8000-000000000101'::uuid as agent_id,
  '+34600000001' as phone_number,
  true as recording_consent,
  '/mon/x' || n || '.wav' as recording_file
from generate_series(1, 6) as n;
update public.recordings set
  status = 'stored', object_path = 'A/' || call_id || '.opus', bytes = 1000, sha256 = repeat('c', 64)
where call_id in ('cc000000-0000-4000-8000-0000000000d1', 'cc000000-0000-4000-8000-0000000000d5');
update public.recordings set
  status = 'uploading', worker = 'up1', heartbeat_at = now(), attempts = 1, object_path = 'A/' || call_id || '.opus'
where call_id = 'cc000000-0000-4000-8000-0000000000d2';
update public.recordings set status = 'purged', removed_at = now(), object_path = 'A/' || call_id || '.opus'
where call_id = 'cc000000-0000-4000-8000-0000000000d4';
update public.recordings set
  erase_requested_at = '2000-01-01 00:00:00+00'::timestamptz + make_interval(secs => right(call_id::text, 1)::integer)
where call_id <> 'cc000000-0000-4000-8000-0000000000d5' and call_id::text like 'cc000000-0000-4000-8000-0000000000d_';
select set_config('crm.now', now()::text, true);

-- ----------------------------------------------------------------------------
-- Claim
-- ----------------------------------------------------------------------------

select tests.authenticate_as_worker('crm_recordings');
select throws_ok(
  $$select * from private.recording_erasure_claim(' ')$$, '22023', 'p_worker: required',
  'a claim names its worker'
);
select results_eq(
  $$select e.call_id::text, e.object_path, e.source_file from private.recording_erasure_claim('w1', 2) as e
    order by e.call_id$$,
  $$values
    ('cc000000-0000-4000-8000-0000000000d1', 'A/cc000000-0000-4000-8000-0000000000d1.opus', '/mon/x1.wav'),
    ('cc000000-0000-4000-8000-0000000000d2', 'A/cc000000-0000-4000-8000-0000000000d2.opus', '/mon/x2.wav')$$,
  'the oldest requests are claimed with what there is to delete'
);
select tests.clear_authentication(); -- the worker reads no table
select results_eq(
  $$select r.call_id::text, r.erase_worker, r.erase_claimed_at, r.status, r.worker
    from public.recordings as r
    where r.call_id in ('cc000000-0000-4000-8000-0000000000d1', 'cc000000-0000-4000-8000-0000000000d2')
    order by r.call_id$$,
  $$values
    ('cc000000-0000-4000-8000-0000000000d1', 'w1', now(), 'stored', null::text),
    ('cc000000-0000-4000-8000-0000000000d2', 'w1', now(), 'uploading', 'up1')$$,
  'held by the eraser in columns of their own: an upload''s claim is left as it is'
);
select tests.authenticate_as_worker('crm_recordings');
select results_eq(
  $$select e.call_id::text from private.recording_erasure_claim('w2', 1) as e$$,
  $$values ('cc000000-0000-4000-8000-0000000000d3')$$,
  'a second eraser right after gets the next one, never a claimed one'
);

-- ----------------------------------------------------------------------------
-- Finish, fail: only for the claim holder
-- ----------------------------------------------------------------------------

select set_config('crm.now', (now() + interval '10 seconds')::text, true);
select is(
  private.recording_erasure_finish('cc000000-0000-4000-8000-0000000000d1', 'w2'), false,
  'another eraser cannot finish it'
);
select is(
  private.recording_erasure_finish('cc000000-0000-4000-8000-0000000000d1', 'w1'), true,
  'the holder finishes it'
);
select tests.clear_authentication(); -- the worker reads no table
select results_eq(
  $$select r.status, r.removed_at, r.source_file, r.last_error, r.erase_worker, c.recording_status, c.recording_path
    from public.recordings as r inner join public.calls as c on r.call_id = c.id
    where r.call_id = 'cc000000-0000-4000-8000-0000000000d1'$$,
  $$values ('erased', now() + interval '10 seconds', '[erased]', null::text, null::text, 'erased', null::text)$$,
  'erased, the file name blanked, and the call says so'
);
select tests.authenticate_as_worker('crm_recordings');
select is(
  private.recording_erasure_finish('cc000000-0000-4000-8000-0000000000d1', 'w1'), false,
  'an erased recording cannot be finished twice'
);
select is(
  private.recording_erasure_fail('cc000000-0000-4000-8000-0000000000d2', 'w2', 'not mine', false), false,
  'another eraser cannot fail it'
);
select is(
  private.recording_erasure_fail('cc000000-0000-4000-8000-0000000000d2', 'w1', 'storage: 503 unavailable', false),
  true,
  'the holder reports a failed delete'
);
select tests.clear_authentication(); -- the worker reads no table
select results_eq(
  $$select r.erase_worker, r.erase_claimed_at, r.last_error, r.status, r.worker
    from public.recordings as r where r.call_id = 'cc000000-0000-4000-8000-0000000000d2'$$,
  $$values (null::text, now(), 'storage: 503 unavailable', 'uploading', 'up1')$$,
  'it is given back with the error, and keeps when it was last tried'
);
select tests.authenticate_as_worker('crm_recordings');
select throws_ok(
  $$select private.recording_erasure_fail('cc000000-0000-4000-8000-0000000000d3', 'w2', 'give up', true)$$,
  '22023', 'p_final: an erasure is never given up; it is tried again until it is done',
  'an erasure is never failed for good'
);
select results_eq(
  $$select e.call_id::text from private.recording_erasure_claim('w3', 1) as e$$,
  $$values ('cc000000-0000-4000-8000-0000000000d6')$$,
  'a request never tried goes before one that failed, though that one is older'
);
select results_eq(
  $$select e.call_id::text from private.recording_erasure_claim('w3', 1) as e$$,
  $$values ('cc000000-0000-4000-8000-0000000000d2')$$,
  'then the failed one is tried again'
);

-- ----------------------------------------------------------------------------
-- Stale claims
-- ----------------------------------------------------------------------------

-- w2 has held x3 since the start.
select set_config('crm.now', (now() + interval '119 seconds')::text, true);
select is(
  (select count(*)::integer from private.recording_erasure_claim('w4', 10, 120)),
  0,
  'a claim within its lease is not taken over'
);
select set_config('crm.now', (now() + interval '121 seconds')::text, true);
select results_eq(
  $$select e.call_id::text from private.recording_erasure_claim('w4', 10, 120) as e$$,
  $$values ('cc000000-0000-4000-8000-0000000000d3')$$,
  'a stale one is taken over (and a purged recording or one without a request never is)'
);
select is(
  private.recording_erasure_finish('cc000000-0000-4000-8000-0000000000d3', 'w2'), false,
  'the eraser that lost it cannot finish it'
);
select is(
  private.recording_erasure_fail('cc000000-0000-4000-8000-0000000000d3', 'w2', 'late', false), false,
  'nor fail it'
);

-- ----------------------------------------------------------------------------
-- Release
-- ----------------------------------------------------------------------------

-- x2 is held twice: by the uploader up1 and by the eraser w3. Each release
-- gives back its own claim only.
select is(private.recording_upload_release('up1'), 1, 'the uploader gives back its upload claim');
select tests.clear_authentication(); -- the worker reads no table
select results_eq(
  $$select r.status, r.worker, r.erase_worker from public.recordings as r
    where r.call_id = 'cc000000-0000-4000-8000-0000000000d2'$$,
  $$values ('pending', null::text, 'w3')$$,
  'which leaves the erasure''s claim as it is'
);
select tests.authenticate_as_worker('crm_recordings');
select is(private.recording_erasure_release('w3'), 2, 'release gives back everything its worker holds');
select tests.clear_authentication(); -- the worker reads no table
select results_eq(
  $$select r.call_id::text, r.erase_worker, r.erase_claimed_at from public.recordings as r
    where r.call_id in (
      'cc000000-0000-4000-8000-0000000000d2', 'cc000000-0000-4000-8000-0000000000d3',
      'cc000000-0000-4000-8000-0000000000d6'
    )
    order by r.call_id$$,
  $$values
    ('cc000000-0000-4000-8000-0000000000d2', null::text, null::timestamptz),
    ('cc000000-0000-4000-8000-0000000000d3', 'w4', now() + interval '121 seconds'),
    ('cc000000-0000-4000-8000-0000000000d6', null, null)$$,
  'first in line again; another eraser''s claim is left alone'
);
select tests.authenticate_as_worker('crm_recordings');
select is(private.recording_erasure_release('w3'), 0, 'releasing again gives back nothing');
select tests.clear_authentication();

-- ----------------------------------------------------------------------------
-- Who may run the worker's functions
-- ----------------------------------------------------------------------------

create temporary table worker_functions (signature text);
insert into worker_functions values
('private.recording_erasure_claim(text, integer, integer)'),
('private.recording_erasure_finish(uuid, text)'),
('private.recording_erasure_fail(uuid, text, text, boolean)'),
('private.recording_erasure_release(text)');
select is(
  (
    select array_agg(f.signature order by f.signature)
    from worker_functions as f
    where
      has_function_privilege('anon', f.signature, 'execute')
      or has_function_privilege('authenticated', f.signature, 'execute')
  ),
  null,
  'neither anon nor authenticated may execute the eraser''s functions'
);
select is(
  (select bool_and(has_function_privilege('crm_recordings', f.signature, 'execute')) from worker_functions as f),
  true,
  'the recordings worker''s role may'
);
select is(
  (select bool_or(has_function_privilege('service_role', f.signature, 'execute')) from worker_functions as f),
  false,
  'the service role may not: they are the worker''s own'
);
select tests.authenticate_as('adm@t.test');
select throws_ok(
  $$select private.recording_erasure_finish('cc000000-0000-4000-8000-0000000000d3', 'w4')$$, '42501', null,
  'not even an admin marks a recording erased through the API'
);
select tests.clear_authentication();

select * from finish();
rollback;
