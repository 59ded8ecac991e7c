-- SIP credentials: agents' softphones register with short-lived credentials.
--
-- No SIP password is stored anywhere. rpc/sip_credentials() issues the
-- signed-in agent credentials for its own extension in the ephemeral scheme
-- Kamailio checks with auth_ephemeral (the TURN REST API scheme): username
-- `<unix expiry>:<extension>`, password base64(HMAC-SHA1(secret, username)).
-- The secret is held only by the database (private.sip_settings, out of the
-- API's reach) and by Kamailio.

-- ============================================================================
-- Section - Extensions of agents
-- ============================================================================

alter table public.profiles
add column sip_extension text unique check (sip_extension ~ '^[0-9]{3,6}$');
comment on column public.profiles.sip_extension is 'The agent''s SIP extension; null for users without a phone.';

-- The extension is an admin's decision, like the role.
create or replace function private.guard_profile_columns() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (select auth.role()) = 'authenticated'
    and not (select private.has_permission('users.manage'))
    and (new.role, new.active, new.email, new.id, new.sip_extension)
    is distinct from (old.role, old.active, old.email, old.id, old.sip_extension) then
    raise exception using
      errcode = '42501',
      message = 'role: changing a user''s role, activity, email or extension needs users.manage';
  end if;
  return new;
end;
$$;

-- ============================================================================
-- Section - SIP settings
-- ============================================================================

-- One row: where the SIP proxy is and the secret it shares with us. Set by
-- the platform (scripts/up here; once by an admin on a hosted project).
create table private.sip_settings (
  id boolean primary key default true check (id),
  domain text not null,
  ws_url text not null check (ws_url ~ '^wss?://'),
  secret text not null check (length(secret) >= 16),
  ttl interval not null default '1 hour' check (ttl between '1 minute' and '1 day')
);
comment on table private.sip_settings is 'The SIP domain, WebSocket URL and auth_ephemeral secret. Never exposed.';
revoke all on private.sip_settings from public;

-- ============================================================================
-- Section - Public functions
-- ============================================================================

create type public.sip_credential as (
  username text,
  password text,
  extension text,
  domain text,
  ws_url text,
  expires_at timestamptz
);

-- rpc/sip_credentials: credentials for the caller's own extension, valid for
-- sip_settings.ttl. The webphone renews them before expires_at.
create function public.sip_credentials() returns public.sip_credential
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_extension text;
  v_settings private.sip_settings;
  v_expires_at timestamptz;
  v_username text;
begin
  select p.sip_extension into v_extension
  from public.profiles as p
  where p.id = (select auth.uid()) and p.active;
  if not found then
    raise exception using
      errcode = '42501', message = 'sip_credentials: only an active, signed-in user has SIP credentials';
  end if;
  if v_extension is null then
    raise exception using
      errcode = '22023',
      message = 'sip_extension: you have no SIP extension; an admin assigns one in your profile';
  end if;
  select * into v_settings from private.sip_settings;
  if not found then
    raise exception using
      errcode = '55000', message = 'sip_settings: the SIP proxy is not configured';
  end if;
  v_expires_at := date_trunc('second', now() + v_settings.ttl);
  v_username := extract(epoch from v_expires_at)::bigint || ':' || v_extension;
  return row(
    v_username,
    encode(extensions.hmac(v_username, v_settings.secret, 'sha1'), 'base64'),
    v_extension,
    v_settings.domain,
    v_settings.ws_url,
    v_expires_at
  )::public.sip_credential;
end;
$$;
comment on function public.sip_credentials() is 'Short-lived SIP credentials for the caller''s own extension.';
revoke execute on function public.sip_credentials() from public;
grant execute on function public.sip_credentials() to authenticated;
