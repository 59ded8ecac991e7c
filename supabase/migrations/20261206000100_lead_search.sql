-- The leads screen at 1,000,000 leads (issue 15): search and the last outcome.
--
-- 1. leads.search_text: one lower-case, accent-free text of the names, the
--    e-mail and the external reference, followed by the digits of the phone
--    and of each alternate phone (E.164 without '+'), that the API filters
--    with `ilike '%term%'` through a trigram index. A generated column: the
--    database keeps it, nobody writes it. The client sends the term
--    lower-cased and accent-free, a phone-looking term as its digits only
--    (docs/interface.md). It is left out of lead_history (it only repeats
--    recorded columns) and out of the columns guard_lead_columns checks.
-- 2. leads.last_outcome: the disposition of the lead's last wrapped-up call
--    (null before any), set by private.advance_lead, the one place where
--    rpc/end_call moves a lead on; backfilled from calls. Never written
--    through the API.

create extension if not exists pg_trgm with schema extensions;
create extension if not exists unaccent with schema extensions;

-- unaccent() is only stable (its dictionary could change); naming the
-- dictionary makes the result depend on the arguments alone, which a
-- generated column needs. plpgsql: evaluated as a cached simple expression.
create function private.immutable_unaccent(p_text text) returns text
language plpgsql
immutable
strict
parallel safe
set search_path = ''
as $$
begin
  return extensions.unaccent('extensions.unaccent'::regdictionary, p_text);
end;
$$;
comment on function private.immutable_unaccent(text) is
'unaccent() with its dictionary named, hence immutable (generated columns, indexes).';
revoke execute on function private.immutable_unaccent(text) from public;
grant execute on function private.immutable_unaccent(text) to authenticated, service_role;

create function private.lead_search_text(
  p_first_name text,
  p_last_name text,
  p_email text,
  p_external_ref text,
  p_phone text,
  p_alternate_phones text[]
) returns text
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  return concat_ws(
    ' ',
    lower(private.immutable_unaccent(
      concat_ws(' ', nullif(p_first_name, ''), nullif(p_last_name, ''), nullif(p_email, ''), nullif(p_external_ref, ''))
    )),
    nullif(translate(concat_ws(' ', p_phone, nullif(array_to_string(p_alternate_phones, ' '), '')), '+', ''), '')
  );
end;
$$;
comment on function private.lead_search_text(text, text, text, text, text, text[]) is
'leads.search_text: names, e-mail and reference lower-case and accent-free, then the numbers'' digits.';
revoke execute on function private.lead_search_text(text, text, text, text, text, text[]) from public;
grant execute on function private.lead_search_text(text, text, text, text, text, text[]) to authenticated, service_role;

alter table public.leads
add column search_text text generated always as (
  private.lead_search_text(first_name, last_name, email, external_ref, phone, alternate_phones::text[])
) stored,
add column last_outcome text;

comment on column public.leads.search_text is
'Search key kept by the database: lower-case accent-free names, e-mail, external_ref, then the '
'digits of phone and alternate_phones. Filter with ilike ''%term%'' (trigram index).';
comment on column public.leads.last_outcome is
'The disposition code of the lead''s last wrapped-up call (rpc/end_call); null before any.';

create index leads_search_text_idx on public.leads using gin (search_text extensions.gin_trgm_ops);

-- Backfill, tagged in lead_history like an RPC's change.
select set_config('crm.via', 'migration/20261206000100_lead_search', true);
update public.leads as l set last_outcome = c.disposition
from (
  select distinct on (ca.lead_id)
    ca.lead_id,
    ca.disposition
  from public.calls as ca
  where ca.lead_id is not null and ca.disposition is not null
  order by ca.lead_id asc, ca.wrapped_up_at desc, ca.started_at desc
) as c
where l.id = c.lead_id;
select set_config('crm.via', '', true);

-- ============================================================================
-- Section - last_outcome kept by rpc/end_call's state machine
-- ============================================================================

