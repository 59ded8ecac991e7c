-- The signer's queue (private.recording_link_claim, _finish, _fail,
-- _release): a short lease on a recording_links row in status signing, with
-- the recording's state for the signer to decide, only its worker may finish
-- or fail it, a stale one is taken over, and release gives back only the
-- releasing worker's links. Times are the real clock's (the URL is signed by
-- Storage's). (That claim skips rows another transaction has locked is
-- checked with two connections in tests/recordings/test_queues.py.)
begin;
select plan(25);

select tests.create_two_campaigns();

-- Two calls of a1 in campaign A with stored recordings; the lead of the
-- second is being erased.
insert into public.calls (
  id, started_at, lead_id, campaign_id, agent_id, phone_number, recording_consent, recording_file
)
select
  v.id::uuid as id,
  '2026-11-20 10:00+00' as started_at,
  'e0000000-0000-4000-8000-0000000000a1'::uuid as lead_id,
  'c0000000-0000-4000-8000-00000000000a'::uuid as campaign_id,
  'f0000000-0000-4000-8000-000000000101'::uuid as agent_id,
  '+34600000001' as phone_number,
  true as recording_consent,
  v.file as recording_file
from (
  values
  ('cc000000-0000-4000-8000-0000000000c1', '/mon/l1.wav'),
  ('cc000000-0000-4000-8000-0000000000c2', '/mon/l2.wav')
) as v (id, file);
update public.recordings set
  status = 'stored', object_path = 'A/2026/11/20/' || call_id || '.opus', bytes = 1000, sha256 = repeat('c', 64),
  format = 'opus', stored_at = '2026-11-20 10:10+00'
where call_id in ('cc000000-0000-4000-8000-0000000000c1', 'cc000000-0000-4000-8000-0000000000c2');
update public.recordings set erase_requested_at = '2026-11-21 09:00+00'
where call_id = 'cc000000-0000-4000-8000-0000000000c2';

-- Links waiting elsewhere in the database are out of this file's way.
update public.recording_links set status = 'failed', error = 'out of the way of a pgTAP test'
where status = 'signing';
-- k1 and k2 waited long (past the 60 s to give up); k3 was just granted.
insert into public.recording_links (id, call_id, object_path, requested_by, created_at) values
(
  'cb000000-0000-4000-8000-000000000001', 'cc000000-0000-4000-8000-0000000000c1',
  'A/2026/11/20/cc000000-0000-4000-8000-0000000000c1.opus', 'f0000000-0000-4000-8000-000000000011',
  clock_timestamp() - interval '2 minutes'
),
(
  'cb000000-0000-4000-8000-000000000002', 'cc000000-0000-4000-8000-0000000000c2',
  'A/2026/11/20/cc000000-0000-4000-8000-0000000000c2.opus', 'f0000000-0000-4000-8000-000000000011',
  clock_timestamp() - interval '90 seconds'
),
(
  'cb000000-0000-4000-8000-000000000003', 'cc000000-0000-4000-8000-0000000000c1',
  'A/2026/11/20/cc000000-0000-4000-8000-0000000000c1.opus', 'f0000000-0000-4000-8000-000000000011',
  clock_timestamp()
);

-- ----------------------------------------------------------------------------
-- Claim
-- ----------------------------------------------------------------------------

select tests.authenticate_as_worker('crm_recordings');
select throws_ok(
  $$select * from private.recording_link_claim(' ')$$, '22023', 'p_worker: required',
  'a claim names its worker'
);
select results_eq(
  $$select l.id::text, l.object_path, l.too_old, l.waited_seconds >= 90, l.recording_status, l.stored_path,
      l.erase_requested_at is not null
    from private.recording_link_claim('w1', 2) as l order by l.created_at$$,
  $$values
    ('cb000000-0000-4000-8000-000000000001', 'A/2026/11/20/cc000000-0000-4000-8000-0000000000c1.opus', true, true,
      'stored', 'A/2026/11/20/cc000000-0000-4000-8000-0000000000c1.opus', false),
    ('cb000000-0000-4000-8000-000000000002', 'A/2026/11/20/cc000000-0000-4000-8000-0000000000c2.opus', true, true,
      'stored', 'A/2026/11/20/cc000000-0000-4000-8000-0000000000c2.opus', true)$$,
  'the oldest waiting links are claimed, with their recording''s state and how long they waited'
);
select tests.clear_authentication(); -- the worker reads no table
select results_eq(
  $$select l.status, l.worker, l.claimed_at is not null from public.recording_links as l
    where l.id = 'cb000000-0000-4000-8000-000000000001'$$,
  $$values ('signing', 'w1', true)$$,
  'a claimed link is still signing, held by its worker'
);
select tests.authenticate_as_worker('crm_recordings');
select results_eq(
  $$select l.id::text, l.too_old from private.recording_link_claim('w2', 10) as l$$,
  $$values ('cb000000-0000-4000-8000-000000000003', false)$$,
  'a second signer right after gets the next link (not yet too old), never a claimed one'
);

-- ----------------------------------------------------------------------------
-- Finish, fail: only for the claim holder
-- ----------------------------------------------------------------------------

