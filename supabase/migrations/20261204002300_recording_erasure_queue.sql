-- The eraser's queue (recordings worker, erasure loop) under the workers' one
-- lease protocol (workers/README.md): private.recording_erasure_claim,
-- _finish, _fail and _release.
--
-- rpc/erase_lead marks a lead's recordings (recordings.erase_requested_at);
-- the eraser deletes each one's object from Storage and its local files,
-- then marks it erased. It used to hold a row lock on the recording across
-- those Storage calls, and to keep a list of the rows that failed so one bad
-- row did not stop the others. A lease does the same in short statements:
-- the claim names the worker (erase_worker) and when it took the row
-- (erase_claimed_at); a row whose erasure failed keeps that time and goes to
-- the back of the queue, behind every row not yet tried. The lease has
-- columns of its own, apart from the upload's (worker, heartbeat_at): a
-- recording may be uploading when its erasure is requested. One erasure is a
-- few deletes, far shorter than the lease, so there is no renew; running one
-- twice is harmless. Caller: workers/recordings/erasure.py.

-- ============================================================================
-- Section - Lease columns
-- ============================================================================

alter table public.recordings
add column erase_worker text,
add column erase_claimed_at timestamptz;
comment on column public.recordings.erase_worker is 'The worker deleting the recording after rpc/erase_lead.';
comment on column public.recordings.erase_claimed_at is
'When a worker last took the erasure (kept after a failure: failed rows go to the back of the queue).';

-- ============================================================================
-- Section - Worker functions
-- ============================================================================

-- Claims up to p_limit recordings marked for erasure and not yet purged or
-- erased, unclaimed or claimed more than p_stale_seconds ago: rows never
-- tried first, then the longest untried since their last attempt.
create function private.recording_erasure_claim(
  p_worker text, p_limit integer default 10, p_stale_seconds integer default 120
) returns table (call_id uuid, object_path text, source_file text)
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
    select r.call_id
    from public.recordings as r
    where
      r.erase_requested_at is not null
      and r.status not in ('purged', 'erased')
      and (r.erase_worker is null or r.erase_claimed_at < v_now - make_interval(secs => p_stale_seconds))
    order by r.erase_claimed_at nulls first, r.erase_requested_at, r.call_id
    limit p_limit
    for update skip locked
  )
  update public.recordings as r set erase_worker = p_worker, erase_claimed_at = v_now
  from picked as p
  where r.call_id = p.call_id
  returning r.call_id, r.object_path, r.source_file;
end;
$$;
comment on function private.recording_erasure_claim(text, integer, integer) is
'Recordings worker (erasure): claim recordings of erased leads whose object and files are still to delete.';
revoke execute on function private.recording_erasure_claim(text, integer, integer) from public;
grant execute on function private.recording_erasure_claim(text, integer, integer) to crm_recordings;

-- No renew: one erasure is a few deletes (see the top of this file).

-- The object and the local files are gone: erased, and the file name (which
-- often carries the lead's number) blanked, as mark_recording_removed does
-- for an erasure; any upload claim on it ends too. False when the claim was
-- lost (another eraser finished it).
create function private.recording_erasure_finish(p_id uuid, p_worker text) returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update public.recordings as r set
    status = 'erased', removed_at = private.now(), source_file = '[erased]', last_error = null,
    worker = null, heartbeat_at = null, erase_worker = null
  where r.call_id = p_id and r.erase_worker = p_worker and r.status not in ('purged', 'erased');
  return found;
end;
$$;
comment on function private.recording_erasure_finish(uuid, text) is
'Recordings worker (erasure): recording p_id is deleted everywhere, now erased; false when the claim was lost.';
revoke execute on function private.recording_erasure_finish(uuid, text) from public;
grant execute on function private.recording_erasure_finish(uuid, text) to crm_recordings;

-- A delete failed (Storage or the disk): the recording waits for a later
-- attempt, behind the rows not yet tried, with p_error. An erasure is never
-- given up, so p_final true is refused (22023). False when the claim was not
-- p_worker's (nothing changed).
create function private.recording_erasure_fail(p_id uuid, p_worker text, p_error text, p_final boolean)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_final then
    raise exception using
      errcode = '22023',
      message = 'p_final: an erasure is never given up; it is tried again until it is done';
  end if;
  update public.recordings as r set erase_worker = null, last_error = left(p_error, 2000)
  where r.call_id = p_id and r.erase_worker = p_worker and r.status not in ('purged', 'erased');
  return found;
end;
$$;
comment on function private.recording_erasure_fail(uuid, text, text, boolean) is
'Recordings worker (erasure): erasing recording p_id failed; it is tried again later (never final).';
revoke execute on function private.recording_erasure_fail(uuid, text, text, boolean) from public;
grant execute on function private.recording_erasure_fail(uuid, text, text, boolean) to crm_recordings;

-- Every erasure p_worker holds is given back, first in line again: on
-- (re)connecting and on a clean stop. Returns how many.
create function private.recording_erasure_release(p_worker text) returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_released integer;
begin
  update public.recordings as r set erase_worker = null, erase_claimed_at = null
  where r.erase_worker = p_worker and r.status not in ('purged', 'erased');
  get diagnostics v_released = row_count;
  return v_released;
end;
$$;
comment on function private.recording_erasure_release(text) is
'Recordings worker (erasure): give back every erasure p_worker holds (reconnect, stop); how many.';
revoke execute on function private.recording_erasure_release(text) from public;
grant execute on function private.recording_erasure_release(text) to crm_recordings;
