-- The signer's queue (recordings worker, links loop) under the workers' one
-- lease protocol (workers/README.md): private.recording_link_claim, _finish,
-- _fail and _release.
--
-- The signer used to hold a row lock on the link (select ... for update skip
-- locked) for as long as Storage took to sign it: a transaction left open
-- across an HTTP call. A short lease does the same work in two short
-- statements: the claim names the worker (recording_links.worker) and when
-- it took the link (claimed_at); a signer that dies leaves the link to be
-- claimed again p_stale_seconds later, or at once by its own restart
-- (release). Signing is one Storage call, far shorter than the lease, so
-- there is no renew: a claim outliving its lease only means a second signer
-- may sign the same link, and the first finish wins (the other is told the
-- claim was lost). Caller: workers/recordings/links.py.

-- ============================================================================
-- Section - Lease columns
-- ============================================================================

alter table public.recording_links
add column worker text,
add column claimed_at timestamptz;
comment on column public.recording_links.worker is 'The worker signing it (or that signed it).';
comment on column public.recording_links.claimed_at is
'When that worker took it; the signed URL''s lifetime counts from this whole second.';

-- ============================================================================
-- Section - Worker functions
-- ============================================================================

-- Claims the oldest p_limit links waiting for a signature, unclaimed or
-- claimed more than p_stale_seconds ago, with what the signer needs to
-- decide: the recording's state now (it may have gone since the grant), how
-- long the link has waited, and whether that is past p_give_up_seconds (a
-- link Storage could not sign by then is failed rather than kept waiting).
-- Times are the real clock's: the URL is signed by Storage's.
create function private.recording_link_claim(
  p_worker text, p_limit integer default 1, p_stale_seconds integer default 30, p_give_up_seconds integer default 60
) returns table (
  id uuid, call_id uuid, object_path text, created_at timestamptz, waited_seconds double precision,
  too_old boolean, recording_status text, stored_path text, erase_requested_at timestamptz
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := clock_timestamp();
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception using errcode = '22023', message = 'p_worker: required';
  end if;
  return query
  with picked as (
    select l.id
    from public.recording_links as l
    where
      l.status = 'signing'
      and (l.worker is null or l.claimed_at < v_now - make_interval(secs => p_stale_seconds))
    order by l.created_at
    limit p_limit
    for update skip locked
  )
  update public.recording_links as l set worker = p_worker, claimed_at = v_now
  from picked as p
  where l.id = p.id
  returning
    l.id, l.call_id, l.object_path, l.created_at,
    extract(epoch from v_now - l.created_at)::double precision,
    v_now - l.created_at > make_interval(secs => p_give_up_seconds),
    (select r.status from public.recordings as r where r.call_id = l.call_id),
    (select r.object_path from public.recordings as r where r.call_id = l.call_id),
    (select r.erase_requested_at from public.recordings as r where r.call_id = l.call_id);
end;
$$;
comment on function private.recording_link_claim(text, integer, integer, integer) is
'Recordings worker (links): claim the oldest links waiting for a signature, with their recording''s state.';
revoke execute on function private.recording_link_claim(text, integer, integer, integer) from public;
grant execute on function private.recording_link_claim(text, integer, integer, integer) to crm_recordings;

-- No renew: signing is one short Storage call (see the top of this file).

-- The link is signed: ready with p_url, which expires p_url_seconds after
-- the whole second the link was claimed in (Storage stamps its token in
-- whole seconds after that, so expires_at is never later than the token's
-- own expiry). False when the claim was lost (another signer's URL stands).
create function private.recording_link_finish(p_id uuid, p_worker text, p_url text, p_url_seconds integer)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update public.recording_links as l set
    status = 'ready', url = p_url, signed_at = clock_timestamp(), error = null,
    expires_at = date_trunc('second', l.claimed_at) + make_interval(secs => p_url_seconds)
  where l.id = p_id and l.worker = p_worker and l.status = 'signing';
  return found;
end;
$$;
comment on function private.recording_link_finish(uuid, text, text, integer) is
'Recordings worker (links): link p_id is signed and ready; false when the claim was lost.';
revoke execute on function private.recording_link_finish(uuid, text, text, integer) from public;
grant execute on function private.recording_link_finish(uuid, text, text, integer) to crm_recordings;

-- The link could not be signed. p_final: never will be (the recording is
-- gone, Storage refused, or it waited too long): failed, the requester reads
-- p_error. Otherwise it waits for another try, unclaimed. False when the
-- claim was not p_worker's (nothing changed).
create function private.recording_link_fail(p_id uuid, p_worker text, p_error text, p_final boolean)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update public.recording_links as l set
    status = case when p_final then 'failed' else 'signing' end,
    error = left(p_error, 2000),
    worker = case when p_final then l.worker end,
    claimed_at = case when p_final then l.claimed_at end
  where l.id = p_id and l.worker = p_worker and l.status = 'signing';
  return found;
end;
$$;
comment on function private.recording_link_fail(uuid, text, text, boolean) is
'Recordings worker (links): link p_id failed, for good (p_final) or left waiting for another try.';
revoke execute on function private.recording_link_fail(uuid, text, text, boolean) from public;
grant execute on function private.recording_link_fail(uuid, text, text, boolean) to crm_recordings;

-- Every link p_worker holds waits unclaimed again: on (re)connecting and on a
-- clean stop. Returns how many were given back.
create function private.recording_link_release(p_worker text) returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_released integer;
begin
  update public.recording_links as l set worker = null, claimed_at = null
  where l.worker = p_worker and l.status = 'signing';
  get diagnostics v_released = row_count;
  return v_released;
end;
$$;
comment on function private.recording_link_release(text) is
'Recordings worker (links): give back every link p_worker is signing (reconnect, stop); how many.';
revoke execute on function private.recording_link_release(text) from public;
grant execute on function private.recording_link_release(text) to crm_recordings;
