-- Lead import: a CSV or XLSX file uploaded to the private bucket lead-imports
-- becomes leads of one campaign.
--
-- A supervisor (leads.import, managing the campaign) uploads the file under
-- their own folder, then calls rpc/start_lead_import: a row of
-- public.lead_imports, queued (or `previewing` first: the worker reads the
-- head of the file and writes what it would do). The lead import worker
-- (workers/lead_import, role crm_lead_import) claims it with the lease
-- protocol, parses and normalises the rows (phones to E.164), and writes
-- them in batches through private.lead_import_write_batch: one transaction
-- per batch that inserts the leads, records every refused row in
-- public.lead_import_errors and moves the checkpoint (processed_rows and the
-- counts) together, so a worker killed mid-file resumes after the last
-- committed batch and imports every row exactly once. The rules of a lead
-- (the leads triggers: time zone from the phone, validation, history) apply
-- to every imported row as to any other insert.

-- ============================================================================
-- Section - Campaign country
-- ============================================================================

alter table public.campaigns
add column country_code text not null default 'ES'
constraint campaigns_country_code_check check (country_code ~ '^[A-Z]{2}$');
comment on column public.campaigns.country_code is
'ISO 3166 alpha-2 country of the campaign: the default region of national phone numbers on import.';

-- ============================================================================
-- Section - The worker's role
-- ============================================================================

do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles as r where r.rolname = 'crm_lead_import') then
    create role crm_lead_import login noinherit nosuperuser nocreatedb nocreaterole noreplication nobypassrls;
  end if;
end;
$$;
comment on role crm_lead_import is
'The lead import worker (workers/lead_import): reads uploaded files, writes leads in batches.';
grant usage on schema private to crm_lead_import;
grant execute on function private.now() to crm_lead_import;

-- ============================================================================
-- Section - Imports
-- ============================================================================

create table public.lead_imports (
  id uuid primary key default gen_random_uuid(),
  campaign_id uuid not null references public.campaigns (id) on delete cascade,
  requested_by uuid references public.profiles (id) on delete set null,
  file_path text not null,
  file_name text not null,
  options jsonb not null default '{}',
  status text not null default 'queued',
  preview jsonb,
  total_rows bigint check (total_rows >= 0),
  processed_rows bigint not null default 0 check (processed_rows >= 0),
  imported bigint not null default 0 check (imported >= 0),
  updated bigint not null default 0 check (updated >= 0),
  duplicates bigint not null default 0 check (duplicates >= 0),
  invalid bigint not null default 0 check (invalid >= 0),
  do_not_call bigint not null default 0 check (do_not_call >= 0),
  error_report_path text,
  error text,
  worker text,
  heartbeat_at timestamptz,
  attempts integer not null default 0,
  cancel_requested boolean not null default false,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default now(),
  constraint lead_imports_status check (
    status in ('previewing', 'previewed', 'queued', 'running', 'done', 'failed', 'cancelled')
  ),
  constraint lead_imports_options check (jsonb_typeof(options) = 'object'),
  constraint lead_imports_failed_has_error check (status <> 'failed' or error is not null)
);
comment on table public.lead_imports is
'Lead imports: a file of the bucket lead-imports becoming leads of a campaign, with its progress.';
comment on column public.lead_imports.status is
'previewing -> previewed -> queued -> running -> done | failed | cancelled (preview optional).';
comment on column public.lead_imports.processed_rows is
'Data rows of the file handled so far (the checkpoint: a resumed import starts after them).';
comment on column public.lead_imports.file_path is
'The object in the bucket lead-imports: <uploader>/<name>.';
comment on column public.lead_imports.error_report_path is
'The refused rows as CSV in the bucket lead-imports: <uploader>/errors/<import id>.csv.';

create index lead_imports_campaign_idx on public.lead_imports (campaign_id, created_at);
create index lead_imports_requested_by_idx on public.lead_imports (requested_by, created_at);
create index lead_imports_queue_idx on public.lead_imports (status, created_at)
where status in ('previewing', 'queued', 'running');

create trigger lead_imports_set_updated_at
before update on public.lead_imports
for each row execute function private.set_updated_at();

