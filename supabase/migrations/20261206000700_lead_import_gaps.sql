-- Two gaps of the lead import found when the issue's parts came together.
--
-- * leads.import_id is provenance: the import that made the lead. Through the
--   API nobody sets it on a new lead nor changes it (42501 naming the column),
--   as created_by and last_outcome; the import's batch function writes it as
--   its own role, which the guard does not check.
-- * private.lead_import_options raised with `message = v_key`: every RAISE
--   option must be a literal or a format() call, never possibly NULL
--   (supabase/tests/rules/raise_options_test.sql).

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
    if new.import_id is not null then
      raise exception using
        errcode = '42501',
        message = 'import_id: set only by the lead import (rpc/start_lead_import)';
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
    if v_column in ('id', 'created_at', 'created_by', 'last_called_at', 'last_outcome', 'import_id') then
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

create or replace function private.lead_import_options(p_options jsonb) returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_key text;
  v_value jsonb;
begin
  if p_options is null or jsonb_typeof(p_options) = 'null' then
    return '{}';
  end if;
  if jsonb_typeof(p_options) <> 'object' then
    raise exception using errcode = '22023', message = 'p_options: an object, e.g. {"duplicates": "skip"}';
  end if;
  for v_key, v_value in select e.key, e.value from jsonb_each(p_options) as e loop
    if v_key = 'mapping' then
      if jsonb_typeof(v_value) <> 'object' then
        raise exception using errcode = '22023', message = 'p_options.mapping: an object {column: field}';
      end if;
      perform 1 from jsonb_each(v_value) as m
      where
        jsonb_typeof(m.value) <> 'string'
        or not (
          m.value #>> '{}' = any(private.lead_import_fields())
          or m.value #>> '{}' = 'ignore'
          or m.value #>> '{}' ~ '^custom:[a-z][a-z0-9_]{0,39}$'
        );
      if found then
        select format('p_options.mapping.%s: unknown field %s', m.key, left(m.value::text, 64)) into v_key
        from jsonb_each(v_value) as m
        where
          jsonb_typeof(m.value) <> 'string'
          or not (
            m.value #>> '{}' = any(private.lead_import_fields())
            or m.value #>> '{}' = 'ignore'
            or m.value #>> '{}' ~ '^custom:[a-z][a-z0-9_]{0,39}$'
          )
        limit 1;
        raise exception using
          errcode = '22023', message = format('%s', v_key),
          hint = 'A lead field, custom:<key> or ignore.';
      end if;
    elsif v_key = 'default_region' then
      if jsonb_typeof(v_value) <> 'string' or v_value #>> '{}' !~ '^[A-Z]{2}$' then
        raise exception using
          errcode = '22023',
          message = format('p_options.default_region: %s is not an ISO 3166 alpha-2 code', left(v_value::text, 64));
      end if;
    elsif v_key = 'duplicates' then
      if jsonb_typeof(v_value) <> 'string' or v_value #>> '{}' not in ('skip', 'update') then
        raise exception using
          errcode = '22023',
          message = format('p_options.duplicates: %s is neither skip nor update', left(v_value::text, 64));
      end if;
    elsif v_key = 'delimiter' then
      if jsonb_typeof(v_value) <> 'string' or v_value #>> '{}' not in (',', ';', E'\t', '|') then
        raise exception using
          errcode = '22023',
          message = format('p_options.delimiter: %s is not one of , ; tab |', left(v_value::text, 64));
      end if;
    elsif v_key = 'encoding' then
      if jsonb_typeof(v_value) <> 'string' or lower(v_value #>> '{}') not in ('utf-8', 'utf-8-sig', 'windows-1252') then
        raise exception using
          errcode = '22023',
          message = format('p_options.encoding: %s is not utf-8 or windows-1252', left(v_value::text, 64));
      end if;
    elsif v_key = 'preview' then
      if jsonb_typeof(v_value) <> 'boolean' then
        raise exception using errcode = '22023', message = 'p_options.preview: true or false';
      end if;
    else
      raise exception using
        errcode = '22023',
        message = format('p_options: unknown option %s', left(quote_literal(v_key), 64)),
        hint = 'Options: mapping, default_region, duplicates, delimiter, encoding, preview.';
    end if;
  end loop;
  return p_options;
end;
$$;