create or replace function private.advance_lead(
  p_lead public.leads,
  p_campaign public.campaigns,
  p_call public.calls,
  p_effect public.disposition_effect,
  p_callback_at timestamptz,
  p_notes text,
  p_actor uuid,
  p_now timestamptz
) returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_status public.lead_status;
begin
  update public.callbacks as cb set
    status = case when cb.due_at <= p_now then 'done'::public.callback_status else 'cancelled' end,
    completed_at = p_now,
    completed_call_id = case when cb.due_at <= p_now then p_call.id end
  where cb.lead_id = p_lead.id and cb.status = 'pending';

  v_status := case p_effect
    when 'retry' then
      case
        when p_lead.attempts >= p_campaign.max_attempts then 'exhausted'::public.lead_status
        else 'retry'::public.lead_status
      end
    when 'callback' then 'callback'
    when 'sale' then 'won'
    when 'closed' then 'lost'
    when 'invalid' then 'invalid'
    else 'do_not_call'
  end;

  update public.leads as l set
    status = v_status,
    last_outcome = p_call.disposition,
    next_call_at = case
      when v_status = 'retry' then
        p_now + p_campaign.retry_delays[least(greatest(p_lead.attempts, 1), cardinality(p_campaign.retry_delays))]
      when v_status = 'callback' then p_callback_at
    end
  where l.id = p_lead.id;

  if p_effect = 'callback' then
    insert into public.callbacks (lead_id, campaign_id, agent_id, due_at, notes, call_id, created_by)
    values (
      p_lead.id, p_lead.campaign_id, coalesce(p_call.agent_id, p_lead.owner_id), p_callback_at,
      coalesce(p_notes, ''), p_call.id, p_actor
    );
  elsif p_effect = 'do_not_call' then
    insert into public.do_not_call (phone, campaign_id, source, reason, added_by)
    values (p_call.phone_number, null, 'lead_request', format('Asked during call %s', p_call.id), p_actor)
    on conflict (phone, campaign_id) do nothing;
  end if;
end;
$$;
comment on function private.advance_lead(
  public.leads, public.campaigns, public.calls, public.disposition_effect, timestamptz, text, uuid, timestamptz
) is 'The lead''s state machine after a wrap-up: callbacks, status, next call, do-not-call.';
revoke execute on function private.advance_lead(
  public.leads, public.campaigns, public.calls, public.disposition_effect, timestamptz, text, uuid, timestamptz
) from public;

-- ============================================================================
-- Section - The guards and the history know the new columns
-- ============================================================================

-- As migration 20261204004010, plus: search_text is not a column one changes;
-- last_outcome is the database's alone, like last_called_at.
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
    if new.last_outcome is not null then
      raise exception using
        errcode = '42501',
        message = 'last_outcome: set by the database when a call to the lead is closed';
    end if;
    if new.owner_id is not null and not (select private.has_permission('leads.assign')) then
      raise exception using
        errcode = '42501',
        message = 'owner_id: assigning a lead needs leads.assign';
    end if;
    return new;
  end if;

  -- search_text is derived (generated) from columns checked here.
  v_changed := array_remove(
    array_remove(private.changed_columns(to_jsonb(old), to_jsonb(new)), 'updated_at'), 'search_text'
  );
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
    if v_column in ('id', 'created_at', 'created_by', 'last_called_at', 'last_outcome') then
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

-- As migration 20261124001600, without search_text.
create or replace function private.write_lead_history() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  -- search_text repeats the names, e-mail and numbers already recorded.
  v_old jsonb := case when tg_op <> 'INSERT' then to_jsonb(old) - 'updated_at' - 'search_text' end;
  v_new jsonb := case when tg_op <> 'DELETE' then to_jsonb(new) - 'updated_at' - 'search_text' end;
  v_fields text[];
begin
  if tg_op = 'UPDATE' then
    v_fields := private.changed_columns(v_old, v_new);
    if cardinality(v_fields) = 0 then
      return null;
    end if;
    select
      jsonb_object_agg(o.key, o.value) filter (where o.key = any(v_fields)),
      jsonb_object_agg(n.key, n.value) filter (where n.key = any(v_fields))
    into v_old, v_new
    from jsonb_each(v_old) as o
    inner join jsonb_each(v_new) as n on o.key = n.key;
  elsif tg_op = 'INSERT' then
    select coalesce(array_agg(n.key order by n.key), '{}') into v_fields
    from jsonb_each(v_new) as n
    where n.value <> 'null'::jsonb;
  else
    select coalesce(array_agg(o.key order by o.key), '{}') into v_fields
    from jsonb_each(v_old) as o
    where o.value <> 'null'::jsonb;
  end if;

  insert into public.lead_history (
    lead_id, campaign_id, operation, changed_fields, old_values, new_values,
    changed_by, actor, via
  ) values (
    coalesce(new.id, old.id),
    coalesce(new.campaign_id, old.campaign_id),
    lower(tg_op),
    v_fields,
    v_old,
    v_new,
    (select auth.uid()),
    private.current_actor(),
    nullif(current_setting('crm.via', true), '')
  );
  return null;
end;
$$;