-- Every refused row of an import: line of the file, field, code, message.
create table public.lead_import_errors (
  id bigint generated always as identity primary key,
  import_id uuid not null references public.lead_imports (id) on delete cascade,
  line integer not null,
  field text not null default '',
  code text not null,
  message text not null default '',
  raw jsonb,
  created_at timestamptz not null default now()
);
comment on table public.lead_import_errors is
'Rows of an import that were not imported, and why (codes in supabase/ERRORS.md, "Lead import").';
create index lead_import_errors_import_idx on public.lead_import_errors (import_id, line);

alter table public.leads add column import_id uuid references public.lead_imports (id) on delete set null;
comment on column public.leads.import_id is 'The import that created the lead (null: made otherwise).';
create index leads_import_id_idx on public.leads (import_id) where import_id is not null;

alter table public.lead_imports enable row level security;
alter table public.lead_import_errors enable row level security;
grant select on public.lead_imports to authenticated;
grant select on public.lead_import_errors to authenticated;
grant all on public.lead_imports to service_role;
grant all on public.lead_import_errors to service_role;

alter publication supabase_realtime add table public.lead_imports;

-- Whether the caller may see import p_import (its requester or a manager of
-- its campaign, with leads.import). Security definer: the errors' policy
-- reads lead_imports without recursing into its policy.
create function private.can_read_lead_import(p_requested_by uuid, p_campaign_id uuid) returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select
    private.has_permission('leads.import')
    and (p_requested_by = (select auth.uid()) or private.manages_campaign(p_campaign_id))
$$;
comment on function private.can_read_lead_import(uuid, uuid) is
'Lead imports: the caller has leads.import and requested the import or manages its campaign.';
revoke execute on function private.can_read_lead_import(uuid, uuid) from public;
grant execute on function private.can_read_lead_import(uuid, uuid) to authenticated, service_role;

-- ============================================================================
-- Section - RLS Policies
-- ============================================================================

-- Written only by the rpcs below and the worker.
create policy "Importers can view their imports and their campaigns' imports"
on public.lead_imports for select to authenticated
using ((select private.can_read_lead_import(requested_by, campaign_id)));

create policy "Importers can view the errors of imports they can view"
on public.lead_import_errors for select to authenticated
using (
  exists (
    select 1 from public.lead_imports as i
    where i.id = lead_import_errors.import_id and private.can_read_lead_import(i.requested_by, i.campaign_id)
  )
);

-- ============================================================================
-- Section - Storage
-- ============================================================================

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values (
  'lead-imports', 'lead-imports', false, 209715200,
  array[
    'text/csv', 'text/plain', 'application/csv', 'application/vnd.ms-excel',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
  ]
)
on conflict (id) do nothing;

-- Importers work in their own folder; errors/ is the worker's (service role).
create policy "Importers can upload lead files to their own folder"
on storage.objects for insert to authenticated
with check (
  bucket_id = 'lead-imports'
  and (storage.foldername(name))[1] = (select auth.uid())::text
  and (storage.foldername(name))[2] is distinct from 'errors'
  and (select private.has_permission('leads.import'))
);

create policy "Importers can replace lead files in their own folder"
on storage.objects for update to authenticated
using (
  bucket_id = 'lead-imports'
  and (storage.foldername(name))[1] = (select auth.uid())::text
  and (storage.foldername(name))[2] is distinct from 'errors'
  and (select private.has_permission('leads.import'))
)
with check (
  bucket_id = 'lead-imports'
  and (storage.foldername(name))[1] = (select auth.uid())::text
  and (storage.foldername(name))[2] is distinct from 'errors'
  and (select private.has_permission('leads.import'))
);

create policy "Importers can delete lead files in their own folder"
on storage.objects for delete to authenticated
using (
  bucket_id = 'lead-imports'
  and (storage.foldername(name))[1] = (select auth.uid())::text
  and (storage.foldername(name))[2] is distinct from 'errors'
  and (select private.has_permission('leads.import'))
);

-- Their own files, and the error report of any import they can see.
create policy "Importers can read their lead files and visible error reports"
on storage.objects for select to authenticated
using (
  bucket_id = 'lead-imports'
  and (select private.has_permission('leads.import'))
  and (
    (storage.foldername(name))[1] = (select auth.uid())::text
    or exists (select 1 from public.lead_imports as i where i.error_report_path = objects.name)
  )
);

-- ============================================================================
-- Section - Options
-- ============================================================================

