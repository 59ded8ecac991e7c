-- Listening to a recording: rpc/recording_url, its access log, and the
-- signed links the recordings worker hands out.
--
-- rpc/recording_url(p_call_id) decides, in the database, who may listen:
-- recordings.listen on a campaign the caller runs (admins: any campaign), or
-- the call's own agent when the campaign allows agents to hear their calls.
-- Every request is written to public.recording_access_log (who, when, which
-- call, from which address and browser, granted or refused and why). A
-- refusal must stay logged, so it is not raised (that would roll the log row
-- back): the function returns PostgREST's error body with the HTTP status
-- (response.status) and the transaction commits. Clients see an ordinary
-- error: {code, message, details, hint} with 403 (42501), 404 (PT404) or
-- 400 (22023).
--
-- The URL is signed where the Storage secret lives: the recordings worker
-- (service role) asks Storage to sign the object for the request's lifetime
-- (createSignedUrl). A granted request returns a row of
-- public.recording_links in status signing; the worker fills url and
-- expires_at within a moment (woken by NOTIFY recording_links) and the
-- requester reads the row (RLS: own rows only) until it is ready. Links are
-- deleted a day after they expire; the log stays.

-- ============================================================================
-- Section - Access log
-- ============================================================================

create table public.recording_access_log (
  id bigint generated always as identity primary key,
  call_id uuid,
  campaign_id uuid,
  requested_by uuid,
  requested_at timestamptz not null default now(),
  outcome text not null,
  reason_code text,
  reason text,
  link_id uuid,
  client_address text,
  user_agent text,
  constraint recording_access_log_outcome check (outcome in ('granted', 'refused')),
  constraint recording_access_log_reason_when_refused check ((outcome = 'refused') = (reason_code is not null))
);
comment on table public.recording_access_log is
'Every request to listen to a recording, granted or refused; append-only for every API role.';
comment on column public.recording_access_log.call_id is 'The call asked for (kept even when no such call exists).';
comment on column public.recording_access_log.reason_code is
'Why it was refused: the SQLSTATE returned (42501, PT404, 22023).';
comment on column public.recording_access_log.link_id is 'The public.recording_links row of a granted request.';
comment on column public.recording_access_log.client_address is
'The client''s address as the gateway saw it (X-Forwarded-For).';

create index recording_access_log_call_id_idx on public.recording_access_log (call_id, requested_at);
create index recording_access_log_campaign_id_idx on public.recording_access_log (campaign_id, requested_at);
create index recording_access_log_requested_by_idx on public.recording_access_log (requested_by, requested_at);

alter table public.recording_access_log enable row level security;
grant select on public.recording_access_log to authenticated;
-- The service role may purge old rows under the retention policy, never edit.
grant select, delete on public.recording_access_log to service_role;

create trigger recording_access_log_append_only
before update on public.recording_access_log
for each row execute function private.forbid_audit_update();

-- ============================================================================
-- Section - Signed links
-- ============================================================================

create table public.recording_links (
  id uuid primary key default gen_random_uuid(),
  call_id uuid not null,
  object_path text not null,
  requested_by uuid not null references public.profiles (id) on delete cascade,
  status text not null default 'signing',
  url text,
  expires_at timestamptz,
  error text,
  created_at timestamptz not null default now(),
  signed_at timestamptz,
  constraint recording_links_status check (status in ('signing', 'ready', 'failed')),
  constraint recording_links_ready_has_url check ((status = 'ready') = (url is not null and expires_at is not null))
);
comment on table public.recording_links is
'Signed URLs of granted recording requests, filled by the recordings worker; each readable by its requester only.';
comment on column public.recording_links.status is
'signing (waiting for the worker), ready (url set) or failed (error set).';
comment on column public.recording_links.url is 'The signed Storage URL; stops working at expires_at.';

create index recording_links_pending_idx on public.recording_links (created_at) where status = 'signing';
create index recording_links_requested_by_idx on public.recording_links (requested_by, created_at);

