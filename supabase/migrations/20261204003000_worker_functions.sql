-- The last statements the workers wrote by hand, as functions of their roles.
--
-- With their own roles (migration 20261204000050) the workers reach no table
-- directly: the queues, the PBX merge and the refreshes were functions
-- already; these are the reads and small writes that were still SQL strings
-- in Python. Each is granted to the one worker that calls it.

-- ============================================================================
-- Section - The AMI bridge: recording stop
-- ============================================================================

-- The calls p_call_ids as the recording stop needs them: Linkedid, the lead's answer, status.
create function private.recording_stop_calls(p_call_ids uuid[])
returns table (call_id uuid, pbx_linkedid text, recording_consent boolean, status text)
language sql
stable
security definer
set search_path = ''
as $$
  select c.id, c.pbx_linkedid, c.recording_consent, c.status
  from unnest(p_call_ids) as i (call_id)
  cross join lateral private.find_call(i.call_id) as c
  where c.id is not null
$$;
comment on function private.recording_stop_calls(uuid[]) is
'AMI bridge: the Linkedid, consent and status of calls whose recording may have to stop.';
revoke execute on function private.recording_stop_calls(uuid[]) from public;
grant execute on function private.recording_stop_calls(uuid[]) to crm_ami_bridge;

-- The live calls among the Linkedids p_linkedids whose lead refused recording.
create function private.live_calls_refusing_recording(p_linkedids text[]) returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select c.id
  from public.calls as c
  where c.pbx_linkedid = any(p_linkedids) and c.recording_consent is false and c.status <> 'ended'
$$;
comment on function private.live_calls_refusing_recording(text[]) is
'AMI bridge: live calls (by Linkedid) whose lead refused recording, for the sweep after a reconnect.';
revoke execute on function private.live_calls_refusing_recording(text[]) from public;
grant execute on function private.live_calls_refusing_recording(text[]) to crm_ami_bridge;

-- ============================================================================
-- Section - The reporting worker
-- ============================================================================

-- A refresh of p_view that failed after p_seconds with p_error (its own
-- transaction rolled back with the log row reports.refresh_view writes).
create function reports.log_refresh_failure(p_view text, p_seconds double precision, p_error text)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  insert into reports.refresh_log (view_name, started_at, duration_ms, error)
  values (
    p_view, now() - make_interval(secs => greatest(p_seconds, 0)), round(greatest(p_seconds, 0) * 1000),
    left(p_error, 2000)
  )
$$;
comment on function reports.log_refresh_failure(text, double precision, text) is
'Reporting worker: log a refresh that failed (refresh_view''s own log row rolled back with it).';
revoke execute on function reports.log_refresh_failure(text, double precision, text) from public;
grant execute on function reports.log_refresh_failure(text, double precision, text) to crm_reporting;

-- Refresh log rows older than p_days days are deleted; how many.
create function reports.prune_refresh_log(p_days integer) returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_deleted integer;
begin
  if p_days is null or p_days < 1 then
    raise exception using
      errcode = '22023',
      message = format('p_days: %s is not a positive number of days', coalesce(p_days::text, 'null'));
  end if;
  delete from reports.refresh_log as l where l.started_at < now() - make_interval(days => p_days);
  get diagnostics v_deleted = row_count;
  return v_deleted;
end;
$$;
comment on function reports.prune_refresh_log(integer) is
'Reporting worker: drop refresh log rows past their retention.';
revoke execute on function reports.prune_refresh_log(integer) from public;
grant execute on function reports.prune_refresh_log(integer) to crm_reporting;

-- Whether calls wait in the default partition (a month without its own).
create function private.calls_in_default_partition() returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (select 1 from private.calls_default)
$$;
comment on function private.calls_in_default_partition() is
'Reporting worker: do calls sit in the default partition (a month pg_cron did not create)?';
revoke execute on function private.calls_in_default_partition() from public;
grant execute on function private.calls_in_default_partition() to crm_reporting;

-- ============================================================================
-- Section - The recordings worker
-- ============================================================================

-- Recordings stored or declined whose local file is still on disk (their
-- worker died before deleting it), oldest first: the crash sweep's list.
create function private.recording_files_to_sweep(p_limit integer)
returns table (call_id uuid, status text, source_file text)
language sql
stable
security definer
set search_path = ''
as $$
  select r.call_id, r.status, r.source_file
  from public.recordings as r
  where r.status in ('stored', 'declined') and r.source_removed_at is null
  order by r.updated_at
  limit p_limit
$$;
comment on function private.recording_files_to_sweep(integer) is
'Recordings worker: local files left behind by a crash after the upload (or the discard).';
revoke execute on function private.recording_files_to_sweep(integer) from public;
grant execute on function private.recording_files_to_sweep(integer) to crm_recordings;

-- How many recordings wait (pending) or are being uploaded, for the metrics.
create function private.recording_queue_counts() returns table (status text, recordings bigint)
language sql
stable
security definer
set search_path = ''
as $$
  select s.status, count(r.call_id)
  from unnest(array['pending', 'uploading']) as s (status)
  left join public.recordings as r on s.status = r.status
  group by s.status
