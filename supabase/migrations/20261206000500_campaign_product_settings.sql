-- Campaign and product settings the back office edits (issue 15).
--
-- campaigns.lead_fields: the campaign's custom lead fields, a list of
-- definitions [{"key", "label", "type", "required"}]; the values live in
-- leads.custom under those keys. The list is validated by a trigger so a
-- refusal names the field and the entry (23514, `lead_fields: ...`).
--
-- The dialer settings issue 16's predictive dialer reads: the abandon rate
-- it aims at and the cap it never passes (Ofcom/FTC-style 3 % ceiling),
-- lines per available agent, the fewest agents predictive mode needs,
-- answering-machine detection, the message an abandoned call hears and how
-- long an abandoned number rests before it is dialled again (0 = off).
--
-- products.sale_requirements: what a sale of the product must capture (a
-- list of known keys). Declarative for now: the wrap-up form shows the
-- list; sales have no columns for those data yet, so the database does not
-- enforce it at sale registration (docs/interface.md).

-- ============================================================================
-- Section - Campaigns
-- ============================================================================

alter table public.campaigns
add column lead_fields jsonb not null default '[]',
add column abandon_target numeric(4, 3) not null default 0.025,
add column abandon_cap numeric(4, 3) not null default 0.030,
add column max_lines_per_agent numeric(3, 1) not null default 3.0,
add column predictive_min_agents integer not null default 5,
add column amd_enabled boolean not null default true,
add column abandon_message text not null default '',
add column abandon_lockout_hours integer not null default 0,
add constraint campaigns_lead_fields_length check (char_length(lead_fields::text) <= 16000),
add constraint campaigns_abandon_rates check (
  abandon_target >= 0 and abandon_target < abandon_cap and abandon_cap <= 0.030
),
add constraint campaigns_max_lines_per_agent check (max_lines_per_agent between 1.0 and 10.0),
add constraint campaigns_predictive_min_agents check (predictive_min_agents between 1 and 1000),
add constraint campaigns_abandon_message_length check (char_length(abandon_message) <= 4000),
add constraint campaigns_abandon_lockout_hours check (abandon_lockout_hours between 0 and 720);

comment on column public.campaigns.lead_fields is
'Custom lead fields: [{"key": "^[a-z][a-z0-9_]{0,39}$", "label", "type": text|number|date|boolean, "required"}]; '
'values in leads.custom.';
comment on column public.campaigns.abandon_target is 'Abandon rate the predictive dialer aims at (fraction).';
comment on column public.campaigns.abandon_cap is
'Abandon rate the predictive dialer never passes (fraction, at most 0.03).';
comment on column public.campaigns.max_lines_per_agent is 'Most lines the dialer opens per available agent.';
comment on column public.campaigns.predictive_min_agents is
'Fewest available agents for predictive mode; below, progressive.';
comment on column public.campaigns.amd_enabled is 'Answering-machine detection on dialled calls.';
comment on column public.campaigns.abandon_message is
'What an abandoned call hears (the company and a way to opt out).';
comment on column public.campaigns.abandon_lockout_hours is 'Hours an abandoned number is not dialled again; 0 = off.';

-- The definition list: an array of at most 50 objects with exactly key,
-- label, type and required; keys unique. Raises 23514 naming the entry.
create function private.validate_campaign_settings() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_field jsonb;
  v_index integer := 0;
  v_keys text[] := '{}';
  v_key text;
