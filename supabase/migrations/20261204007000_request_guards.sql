-- Checks on every API request that belong to the database, not to a client:
--
-- * An ended session's access token is refused (issue 12, item 11). Supabase
--   Auth deletes a session's row at logout, at refresh-token reuse and when a
--   user is banned, but its access tokens stay valid until they expire. Every
--   PostgREST request first runs guard.check_request() (PostgREST's
--   db-pre-request, set below in the database, as Supabase documents it), which
--   refuses a token whose session_id names no live session: 401,
--   error code session_not_found.
-- * The client address in an audit row is the one the gateway saw (item 10).
--   On the embedded stack the gateway proves it forwarded the request with a
--   token of its own (private.gateway_settings, set by the stack at `up`);
--   without it the address is unknown (null), whatever X-Forwarded-For says.
--   Without a configured gateway (hosted Supabase, where nothing reaches
--   PostgREST around the API gateway) the first X-Forwarded-For address is
--   the client's, as the API gateway sets it.

-- ============================================================================
-- Section - Ended sessions
-- ============================================================================

-- A schema of its own: PostgREST calls the pre-request function as the
-- request's role, anon included, and anon has no usage on private.
create schema guard;
comment on schema guard is 'Functions PostgREST runs before every request (db-pre-request). Not exposed.';
revoke all on schema guard from public;
grant usage on schema guard to anon, authenticated, service_role;

create function guard.check_request() returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_session text := nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'session_id';
begin
  -- API keys and service tokens carry no session: nothing to check.
  if v_session is null then
    return;
  end if;
  if v_session ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
    and exists (select 1 from auth.sessions as s where s.id = v_session::uuid) then
    return;
  end if;
  -- PostgREST turns SQLSTATE PGRST into this body and status (its "raise errors
  -- with HTTP status codes" contract): the same 401 an expired token gets.
  raise sqlstate 'PGRST' using
    message = json_build_object(
      'code', 'session_not_found',
      'message', 'session_id: the session of this token has ended (signed out or revoked)',
      'details', null,
      'hint', 'Sign in again.'
    )::text,
    detail = json_build_object(
      'status', 401,
      'headers', json_build_object('WWW-Authenticate', 'Bearer error="invalid_token", error_description="session ended"')
    )::text;
end;
$$;
comment on function guard.check_request() is
'PostgREST db-pre-request: refuses an access token whose session has ended (401 session_not_found).';
revoke execute on function guard.check_request() from public;
grant execute on function guard.check_request() to anon, authenticated, service_role;

-- PostgREST reads its in-database settings from the authenticator role
-- (db-config) and reloads them on NOTIFY pgrst, 'reload config'.
alter role authenticator set pgrst.db_pre_request = 'guard.check_request'; -- noqa: PRS
notify pgrst, 'reload config';

-- ============================================================================
-- Section - Client address
-- ============================================================================

create table private.gateway_settings (
  id boolean primary key default true check (id),
  client_token_sha256 bytea not null check (length(client_token_sha256) = 32)
);
comment on table private.gateway_settings is
'The SHA-256 of the token the embedded stack''s gateway sends with every request (X-CRM-Gateway). Never exposed.';
revoke all on private.gateway_settings from public;

-- The address of the client of this request, as the gateway saw it; null when
-- unknown or not an IP address (nothing a client types is stored as is).
create function private.client_address() returns inet
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_headers jsonb := coalesce(nullif(current_setting('request.headers', true), '')::jsonb, '{}');
  v_expected bytea;
  v_address text;
begin
  select g.client_token_sha256 into v_expected from private.gateway_settings as g;
  if v_expected is null then
    v_address := btrim(split_part(v_headers ->> 'x-forwarded-for', ',', 1));
  elsif extensions.digest(coalesce(v_headers ->> 'x-crm-gateway', ''), 'sha256') = v_expected then
    v_address := v_headers ->> 'x-real-ip';
  end if;
  if v_address is null or length(v_address) > 45 or v_address !~ '^[0-9A-Fa-f:.]+$' then
    return null;
  end if;
  return v_address::inet;
exception
  when invalid_text_representation then
    return null;
end;
$$;
comment on function private.client_address() is
'The request''s client address as the gateway set it (X-Real-IP with the gateway''s token), else null.';
revoke execute on function private.client_address() from public;

-- The access log keeps what the gateway saw, and a bounded User-Agent.
create or replace function private.log_recording_access(
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
    host(private.client_address()), left(h.headers ->> 'user-agent', 512)
  from (
    select coalesce(nullif(current_setting('request.headers', true), '')::jsonb, '{}') as headers
  ) as h
$$;