select is(
  private.recording_link_finish('cb000000-0000-4000-8000-000000000001', 'w2', 'http://signed/x', 300), false,
  'another signer cannot finish the link'
);
select is(
  private.recording_link_finish('cb000000-0000-4000-8000-000000000001', 'w1', 'http://signed/1', 300), true,
  'the holder finishes it'
);
select tests.clear_authentication(); -- the worker reads no table
select results_eq(
  $$select l.status, l.url, l.error, l.signed_at >= l.claimed_at,
      l.expires_at = date_trunc('second', l.claimed_at) + interval '300 seconds'
    from public.recording_links as l where l.id = 'cb000000-0000-4000-8000-000000000001'$$,
  $$values ('ready', 'http://signed/1', null::text, true, true)$$,
  'ready with the URL, which expires its lifetime after the whole second it was claimed in'
);
select tests.authenticate_as_worker('crm_recordings');
select is(
  private.recording_link_finish('cb000000-0000-4000-8000-000000000001', 'w1', 'http://signed/2', 300), false,
  'a ready link cannot be finished twice'
);
select is(
  private.recording_link_fail('cb000000-0000-4000-8000-000000000001', 'w1', 'late', true), false,
  'nor failed'
);
select is(
  private.recording_link_fail('cb000000-0000-4000-8000-000000000002', 'w2', 'not mine', true), false,
  'another signer cannot fail a link'
);
select is(
  private.recording_link_fail(
    'cb000000-0000-4000-8000-000000000002', 'w1',
    'p_call_id: the recording of call cc000000-0000-4000-8000-0000000000c2 is no longer available (being erased)',
    true
  ),
  true,
  'the holder fails it for good'
);
select tests.clear_authentication(); -- the worker reads no table
select results_eq(
  $$select l.status, l.url, l.error from public.recording_links as l
    where l.id = 'cb000000-0000-4000-8000-000000000002'$$,
  $$values (
    'failed', null::text,
    'p_call_id: the recording of call cc000000-0000-4000-8000-0000000000c2 is no longer available (being erased)'
  )$$,
  'p_final true: failed, with the error for the requester'
);
select tests.authenticate_as_worker('crm_recordings');
select is(
  private.recording_link_fail('cb000000-0000-4000-8000-000000000003', 'w2', 'storage: 503', false), true,
  'the holder of the third reports a transient error'
);
select tests.clear_authentication(); -- the worker reads no table
select results_eq(
  $$select l.status, l.worker, l.claimed_at, l.error from public.recording_links as l
    where l.id = 'cb000000-0000-4000-8000-000000000003'$$,
  $$values ('signing', null::text, null::timestamptz, 'storage: 503')$$,
  'p_final false: it waits again, unclaimed'
);
select tests.authenticate_as_worker('crm_recordings');
select results_eq(
  $$select l.id::text from private.recording_link_claim('w3', 10) as l$$,
  $$values ('cb000000-0000-4000-8000-000000000003')$$,
  'and is claimed again'
);

-- ----------------------------------------------------------------------------
-- Stale claims (the lease is p_stale_seconds long)
-- ----------------------------------------------------------------------------

select is(
  (select count(*)::integer from private.recording_link_claim('w4', 10, 30)),
  0,
  'a claim within its lease is not taken over'
);
select results_eq(
  $$select l.id::text from private.recording_link_claim('w4', 10, 0) as l$$,
  $$values ('cb000000-0000-4000-8000-000000000003')$$,
  'a stale one is'
);
select is(
  private.recording_link_finish('cb000000-0000-4000-8000-000000000003', 'w3', 'http://signed/3', 300), false,
  'the signer that lost it cannot finish it'
);

-- ----------------------------------------------------------------------------
-- Release
-- ----------------------------------------------------------------------------

select tests.clear_authentication();
-- Another signer, w9, holds a fourth link.
insert into public.recording_links (id, call_id, object_path, requested_by, worker, claimed_at) values (
  'cb000000-0000-4000-8000-000000000004', 'cc000000-0000-4000-8000-0000000000c1',
  'A/2026/11/20/cc000000-0000-4000-8000-0000000000c1.opus', 'f0000000-0000-4000-8000-000000000011', 'w9',
  clock_timestamp()
);
select tests.authenticate_as_worker('crm_recordings');
select is(private.recording_link_release('w4'), 1, 'release gives back what its worker holds');
select tests.clear_authentication(); -- reading the tables: the worker cannot
select results_eq(
  $$select l.id::text, l.status, l.worker, l.claimed_at is null from public.recording_links as l
    where l.id in ('cb000000-0000-4000-8000-000000000003', 'cb000000-0000-4000-8000-000000000004')
    order by l.id$$,
  $$values
    ('cb000000-0000-4000-8000-000000000003', 'signing', null::text, true),
    ('cb000000-0000-4000-8000-000000000004', 'signing', 'w9', false)$$,
  'the link waits unclaimed again; another signer''s claim is left alone'
);
select tests.authenticate_as_worker('crm_recordings');
select is(private.recording_link_release('w4'), 0, 'releasing again gives back nothing');
select tests.clear_authentication();

-- ----------------------------------------------------------------------------
-- Who may run the worker's functions
-- ----------------------------------------------------------------------------

create temporary table worker_functions (signature text);
insert into worker_functions values
('private.recording_link_claim(text, integer, integer, integer)'),
('private.recording_link_finish(uuid, text, text, integer)'),
('private.recording_link_fail(uuid, text, text, boolean)'),
('private.recording_link_release(text)');
select is(
  (
    select array_agg(f.signature order by f.signature)
    from worker_functions as f
    where
      has_function_privilege('anon', f.signature, 'execute')
      or has_function_privilege('authenticated', f.signature, 'execute')
  ),
  null,
  'neither anon nor authenticated may execute the signer''s functions'
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
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select private.recording_link_finish('cb000000-0000-4000-8000-000000000004', 'w9', 'http://evil', 300)$$,
  '42501', null,
  'a supervisor cannot write a URL into a link'
);
select tests.clear_authentication();

select * from finish();
rollback;
