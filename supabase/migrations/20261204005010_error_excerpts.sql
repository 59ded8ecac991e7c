-- Error messages quote at most a short prefix of client input (issue 12,
-- item 6): a 10 MB argument came back as a 10 MB error body. Every message
-- our functions build from a client-supplied text (format's %L or %s of an
-- argument, a column value or a JSON value) now quotes it through
-- private.excerpt (migration 20261204005000): the first 64 characters and
-- '...' when longer. The functions are otherwise unchanged.
--
-- Values that are not text (uuids, timestamps, numbers) are bounded by their
-- type and stay as they are. PostgreSQL's own input errors (e.g. `invalid
-- input syntax for type uuid: "..."`) quote the whole value; those are
-- bounded by the gateway's per-route body caps.

-- rpc/has_permission: p_permission.
create or replace function public.has_permission(p_permission text) returns boolean
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  if p_permission is null
    or not exists (select 1 from public.permissions as p where p.key = p_permission) then
    raise exception using
      errcode = '22023',
      message = format('p_permission: unknown permission %L', private.excerpt(p_permission)),
      hint = 'See table public.permissions for the valid keys.';
  end if;
  return private.has_permission(p_permission);
end;
$$;

-- The phone_e164 domain check: the phone.
create or replace function private.assert_e164(p_value text) returns boolean
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_value is not null and not private.is_e164(p_value) then
    raise exception using
      errcode = '23514',
      message = format('phone: %L is not a valid E.164 number', private.excerpt(p_value)),
      hint = 'Write + then the country code and the number, digits only: +34612345678, +525512345678.';
  end if;
  return true;
end;
$$;

-- The time_zone_name domain check: the name.
create or replace function private.assert_time_zone(p_value text) returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_value is not null and not private.is_time_zone(p_value) then
    raise exception using
      errcode = '23514',
      message = format('time_zone: %L is not an IANA time zone name', private.excerpt(p_value)),
      hint = 'Use a name from pg_timezone_names, such as Europe/Madrid or America/Mexico_City.';
  end if;
  return true;
end;
$$;

-- campaigns: an unknown disposition code.
create or replace function private.validate_campaign() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_unknown text;
begin
  select a.code into v_unknown
  from unnest(new.allowed_dispositions) as a (code)
  where not exists (select 1 from public.dispositions as d where d.code = a.code)
  limit 1;
  if v_unknown is not null then
    raise exception using
      errcode = '23514',
      message = format('allowed_dispositions: unknown disposition %L', private.excerpt(v_unknown)),
      hint = 'See table public.dispositions for the valid codes.';
  end if;
  if cardinality(new.allowed_dispositions) = 0 then
    raise exception using
      errcode = '23514',
      message = 'allowed_dispositions: a campaign needs at least one disposition';
  end if;
  return new;
end;
$$;

-- rpc/end_call's checks: p_disposition and p_hangup_by (a known disposition is short).
create or replace function private.check_wrap_up(
  p_call public.calls,
  p_campaign public.campaigns,
  p_lead public.leads,
  p_disposition text,
  p_callback_at timestamptz,
  p_hangup_by text,
  p_now timestamptz
) returns public.disposition_effect
language plpgsql
stable
set search_path = ''
as $$
declare
  v_effect public.disposition_effect;
begin
  if p_disposition is null then
    raise exception using
      errcode = '22023',
      message = 'p_disposition: required';
  end if;
  select d.effect into v_effect from public.dispositions as d where d.code = p_disposition and d.active;
  if not found then
    raise exception using
      errcode = '22023',
      message = format('p_disposition: unknown disposition %L', private.excerpt(p_disposition)),
      hint = 'See table public.dispositions for the valid codes.';
  end if;
  if p_campaign.id is not null and not p_disposition = any(p_campaign.allowed_dispositions) then
    raise exception using
      errcode = '22023',
      message = format('p_disposition: %L is not allowed in campaign %s', p_disposition, p_campaign.name);
  end if;
  if p_hangup_by is not null and p_hangup_by not in ('agent', 'lead', 'system') then
    raise exception using
      errcode = '22023',
      message = format('p_hangup_by: %L is not agent, lead or system', private.excerpt(p_hangup_by));
  end if;
  if p_callback_at is not null and v_effect <> 'callback' then
    raise exception using
      errcode = '22023',
      message = format('p_callback_at: only a callback disposition schedules a call back, not %L', p_disposition);
  end if;
  if v_effect <> 'callback' then
    return v_effect;
  end if;

  if p_lead.id is null or p_campaign.id is null then
    raise exception using
      errcode = '22023',
      message = 'p_disposition: a call without lead or campaign cannot schedule a callback';
  end if;
  if p_callback_at is null then
    raise exception using
      errcode = '22023',
      message = format('p_callback_at: required with disposition %L', p_disposition);
  end if;
  if p_callback_at <= p_now then
    raise exception using
      errcode = '22023',
      message = format('p_callback_at: %s is not in the future', p_callback_at);
  end if;
  if not private.in_calling_hours(
    p_callback_at, p_lead.time_zone, p_campaign.calling_hours_start, p_campaign.calling_hours_end,
    p_campaign.calling_days
  ) then
    raise exception using
      errcode = 'R0002',
      message = format(
        'p_callback_at: %s in %s is outside the calling hours of campaign %s (%s)',
        to_char(p_callback_at at time zone p_lead.time_zone, 'FMDay YYYY-MM-DD HH24:MI'), p_lead.time_zone,
        p_campaign.name, private.describe_calling_hours(p_campaign)
      );
  end if;
  if p_lead.attempts >= p_campaign.max_attempts then
    raise exception using
      errcode = 'R0003',
      message = format(
        'p_callback_at: lead %s has used all %s attempts of campaign %s; no callback can be scheduled',
        p_lead.id, p_campaign.max_attempts, p_campaign.name
      );
  end if;
  return v_effect;
end;
$$;

-- rpc/set_agent_state: p_state and p_reason.
create or replace function public.set_agent_state(p_state text, p_reason text default null)
returns public.agent_states
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_me uuid := (select auth.uid());
  v_now timestamptz := private.now();
  v_row public.agent_states;
begin
  if v_me is null or private.current_app_role() is distinct from 'agent' then
    raise exception using
      errcode = '42501',
      message = 'p_state: only an active agent publishes an agent state';
  end if;
  if p_state is null then
    raise exception using
      errcode = '22023',
      message = 'p_state: required';
  end if;
  if p_state not in ('available', 'on_call', 'wrap_up', 'paused') then
    raise exception using
      errcode = '22023',
      message = format('p_state: %L is not available, on_call, wrap_up or paused', private.excerpt(p_state));
  end if;
  if p_state = 'paused' and coalesce(btrim(p_reason), '') = '' then
    raise exception using
      errcode = '22023',
      message = 'p_reason: a reason is required to pause';
  end if;
  if p_state <> 'paused' and p_reason is not null then
    raise exception using
      errcode = '22023',
      message = format('p_reason: only a pause has a reason, not %s', p_state);
  end if;
  if p_state = 'paused' and p_reason not in ('break', 'lunch', 'training', 'meeting', 'technical', 'personal') then
    raise exception using
      errcode = '22023',
      message = format(
        'p_reason: %L is not a pause reason (break, lunch, training, meeting, technical, personal)',
        private.excerpt(p_reason)
      );
  end if;

  insert into public.agent_states as s (agent_id, state, reason, since, updated_at)
  values (v_me, p_state, p_reason, v_now, v_now)
  on conflict (agent_id) do update set
    state = excluded.state,
    reason = excluded.reason,
    since = case
      when s.state = excluded.state and s.reason is not distinct from excluded.reason then s.since
      else excluded.since
    end,
    updated_at = excluded.updated_at
  returning s.* into v_row;
  return v_row;
end;
$$;

-- rpc/request_report_export: a date argument.
create or replace function private.report_param_date(p_params jsonb, p_key text) returns date
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_params -> p_key is null or jsonb_typeof(p_params -> p_key) = 'null' then
    return null;
  end if;
  if jsonb_typeof(p_params -> p_key) <> 'string' or (p_params ->> p_key) !~ '^\d{4}-\d{2}-\d{2}$' then
    raise exception using
      errcode = '22023',
      message = format('p_params.%s: %s is not a date (YYYY-MM-DD)', p_key, private.excerpt((p_params -> p_key)::text));
  end if;
  return (p_params ->> p_key)::date;
exception
  when datetime_field_overflow or invalid_datetime_format then
    raise exception using
      errcode = '22023',
      message = format('p_params.%s: %s is not a date (YYYY-MM-DD)', p_key, private.excerpt((p_params -> p_key)::text));
end;
$$;

-- rpc/request_report_export: a uuid argument.
create or replace function private.report_param_uuid(p_params jsonb, p_key text) returns uuid
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_params -> p_key is null or jsonb_typeof(p_params -> p_key) = 'null' then
    return null;
  end if;
  if jsonb_typeof(p_params -> p_key) <> 'string'
    or (p_params ->> p_key) !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    raise exception using
      errcode = '22023',
      message = format('p_params.%s: %s is not a uuid', p_key, private.excerpt((p_params -> p_key)::text));
  end if;
  return (p_params ->> p_key)::uuid;
end;
$$;

-- rpc/request_report_export: p_report, p_format and an unknown argument name (the report is known by then).
create or replace function public.request_report_export(
  p_report text, p_params jsonb default '{}', p_format text default 'csv'
) returns public.report_exports
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_allowed text[];
  v_unknown text;
  v_params jsonb;
  v_campaign_id uuid;
  v_agent_id uuid;
  v_export public.report_exports;
begin
  v_allowed := case p_report
    when 'agent_performance' then array['p_from', 'p_to', 'p_campaign_id', 'p_agent_id']
    when 'campaign_stats' then array['p_from', 'p_to', 'p_campaign_id']
    when 'daily_summary' then array['p_day', 'p_campaign_id', 'p_agent_id']
    when 'call_detail' then array['p_from', 'p_to', 'p_campaign_id', 'p_agent_id']
  end;
  if v_allowed is null then
    raise exception using
      errcode = '22023',
      message = format('p_report: unknown report %L', private.excerpt(p_report)),
      hint = 'One of agent_performance, campaign_stats, daily_summary, call_detail.';
  end if;
  if p_format is null or p_format not in ('csv', 'xlsx') then
    raise exception using
      errcode = '22023',
      message = format('p_format: unknown format %L', private.excerpt(p_format)),
      hint = 'csv or xlsx.';
  end if;
  if p_params is null or jsonb_typeof(p_params) <> 'object' then
    raise exception using
      errcode = '22023',
      message = 'p_params: an object of the report''s arguments, e.g. {"p_from": "2026-11-01", "p_to": "2026-11-30"}';
  end if;
  select k.key into v_unknown from jsonb_object_keys(p_params) as k (key) where k.key <> all(v_allowed) limit 1;
  if v_unknown is not null then
    raise exception using
      errcode = '22023',
      message = format('p_params: unknown argument %L for report %s', private.excerpt(v_unknown), p_report),
      hint = format('Arguments of %s: %s.', p_report, array_to_string(v_allowed, ', '));
  end if;

  v_campaign_id := private.report_param_uuid(p_params, 'p_campaign_id');
  v_agent_id := private.report_param_uuid(p_params, 'p_agent_id');
  perform private.report_scope(v_campaign_id);
  perform private.check_report_agent(v_agent_id);
  if p_report = 'daily_summary' then
    if private.report_param_date(p_params, 'p_day') is null then
      raise exception using
        errcode = '22023',
        message = 'p_params.p_day: required (the day of the summary, YYYY-MM-DD)';
    end if;
    v_params := jsonb_build_object('p_day', private.report_param_date(p_params, 'p_day'));
  else
    perform private.check_report_range(
      private.report_param_date(p_params, 'p_from'), private.report_param_date(p_params, 'p_to')
    );
    v_params := jsonb_build_object(
      'p_from', private.report_param_date(p_params, 'p_from'),
      'p_to', private.report_param_date(p_params, 'p_to')
    );
  end if;
  v_params := v_params || jsonb_build_object('p_campaign_id', v_campaign_id);
  if 'p_agent_id' = any(v_allowed) then
    v_params := v_params || jsonb_build_object('p_agent_id', v_agent_id);
  end if;

  insert into public.report_exports (requested_by, report, params, format)
  values ((select auth.uid()), p_report, v_params, p_format)
  returning * into v_export;
  perform pg_notify('report_exports', v_export.id::text);
  return v_export;
end;
$$;
