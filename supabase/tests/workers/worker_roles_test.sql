-- The workers' own database roles (migration 20261204000050): never a
-- superuser, no table at all, and exactly the functions each one calls.
begin;
select plan(16);

-- ============================================================================
-- What the roles are
-- ============================================================================

select results_eq(
  $$select r.rolcanlogin, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolinherit
    from pg_catalog.pg_roles as r
    where r.rolname in ('crm_ami_bridge', 'crm_reporting', 'crm_recordings', 'crm_lead_import')$$,
  $$values
    (true, false, false, false, false, false, false),
    (true, false, false, false, false, false, false),
    (true, false, false, false, false, false, false),
    (true, false, false, false, false, false, false)$$,
  'four login roles: no superuser, no bypassing RLS, no creating roles or databases, nothing inherited'
);

select results_eq(
  $$select count(*)::integer, bool_and(am.roleid = 'authenticated'::regrole and am.member = 'crm_reporting'::regrole)
    from pg_catalog.pg_auth_members as am
    where am.member in (
      'crm_ami_bridge'::regrole, 'crm_reporting'::regrole, 'crm_recordings'::regrole, 'crm_lead_import'::regrole
    )$$,
  $$values (1, true)$$,
  'the only role a worker may become: authenticated, for the reporting worker to render an export as its requester'
);

select is(
  (
    select bool_or(pg_has_role(w.rolname, t.rolname, 'member'))
    from (values ('crm_ami_bridge'), ('crm_reporting'), ('crm_recordings'), ('crm_lead_import')) as w (rolname)
    cross join (
      values ('postgres'), ('supabase_admin'), ('service_role'), ('authenticator'), ('anon'),
      ('supabase_storage_admin'), ('supabase_auth_admin')
    ) as t (rolname)
  ),
  false,
  'no worker may become postgres, a superuser, the service role or any platform role'
);

-- ============================================================================
-- No table
-- ============================================================================

select is_empty(
  $$select w.rolname, c.oid::regclass::text, p.privilege
    from pg_catalog.pg_class as c
    cross join (values ('crm_ami_bridge'), ('crm_reporting'), ('crm_recordings'), ('crm_lead_import')) as w (rolname)
    cross join (values ('select'), ('insert'), ('update'), ('delete'), ('truncate')) as p (privilege)
    where
      c.relnamespace in ('public'::regnamespace, 'private'::regnamespace, 'reports'::regnamespace)
      and c.relkind in ('r', 'p', 'v', 'm')
      and has_table_privilege(w.rolname, c.oid, p.privilege)$$,
  'no worker may read or write any table or view of public, private or reports'
);

-- ============================================================================
-- Exactly its functions
-- ============================================================================

select set_eq(
  $$select p.oid::regprocedure::text
    from pg_catalog.pg_proc as p
    cross join lateral aclexplode(p.proacl) as a
    where a.grantee = 'crm_ami_bridge'::regrole and a.privilege_type = 'EXECUTE'
      and p.pronamespace <> 'tests'::regnamespace -- this file's helpers$$,
  $$select s::regprocedure::text from unnest(array[
      'private.mirror_pbx_calls(jsonb)',
      'private.close_vanished_pbx_calls(text[], timestamptz)',
      'private.originate_claim(text, integer, double precision, double precision)',
      'private.originate_finish(uuid, text, text, integer, text, text, text)',
      'private.originate_release(text)',
      'private.recording_stop_calls(uuid[])',
      'private.live_calls_refusing_recording(text[])'
    ]) as s$$,
  'the AMI bridge executes the PBX merge, reconciliation, the originate queue and the recording stop''s reads'
);

select set_eq(
  $$select p.oid::regprocedure::text
    from pg_catalog.pg_proc as p
    cross join lateral aclexplode(p.proacl) as a
    where a.grantee = 'crm_reporting'::regrole and a.privilege_type = 'EXECUTE'
      and p.pronamespace <> 'tests'::regnamespace$$,
  $$select s::regprocedure::text from unnest(array[
      'reports.refresh_status()',
      'reports.refresh_view(text, boolean)',
      'reports.log_refresh_failure(text, double precision, text)',
      'reports.prune_refresh_log(integer)',
      'private.calls_in_default_partition()',
      'private.report_export_claim(text, integer, integer)',
      'private.report_export_renew(uuid, text, bigint, bigint)',
      'private.report_export_finish(uuid, text, bigint, text, text, integer)',
      'private.report_export_fail(uuid, text, text, boolean)',
      'private.report_export_release(text)'
    ]) as s$$,
  'the reporting worker executes the refreshes, the export queue and the partition watch'
);

