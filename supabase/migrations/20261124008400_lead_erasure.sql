-- GDPR/LOPD rights of a lead: access (rpc/export_lead_data) and erasure
-- (rpc/erase_lead), for users with compliance.manage (admins by default).
--
-- Erasure keeps the rows that the business and its reports need (the lead's
-- row, its calls and sales, with their ids, times, outcomes, campaigns,
-- agents, products and amounts) and removes everything that identifies the
-- person: names, numbers, e-mail, birth date, address, free-text notes and
-- reasons (sales' and their status history's too), custom fields, the
-- external reference, the recording file names; the lead's history is
-- replaced by a single row naming the erased fields; its
-- numbers leave the do-not-call list and the originate queue; its
-- recordings are marked for the recordings worker, which deletes the
-- objects from Storage and any local file (recordings.erase_requested_at).
-- Report totals do not change: reports count calls and sales by campaign,
-- agent and day, none of which changes. A lead under legal hold cannot be
-- erased until the hold is released. Its refusals are PT409 with a
-- machine-readable detail: already_erased, in_call or legal_hold.
--
-- public.compliance_log keeps what the law allows: who exported or erased
-- which lead id, when, and how many rows were touched; append-only.

-- ============================================================================
-- Section - Erased leads and calls
-- ============================================================================

alter table public.leads add column erased_at timestamptz;
comment on column public.leads.erased_at is 'When the lead''s personal data was erased (rpc/erase_lead).';
alter table public.leads alter column phone drop not null;
alter table public.leads
add constraint leads_phone_unless_erased check (phone is not null or erased_at is not null),
add constraint leads_erased_status check ((status = 'erased') = (erased_at is not null));

alter table public.calls add column erased_at timestamptz;
comment on column public.calls.erased_at is
'When the lead''s personal data was erased from this call (rpc/erase_lead).';
alter table public.calls drop constraint calls_outbound_has_number;
alter table public.calls
add constraint calls_outbound_has_number check (
  direction = 'inbound' or phone_number is not null or erased_at is not null
);

-- ============================================================================
-- Section - Audit rows
-- ============================================================================

-- Audit rows still never change, with one exception for rpc/erase_lead: the
-- database owner (never an API role) may blank the free-text reason of a
-- sale's status change, which can name the person, to '[erased]'. Every other
-- column, and every other audit table, stays as it was.
create or replace function private.forbid_audit_update() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_table_name = 'sale_status_history'
    and current_user not in ('anon', 'authenticated', 'service_role')
    and to_jsonb(new) ->> 'reason' = '[erased]'
    and to_jsonb(new) - 'reason' = to_jsonb(old) - 'reason' then
    return new;
  end if;
  raise exception using
    errcode = '42501',
    message = format('%s: audit rows are append-only', tg_table_name);
end;
$$;

-- ============================================================================
-- Section - Compliance log
-- ============================================================================

create table public.compliance_log (
  id bigint generated always as identity primary key,
  action text not null,
  lead_id uuid not null,
  performed_by uuid,
  performed_at timestamptz not null default now(),
  summary jsonb not null default '{}',
  constraint compliance_log_action check (action in ('export', 'erase'))
);
comment on table public.compliance_log is
'Who exported or erased which lead''s personal data, and when; append-only for every API role.';
comment on column public.compliance_log.lead_id is 'The lead''s id only: no personal data is kept here.';
comment on column public.compliance_log.summary is 'How many rows of each kind were exported or changed.';

create index compliance_log_lead_id_idx on public.compliance_log (lead_id, performed_at);

alter table public.compliance_log enable row level security;
grant select on public.compliance_log to authenticated;
grant select, delete on public.compliance_log to service_role;

create trigger compliance_log_append_only
before update on public.compliance_log
for each row execute function private.forbid_audit_update();

-- ============================================================================
-- Section - Public functions
-- ============================================================================

-- The caller holds compliance.manage, or 42501 naming the action.
create function private.require_compliance_manager(p_action text) returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if not private.has_permission('compliance.manage') then
    raise exception using
      errcode = '42501',
      message = format('%s: needs the compliance.manage permission', p_action);
  end if;
end;
$$;
revoke execute on function private.require_compliance_manager(text) from public;

-- rpc/export_lead_data: everything held about lead p_lead_id, as one JSON
-- document, for a subject access request. Logged in compliance_log.
create function public.export_lead_data(p_lead_id uuid) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_lead public.leads;
  v_phones text[];
  v_document jsonb;
