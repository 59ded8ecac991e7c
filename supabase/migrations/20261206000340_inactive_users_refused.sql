-- A deactivated user's requests are refused before any policy runs.
--
-- rpc/deactivate_user ends the user's sessions at once, but until the
-- accounts worker has banned them in Auth they can still sign in and get a
-- new one; and some policies let a user reach their own rows without asking
-- whether their profile is active (a lead's owner, their own profile). So
-- PostgREST's pre-request check (guard.check_request, migration
-- 20261204007000) now also refuses the token of a user whose profile is
-- inactive: 403, error code user_deactivated, on every request. One primary
-- key lookup more per request, next to the session lookup already there.

create or replace function guard.check_request() returns void
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
  if not (
    v_session ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
    and exists (select 1 from auth.sessions as s where s.id = v_session::uuid)
  ) then
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
  end if;
  if exists (select 1 from public.profiles as p where p.id = (select auth.uid()) and not p.active) then
    raise sqlstate 'PGRST' using
      message = json_build_object(
        'code', 'user_deactivated',
        'message', 'sub: this account is deactivated',
        'details', null,
        'hint', 'An administrator can reactivate it.'
      )::text,
      detail = json_build_object('status', 403, 'headers', json_build_object())::text;
  end if;
end;
$$;
comment on function guard.check_request() is
'PostgREST db-pre-request: refuses a token whose session ended (401) or whose user is deactivated (403).';