$$;
comment on function private.recording_queue_counts() is 'Recordings worker: the upload queue''s depth, by status.';
revoke execute on function private.recording_queue_counts() from public;
grant execute on function private.recording_queue_counts() to crm_recordings;

-- Seconds since the call of recording p_call_id ended (since it started, if
-- it never ended): how long its file has had to appear. Null: no such recording.
create function private.recording_call_age_seconds(p_call_id uuid) returns double precision
language sql
stable
security definer
set search_path = ''
as $$
  select extract(epoch from private.now() - coalesce(c.ended_at, c.started_at))::double precision
  from public.recordings as r
  inner join public.calls as c on r.call_id = c.id and r.call_started_at = c.started_at
  where r.call_id = p_call_id
$$;
comment on function private.recording_call_age_seconds(uuid) is
'Recordings worker: seconds since the recording''s call ended, for the grace of a missing file.';
revoke execute on function private.recording_call_age_seconds(uuid) from public;
grant execute on function private.recording_call_age_seconds(uuid) to crm_recordings;

-- Whether the lead of recording p_call_id is being erased. Null: no such recording.
create function private.recording_erase_requested(p_call_id uuid) returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select r.erase_requested_at is not null from public.recordings as r where r.call_id = p_call_id
$$;
comment on function private.recording_erase_requested(uuid) is
'Recordings worker: was the recording''s lead erased (its upload must then be removed)?';
revoke execute on function private.recording_erase_requested(uuid) from public;
grant execute on function private.recording_erase_requested(uuid) to crm_recordings;

-- Retention's batch: of the recordings p_call_ids (listed by
-- private.expired_recordings), those still stored, not being erased and not
-- on legal hold, locked until the caller's transaction ends together with
-- their leads and calls (in rpc/erase_lead's order: lead, then call, then
-- recording, so the two never deadlock). A hold or an erasure asked for
-- meanwhile waits for the purge, or wins before it: never half of each.
create function private.lock_expired_recordings(p_call_ids uuid[])
returns table (call_id uuid, campaign_id uuid, object_path text, bytes bigint)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform 1
  from public.leads as l
  where l.id in (select c.lead_id from public.calls as c where c.id = any(p_call_ids))
  order by l.id
  for update of l;
  perform 1
  from private.call_index as ci
  where ci.call_id = any(p_call_ids)
  order by ci.call_id
  for update of ci;
  return query
  select r.call_id, r.campaign_id, r.object_path, r.bytes
  from public.recordings as r
  inner join public.calls as c on r.call_id = c.id and r.call_started_at = c.started_at
  where
    r.call_id = any(p_call_ids) and r.status = 'stored' and r.erase_requested_at is null
    and not private.is_on_legal_hold(r.call_id, c.lead_id)
  order by r.call_id
  for update of r;
end;
$$;
comment on function private.lock_expired_recordings(uuid[]) is
'Recordings worker: lock a retention batch (leads, calls, recordings) and return what may still be purged.';
revoke execute on function private.lock_expired_recordings(uuid[]) from public;
grant execute on function private.lock_expired_recordings(uuid[]) to crm_recordings;

-- Recording access log rows older than p_before: deleted, or with p_dry_run
-- only counted. How many.
create function private.purge_recording_access_log(p_before timestamptz, p_dry_run boolean) returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_rows bigint;
begin
  if p_before is null then
    raise exception using errcode = '22023', message = 'p_before: required';
  end if;
  if coalesce(p_dry_run, false) then
    select count(*) into v_rows from public.recording_access_log as a where a.requested_at < p_before;
  else
    delete from public.recording_access_log as a where a.requested_at < p_before;
    get diagnostics v_rows = row_count;
  end if;
  return v_rows;
end;
$$;
comment on function private.purge_recording_access_log(timestamptz, boolean) is
'Recordings worker: the access log''s retention (rows before a moment deleted, or counted on a dry run).';
revoke execute on function private.purge_recording_access_log(timestamptz, boolean) from public;
grant execute on function private.purge_recording_access_log(timestamptz, boolean) to crm_recordings;

-- Signed-link rows p_hours hours past their expiry (or their creation, if
-- never signed) are deleted; the access log keeps the history. How many.
create function private.prune_recording_links(p_hours integer) returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_deleted integer;
begin
  if p_hours is null or p_hours < 0 then
    raise exception using
      errcode = '22023',
      message = format('p_hours: %s is not a number of hours', coalesce(p_hours::text, 'null'));
  end if;
  delete from public.recording_links as l
  where coalesce(l.expires_at, l.created_at) < now() - make_interval(hours => p_hours);
  get diagnostics v_deleted = row_count;
  return v_deleted;
end;
$$;
comment on function private.prune_recording_links(integer) is 'Recordings worker: drop link rows long expired.';
revoke execute on function private.prune_recording_links(integer) from public;
grant execute on function private.prune_recording_links(integer) to crm_recordings;