-- The lead fields a column may map to (besides custom:<key> and ignore).
create function private.lead_import_fields() returns text[]
language sql
immutable
set search_path = ''
as $$
  select array[
    'first_name', 'last_name', 'phone', 'email', 'birth_date', 'address_line', 'city', 'region',
    'postal_code', 'country_code', 'external_ref', 'source', 'notes'
  ]
$$;
comment on function private.lead_import_fields() is
'Lead import: the lead fields a file column may map to.';
grant execute on function private.lead_import_fields() to authenticated, service_role, crm_lead_import;

-- p_options checked and normalised; 22023 naming the key otherwise.
create function private.lead_import_options(p_options jsonb) returns jsonb
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
          errcode = '22023', message = v_key,
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
comment on function private.lead_import_options(jsonb) is
'Lead import: p_options checked (22023 naming the key); returns them.';
grant execute on function private.lead_import_options(jsonb) to authenticated, service_role;

-- ============================================================================
-- Section - Public functions
-- ============================================================================

-- rpc/start_lead_import: import file p_file (an object of the bucket
-- lead-imports in the caller's folder) into campaign p_campaign_id.
create function public.start_lead_import(p_campaign_id uuid, p_file text, p_options jsonb default '{}')
returns public.lead_imports
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_options jsonb;
  v_import public.lead_imports;
begin
  if not private.has_permission('leads.import') then
    raise exception using errcode = '42501', message = 'p_campaign_id: importing leads needs leads.import';
  end if;
  if p_campaign_id is null then
    raise exception using errcode = '22023', message = 'p_campaign_id: required';
  end if;
  if not exists (select 1 from public.campaigns as c where c.id = p_campaign_id)
    or not private.manages_campaign(p_campaign_id) then
    raise exception using errcode = 'PT404', message = 'p_campaign_id: not found or not yours';
  end if;
  if p_file is null or btrim(p_file) = '' then
    raise exception using errcode = '22023', message = 'p_file: required (the uploaded object''s name)';
  end if;
  if (storage.foldername(p_file))[1] is distinct from (select auth.uid())::text
    or (storage.foldername(p_file))[2] is not distinct from 'errors'
    or not exists (
      select 1 from storage.objects as o where o.bucket_id = 'lead-imports' and o.name = p_file
    ) then
    raise exception using
      errcode = 'PT404',
      message = format('p_file: %s not found in your folder of lead-imports', left(quote_literal(p_file), 64));
  end if;
  v_options := private.lead_import_options(p_options);

  insert into public.lead_imports (campaign_id, requested_by, file_path, file_name, options, status)
  values (
    p_campaign_id, (select auth.uid()), p_file,
    regexp_replace(p_file, '^.*/', ''), v_options,
    case when coalesce((v_options ->> 'preview')::boolean, false) then 'previewing' else 'queued' end
  )
  returning * into v_import;
  perform pg_notify('lead_imports', v_import.id::text);
  return v_import;
end;
$$;
comment on function public.start_lead_import(uuid, text, jsonb) is
'Queue (or preview) the import of an uploaded file into a campaign; returns the import row to follow.';
revoke execute on function public.start_lead_import(uuid, text, jsonb) from public, anon;
grant execute on function public.start_lead_import(uuid, text, jsonb) to authenticated;

-- The import p_import_id locked, if the caller may act on it (else PT404).
create function private.lead_import_of_caller(p_import_id uuid) returns public.lead_imports
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_import public.lead_imports;
begin
  if not private.has_permission('leads.import') then
    raise exception using errcode = '42501', message = 'p_import_id: importing leads needs leads.import';
  end if;
  select i.* into v_import from public.lead_imports as i where i.id = p_import_id for update;
  if not found
    or not (v_import.requested_by = (select auth.uid()) or private.manages_campaign(v_import.campaign_id)) then
    raise exception using errcode = 'PT404', message = 'p_import_id: not found or not yours';
  end if;
  return v_import;
end;
$$;
comment on function private.lead_import_of_caller(uuid) is
'Lead import: the import locked, when the caller may act on it (PT404 otherwise).';
revoke execute on function private.lead_import_of_caller(uuid) from public;
grant execute on function private.lead_import_of_caller(uuid) to authenticated;

-- rpc/confirm_lead_import: a previewed import is queued (options replaced
-- when p_options is given).
create function public.confirm_lead_import(p_import_id uuid, p_options jsonb default null)
returns public.lead_imports
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_import public.lead_imports := private.lead_import_of_caller(p_import_id);
  v_options jsonb := v_import.options;
begin
  if v_import.status <> 'previewed' then
    raise exception using
      errcode = 'PT409',
      message = format('p_import_id: import %s is %s, not previewed', p_import_id, v_import.status);
  end if;
  if p_options is not null then
    v_options := private.lead_import_options(p_options);
  end if;
  update public.lead_imports as i set
    status = 'queued', options = v_options - 'preview', worker = null, heartbeat_at = null
  where i.id = p_import_id
  returning * into v_import;
  perform pg_notify('lead_imports', v_import.id::text);
  return v_import;
end;
$$;
comment on function public.confirm_lead_import(uuid, jsonb) is
'Queue a previewed import (with new options when given); returns the import row.';
revoke execute on function public.confirm_lead_import(uuid, jsonb) from public, anon;
grant execute on function public.confirm_lead_import(uuid, jsonb) to authenticated;

-- rpc/cancel_lead_import: not started -> cancelled at once; running -> the
-- worker stops after its current batch (rows already imported stay).
create function public.cancel_lead_import(p_import_id uuid)
returns public.lead_imports
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_import public.lead_imports := private.lead_import_of_caller(p_import_id);
begin
  if v_import.status in ('previewing', 'previewed', 'queued') then
    update public.lead_imports as i set
      status = 'cancelled', cancel_requested = true, finished_at = now(), worker = null
    where i.id = p_import_id
    returning * into v_import;
  elsif v_import.status = 'running' then
    update public.lead_imports as i set cancel_requested = true
    where i.id = p_import_id
    returning * into v_import;
  else
    raise exception using
      errcode = 'PT409',
      message = format('p_import_id: import %s is already %s', p_import_id, v_import.status);
  end if;
  return v_import;
end;
$$;
comment on function public.cancel_lead_import(uuid) is
'Cancel an import: at once when not started, after the current batch when running.';
revoke execute on function public.cancel_lead_import(uuid) from public, anon;
grant execute on function public.cancel_lead_import(uuid) to authenticated;

-- ============================================================================
-- Section - The worker's queue (lease protocol, workers/README.md)
-- ============================================================================

-- Claims the oldest imports waiting (queued, previewing) or whose lease went
-- stale; a queued one becomes running, a preview stays previewing.
create function private.lead_import_claim(
  p_worker text, p_limit integer default 1, p_stale_seconds integer default 120
) returns setof public.lead_imports
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception using errcode = '22023', message = 'p_worker: required';
  end if;
  return query
  with picked as (
    select i.id
    from public.lead_imports as i
    where
      (i.status in ('queued', 'previewing') and i.worker is null)
      or (
        i.status in ('running', 'previewing') and i.worker is not null
        and i.heartbeat_at < v_now - make_interval(secs => p_stale_seconds)
      )
    order by i.created_at
    limit p_limit
    for update skip locked
  )
  update public.lead_imports as i set
    status = case when i.status = 'previewing' then 'previewing' else 'running' end,
    attempts = i.attempts + 1, worker = p_worker, heartbeat_at = v_now,
    started_at = coalesce(i.started_at, case when i.status <> 'previewing' then v_now end),
    error = null
  from picked as p
  where i.id = p.id
  returning i.*;
end;
$$;
comment on function private.lead_import_claim(text, integer, integer) is
'Lead import worker: claim the oldest waiting or stale imports; they are held by p_worker.';
revoke execute on function private.lead_import_claim(text, integer, integer) from public;
grant execute on function private.lead_import_claim(text, integer, integer) to crm_lead_import;

-- The heartbeat; false when the claim was lost.
create function private.lead_import_renew(p_id uuid, p_worker text, p_total_rows bigint default null)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update public.lead_imports as i set
    heartbeat_at = private.now(), total_rows = coalesce(p_total_rows, i.total_rows)
  where i.id = p_id and i.worker = p_worker and i.status in ('running', 'previewing');
  return found;
end;
$$;
comment on function private.lead_import_renew(uuid, text, bigint) is
'Lead import worker: renew the claim on import p_id (and its row count); false when it was lost.';
revoke execute on function private.lead_import_renew(uuid, text, bigint) from public;
grant execute on function private.lead_import_renew(uuid, text, bigint) to crm_lead_import;

-- A preview is written: previewing -> previewed.
create function private.lead_import_preview(p_id uuid, p_worker text, p_preview jsonb)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update public.lead_imports as i set
    status = 'previewed', preview = p_preview, worker = null, heartbeat_at = null,
    total_rows = (p_preview ->> 'total_rows_estimate')::bigint
  where i.id = p_id and i.worker = p_worker and i.status = 'previewing';
  return found;
end;
$$;
comment on function private.lead_import_preview(uuid, text, jsonb) is
'Lead import worker: the preview of import p_id is written (previewed); false when the claim was lost.';
revoke execute on function private.lead_import_preview(uuid, text, jsonb) from public;
grant execute on function private.lead_import_preview(uuid, text, jsonb) to crm_lead_import;

-- The import is over: done, or cancelled when that was asked meanwhile.
create function private.lead_import_finish(p_id uuid, p_worker text, p_error_report_path text default null)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
begin
  update public.lead_imports as i set
    status = case when i.cancel_requested then 'cancelled' else 'done' end,
    error_report_path = p_error_report_path,
    total_rows = case when i.cancel_requested then i.total_rows else i.processed_rows end,
    finished_at = v_now, heartbeat_at = v_now
  where i.id = p_id and i.worker = p_worker and i.status = 'running';
  return found;
end;
$$;
comment on function private.lead_import_finish(uuid, text, text) is
'Lead import worker: import p_id is over (done, or cancelled if asked); false when the claim was lost.';
revoke execute on function private.lead_import_finish(uuid, text, text) from public;
grant execute on function private.lead_import_finish(uuid, text, text) to crm_lead_import;

create function private.lead_import_fail(p_id uuid, p_worker text, p_error text, p_final boolean)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update public.lead_imports as i set
    status = case when p_final then 'failed' when i.status = 'previewing' then 'previewing' else 'queued' end,
    error = left(p_error, 2000),
    finished_at = case when p_final then private.now() end,
    worker = case when p_final then i.worker end,
    heartbeat_at = case when p_final then i.heartbeat_at end
  where i.id = p_id and i.worker = p_worker and i.status in ('running', 'previewing');
  return found;
end;
$$;
comment on function private.lead_import_fail(uuid, text, text, boolean) is
'Lead import worker: import p_id failed, for good (p_final) or back to the queue.';
revoke execute on function private.lead_import_fail(uuid, text, text, boolean) from public;
grant execute on function private.lead_import_fail(uuid, text, text, boolean) to crm_lead_import;

create function private.lead_import_release(p_worker text) returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_released integer;
begin
  update public.lead_imports as i set
    status = case when i.status = 'previewing' then 'previewing' else 'queued' end,
    worker = null, heartbeat_at = null
  where i.worker = p_worker and i.status in ('running', 'previewing');
  get diagnostics v_released = row_count;
  return v_released;
end;
$$;
comment on function private.lead_import_release(text) is
'Lead import worker: give back every import p_worker holds (reconnect, stop); how many.';
revoke execute on function private.lead_import_release(text) from public;
grant execute on function private.lead_import_release(text) to crm_lead_import;

-- The refused rows of import p_id, for the error report (in line order).
create function private.lead_import_error_rows(p_id uuid, p_worker text)
returns table (line integer, field text, code text, message text, raw jsonb)
language sql
stable
security definer
set search_path = ''
as $$
  select e.line, e.field, e.code, e.message, e.raw
  from public.lead_import_errors as e
  where
    e.import_id = p_id
    and exists (select 1 from public.lead_imports as i where i.id = p_id and i.worker = p_worker)
  order by e.line, e.id
$$;
comment on function private.lead_import_error_rows(uuid, text) is
'Lead import worker: the refused rows of import p_id it holds, for the error report.';
revoke execute on function private.lead_import_error_rows(uuid, text) from public;
grant execute on function private.lead_import_error_rows(uuid, text) to crm_lead_import;

-- One batch of import p_id in one transaction: the rows the worker parsed
-- (p_rows: [{line, first_name, phone (E.164), ..., custom}]) are checked for
-- duplicates (in the file: an earlier line of this batch, or a lead this
-- import already made; in the campaign: by phone, and by external_ref when
-- given) and against do-not-call (company-wide and the campaign's), then
-- inserted (or, with duplicates=update, written over the existing lead's
-- contact fields); every refused row, the worker's (p_errors: [{line, field,
-- code, message, raw}]) and these, becomes a lead_import_errors row; and the
-- checkpoint moves from p_from_row to p_to_row with the counts. Null (and
-- nothing written) when the claim was lost or the checkpoint is not
-- p_from_row (the batch was already written). Returns the new counts and
-- whether a cancel was asked.
create function private.lead_import_write_batch(
  p_id uuid, p_worker text, p_from_row bigint, p_to_row bigint, p_rows jsonb, p_errors jsonb default '[]'
) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_import public.lead_imports;
  v_update boolean;
  v_refs boolean;
  v_counts record;
