-- The reporting worker's export queue under the workers' one lease protocol
-- (workers/README.md): private.report_export_claim, _renew, _finish, _fail
-- and _release, in place of the SQL the worker used to send itself.
--
-- A claim is a lease on a public.report_exports row: status running, worker
-- and heartbeat_at. The heartbeat is the progress: renewed with rows_done
-- (and rows_total once counted) after every batch of rows. A row whose
-- heartbeat is older than p_stale_seconds (its worker died) is claimed again.
-- Every write after the claim changes nothing unless the row is still the
-- writer's running claim, and says so (false). Caller: the reporting
-- worker's exports loop (workers/reporting/exports.py).

-- ============================================================================
-- Section - Worker functions
-- ============================================================================

-- Claims the oldest p_limit exports that are queued or whose claim went
-- stale: running, held by p_worker, one attempt more, progress reset.
create function private.report_export_claim(
  p_worker text, p_limit integer default 1, p_stale_seconds integer default 120
) returns setof public.report_exports
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
    select e.id
    from public.report_exports as e
    where
      e.status = 'queued'
      or (e.status = 'running' and e.heartbeat_at < v_now - make_interval(secs => p_stale_seconds))
    order by e.requested_at
    limit p_limit
    for update skip locked
  )
  update public.report_exports as e set
    status = 'running', attempts = e.attempts + 1, worker = p_worker, heartbeat_at = v_now,
    started_at = v_now, rows_done = 0, error = null
  from picked as p
  where e.id = p.id
  returning e.*;
end;
$$;
comment on function private.report_export_claim(text, integer, integer) is
'Reporting worker (exports): claim the oldest queued or stale exports; they are running, held by p_worker.';
revoke execute on function private.report_export_claim(text, integer, integer) from public;
grant execute on function private.report_export_claim(text, integer, integer) to crm_reporting;

-- The heartbeat with the progress: rows written so far, and the total once
-- known (null keeps what is there). False: the claim was lost.
create function private.report_export_renew(
  p_id uuid, p_worker text, p_rows_done bigint default null, p_rows_total bigint default null
) returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update public.report_exports as e set
    heartbeat_at = private.now(),
    rows_done = coalesce(p_rows_done, e.rows_done),
    rows_total = coalesce(p_rows_total, e.rows_total)
  where e.id = p_id and e.worker = p_worker and e.status = 'running';
  return found;
end;
$$;
comment on function private.report_export_renew(uuid, text, bigint, bigint) is
'Reporting worker (exports): renew the claim on export p_id with its progress; false when it was lost.';
revoke execute on function private.report_export_renew(uuid, text, bigint, bigint) from public;
grant execute on function private.report_export_renew(uuid, text, bigint, bigint) to crm_reporting;

-- The file is in Storage: done, with its path and a signed URL valid
-- p_url_seconds from now. False when the claim was lost (the file is then
-- the new holder's to write again, at the same path).
create function private.report_export_finish(
  p_id uuid, p_worker text, p_rows bigint, p_storage_path text, p_signed_url text, p_url_seconds integer
) returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
begin
  update public.report_exports as e set
    status = 'done', rows_done = p_rows, rows_total = p_rows, storage_path = p_storage_path,
    signed_url = p_signed_url, signed_url_expires_at = v_now + make_interval(secs => p_url_seconds),
    finished_at = v_now, heartbeat_at = v_now
  where e.id = p_id and e.worker = p_worker and e.status = 'running';
  return found;
end;
$$;
comment on function private.report_export_finish(uuid, text, bigint, text, text, integer) is
'Reporting worker (exports): export p_id is done and signed; false when the claim was lost.';
revoke execute on function private.report_export_finish(uuid, text, bigint, text, text, integer) from public;
grant execute on function private.report_export_finish(uuid, text, bigint, text, text, integer) to crm_reporting;

-- The export failed. p_final: for good (the report was refused as its
-- requester, too many attempts), the requester reads p_error. Otherwise
-- queued again with p_error, for a later attempt. False when the claim was
-- not p_worker's (nothing changed).
create function private.report_export_fail(p_id uuid, p_worker text, p_error text, p_final boolean)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update public.report_exports as e set
    status = case when p_final then 'failed' else 'queued' end,
    error = left(p_error, 2000),
    finished_at = case when p_final then private.now() end,
    worker = case when p_final then e.worker end,
    heartbeat_at = case when p_final then e.heartbeat_at end
  where e.id = p_id and e.worker = p_worker and e.status = 'running';
  return found;
end;
$$;
comment on function private.report_export_fail(uuid, text, text, boolean) is
'Reporting worker (exports): export p_id failed, for good (p_final) or back to the queue.';
revoke execute on function private.report_export_fail(uuid, text, text, boolean) from public;
grant execute on function private.report_export_fail(uuid, text, text, boolean) to crm_reporting;

-- Every export p_worker holds goes back to the queue: on (re)connecting, for
-- the claims a dropped connection left behind, and on a clean stop. The
-- attempt it used stays counted. Returns how many were given back.
create function private.report_export_release(p_worker text) returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_released integer;
begin
  update public.report_exports as e set
    status = 'queued', worker = null, heartbeat_at = null,
    error = format('given back by worker %s (it stopped or reconnected)', p_worker)
  where e.worker = p_worker and e.status = 'running';
  get diagnostics v_released = row_count;
  return v_released;
end;
$$;
comment on function private.report_export_release(text) is
'Reporting worker (exports): give back every export p_worker holds (reconnect, stop); how many.';
revoke execute on function private.report_export_release(text) from public;
grant execute on function private.report_export_release(text) to crm_reporting;
