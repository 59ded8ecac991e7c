-- Lead export (issue 15): report_exports gains the report 'leads', a lead
-- selection (the bulk actions' {"ids"} or {"filter"}) rendered by the
-- reporting worker as the requester, who needs leads.export. A selection of
-- ids may be long: params of a lead export may hold 100,000 characters
-- (about 2,500 ids), the other reports keep 4,000.

alter table public.report_exports drop constraint report_exports_report;
alter table public.report_exports add constraint report_exports_report check (
  report in ('agent_performance', 'campaign_stats', 'daily_summary', 'call_detail', 'leads')
);
alter table public.report_exports drop constraint report_exports_params_length;
alter table public.report_exports add constraint report_exports_params_length check (
  char_length(params::text) <= case when report = 'leads' then 100000 else 4000 end
);

-- The worker checks leads.export again when it renders, as the requester.
create function private.require_lead_export() returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if not private.has_permission('leads.export') then
    raise exception using
      errcode = '42501',
      message = 'p_report: exporting leads needs leads.export';
  end if;
end;
$$;
comment on function private.require_lead_export() is
'Reporting worker: the requester of a lead export still has leads.export.';
revoke execute on function private.require_lead_export() from public;
grant execute on function private.require_lead_export() to authenticated;

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
    when 'leads' then array['selection']
  end;
  if v_allowed is null then
    raise exception using
      errcode = '22023',
      message = format('p_report: unknown report %L', private.excerpt(p_report)),
      hint = 'One of agent_performance, campaign_stats, daily_summary, call_detail, leads.';
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

  -- The lead list: leads.export, and a selection as the bulk actions take it
  -- (checked now, matched again as the requester when the worker renders it).
  if p_report = 'leads' then
    if not private.has_permission('leads.export') then
      raise exception using
        errcode = '42501',
        message = 'p_report: exporting leads needs leads.export';
    end if;
    if not p_params ? 'selection' then
      raise exception using
        errcode = '22023',
        message = 'p_params.selection: required ({"ids": [...]} or {"filter": {...}})';
    end if;
    perform private.leads_matching(p_params -> 'selection', p_check_only => true);
    insert into public.report_exports (requested_by, report, params, format)
    values ((select auth.uid()), p_report, jsonb_build_object('selection', p_params -> 'selection'), p_format)
    returning * into v_export;
    perform pg_notify('report_exports', v_export.id::text);
    return v_export;
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