alter table public.recording_links enable row level security;
grant select on public.recording_links to authenticated;
grant all on public.recording_links to service_role;

-- ============================================================================
-- Section - Public functions
-- ============================================================================

-- One row of the access log: the signed-in caller, now, and where from (the
-- gateway's X-Forwarded-For and the browser's User-Agent, as PostgREST
-- passes the request's headers).
create function private.log_recording_access(
  p_call_id uuid, p_campaign_id uuid, p_outcome text, p_reason_code text, p_reason text, p_link_id uuid
) returns void
language sql
volatile
security definer
set search_path = ''
as $$
  insert into public.recording_access_log (
    call_id, campaign_id, requested_by, requested_at, outcome, reason_code, reason, link_id, client_address,
    user_agent
  )
  select
    p_call_id, p_campaign_id, (select auth.uid()), private.now(), p_outcome, p_reason_code, p_reason, p_link_id,
    btrim(split_part(h.headers ->> 'x-forwarded-for', ',', 1)), h.headers ->> 'user-agent'
  from (
    select coalesce(nullif(current_setting('request.headers', true), '')::jsonb, '{}') as headers
  ) as h
$$;
revoke execute on function private.log_recording_access(uuid, uuid, text, text, text, uuid) from public;

-- Logs a refusal and returns PostgREST's error body with its HTTP status.
create function private.refuse_recording_access(
  p_call_id uuid, p_campaign_id uuid, p_code text, p_message text, p_status integer, p_detail text default null
) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform private.log_recording_access(p_call_id, p_campaign_id, 'refused', p_code, p_message, null);
  perform set_config('response.status', p_status::text, true);
  return jsonb_build_object('code', p_code, 'message', p_message, 'details', p_detail, 'hint', null);
end;
$$;
revoke execute on function private.refuse_recording_access(uuid, uuid, text, text, integer, text) from public;

-- rpc/recording_url: a request to listen to call p_call_id's recording.
-- Granted: the new public.recording_links row (status signing; the worker
-- fills url and expires_at). Refused: the error body, with HTTP 400/403/404.
create function public.recording_url(p_call_id uuid) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_me uuid := (select auth.uid());
  v_call public.calls;
  v_recording public.recordings;
  v_link public.recording_links;
begin
  if v_me is null then
    raise exception using
      errcode = '42501',
      message = 'recording_url: only a signed-in user may listen to a recording';
  end if;
  if p_call_id is null then
    return private.refuse_recording_access(null, null, '22023', 'p_call_id: required', 400);
  end if;

  v_call := private.find_call(p_call_id);
  if v_call.id is null then
    return private.refuse_recording_access(p_call_id, null, 'PT404', format('p_call_id: no call %s', p_call_id), 404);
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
      p_call_id, v_call.campaign_id, '42501',
      format('p_call_id: you may not listen to the recording of call %s', p_call_id), 403
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

  insert into public.recording_links (call_id, object_path, requested_by, created_at)
  values (p_call_id, v_recording.object_path, v_me, private.now())
  returning * into v_link;
  perform private.log_recording_access(p_call_id, v_call.campaign_id, 'granted', null, null, v_link.id);
  perform pg_notify('recording_links', v_link.id::text);
  return to_jsonb(v_link);
end;
$$;
comment on function public.recording_url(uuid) is
'Ask to listen to a call''s recording: logged; returns a recording_links row the worker signs, or the refusal.';
revoke execute on function public.recording_url(uuid) from public, anon;
grant execute on function public.recording_url(uuid) to authenticated;

-- ============================================================================
-- Section - RLS Policies
-- ============================================================================

-- Written only by rpc/recording_url; read by admins and by the supervisors of
-- the call's campaign.
create policy "Supervisors and admins can view the access log of their campaigns"
on public.recording_access_log for select to authenticated
using (
  (select private.is_admin())
  or campaign_id = any(array(select private.supervised_campaign_ids()))
);

create policy "Users can view their own recording links"
on public.recording_links for select to authenticated
using (requested_by = (select auth.uid()));