select set_eq(
  $$select p.oid::regprocedure::text
    from pg_catalog.pg_proc as p
    cross join lateral aclexplode(p.proacl) as a
    where a.grantee = 'crm_recordings'::regrole and a.privilege_type = 'EXECUTE'
      and p.pronamespace <> 'tests'::regnamespace$$,
  $$select s::regprocedure::text from unnest(array[
      'private.now()',
      'private.recording_upload_claim(text, integer, integer, integer, integer)',
      'private.recording_upload_renew(uuid, text)',
      'private.recording_upload_finish(uuid, text, text, bigint, text, numeric)',
      'private.recording_upload_fail(uuid, text, text, boolean)',
      'private.recording_upload_release(text)',
      'private.mark_recording_source_removed(uuid)',
      'private.recording_files_to_sweep(integer)',
      'private.recording_queue_counts()',
      'private.recording_call_age_seconds(uuid)',
      'private.recording_erase_requested(uuid)',
      'private.recording_erasure_claim(text, integer, integer)',
      'private.recording_erasure_finish(uuid, text)',
      'private.recording_erasure_fail(uuid, text, text, boolean)',
      'private.recording_erasure_release(text)',
      'private.expired_recordings(timestamptz, integer)',
      'private.lock_expired_recordings(uuid[])',
      'private.mark_recording_removed(uuid, text)',
      'private.purge_recording_access_log(timestamptz, boolean)'
    ]) as s$$,
  'the recordings worker executes its two queues, retention and the crash sweep''s reads'
);

-- ============================================================================
-- As the workers connect
-- ============================================================================

select set_eq(
  $$select p.oid::regprocedure::text
    from pg_catalog.pg_proc as p
    cross join lateral aclexplode(p.proacl) as a
    where a.grantee = 'crm_lead_import'::regrole and a.privilege_type = 'EXECUTE'
      and p.pronamespace <> 'tests'::regnamespace$$,
  $$select s::regprocedure::text from unnest(array[
      'private.now()',
      'private.lead_import_fields()',
      'private.lead_import_claim(text, integer, integer)',
      'private.lead_import_renew(uuid, text, bigint)',
      'private.lead_import_preview(uuid, text, jsonb)',
      'private.lead_import_finish(uuid, text, text)',
      'private.lead_import_fail(uuid, text, text, boolean)',
      'private.lead_import_release(text)',
      'private.lead_import_error_rows(uuid, text)',
      'private.lead_import_region(uuid, text)',
      'private.lead_import_write_batch(uuid, text, bigint, bigint, jsonb, jsonb)'
    ]) as s$$,
  'the lead import worker executes its queue, its batch write and the reads of its error report'
);

select tests.create_two_campaigns();

select tests.authenticate_as_worker('crm_ami_bridge');
select throws_ok(
  $$select count(*) from public.calls$$, '42501', null, 'the AMI bridge reads no table, calls included'
);
select results_eq(
  $$select updated, inserted from private.mirror_pbx_calls('[]'::jsonb)$$, $$values (0, 0)$$,
  'but merges the PBX''s rows'
);
select throws_ok(
  $$select * from private.recording_upload_claim('w', 1, 5, 300, 30)$$, '42501', null,
  'and cannot claim a recording'
);

select tests.authenticate_as_worker('crm_reporting');
select isnt_empty($$select * from reports.refresh_status()$$, 'the reporting worker reads the refresh status');
select throws_ok(
  $$select * from private.mirror_pbx_calls('[]'::jsonb)$$, '42501', null, 'but cannot write calls'
);

select tests.authenticate_as_worker('crm_recordings');
select throws_ok(
  $$select count(*) from public.recordings$$, '42501', null, 'the recordings worker reads no table'
);
select results_eq(
  $$select status from private.recording_queue_counts() order by status$$,
  $$values ('pending'), ('uploading')$$,
  'only its functions'
);
select throws_ok(
  $$select * from private.report_export_claim('w', 1, 120)$$, '42501', null, 'and not another worker''s queue'
);
select tests.clear_authentication();

select * from finish();
rollback;
