-- The reporting worker's export queue (private.report_export_claim, _renew,
-- _finish, _fail, _release): a claim is a lease only its worker may renew,
-- finish or fail; a stale one is taken over; release gives back only the
-- releasing worker's claims. The worker's clock is crm.now (private.now()).
-- (That claim skips rows another transaction has locked is checked with two
-- connections in tests/workers/test_lease.py.)
begin;
select plan(30);

-- Four requests of supervisor1, older than any other in the database, so
-- every claim below takes these first.
insert into public.report_exports (id, requested_by, report, params, format, requested_at)
select
  ('ee000000-0000-4000-8000-00000000000' || n)::uuid as id,
  '00000000-0000-4000-a000-000000000011'::uuid as requested_by,
  'daily_summary' as report,
  '{"p_day": "2026-11-02"}'::jsonb as params,
  'csv' as format,
  '2000-01-01 00:00:00+00'::timestamptz + make_interval(secs => n) as requested_at
from generate_series(1, 4) as n;
select set_config('crm.now', now()::text, true);

-- ----------------------------------------------------------------------------
-- Claim
-- ----------------------------------------------------------------------------

select tests.authenticate_as_worker('crm_reporting');
select throws_ok(
  $$select * from private.report_export_claim(' ')$$, '22023', 'p_worker: required',
  'a claim names its worker'
);
select results_eq(
  $$select e.id::text, e.status, e.worker, e.attempts, e.heartbeat_at, e.started_at, e.rows_done
    from private.report_export_claim('w1', 2) as e order by e.requested_at$$,
  $$values
    ('ee000000-0000-4000-8000-000000000001', 'running', 'w1', 1, now(), now(), 0::bigint),
    ('ee000000-0000-4000-8000-000000000002', 'running', 'w1', 1, now(), now(), 0::bigint)$$,
  'the oldest queued exports are claimed: running, held by their worker, one attempt, a heartbeat'
);
select results_eq(
  $$select e.id::text from private.report_export_claim('w2', 1) as e$$,
  $$values ('ee000000-0000-4000-8000-000000000003')$$,
  'a second worker right after gets the next one, never a claimed one'
);

-- ----------------------------------------------------------------------------
-- Renew (the progress), finish: only for the claim holder
-- ----------------------------------------------------------------------------

select set_config('crm.now', (now() + interval '10 seconds')::text, true);
select is(
  private.report_export_renew('ee000000-0000-4000-8000-000000000001', 'w2', 5, 10), false,
  'another worker cannot renew the claim'
);
select is(
  private.report_export_renew('ee000000-0000-4000-8000-000000000001', 'w1', 5, 10), true,
  'the holder renews it with its progress'
);
select is(
  private.report_export_renew('ee000000-0000-4000-8000-000000000001', 'w1', 7), true,
  'and again, the total already known'
);
select tests.clear_authentication(); -- the worker reads no table
select results_eq(
  $$select e.rows_done, e.rows_total, e.heartbeat_at from public.report_exports as e
    where e.id = 'ee000000-0000-4000-8000-000000000001'$$,
  $$values (7::bigint, 10::bigint, now() + interval '10 seconds')$$,
  'the row shows the progress and the heartbeat on the worker''s clock'
);
select tests.authenticate_as_worker('crm_reporting');
select is(
  private.report_export_finish('ee000000-0000-4000-8000-000000000001', 'w2', 7, 'x/y.csv', 'http://signed', 60),
  false,
  'another worker cannot finish it'
);
select is(
  private.report_export_finish(
    'ee000000-0000-4000-8000-000000000001', 'w1', 7,
    '00000000-0000-4000-a000-000000000011/ee000000-0000-4000-8000-000000000001.csv', 'http://signed', 60
  ),
  true,
  'the holder finishes it'
);
select tests.clear_authentication(); -- the worker reads no table
select results_eq(
  $$select e.status, e.rows_done, e.rows_total, e.storage_path, e.signed_url, e.signed_url_expires_at,
      e.finished_at, e.worker
    from public.report_exports as e where e.id = 'ee000000-0000-4000-8000-000000000001'$$,
  $$values (
    'done', 7::bigint, 7::bigint,
    '00000000-0000-4000-a000-000000000011/ee000000-0000-4000-8000-000000000001.csv', 'http://signed',
    now() + interval '70 seconds', now() + interval '10 seconds', 'w1'
  )$$,
  'done, with the file, the signed URL and when it expires'
);
select tests.authenticate_as_worker('crm_reporting');
select is(
  private.report_export_finish('ee000000-0000-4000-8000-000000000001', 'w1', 7, 'x/y.csv', 'http://signed', 60),
  false,
  'a done export cannot be finished twice'
);
select is(
  private.report_export_fail('ee000000-0000-4000-8000-000000000001', 'w1', 'late', true), false,
  'nor failed'
);
select is(
  private.report_export_renew('ee000000-0000-4000-8000-000000000001', 'w1'), false,
  'nor renewed'
);

-- ----------------------------------------------------------------------------
-- Fail: back to the queue, or for good
-- ----------------------------------------------------------------------------