begin
  perform private.require_compliance_manager('export_lead_data');
  if p_lead_id is null then
    raise exception using errcode = '22023', message = 'p_lead_id: required';
  end if;
  select l.* into v_lead from public.leads as l where l.id = p_lead_id;
  if v_lead.id is null then
    raise exception using errcode = 'PT404', message = format('p_lead_id: no lead %s', p_lead_id);
  end if;
  v_phones := array_remove(array[v_lead.phone::text] || v_lead.alternate_phones::text[], null);

  select jsonb_build_object(
    'exported_at', private.now(),
    'lead', to_jsonb(v_lead),
    'campaign', (select jsonb_build_object('id', c.id, 'name', c.name) from public.campaigns as c
      where c.id = v_lead.campaign_id),
    'history', coalesce((select jsonb_agg(to_jsonb(h) order by h.changed_at, h.id)
      from public.lead_history as h where h.lead_id = p_lead_id), '[]'),
    'calls', coalesce((select jsonb_agg(
        to_jsonb(c) || jsonb_build_object('recording', (
          select jsonb_build_object(
            'status', r.status, 'format', r.format, 'bytes', r.bytes,
            'duration_seconds', r.duration_seconds, 'stored_at', r.stored_at, 'removed_at', r.removed_at
          ) from public.recordings as r where r.call_id = c.id
        ))
        order by c.started_at
      ) from public.calls as c where c.lead_id = p_lead_id), '[]'),
    'sales', coalesce((select jsonb_agg(to_jsonb(s) order by s.sold_at)
      from public.sales as s where s.lead_id = p_lead_id), '[]'),
    'callbacks', coalesce((select jsonb_agg(to_jsonb(cb) order by cb.due_at)
      from public.callbacks as cb where cb.lead_id = p_lead_id), '[]'),
    'do_not_call', coalesce((select jsonb_agg(jsonb_build_object(
        'phone', d.phone, 'campaign_id', d.campaign_id, 'source', d.source, 'reason', d.reason,
        'created_at', d.created_at
      ) order by d.created_at)
      from public.do_not_call as d where d.phone = any(v_phones)), '[]'),
    'recording_accesses', coalesce((select jsonb_agg(jsonb_build_object(
        'call_id', a.call_id, 'requested_at', a.requested_at, 'outcome', a.outcome
      ) order by a.requested_at)
      from public.recording_access_log as a
      where a.call_id in (select c.id from public.calls as c where c.lead_id = p_lead_id)), '[]')
  ) into v_document;

  insert into public.compliance_log (action, lead_id, performed_by, performed_at, summary)
  values ('export', p_lead_id, (select auth.uid()), private.now(), jsonb_build_object(
    'history', jsonb_array_length(v_document -> 'history'),
    'calls', jsonb_array_length(v_document -> 'calls'),
    'sales', jsonb_array_length(v_document -> 'sales'),
    'callbacks', jsonb_array_length(v_document -> 'callbacks')
  ));
  return v_document;
end;
$$;
comment on function public.export_lead_data(uuid) is
'Subject access request: everything held about a lead as one JSON document (needs compliance.manage); logged.';
revoke execute on function public.export_lead_data(uuid) from public, anon;
grant execute on function public.export_lead_data(uuid) to authenticated;

-- rpc/erase_lead: removes the personal data of lead p_lead_id everywhere
-- (see the top of this file) and returns how many rows of each kind changed.
create function public.erase_lead(p_lead_id uuid) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_lead public.leads;
  v_phones text[];
  v_call_ids uuid[];
  v_hold public.legal_holds;
  v_summary jsonb;
  v_calls integer;
  v_recordings integer;
  v_callbacks integer;
  v_sales integer;
  v_history integer;
  v_do_not_call integer;
  v_originates integer;
