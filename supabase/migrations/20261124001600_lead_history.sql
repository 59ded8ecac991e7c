-- Lead history: the audit trail of every change to a lead.
--
-- Written only by trigger, for every insert, update and delete of a lead:
-- who (the user, or the service role or system when there is no user), when,
-- through which RPC, which fields, and their old and new values. Append-only
-- for every API role; only the service role may purge rows (retention, GDPR
-- erasure). It keeps no foreign key to leads, so it outlives a deleted lead.

-- ============================================================================
-- Section - Lead history
-- ============================================================================

-- One row per change of a lead.
create table public.lead_history (
  id bigint generated always as identity primary key,
  lead_id uuid not null,
  campaign_id uuid not null,
  operation text not null check (operation in ('insert', 'update', 'delete')),
  changed_fields text[] not null,
  old_values jsonb,
  new_values jsonb,
  changed_by uuid,
  actor text not null check (actor in ('user', 'service_role', 'system')),
  db_role text not null default session_user,
  via text,
  changed_at timestamptz not null default now()
);
comment on table public.lead_history is
'Audit trail of leads, written by trigger only; append-only for every API role.';
comment on column public.lead_history.changed_by is
'The signed-in user (auth.uid()), null for the service role and the system.';
comment on column public.lead_history.actor is
'user, service_role (a worker through the API) or system (a direct connection).';
comment on column public.lead_history.db_role is 'The database login that made the change (session_user).';
comment on column public.lead_history.via is
'The RPC that made the change (rpc/next_lead...), null for a direct write.';

create index lead_history_lead_id_idx on public.lead_history (lead_id, changed_at);
create index lead_history_campaign_id_idx on public.lead_history (campaign_id, changed_at);

alter table public.lead_history enable row level security;
grant select on public.lead_history to authenticated;
grant select, delete on public.lead_history to service_role;

-- Audit rows never change, whoever asks (even the table owner).
create function private.forbid_audit_update() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception using
    errcode = '42501',
    message = format('%s: audit rows are append-only', tg_table_name);
end;
$$;

create trigger lead_history_append_only
before update on public.lead_history
for each row execute function private.forbid_audit_update();

-- ============================================================================
-- Section - Audit trigger
-- ============================================================================

-- Writes lead_history for each insert, update and delete of a lead. An update
-- that changes nothing but updated_at leaves no row.
create function private.write_lead_history() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_old jsonb := case when tg_op <> 'INSERT' then to_jsonb(old) - 'updated_at' end;
  v_new jsonb := case when tg_op <> 'DELETE' then to_jsonb(new) - 'updated_at' end;
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

create trigger leads_write_history
after insert or update or delete on public.leads
for each row execute function private.write_lead_history();

-- ============================================================================
-- Section - RLS Policies
-- ============================================================================

create policy "Agents can view the history of their own leads"
on public.lead_history for select to authenticated
using (
  exists (
    select 1
    from public.leads as l
    where l.id = lead_history.lead_id and l.owner_id = (select auth.uid())
  )
);

create policy "Supervisors can view the lead history of their campaigns"
on public.lead_history for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view all lead history"
on public.lead_history for select to authenticated
using ((select private.is_admin()));
