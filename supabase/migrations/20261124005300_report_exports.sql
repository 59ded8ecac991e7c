-- Report exports: rpc/request_report_export and the export queue.
--
-- A supervisor or admin asks for a report as a file (CSV or XLSX); the
-- request is a row in public.report_exports, checked like the report itself
-- (reports.view, the supervisor's campaigns, valid arguments). The reporting
-- worker claims it (for update skip locked), renders it as the requester
-- (so the same rules apply again when the file is made), streams it into the
-- private Storage bucket `exports` under <requester id>/<export id>.<format>,
-- and writes back a short-lived signed URL. The requester follows the
-- request's status and progress on the row (RLS: their own; admins all), and
-- may sign a new URL for their own files later (storage policy below); no
-- one else can read them.
--
-- Reports: agent_performance, campaign_stats, daily_summary (the report
-- RPCs' rows, with their arguments as p_params keys) and call_detail (one
-- row per call of p_from..p_to, read under the requester's RLS on calls).

-- ============================================================================
-- Section - Export requests
-- ============================================================================

-- One requested export and its progress.
create table public.report_exports (
  id uuid primary key default gen_random_uuid(),
  requested_by uuid not null references public.profiles (id) on delete cascade,
  report text not null,
  params jsonb not null default '{}',
  format text not null,
  status text not null default 'queued',
  rows_done bigint not null default 0 check (rows_done >= 0),
  rows_total bigint check (rows_total >= 0),
  storage_path text,
  signed_url text,
  signed_url_expires_at timestamptz,
  error text,
  attempts integer not null default 0,
  worker text,
  heartbeat_at timestamptz,
  requested_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default now(),
  constraint report_exports_report check (
    report in ('agent_performance', 'campaign_stats', 'daily_summary', 'call_detail')
  ),
  constraint report_exports_format check (format in ('csv', 'xlsx')),
  constraint report_exports_status check (status in ('queued', 'running', 'done', 'failed')),
  constraint report_exports_params check (jsonb_typeof(params) = 'object'),
  constraint report_exports_done_has_file check (status <> 'done' or storage_path is not null),
  constraint report_exports_failed_has_error check (status <> 'failed' or error is not null)
);
comment on table public.report_exports is
'Report exports: queued by rpc/request_report_export, rendered and signed by the reporting worker.';
comment on column public.report_exports.params is
'The report''s arguments, validated and normalised (p_from, p_to, ...).';
comment on column public.report_exports.status is
'queued -> running -> done or failed; a running row whose heartbeat stops is claimed again.';
comment on column public.report_exports.storage_path is
'The file in the private bucket exports: <requester>/<id>.<format>.';
comment on column public.report_exports.signed_url is
'A short-lived download link for the requester (see signed_url_expires_at).';
comment on column public.report_exports.heartbeat_at is
'Last sign of life of the worker rendering it; a stale one means the worker died.';

create index report_exports_requested_by_idx on public.report_exports (requested_by, requested_at);
create index report_exports_queue_idx on public.report_exports (status, requested_at)
where status in ('queued', 'running');

create trigger report_exports_set_updated_at
before update on public.report_exports
for each row execute function private.set_updated_at();

alter table public.report_exports enable row level security;
grant select on public.report_exports to authenticated;
grant all on public.report_exports to service_role;

-- ============================================================================
-- Section - RLS Policies
-- ============================================================================

-- Rows are written by rpc/request_report_export and the worker only.
create policy "Users can view their own report exports"
on public.report_exports for select to authenticated
using (requested_by = (select auth.uid()));

create policy "Admins can view every report export"
on public.report_exports for select to authenticated
using ((select private.is_admin()));

-- ============================================================================
-- Section - Storage
-- ============================================================================

-- Private: files are reached through signed URLs, or by their requester.
insert into storage.buckets (id, name, public) values ('exports', 'exports', false)
on conflict (id) do nothing;

-- The worker (service role) writes; the requester may read and re-sign the
-- files under their own folder; nobody else, admins included.
create policy "Requesters can read their own report exports"
on storage.objects for select to authenticated
using (
  bucket_id = 'exports'
  and (storage.foldername(name))[1] = (select auth.uid())::text
);

-- ============================================================================
-- Section - Public functions
-- ============================================================================

-- A date out of p_params (22023 when it is not one).
create function private.report_param_date(p_params jsonb, p_key text) returns date
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
      message = format('p_params.%s: %s is not a date (YYYY-MM-DD)', p_key, p_params -> p_key);
  end if;
  return (p_params ->> p_key)::date;
exception
  when datetime_field_overflow or invalid_datetime_format then
    raise exception using
      errcode = '22023',
      message = format('p_params.%s: %s is not a date (YYYY-MM-DD)', p_key, p_params -> p_key);
end;
$$;
revoke execute on function private.report_param_date(jsonb, text) from public, anon;
grant execute on function private.report_param_date(jsonb, text) to authenticated, service_role;

-- A uuid out of p_params (22023 when it is not one).
create function private.report_param_uuid(p_params jsonb, p_key text) returns uuid
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
      message = format('p_params.%s: %s is not a uuid', p_key, p_params -> p_key);
  end if;
  return (p_params ->> p_key)::uuid;
end;
$$;
revoke execute on function private.report_param_uuid(jsonb, text) from public, anon;
grant execute on function private.report_param_uuid(jsonb, text) to authenticated, service_role;

-- rpc/request_report_export: queue report p_report with arguments p_params
-- (the report RPC's argument names as keys) as a p_format file ('csv' or
-- 'xlsx'). Checked now as the report would be; returns the queued request.
create function public.request_report_export(
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
      message = format('p_report: unknown report %L', p_report),
      hint = 'One of agent_performance, campaign_stats, daily_summary, call_detail.';
  end if;
  if p_format is null or p_format not in ('csv', 'xlsx') then
    raise exception using
      errcode = '22023',
      message = format('p_format: unknown format %L', p_format),
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
      message = format('p_params: unknown argument %L for report %s', v_unknown, p_report),
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
comment on function public.request_report_export(text, jsonb, text) is
'Queue a report export (csv or xlsx) for the reporting worker; returns the request row to follow.';
revoke execute on function public.request_report_export(text, jsonb, text) from public, anon;
grant execute on function public.request_report_export(text, jsonb, text) to authenticated;