select is(
  private.report_export_fail('ee000000-0000-4000-8000-000000000002', 'w2', 'not mine', false), false,
  'another worker cannot fail it'
);
select is(
  private.report_export_fail('ee000000-0000-4000-8000-000000000002', 'w1', 'storage: 503', false), true,
  'the holder reports a transient error'
);
select tests.clear_authentication(); -- the worker reads no table
select results_eq(
  $$select e.status, e.worker, e.heartbeat_at, e.error, e.attempts, e.finished_at
    from public.report_exports as e where e.id = 'ee000000-0000-4000-8000-000000000002'$$,
  $$values ('queued', null::text, null::timestamptz, 'storage: 503', 1, null::timestamptz)$$,
  'p_final false: queued again, unclaimed, with the error and its attempt counted'
);
select tests.authenticate_as_worker('crm_reporting');
select results_eq(
  $$select e.id::text, e.attempts, e.error from private.report_export_claim('w3', 1) as e$$,
  $$values ('ee000000-0000-4000-8000-000000000002', 2, null::text)$$,
  'it is claimed again, one attempt more, the error cleared'
);
select is(
  private.report_export_fail('ee000000-0000-4000-8000-000000000002', 'w3', 'reports.view: refused', true), true,
  'the holder fails it for good'
);
select tests.clear_authentication(); -- the worker reads no table
select results_eq(
  $$select e.status, e.error, e.finished_at, e.worker
    from public.report_exports as e where e.id = 'ee000000-0000-4000-8000-000000000002'$$,
  $$values ('failed', 'reports.view: refused', now() + interval '10 seconds', 'w3')$$,
  'p_final true: failed, with the error for the requester'
);
select tests.authenticate_as_worker('crm_reporting');

-- ----------------------------------------------------------------------------
-- Stale claims
-- ----------------------------------------------------------------------------

-- w2 has gone silent on export 3 since the start.
select set_config('crm.now', (now() + interval '119 seconds')::text, true);
select results_eq(
  $$select e.id::text from private.report_export_claim('w4', 1, 120) as e$$,
  $$values ('ee000000-0000-4000-8000-000000000004')$$,
  'a claim within its lease is not taken over: the next queued export is claimed instead'
);
select set_config('crm.now', (now() + interval '121 seconds')::text, true);
select results_eq(
  $$select e.id::text, e.attempts, e.worker from private.report_export_claim('w5', 1, 120) as e$$,
  $$values ('ee000000-0000-4000-8000-000000000003', 2, 'w5')$$,
  'a stale claim is taken over, one attempt more'
);
select is(
  private.report_export_renew('ee000000-0000-4000-8000-000000000003', 'w2', 100), false,
  'the worker that lost it cannot renew it'
);
select is(
  private.report_export_finish('ee000000-0000-4000-8000-000000000003', 'w2', 100, 'x/y.csv', 'http://signed', 60),
  false,
  'nor finish it'
);

-- ----------------------------------------------------------------------------
-- Release
-- ----------------------------------------------------------------------------

select is(private.report_export_release('w4'), 1, 'release gives back what its worker holds');
select tests.clear_authentication(); -- the worker reads no table
select results_eq(
  $$select e.id::text, e.status, e.worker, e.heartbeat_at, e.attempts, e.error
    from public.report_exports as e
    where e.id in ('ee000000-0000-4000-8000-000000000003', 'ee000000-0000-4000-8000-000000000004')
    order by e.id$$,
  $$values
    ('ee000000-0000-4000-8000-000000000003', 'running', 'w5', now() + interval '121 seconds', 2, null::text),
    ('ee000000-0000-4000-8000-000000000004', 'queued', null, null, 1,
      'given back by worker w4 (it stopped or reconnected)')$$,
  'queued again with its attempt counted; another worker''s claim is left alone'
);
select tests.authenticate_as_worker('crm_reporting');
select is(private.report_export_release('w4'), 0, 'releasing again gives back nothing');
select tests.clear_authentication();

-- ----------------------------------------------------------------------------
-- Who may run the worker's functions
-- ----------------------------------------------------------------------------

create temporary table worker_functions (signature text);
insert into worker_functions values
('private.report_export_claim(text, integer, integer)'),
('private.report_export_renew(uuid, text, bigint, bigint)'),
('private.report_export_finish(uuid, text, bigint, text, text, integer)'),
('private.report_export_fail(uuid, text, text, boolean)'),
('private.report_export_release(text)');
select is(
  (
    select array_agg(f.signature order by f.signature)
    from worker_functions as f
    where
      has_function_privilege('anon', f.signature, 'execute')
      or has_function_privilege('authenticated', f.signature, 'execute')
  ),
  null,
  'neither anon nor authenticated may execute the export queue''s functions'
);
select is(
  (select bool_and(has_function_privilege('crm_reporting', f.signature, 'execute')) from worker_functions as f),
  true,
  'the reporting worker''s role may'
);
select is(
  (select bool_or(has_function_privilege('service_role', f.signature, 'execute')) from worker_functions as f),
  false,
  'the service role may not: they are the worker''s own'
);
select tests.authenticate_as('admin@demo.test');
select throws_ok(
  $$select * from private.report_export_claim('sneaky')$$, '42501', null,
  'not even an admin claims exports through the API'
);
select tests.clear_authentication();

select * from finish();
rollback;