begin
  if jsonb_typeof(new.lead_fields) <> 'array' then
    raise exception using
      errcode = '23514', message = 'lead_fields: must be a list of field definitions';
  end if;
  if jsonb_array_length(new.lead_fields) > 50 then
    raise exception using
      errcode = '23514', message = 'lead_fields: at most 50 custom fields';
  end if;
  for v_field in select f.value from jsonb_array_elements(new.lead_fields) as f (value) loop
    v_index := v_index + 1;
    if jsonb_typeof(v_field) <> 'object'
      or exists (
        select 1 from jsonb_object_keys(v_field) as k (name)
        where k.name not in ('key', 'label', 'type', 'required')
      ) then
      raise exception using
        errcode = '23514',
        message = format('lead_fields: field %s must be an object with key, label, type and required', v_index);
    end if;
    v_key := v_field ->> 'key';
    if jsonb_typeof(v_field -> 'key') is distinct from 'string' or v_key !~ '^[a-z][a-z0-9_]{0,39}$' then
      raise exception using
        errcode = '23514',
        message = format('lead_fields: field %s key %L must match ^[a-z][a-z0-9_]{0,39}$',
          v_index, private.excerpt(coalesce(v_field ->> 'key', ''))),
        hint = 'A lower-case letter, then up to 39 lower-case letters, digits or _.';
    end if;
    if v_key = any(v_keys) then
      raise exception using
        errcode = '23514', message = format('lead_fields: key %L is defined twice', v_key);
    end if;
    v_keys := v_keys || v_key;
    if jsonb_typeof(v_field -> 'label') is distinct from 'string'
      or btrim(v_field ->> 'label') = '' or char_length(v_field ->> 'label') > 200 then
      raise exception using
        errcode = '23514',
        message = format('lead_fields: field %L needs a label of 1 to 200 characters', v_key);
    end if;
    if coalesce(v_field ->> 'type', '') not in ('text', 'number', 'date', 'boolean')
      or jsonb_typeof(v_field -> 'type') is distinct from 'string' then
      raise exception using
        errcode = '23514',
        message = format('lead_fields: field %L type %L is not text, number, date or boolean',
          v_key, private.excerpt(coalesce(v_field ->> 'type', ''))),
        hint = 'One of text, number, date, boolean.';
    end if;
    if jsonb_typeof(v_field -> 'required') is distinct from 'boolean' then
      raise exception using
        errcode = '23514', message = format('lead_fields: field %L required must be true or false', v_key);
    end if;
  end loop;
  return new;
end;
$$;
comment on function private.validate_campaign_settings() is
'Trigger: campaigns.lead_fields is a valid list of custom field definitions (23514 naming the entry).';
revoke execute on function private.validate_campaign_settings() from public;

create trigger campaigns_validate_settings
before insert or update of lead_fields on public.campaigns
for each row execute function private.validate_campaign_settings();

-- ============================================================================
-- Section - Products
-- ============================================================================

alter table public.products
add column sale_requirements jsonb not null default '[]';

comment on column public.products.sale_requirements is
'What a sale of the product must capture: keys among policy_holder_id, iban, birth_date, address, '
'beneficiary, start_date, policy_number (declarative; not enforced by the database).';

create function private.validate_product_settings() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_item jsonb;
  v_seen text[] := '{}';
begin
  if jsonb_typeof(new.sale_requirements) <> 'array' then
    raise exception using
      errcode = '23514', message = 'sale_requirements: must be a list of keys';
  end if;
  for v_item in select r.value from jsonb_array_elements(new.sale_requirements) as r (value) loop
    if jsonb_typeof(v_item) <> 'string'
      or v_item #>> '{}' not in (
        'policy_holder_id', 'iban', 'birth_date', 'address', 'beneficiary', 'start_date', 'policy_number'
      ) then
      raise exception using
        errcode = '23514',
        message = format('sale_requirements: unknown key %L', private.excerpt(v_item #>> '{}')),
        hint = 'One of policy_holder_id, iban, birth_date, address, beneficiary, start_date, policy_number.';
    end if;
    if v_item #>> '{}' = any(v_seen) then
      raise exception using
        errcode = '23514', message = format('sale_requirements: key %L is listed twice', v_item #>> '{}');
    end if;
    v_seen := v_seen || (v_item #>> '{}');
  end loop;
  return new;
end;
$$;
comment on function private.validate_product_settings() is
'Trigger: products.sale_requirements is a list of distinct known keys (23514 naming the key).';
revoke execute on function private.validate_product_settings() from public;

create trigger products_validate_settings
before insert or update of sale_requirements on public.products
for each row execute function private.validate_product_settings();
