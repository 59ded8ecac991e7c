-- Listening without a round trip through a worker (issue 14, item 5).
--
-- Until now rpc/recording_url inserted a public.recording_links row that the
-- recordings worker (service role) signed a moment later, and the browser
-- polled the row. Now the database keeps deciding and logging, and hands the
-- caller a short-lived grant instead; the browser asks Storage for the signed
-- URL itself (createSignedUrl) and has it at once:
--
-- 1. rpc/recording_url(p_call_id), as before, decides and logs every request
--    in public.recording_access_log. A granted row is now also the grant:
--    the object's path, granted_until (private.now() + 30 s) and used_at
--    (null while unused). It returns {bucket, path, expires_in, ...}.
-- 2. Storage, asked to sign (POST /object/sign/recordings/<path>), first
--    reads the object as the caller, under RLS, as Supabase Storage does. The
--    policies below let that read through only while the caller holds a
--    fresh, unused grant for that very object, and the read uses it up
--    (private.use_recording_grant): one grant, one signature.
--
-- Why in the access log, not a table of its own: a grant is exactly one
-- granted request, already logged with who, what and when; a second table
-- would copy it. The log stays append-only except for that one step (used_at
-- from null to a time, by the grant's own use).
--
-- "Unused" and the scans. RLS quals may run on rows before the caller's own
-- filters, and Storage's list runs under the same policies. So the function
-- uses a grant only when Storage says it is signing (storage.operation =
-- 'storage.object.sign', which Supabase Storage sets on every request, with
-- request.path) and the row is the object named in the request's path; for
-- every other row, operation (list, download, info, move...) or caller it
-- answers false and changes nothing. Listing the bucket shows nothing.
--
-- What the grant does not bound: the lifetime of the URL, which the client
-- asks for (expiresIn; the RPC says 300 s). Storage takes it from the
-- request body, out of the database's sight. Whoever may sign may also
-- download the file in that time, so a longer URL gives them nothing more
-- than the file; the log names them.
--
-- The worker's signing loop and public.recording_links go: nothing signs for
-- anyone any more. Old log rows keep their link_id (the link is gone).

-- ============================================================================
-- Section - Grants in the access log
-- ============================================================================

alter table public.recording_access_log
add column object_path text,
add column granted_until timestamptz,
add column used_at timestamptz,
add column used_xact xid8,
add constraint recording_access_log_grant check (
  (object_path is null) = (granted_until is null)
  and (object_path is null or outcome = 'granted')
  and (used_at is null or object_path is not null)
  and ((used_at is null) = (used_xact is null))
);
comment on column public.recording_access_log.link_id is
'The public.recording_links row of a request granted before links were dropped (migration 20261205000900).';
comment on column public.recording_access_log.object_path is
'A grant: the object in the bucket recordings the requester may sign once, until granted_until.';
comment on column public.recording_access_log.granted_until is
'The grant''s end: after it, Storage no longer signs the object for the requester.';
comment on column public.recording_access_log.used_at is
'When Storage signed the object under this grant (null: not signed, or not a grant).';
comment on column public.recording_access_log.used_xact is
'The transaction that used the grant: the policies may ask twice within that one signing.';

-- The open grants of a user, found by the policy on every signing.
create index recording_access_log_open_grants_idx on public.recording_access_log (requested_by, object_path)
where object_path is not null and used_at is null;

-- Append-only, but for a grant's one use.
create function private.guard_recording_access_log_update() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if old.used_at is null and new.used_at is not null and new.object_path is not null
    and to_jsonb(new) - 'used_at' - 'used_xact' = to_jsonb(old) - 'used_at' - 'used_xact' then
    return new;
  end if;
  raise exception using
    errcode = '42501',
    message = format('%s: audit rows are append-only', tg_table_name);
end;
$$;

drop trigger recording_access_log_append_only on public.recording_access_log;
create trigger recording_access_log_append_only
before update on public.recording_access_log
for each row execute function private.guard_recording_access_log_update();

-- One granted request: the log row that is also the grant.
create function private.grant_recording_access(
  p_call_id uuid, p_campaign_id uuid, p_object_path text, p_seconds integer
) returns public.recording_access_log
language sql
volatile
security definer
set search_path = ''
as $$
  insert into public.recording_access_log (
    call_id, campaign_id, requested_by, requested_at, outcome, object_path, granted_until, client_address,
    user_agent
  )
  select
    p_call_id, p_campaign_id, (select auth.uid()), private.now(), 'granted', p_object_path,
    private.now() + make_interval(secs => p_seconds), host(private.client_address()),
    left(h.headers ->> 'user-agent', 512)
  from (
    select coalesce(nullif(current_setting('request.headers', true), '')::jsonb, '{}') as headers
  ) as h
  returning *
$$;
revoke execute on function private.grant_recording_access(uuid, uuid, text, integer) from public;

-- Does the caller hold a fresh, unused grant for this object, still stored,
-- while Storage signs it? If so it is used up now (true once per grant; again within the
-- same transaction, for the policies' second look). Called by the policies on
-- storage.objects for every row they check: for any row but the one the
-- request names, any operation but signing, or any caller without a grant,
-- false, and nothing is written.
create function private.use_recording_grant(p_bucket_id text, p_name text) returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_me uuid := (select auth.uid());
  v_target text := '/object/sign/recordings/' || p_name;
  v_path text := split_part(coalesce(current_setting('request.path', true), ''), '?', 1);
  v_id bigint;
begin
  if p_bucket_id is distinct from 'recordings' or p_name is null or v_me is null
    or current_setting('storage.operation', true) is distinct from 'storage.object.sign'
    or right(v_path, length(v_target)) <> v_target then
    return false;
  end if;
  if exists (
    select 1 from public.recording_access_log as a
    where
      a.requested_by = v_me and a.object_path = p_name
      and a.used_xact = pg_current_xact_id_if_assigned()
  ) then
    return true;
  end if;
  -- Skip locked: a grant another signing is using is not this one's.
  -- The recording must still be there to hear: not purged, nor its lead
  -- erased since the grant (rpc/erase_lead).
  select a.id into v_id
  from public.recording_access_log as a
  inner join public.recordings as r on a.call_id = r.call_id
  where
    a.requested_by = v_me and a.object_path = p_name and a.used_at is null
    and a.granted_until > private.now()
    and r.object_path = p_name and r.status = 'stored' and r.erase_requested_at is null
  order by a.id
  limit 1
  for update skip locked;
  if v_id is null then
    return false;
  end if;
  update public.recording_access_log as a set used_at = private.now(), used_xact = pg_current_xact_id()
  where a.id = v_id;
  return true;
end;
$$;
comment on function private.use_recording_grant(text, text) is
'RLS on storage.objects: whether the caller may sign this recording now; uses up the grant that allows it.';
revoke execute on function private.use_recording_grant(text, text) from public;
grant execute on function private.use_recording_grant(text, text) to anon, authenticated;

-- ============================================================================
-- Section - rpc/recording_url
-- ============================================================================

-- rpc/recording_url: decided and logged as before (migration
-- 20261204005020); a grant returns what the client needs to sign:
-- {bucket, path, expires_in, granted_until, call_id, access_id}.
create or replace function public.recording_url(p_call_id uuid) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_me uuid := (select auth.uid());
  v_call public.calls;
  v_recording public.recordings;
  v_grant public.recording_access_log;
begin
  if v_me is null then
    raise exception using
      errcode = '42501',
      message = 'recording_url: only a signed-in user may listen to a recording';
  end if;
  if p_call_id is null then
    return private.refuse_recording_access(null, null, '22023', 'p_call_id: required', 400);
  end if;

  -- An unknown call and one the caller may not hear get the same answer;
  -- the log keeps which it was (reason_code PT404 or 42501), for auditors.
  v_call := private.find_call(p_call_id);
  if v_call.id is null then
    return private.refuse_recording_access(
      p_call_id, null, 'PT404', 'p_call_id: not found or not yours', 404,
      p_logged_reason => 'p_call_id: no such call'
    );
  end if;

  if not (
    (
      private.has_permission('recordings.listen')
      and (private.is_admin() or v_call.campaign_id = any(array(select private.supervised_campaign_ids())))
    )
    or (
      v_call.agent_id = v_me
      and exists (
        select 1 from public.campaigns as c
        where c.id = v_call.campaign_id and c.agents_can_listen_own_recordings
      )
    )
  ) then
    return private.refuse_recording_access(
      p_call_id, v_call.campaign_id, 'PT404', 'p_call_id: not found or not yours', 404,
      p_logged_code => '42501', p_logged_reason => 'p_call_id: the caller may not listen to this call'
    );
  end if;

  select r.* into v_recording from public.recordings as r where r.call_id = p_call_id;
  if v_recording.call_id is null or v_recording.status <> 'stored' or v_recording.erase_requested_at is not null then
    return private.refuse_recording_access(
      p_call_id, v_call.campaign_id, 'PT404',
      format('p_call_id: call %s has no recording to listen to', p_call_id), 404,
      format('recording_status: %s', coalesce(v_call.recording_status, 'none'))
    );
  end if;

  -- 30 s to ask Storage (the browser does it at once); a URL for 5 minutes.
  v_grant := private.grant_recording_access(p_call_id, v_call.campaign_id, v_recording.object_path, 30);
  return jsonb_build_object(
    'bucket', 'recordings',
    'path', v_grant.object_path,
    'expires_in', 300,
    'granted_until', v_grant.granted_until,
    'call_id', p_call_id,
    'access_id', v_grant.id
  );
end;
$$;
comment on function public.recording_url(uuid) is
'Ask to listen to a call''s recording: logged; a grant to sign it once in Storage ({bucket, path, expires_in}), '
'or the refusal.';

-- ============================================================================
-- Section - Storage policies
-- ============================================================================

-- The restrictive policy of migration 20261124008100 kept every API role
-- away from the bucket for every command. Writes stay closed the same way;
-- reads open only through a grant, in the restrictive select policy (so no
-- permissive policy added later opens more) and in the one permissive policy
-- that lets a grant's holder through.
drop policy "Only the service role reaches recordings" on storage.objects;

create policy "Only the service role uploads recordings"
on storage.objects as restrictive for insert to anon, authenticated
with check (bucket_id <> 'recordings');

create policy "Only the service role changes recordings"
on storage.objects as restrictive for update to anon, authenticated
using (bucket_id <> 'recordings')
with check (bucket_id <> 'recordings');

create policy "Only the service role deletes recordings"
on storage.objects as restrictive for delete to anon, authenticated
using (bucket_id <> 'recordings');

create policy "Recordings are read only under a grant"
on storage.objects as restrictive for select to anon, authenticated
using (bucket_id <> 'recordings' or private.use_recording_grant(bucket_id, name));

create policy "Listeners can sign the recording they were granted"
on storage.objects for select to authenticated
using (bucket_id = 'recordings' and private.use_recording_grant(bucket_id, name));

-- ============================================================================
-- Section - No more signed links
-- ============================================================================

-- rpc/erase_lead without the links (migration 20261124008400, less one line).
create or replace function public.erase_lead(p_lead_id uuid) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_lead public.leads;
  v_phones text[];
  v_call_ids uuid[];
  v_hold public.legal_holds;
  v_summary jsonb;
  v_calls integer;
  v_recordings integer;
  v_callbacks integer;
  v_sales integer;
  v_history integer;
  v_do_not_call integer;
  v_originates integer;
begin
  perform private.require_compliance_manager('erase_lead');
  if p_lead_id is null then
    raise exception using errcode = '22023', message = 'p_lead_id: required';
  end if;
  select l.* into v_lead from public.leads as l where l.id = p_lead_id for update;
  if v_lead.id is null then
    raise exception using errcode = 'PT404', message = format('p_lead_id: no lead %s', p_lead_id);
  end if;
  if v_lead.erased_at is not null then
    raise exception using
      errcode = 'PT409',
      message = format('p_lead_id: lead %s was already erased at %s', p_lead_id, v_lead.erased_at),
      detail = 'already_erased';
  end if;
  if v_lead.status = 'in_call' then
    raise exception using
      errcode = 'PT409',
      message = format('p_lead_id: lead %s is in a call; erase it once the call is over', p_lead_id),
      detail = 'in_call';
  end if;
  -- The lead's calls, read once (across every monthly partition).
  select coalesce(array_agg(c.id), '{}') into v_call_ids from public.calls as c where c.lead_id = p_lead_id;
  select h.* into v_hold
  from public.legal_holds as h
  where
    h.released_at is null
    and (h.lead_id = p_lead_id or h.call_id = any(v_call_ids))
  order by h.placed_at
  limit 1;
  if v_hold.id is not null then
    raise exception using
      errcode = 'PT409',
      message = format('p_lead_id: lead %s is under legal hold %s (%s); release it first', p_lead_id, v_hold.id,
        v_hold.reason),
      detail = 'legal_hold';
  end if;
  v_phones := array_remove(array[v_lead.phone::text] || v_lead.alternate_phones::text[], null);

  -- Recordings: the worker deletes objects and local files.
  update public.recordings as r set erase_requested_at = v_now
  where r.call_id = any(v_call_ids) and r.status not in ('purged', 'erased') and r.erase_requested_at is null;
  get diagnostics v_recordings = row_count;
  -- Already purged: no object is left, but the file name often carries the number.
  update public.recordings as r set source_file = '[erased]', last_error = null
  where r.call_id = any(v_call_ids) and r.status = 'purged' and r.source_file <> '[erased]';

  -- The call says erased at once (rpc/recording_url refuses it already); the
  -- worker confirms it when the object is gone.
  update public.calls as c set
    phone_number = null, notes = '', recording_file = null, recording_path = null, erased_at = v_now,
    recording_status = case
      when c.recording_status in ('pending', 'stored', 'failed') then 'erased' else c.recording_status
    end
  where c.lead_id = p_lead_id;
  get diagnostics v_calls = row_count;

  update public.callbacks as cb set
    notes = '',
    status = case when cb.status = 'pending' then 'cancelled'::public.callback_status else cb.status end,
    completed_at = case when cb.status = 'pending' then v_now else cb.completed_at end
  where cb.lead_id = p_lead_id;
  get diagnostics v_callbacks = row_count;

  -- Sales stay (amounts, products, agents, validation) without their free text.
  update public.sales as s set
    notes = '', status_reason = case when s.status_reason is not null then '[erased]' end
  where s.lead_id = p_lead_id;
  get diagnostics v_sales = row_count;
  update public.sale_status_history as h set reason = '[erased]'
  where
    h.sale_id in (select s.id from public.sales as s where s.lead_id = p_lead_id)
    and h.reason is not null and h.reason <> '[erased]';

  delete from public.originate_requests as o where o.lead_id = p_lead_id;
  get diagnostics v_originates = row_count;

  delete from public.do_not_call as d where d.phone = any(v_phones);
  get diagnostics v_do_not_call = row_count;

  update public.leads as l set
    first_name = '[erased]', last_name = '', phone = null, alternate_phones = '{}', email = null,
    birth_date = null, address_line = '', city = '', region = '', postal_code = '', custom = '{}',
    notes = '', external_ref = null, consent_contact = false, consent_recording = false,
    consent_marketing = false, owner_id = null, status = 'erased', erased_at = v_now
  where l.id = p_lead_id;

  -- The history held the old values: one row naming what was erased replaces it.
  delete from public.lead_history as h where h.lead_id = p_lead_id;
  get diagnostics v_history = row_count;
  insert into public.lead_history (
    lead_id, campaign_id, operation, changed_fields, old_values, new_values, changed_by, actor, via, changed_at
  ) values (
    p_lead_id, v_lead.campaign_id, 'update',
    array[
      'first_name', 'last_name', 'phone', 'alternate_phones', 'email', 'birth_date', 'address_line', 'city',
      'region', 'postal_code', 'custom', 'notes', 'external_ref', 'status', 'erased_at'
    ],
    null, jsonb_build_object('status', 'erased', 'erased_at', v_now),
    (select auth.uid()), private.current_actor(), 'rpc/erase_lead', v_now
  );

  v_summary := jsonb_build_object(
    'lead_id', p_lead_id, 'erased_at', v_now, 'calls', v_calls, 'recordings', v_recordings,
    'callbacks', v_callbacks, 'sales', v_sales, 'history_rows', v_history,
    'do_not_call', v_do_not_call, 'originate_requests', v_originates
  );
  insert into public.compliance_log (action, lead_id, performed_by, performed_at, summary)
  values ('erase', p_lead_id, (select auth.uid()), v_now, v_summary - 'lead_id');
  perform pg_notify('recording_erasures', p_lead_id::text);
  return v_summary;
end;
$$;


drop function private.recording_link_claim(text, integer, integer, integer);
drop function private.recording_link_finish(uuid, text, text, integer);
drop function private.recording_link_fail(uuid, text, text, boolean);
drop function private.recording_link_release(text);
drop function private.prune_recording_links(integer);
drop table public.recording_links;