begin
  perform private.require_compliance_manager('erase_lead');
  if p_lead_id is null then
    raise exception using errcode = '22023', message = 'p_lead_id: required';
  end if;
  select l.* into v_lead from public.leads as l where l.id = p_lead_id for update;
  if v_lead.id is null then
    raise exception using errcode = 'PT404', message = format('p_lead_id: no lead %s', p_lead_id);
  end if;
  if v_lead.erased_at is not null then
    raise exception using
      errcode = 'PT409',
      message = format('p_lead_id: lead %s was already erased at %s', p_lead_id, v_lead.erased_at),
      detail = 'already_erased';
  end if;
  if v_lead.status = 'in_call' then
    raise exception using
      errcode = 'PT409',
      message = format('p_lead_id: lead %s is in a call; erase it once the call is over', p_lead_id),
      detail = 'in_call';
  end if;
  -- The lead's calls, read once (across every monthly partition).
  select coalesce(array_agg(c.id), '{}') into v_call_ids from public.calls as c where c.lead_id = p_lead_id;
  select h.* into v_hold
  from public.legal_holds as h
  where
    h.released_at is null
    and (h.lead_id = p_lead_id or h.call_id = any(v_call_ids))
  order by h.placed_at
  limit 1;
  if v_hold.id is not null then
    raise exception using
      errcode = 'PT409',
      message = format('p_lead_id: lead %s is under legal hold %s (%s); release it first', p_lead_id, v_hold.id,
        v_hold.reason),
      detail = 'legal_hold';
  end if;
  v_phones := array_remove(array[v_lead.phone::text] || v_lead.alternate_phones::text[], null);

  -- Recordings: the worker deletes objects and local files.
  update public.recordings as r set erase_requested_at = v_now
  where r.call_id = any(v_call_ids) and r.status not in ('purged', 'erased') and r.erase_requested_at is null;
  get diagnostics v_recordings = row_count;
  -- Already purged: no object is left, but the file name often carries the number.
  update public.recordings as r set source_file = '[erased]', last_error = null
  where r.call_id = any(v_call_ids) and r.status = 'purged' and r.source_file <> '[erased]';
  delete from public.recording_links as rl where rl.call_id = any(v_call_ids);

  -- The call says erased at once (rpc/recording_url refuses it already); the
  -- worker confirms it when the object is gone.
  update public.calls as c set
    phone_number = null, notes = '', recording_file = null, recording_path = null, erased_at = v_now,
    recording_status = case
      when c.recording_status in ('pending', 'stored', 'failed') then 'erased' else c.recording_status
    end
  where c.lead_id = p_lead_id;
  get diagnostics v_calls = row_count;

  update public.callbacks as cb set
    notes = '',
    status = case when cb.status = 'pending' then 'cancelled'::public.callback_status else cb.status end,
    completed_at = case when cb.status = 'pending' then v_now else cb.completed_at end
  where cb.lead_id = p_lead_id;
  get diagnostics v_callbacks = row_count;

  -- Sales stay (amounts, products, agents, validation) without their free text.
  update public.sales as s set
    notes = '', status_reason = case when s.status_reason is not null then '[erased]' end
  where s.lead_id = p_lead_id;
  get diagnostics v_sales = row_count;
  update public.sale_status_history as h set reason = '[erased]'
  where
    h.sale_id in (select s.id from public.sales as s where s.lead_id = p_lead_id)
    and h.reason is not null and h.reason <> '[erased]';

  delete from public.originate_requests as o where o.lead_id = p_lead_id;
  get diagnostics v_originates = row_count;

  delete from public.do_not_call as d where d.phone = any(v_phones);
  get diagnostics v_do_not_call = row_count;

  update public.leads as l set
    first_name = '[erased]', last_name = '', phone = null, alternate_phones = '{}', email = null,
    birth_date = null, address_line = '', city = '', region = '', postal_code = '', custom = '{}',
    notes = '', external_ref = null, consent_contact = false, consent_recording = false,
    consent_marketing = false, owner_id = null, status = 'erased', erased_at = v_now
  where l.id = p_lead_id;

  -- The history held the old values: one row naming what was erased replaces it.
  delete from public.lead_history as h where h.lead_id = p_lead_id;
  get diagnostics v_history = row_count;
  insert into public.lead_history (
    lead_id, campaign_id, operation, changed_fields, old_values, new_values, changed_by, actor, via, changed_at
  ) values (
    p_lead_id, v_lead.campaign_id, 'update',
    array[
      'first_name', 'last_name', 'phone', 'alternate_phones', 'email', 'birth_date', 'address_line', 'city',
      'region', 'postal_code', 'custom', 'notes', 'external_ref', 'status', 'erased_at'
    ],
    null, jsonb_build_object('status', 'erased', 'erased_at', v_now),
    (select auth.uid()), private.current_actor(), 'rpc/erase_lead', v_now
  );

  v_summary := jsonb_build_object(
    'lead_id', p_lead_id, 'erased_at', v_now, 'calls', v_calls, 'recordings', v_recordings,
    'callbacks', v_callbacks, 'sales', v_sales, 'history_rows', v_history,
    'do_not_call', v_do_not_call, 'originate_requests', v_originates
  );
  insert into public.compliance_log (action, lead_id, performed_by, performed_at, summary)
  values ('erase', p_lead_id, (select auth.uid()), v_now, v_summary - 'lead_id');
  perform pg_notify('recording_erasures', p_lead_id::text);
  return v_summary;
end;
$$;
comment on function public.erase_lead(uuid) is
'Right to be forgotten: removes a lead''s personal data everywhere, keeps report figures (needs compliance.manage).';
revoke execute on function public.erase_lead(uuid) from public, anon;
grant execute on function public.erase_lead(uuid) to authenticated;

-- ============================================================================
-- Section - RLS Policies
-- ============================================================================

-- Written only by rpc/export_lead_data and rpc/erase_lead.
create policy "Compliance managers can view the compliance log"
on public.compliance_log for select to authenticated
using ((select private.has_permission('compliance.manage')));
