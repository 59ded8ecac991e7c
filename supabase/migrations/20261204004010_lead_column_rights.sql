-- Who may change which lead column (issue 12, items 1 and 12).
--
-- 1. Agents edited every lead column but the dialler state and the owner,
--    so an agent could set consent_contact back to true after the lead asked
--    not to be called, or move time_zone to a zone where it is daytime, and
--    rpc/next_lead and rpc/start_call then followed the edited values. Now an
--    agent (a user who does not run the lead's campaign) changes only contact
--    data no dialling rule reads: names, e-mail, birth date, address, notes,
--    custom fields and the marketing consent. Everything a rule reads
--    (consent_contact, consent_recording, time_zone, country_code, phone,
--    alternate_phones) and the import data (source, external_ref) is for the
--    campaign's supervisors and admins; lead_history records their changes
--    with the actor. The list is an allow-list: a column added later is
--    refused to agents until someone decides otherwise.
-- 2. The time zone follows the phone number: trigger leads_time_zone_from_phone
--    sets it on insert (unless the importer gave one) and whenever the phone
--    changes (unless the same statement sets time_zone too), from the
--    longest listed prefix in private.phone_time_zones (migration
--    20261204004000). A number in several zones, or unknown, gets the
--    campaign's default_time_zone. A supervisor's override sticks until the
--    phone changes.
-- 3. Refusals named the column but, for every protected column except
--    campaign_id, raised `22004 RAISE statement option cannot be null`: the
--    hint was `case ... end` and NULL for them. Each refusal now has its own
--    RAISE with literal options. guard_profile_columns said `role:` whatever
--    column was refused; it now names the one that was. No other guard or
--    trigger function in the migrations builds a RAISE option that can be
--    NULL (every option is a literal or format(), which never returns NULL).
-- 4. An erased lead (rpc/erase_lead) no longer changes through the API, and
--    its erased_at/status are set only by that function: a supervisor could
--    otherwise write personal data back into it, or mark a lead erased
--    without erasing anything.

-- ============================================================================
-- Section - Time zone from the phone number
-- ============================================================================

-- The zones p_phone (E.164) can be in: those of the longest prefix of its
-- digits listed in private.phone_time_zones; null when none is. At most 15
-- primary-key probes. plpgsql, not sql: a non-inlined SQL function is planned
-- again on every call, and the trigger below calls it for every new lead.
create function private.phone_time_zones_of(p_phone text) returns text[]
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_digits text := substr(p_phone, 2);
  v_zones text[];
begin
  select z.time_zones into v_zones
  from private.phone_time_zones as z
  where z.prefix = any(array(
    select left(v_digits, n.n) from generate_series(1, least(length(v_digits), 15)) as n (n)
  ))
  order by length(z.prefix) desc
  limit 1;
  return v_zones;
end;
$$;
revoke execute on function private.phone_time_zones_of(text) from public;

-- The time zone of a lead of campaign p_campaign_id with number p_phone: the
-- number's zone when it has exactly one, else the campaign's default (a
-- number that spans zones could be anywhere in them: the campaign's zone is
-- the one its supervisors chose).
create function private.lead_time_zone(p_phone text, p_campaign_id uuid) returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_zones text[] := private.phone_time_zones_of(p_phone);
begin
  if cardinality(v_zones) = 1 then
    return v_zones[1];
  end if;
  return (select c.default_time_zone from public.campaigns as c where c.id = p_campaign_id);
end;
$$;
revoke execute on function private.lead_time_zone(text, uuid) from public;

-- For every writer. Fires after leads_guard_columns (BEFORE triggers run by
-- name), so the guard judges only what the caller itself changed. An erased
-- lead (no phone) keeps its zone.
create function private.set_lead_time_zone() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.phone is null then
    return new;
  end if;
  if tg_op = 'INSERT' then
    if new.time_zone is null then
      new.time_zone := private.lead_time_zone(new.phone, new.campaign_id);
    end if;
  elsif new.phone is distinct from old.phone and new.time_zone is not distinct from old.time_zone then
    new.time_zone := private.lead_time_zone(new.phone, new.campaign_id);
  end if;
  return new;
end;
$$;
revoke execute on function private.set_lead_time_zone() from public;

create trigger leads_time_zone_from_phone
before insert or update of phone on public.leads
for each row execute function private.set_lead_time_zone();

comment on column public.leads.time_zone is
'The lead''s own IANA time zone, derived from its phone (trigger leads_time_zone_from_phone) unless a supervisor '
'or admin set it; calling hours are checked in it.';

-- ============================================================================
-- Section - Protected columns
-- ============================================================================

-- What a signed-in user may change directly (PostgREST). The RPCs run as
-- their owner and the service role is trusted, so neither is guarded here.
-- docs/interface.md ("Lead columns by role") is the same table in prose.
create or replace function private.guard_lead_columns() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  -- An agent's own lead: contact data that no dialling rule reads.
  c_agent_columns constant text[] := array[
    'first_name', 'last_name', 'email', 'birth_date', 'address_line', 'city', 'region', 'postal_code',
    'consent_marketing', 'custom', 'notes'
  ];
  v_changed text[];
  v_column text;
  v_manager boolean;
begin
  if current_user <> 'authenticated' then
    return new;
  end if;

  if tg_op = 'INSERT' then
    if new.created_by is distinct from (select auth.uid()) then
      raise exception using
        errcode = '42501',
        message = 'created_by: set by the database to the signed-in user';
    end if;
    if new.erased_at is not null or new.status = 'erased' then
      raise exception using
        errcode = '42501',
        message = 'erased_at: a lead is erased only by rpc/erase_lead';
    end if;
    if new.status = 'in_call' then
      raise exception using
        errcode = '23514',
        message = 'status: in_call is set only by rpc/start_call';
    end if;
    if new.owner_id is not null and not (select private.has_permission('leads.assign')) then
      raise exception using
        errcode = '42501',
        message = 'owner_id: assigning a lead needs leads.assign';
    end if;
    return new;
  end if;

  v_changed := array_remove(private.changed_columns(to_jsonb(old), to_jsonb(new)), 'updated_at');
  if cardinality(v_changed) = 0 then
    return new;
  end if;

  if old.erased_at is not null then
    raise exception using
      errcode = '42501',
      message = format('%s: lead %s was erased; it no longer changes', v_changed[1], old.id);
  end if;

  v_manager := coalesce(private.manages_campaign(old.campaign_id), false);

  -- In column order (changed_columns sorts them): the first refused one is named.
  foreach v_column in array v_changed loop
    if v_column in ('id', 'created_at', 'created_by', 'last_called_at') then
      raise exception using
        errcode = '42501',
        message = format('%s: a lead''s %s never changes through the API', v_column, v_column);
    elsif v_column = 'erased_at' then
      raise exception using
        errcode = '42501',
        message = 'erased_at: a lead is erased only by rpc/erase_lead';
    elsif v_column = 'campaign_id' then
      raise exception using
        errcode = '42501',
        message = 'campaign_id: a lead''s campaign_id never changes through the API',
        hint = 'Import the lead into the other campaign.';
    elsif v_column = 'owner_id' then
      if not (select private.has_permission('leads.assign')) then
        raise exception using
          errcode = '42501',
          message = 'owner_id: changing a lead''s owner needs leads.assign',
          hint = 'Supervisors assign leads with rpc/assign_lead.';
      end if;
    elsif v_manager or v_column = any(c_agent_columns) then
      null; -- the campaign's supervisors and admins; contact data for its agent
    elsif v_column in ('status', 'attempts', 'next_call_at') then
      raise exception using
        errcode = '42501',
        message = format('%s: agents cannot change a lead''s %s; it follows the calls', v_column, v_column),
        hint = 'Close the call with rpc/end_call and a disposition.';
    elsif v_column = 'consent_contact' then
      raise exception using
        errcode = '42501',
        message = 'consent_contact: only the campaign''s supervisors and admins change a lead''s consent to be called',
        hint = 'A lead who asks not to be called is closed with rpc/end_call and the do_not_call disposition.';
    elsif v_column = 'consent_recording' then
      raise exception using
        errcode = '42501',
        message = 'consent_recording: agents record the lead''s answer on the call (calls.recording_consent)',
        hint = 'The answer given on a call becomes the lead''s consent_recording.';
    elsif v_column = 'time_zone' then
      raise exception using
        errcode = '42501',
        message = 'time_zone: follows the phone number; only the campaign''s supervisors and admins override it';
    elsif v_column in ('phone', 'alternate_phones', 'country_code') then
      raise exception using
        errcode = '42501',
        message = format(
          '%s: only the campaign''s supervisors and admins change a lead''s numbers and country '
          || '(the do-not-call and calling-hours rules read them)',
          v_column
        );
    elsif v_column in ('source', 'external_ref') then
      raise exception using
        errcode = '42501',
        message = format('%s: only the campaign''s supervisors and admins change a lead''s import data', v_column);
    else
      raise exception using
        errcode = '42501',
        message = format('%s: agents change only a lead''s contact data', v_column);
    end if;
  end loop;

  if new.status = 'in_call' and old.status <> 'in_call' then
    raise exception using
      errcode = '23514',
      message = 'status: in_call is set only by rpc/start_call';
  end if;
  if new.status = 'erased' then
    raise exception using
      errcode = '42501',
      message = 'status: erased is set only by rpc/erase_lead';
  end if;
  return new;
end;
$$;

-- ============================================================================
-- Section - Profiles: name the refused column
-- ============================================================================

-- Same rule as migration 20261124000400; the message names the column that
-- was refused instead of always `role`.
create or replace function private.guard_profile_columns() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_column text;
begin
  if (select auth.role()) = 'authenticated' and not (select private.has_permission('users.manage')) then
    foreach v_column in array array['active', 'email', 'id', 'role', 'sip_extension'] loop
      if (to_jsonb(new) -> v_column) is distinct from (to_jsonb(old) -> v_column) then
        raise exception using
          errcode = '42501',
          message = format('%s: needs users.manage; users edit only their own full_name and locale', v_column);
      end if;
    end loop;
  end if;
  return new;
end;
$$;
