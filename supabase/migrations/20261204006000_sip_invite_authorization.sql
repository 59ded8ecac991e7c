-- Kamailio routes a call to the PSTN only for a call the CRM started.
--
-- Until now an agent holding the short-lived SIP credentials of
-- rpc/sip_credentials could send an INVITE for any number straight to
-- Kamailio and have it routed out, skipping rpc/start_call: no do-not-call
-- check, no calling hours, no attempts rule, no call row. Now Kamailio asks
-- the database, for every INVITE from a webphone towards a phone number,
-- whether it carries (X-CRM-Call-Id) a call that rpc/start_call made and
-- that is still being placed (status calling), by the agent whose extension
-- authenticated, for the number dialled. Every rule of start_call has then
-- been applied to it. The proxy relays the INVITE only on an empty answer;
-- any other answer is the reason of its 403 (stack/kamailio.py,
-- docs/call-lifecycle.md).
--
-- Kamailio connects as crm_sip_proxy, a login role of its own like the
-- workers' (migration 20261204000050): no table, no other function, a short
-- statement timeout. Its password is set outside migrations (scripts/up).

-- ============================================================================
-- Section - The check
-- ============================================================================

-- Why the INVITE of extension p_extension for the call p_call_id (the
-- X-CRM-Call-Id header, as sent) to the number p_number (the request URI's
-- user part) must not be routed; null when it may. The number is E.164
-- without its '+' (as the webphone dials: sip:34612345678@domain), or with
-- it; no other form (no 00 prefix, no national number) matches a call.
-- Malformed input is a reason, never an error: the proxy has to answer.
-- The call is read, not locked: the agent's own webphone moves it on.
create function private.sip_authorize_invite(p_extension text, p_call_id text, p_number text) returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_call public.calls;
  v_extension text;
begin
  if coalesce(p_extension, '') = '' then
    return 'no authenticated extension';
  end if;
  if coalesce(p_call_id, '') = '' then
    return 'no CRM call';
  end if;
  -- The canonical form only: the cast below must not be able to fail.
  if p_call_id !~ '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$' then
    return 'malformed CRM call id';
  end if;
  -- An unknown call and another agent's call get the same answer: the proxy
  -- is no oracle for which call ids exist (as the RPCs' "not found or not yours").
  v_call := private.find_call(p_call_id::uuid);
  if v_call.id is null then
    return 'no CRM call of yours';
  end if;
  select p.sip_extension into v_extension
  from public.profiles as p
  where p.id = v_call.agent_id;
  if v_extension is distinct from p_extension then
    return 'no CRM call of yours';
  end if;
  if v_call.direction <> 'outbound' or v_call.status <> 'calling' then
    return 'call not in calling state';
  end if;
  if p_number is null or p_number !~ '^\+?[1-9][0-9]{6,14}$' then
    return 'malformed number';
  end if;
  if '+' || ltrim(p_number, '+') is distinct from v_call.phone_number::text then
    return 'number does not match the call';
  end if;
  return null;
end;
$$;
comment on function private.sip_authorize_invite(text, text, text) is
'Why Kamailio must refuse an INVITE to the PSTN (its 403 reason); null: a calling call of this extension and number.';
revoke execute on function private.sip_authorize_invite(text, text, text) from public;

-- ============================================================================
-- Section - Kamailio's role
-- ============================================================================

do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles as r where r.rolname = 'crm_sip_proxy') then
    create role crm_sip_proxy
    login noinherit nosuperuser nocreatedb nocreaterole noreplication nobypassrls;
  end if;
end;
$$;
comment on role crm_sip_proxy is
'Kamailio (stack/kamailio.py): asks private.sip_authorize_invite before routing a call to the PSTN.';

-- A stuck query must not hold a Kamailio worker: the proxy refuses the call
-- when its query fails (it also times out on its side, stack/kamailio.py).
alter role crm_sip_proxy set statement_timeout = '2s';

grant usage on schema private to crm_sip_proxy;
grant execute on function private.sip_authorize_invite(text, text, text) to crm_sip_proxy;