begin
  select i.* into v_import from public.lead_imports as i
  where i.id = p_id and i.worker = p_worker and i.status = 'running'
  for update;
  if not found or v_import.processed_rows <> p_from_row then
    return null;
  end if;
  perform set_config('crm.via', 'lead_import', true);
  -- The history of each lead names the importer as who made it (auth.uid()).
  perform set_config(
    'request.jwt.claims', jsonb_build_object('sub', v_import.requested_by, 'role', 'authenticated')::text, true
  );
  v_update := coalesce(v_import.options ->> 'duplicates', 'skip') = 'update';
  v_refs := exists (
    select 1 from jsonb_array_elements(p_rows) as e (r) where coalesce(e.r ->> 'external_ref', '') <> ''
  );

  with batch as materialized (
    select
      b.*,
      nullif(b.external_ref, '') as ref,
      row_number() over (partition by b.phone order by b.line) as phone_rank,
      row_number() over (partition by nullif(b.external_ref, '') order by b.line) as ref_rank
    from jsonb_to_recordset(p_rows) as b (
      line integer, first_name text, last_name text, phone text, email text, birth_date date,
      address_line text, city text, region text, postal_code text, country_code text,
      external_ref text, source text, notes text, custom jsonb
    )
  ),

  by_ref as materialized (
    select distinct on (l.external_ref) l.external_ref, l.id, l.import_id
    from public.leads as l
    where
      v_refs and l.campaign_id = v_import.campaign_id and l.erased_at is null
      and l.external_ref in (select b.ref from batch as b where b.ref is not null)
    order by l.external_ref, l.created_at
  ),

  classified as materialized (
    select
      b.*,
      m.id as match_id,
      m.import_id as match_import,
      case
        when b.phone_rank > 1 then 'phone'
        when b.ref is not null and b.ref_rank > 1 then 'external_ref'
        when m.rank = 2 then 'external_ref'
        else 'phone'
      end as dup_field,
      case
        when b.phone_rank > 1 or (b.ref is not null and b.ref_rank > 1) then 'duplicate_in_file'
        when exists (
          select 1 from public.do_not_call as d
          where d.phone = b.phone and (d.campaign_id is null or d.campaign_id = v_import.campaign_id)
        ) then 'do_not_call'
        when m.import_id is not distinct from p_id and m.id is not null then 'duplicate_in_file'
        when m.id is not null and v_update then 'update'
        when m.id is not null then 'duplicate_in_campaign'
        else 'new'
      end as outcome
    from batch as b
    left join lateral (
      select x.id, x.import_id, x.rank from (
        select l.id, l.import_id, 1 as rank
        from public.leads as l
        where l.phone = b.phone and l.campaign_id = v_import.campaign_id and l.erased_at is null
        union all
        select r.id, r.import_id, 2 from by_ref as r where r.external_ref = b.ref
      ) as x
      order by x.rank, x.id
      limit 1
    ) as m on true
  ),

  inserted as (
    insert into public.leads (
      campaign_id, first_name, last_name, phone, email, birth_date, address_line, city, region,
      postal_code, country_code, external_ref, source, notes, custom, created_by, import_id
    )
    select
      v_import.campaign_id, c.first_name, coalesce(c.last_name, ''), c.phone, nullif(c.email, ''), c.birth_date,
      coalesce(c.address_line, ''), coalesce(c.city, ''), coalesce(c.region, ''),
      coalesce(c.postal_code, ''), nullif(c.country_code, ''), c.ref, coalesce(c.source, ''),
      coalesce(c.notes, ''), coalesce(c.custom, '{}'), v_import.requested_by, p_id
    from classified as c
    where c.outcome = 'new'
    order by c.line
    returning 1
  ),

  updated as (
    update public.leads as l set
      first_name = coalesce(nullif(c.first_name, ''), l.first_name),
      last_name = coalesce(nullif(c.last_name, ''), l.last_name),
      phone = coalesce(c.phone, l.phone),
      email = coalesce(nullif(c.email, ''), l.email),
      birth_date = coalesce(c.birth_date, l.birth_date),
      address_line = coalesce(nullif(c.address_line, ''), l.address_line),
      city = coalesce(nullif(c.city, ''), l.city),
      region = coalesce(nullif(c.region, ''), l.region),
      postal_code = coalesce(nullif(c.postal_code, ''), l.postal_code),
      external_ref = coalesce(c.ref, l.external_ref),
      notes = coalesce(nullif(c.notes, ''), l.notes),
      custom = l.custom || coalesce(c.custom, '{}')
    from classified as c
    where c.outcome = 'update' and l.id = c.match_id
    returning 1
  ),

  refused as (
    insert into public.lead_import_errors (import_id, line, field, code, message, raw)
    select
      p_id, c.line,
      case when c.outcome = 'do_not_call' then 'phone' else c.dup_field end,
      c.outcome,
      case
        when c.outcome = 'do_not_call' then format('%s is on the do-not-call list', c.phone)
        when c.outcome = 'duplicate_in_file' and c.dup_field = 'phone' then
          format('phone %s appears earlier in the file', c.phone)
        when c.outcome = 'duplicate_in_file' then format('external_ref %s appears earlier in the file', c.ref)
        when c.dup_field = 'phone' then format('phone %s is already a lead of the campaign', c.phone)
        else format('external_ref %s is already a lead of the campaign', c.ref)
      end,
      jsonb_strip_nulls(
        to_jsonb(c) - array['phone_rank', 'ref_rank', 'match_id', 'match_import', 'outcome', 'ref', 'line', 'dup_field']
      )
    from classified as c
    where c.outcome in ('duplicate_in_file', 'do_not_call', 'duplicate_in_campaign')
    union all
    select p_id, e.line, coalesce(e.field, ''), e.code, coalesce(e.message, ''), e.raw
    from jsonb_to_recordset(coalesce(p_errors, '[]')) as e (line integer, field text, code text, message text, raw jsonb)
    returning 1
  )

  select
    (select count(*) from inserted) as imported,
    (select count(*) from updated) as updated,
    (select count(*) from classified as c where c.outcome in ('duplicate_in_file', 'duplicate_in_campaign'))
    as duplicates,
    (select count(*) from classified as c where c.outcome = 'do_not_call') as do_not_call,
    (select count(distinct e.r ->> 'line') from jsonb_array_elements(coalesce(p_errors, '[]')) as e (r)) as invalid,
    (select count(*) from refused) as errors
  into v_counts;

  update public.lead_imports as i set
    processed_rows = p_to_row,
    imported = i.imported + v_counts.imported,
    updated = i.updated + v_counts.updated,
    duplicates = i.duplicates + v_counts.duplicates,
    do_not_call = i.do_not_call + v_counts.do_not_call,
    invalid = i.invalid + v_counts.invalid,
    total_rows = greatest(i.total_rows, p_to_row),
    heartbeat_at = private.now()
  where i.id = p_id
  returning * into v_import;

  return jsonb_build_object(
    'processed_rows', v_import.processed_rows, 'imported', v_import.imported, 'updated', v_import.updated,
    'duplicates', v_import.duplicates, 'do_not_call', v_import.do_not_call, 'invalid', v_import.invalid,
    'cancel_requested', v_import.cancel_requested
  );
end;
$$;
comment on function private.lead_import_write_batch(uuid, text, bigint, bigint, jsonb, jsonb) is
'Lead import worker: write one batch of import p_id with its checkpoint, in one transaction; null when not its own.';
revoke execute on function private.lead_import_write_batch(uuid, text, bigint, bigint, jsonb, jsonb) from public;
grant execute on function private.lead_import_write_batch(uuid, text, bigint, bigint, jsonb, jsonb) to crm_lead_import;
