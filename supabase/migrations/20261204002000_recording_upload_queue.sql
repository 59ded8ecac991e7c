-- The recordings worker's upload queue under the workers' one lease
-- protocol (workers/README.md): private.recording_upload_claim, _renew,
-- _finish, _fail and _release replace claim_recordings,
-- renew_recording_claim, finish_recording_upload and fail_recording of
-- migration 20261124008100, with the same rules.
--
-- A claim is a lease on a public.recordings row: status uploading, worker
-- (who holds it) and heartbeat_at (its last sign of life). Every write after
-- the claim names its worker and changes nothing unless the row is still that
-- worker's, so a worker presumed dead that comes back never overwrites the
-- one that took over; renew and finish say false when the claim was lost
-- (taken over, or the lead's erasure was requested). Caller: the recordings
-- worker's uploads loop (workers/recordings/uploads.py).

drop function private.claim_recordings(text, integer, integer, integer, integer);
drop function private.renew_recording_claim(uuid, text);
drop function private.finish_recording_upload(uuid, text, text, bigint, text, numeric);
drop function private.fail_recording(uuid, text, text, boolean);

-- ============================================================================
-- Section - Worker functions
-- ============================================================================

-- Claims up to p_limit recordings whose call has ended (at least
-- p_settle_seconds ago, so Asterisk has closed the file; a call the PBX never
-- ended counts after six hours), or whose claim went stale (no heartbeat for
-- p_stale_seconds). A recording that failed before waits p_retry_seconds
-- times its attempts. Each is returned with the action to take: upload (now
-- status uploading, held by p_worker) or discard (the campaign or the lead's
-- answer does not allow keeping it: now declined, not held; the worker
-- deletes the local file).
create function private.recording_upload_claim(
  p_worker text,
  p_limit integer default 10,
  p_settle_seconds integer default 5,
  p_stale_seconds integer default 300,
  p_retry_seconds integer default 30
) returns table (
  call_id uuid, campaign_id uuid, call_started_at timestamptz, source_file text, object_path text,
  attempts integer, action text
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception using errcode = '22023', message = 'p_worker: required';
  end if;
  return query
  with picked as (
    select r.call_id, private.recording_allowed(c.campaign_id, c.recording_consent) as allowed
    from public.recordings as r
    inner join public.calls as c on r.call_id = c.id and r.call_started_at = c.started_at
    where
      r.erase_requested_at is null
      and (
        (
          r.status = 'pending'
          and (r.attempts = 0 or r.updated_at < v_now - make_interval(secs => p_retry_seconds * r.attempts))
          and (
            (c.status = 'ended' and c.ended_at < v_now - make_interval(secs => p_settle_seconds))
            or c.started_at < v_now - interval '6 hours'
          )
        )
        or (r.status = 'uploading' and r.heartbeat_at < v_now - make_interval(secs => p_stale_seconds))
      )
    order by r.created_at
    limit p_limit
    for update of r skip locked
  )
  update public.recordings as r set
    status = case when p.allowed then 'uploading' else 'declined' end,
    attempts = r.attempts + case when p.allowed then 1 else 0 end,
    worker = case when p.allowed then p_worker end,
    heartbeat_at = case when p.allowed then v_now end,
    object_path = case when p.allowed then
      coalesce(r.campaign_id::text, 'no-campaign') || '/' || to_char(r.call_started_at at time zone 'UTC', 'YYYY/MM/DD')
      || '/' || r.call_id || '.opus'
    end
  from picked as p
  where r.call_id = p.call_id
  returning
    r.call_id, r.campaign_id, r.call_started_at, r.source_file, r.object_path, r.attempts,
    case when p.allowed then 'upload' else 'discard' end;
end;
$$;
comment on function private.recording_upload_claim(text, integer, integer, integer, integer) is
'Recordings worker (uploads): claim finished calls'' recordings; action upload (uploading) or discard (declined).';
revoke execute on function private.recording_upload_claim(text, integer, integer, integer, integer) from public;
grant execute on function private.recording_upload_claim(text, integer, integer, integer, integer) to crm_recordings;

-- The heartbeat, renewed while a long conversion or upload runs. False: the
-- claim was lost (another worker took it over, or the lead's erasure was
-- requested).
create function private.recording_upload_renew(p_id uuid, p_worker text) returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update public.recordings as r set heartbeat_at = private.now()
  where r.call_id = p_id and r.worker = p_worker and r.status = 'uploading' and r.erase_requested_at is null;
  return found;
end;
$$;
comment on function private.recording_upload_renew(uuid, text) is
'Recordings worker (uploads): renew the claim on recording p_id; false when it was lost.';
revoke execute on function private.recording_upload_renew(uuid, text) from public;
grant execute on function private.recording_upload_renew(uuid, text) to crm_recordings;

-- The upload is verified: the object is stored. False when the claim was
-- lost meanwhile (the worker then leaves the object to whoever holds it, or,
-- if the lead's erasure was requested, deletes it).
create function private.recording_upload_finish(
  p_id uuid, p_worker text, p_format text, p_bytes bigint, p_sha256 text, p_duration_seconds numeric
) returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update public.recordings as r set
    status = 'stored', format = p_format, bytes = p_bytes, sha256 = p_sha256,
    duration_seconds = p_duration_seconds, stored_at = private.now(), worker = null, heartbeat_at = null,
    last_error = null
  where r.call_id = p_id and r.worker = p_worker and r.status = 'uploading' and r.erase_requested_at is null;
  return found;
end;
$$;
comment on function private.recording_upload_finish(uuid, text, text, bigint, text, numeric) is
'Recordings worker (uploads): recording p_id is stored and verified; false when the claim was lost.';
revoke execute on function private.recording_upload_finish(uuid, text, text, bigint, text, numeric) from public;
grant execute on function private.recording_upload_finish(uuid, text, text, bigint, text, numeric) to crm_recordings;

-- The file could not be uploaded. p_final: it never will be (empty, corrupt,
-- outside the monitor directory, given up after its attempts): failed, the
-- local file stays for a person to look at. Otherwise back to pending for a
-- later attempt. False when the claim was not p_worker's (nothing changed).
create function private.recording_upload_fail(p_id uuid, p_worker text, p_error text, p_final boolean)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update public.recordings as r set
    status = case when p_final then 'failed' else 'pending' end,
    last_error = left(p_error, 2000), worker = null, heartbeat_at = null
  where r.call_id = p_id and r.worker = p_worker and r.status = 'uploading';
  return found;
end;
$$;
comment on function private.recording_upload_fail(uuid, text, text, boolean) is
'Recordings worker (uploads): recording p_id failed, for good (p_final) or back to pending.';
revoke execute on function private.recording_upload_fail(uuid, text, text, boolean) from public;
grant execute on function private.recording_upload_fail(uuid, text, text, boolean) to crm_recordings;

-- Every recording p_worker holds goes back to pending: on (re)connecting, for
-- the claims a dropped connection left behind, and on a clean stop. The
-- attempt it used stays counted. Returns how many were given back.
create function private.recording_upload_release(p_worker text) returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_released integer;
begin
  update public.recordings as r set
    status = 'pending', worker = null, heartbeat_at = null,
    last_error = format('given back by worker %s (it stopped or reconnected)', p_worker)
  where r.worker = p_worker and r.status = 'uploading';
  get diagnostics v_released = row_count;
  return v_released;
end;
$$;
comment on function private.recording_upload_release(text) is
'Recordings worker (uploads): give back every recording p_worker holds (reconnect, stop); how many.';
revoke execute on function private.recording_upload_release(text) from public;
grant execute on function private.recording_upload_release(text) to crm_recordings;
