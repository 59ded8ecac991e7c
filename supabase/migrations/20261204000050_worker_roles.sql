-- The workers' database roles: each Python worker connects as a role of its
-- own, never as a superuser, never as postgres, never as service_role.
--
-- crm_ami_bridge (workers/ami_bridge), crm_reporting (workers/reporting)
-- and crm_recordings (workers/recordings) own no object and are granted no
-- table: everything a worker does in the database is a function its role may
-- execute (the queues of the lease protocol, the PBX merge, the few reads a
-- worker needs), each granted right after it is created, in this migration
-- for the functions of earlier ones. So "what may the recordings worker do"
-- has an answer a DBA can read: `\df+` filtered on its grants, or
-- supabase/schema.sql. The exports of the reporting worker are the one thing
-- done as someone else: each is rendered as its requester (set role
-- authenticated with their claims), so RLS decides what the file holds.
--
-- The roles can log in but have no password here: migrations never carry
-- secrets. A DBA gives each one a password (`alter role crm_ami_bridge
-- password '...'`), as scripts/up does on the embedded stack, and hands the
-- worker its connection string (workers/README.md). Roles belong to the
-- cluster, not the database, so creating them is idempotent (supabase db
-- reset keeps them).

-- ============================================================================
-- Section - Roles
-- ============================================================================

do $$
declare
  v_role text;
begin
  foreach v_role in array array['crm_ami_bridge', 'crm_reporting', 'crm_recordings'] loop
    if not exists (select 1 from pg_catalog.pg_roles as r where r.rolname = v_role) then
      execute format(
        'create role %I login noinherit nosuperuser nocreatedb nocreaterole noreplication nobypassrls',
        v_role
      );
    end if;
  end loop;
end;
$$;

comment on role crm_ami_bridge is
'The AMI bridge (workers/ami_bridge): mirrors Asterisk into calls, originates.';
comment on role crm_reporting is
'The reporting worker (workers/reporting): report refreshes, exports, partition watch.';
comment on role crm_recordings is
'The recordings worker (workers/recordings): uploads, signed links, retention, erasure.';

grant usage on schema private to crm_ami_bridge, crm_reporting, crm_recordings;
grant usage on schema reports to crm_reporting;

-- ============================================================================
-- Section - The reporting worker
-- ============================================================================

-- Refreshing the report views (migration 20261124005100). Both ran as the
-- superuser the worker used to connect as; refreshing a materialized view
-- takes its owner, so they now run as their owner (search_path is pinned).
alter function reports.refresh_status() security definer;
alter function reports.refresh_view(text, boolean) security definer;
grant execute on function reports.refresh_status() to crm_reporting;
grant execute on function reports.refresh_view(text, boolean) to crm_reporting;

-- An export is rendered as its requester: the worker may become
-- authenticated (noinherit: it has none of its rights otherwise).
grant authenticated to crm_reporting;

-- ============================================================================
-- Section - The recordings worker
-- ============================================================================

-- Retention and the crash sweep (migrations 20261124008100, 20261124008300):
-- the worker's functions, until now the service role's.
grant execute on function private.now() to crm_recordings;
revoke execute on function private.expired_recordings(timestamptz, integer) from service_role;
grant execute on function private.expired_recordings(timestamptz, integer) to crm_recordings;
revoke execute on function private.mark_recording_removed(uuid, text) from service_role;
grant execute on function private.mark_recording_removed(uuid, text) to crm_recordings;
revoke execute on function private.mark_recording_source_removed(uuid) from service_role;
grant execute on function private.mark_recording_source_removed(uuid) to crm_recordings;
