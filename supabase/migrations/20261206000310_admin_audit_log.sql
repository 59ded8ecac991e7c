-- The admin audit log (issue 15): every change to campaigns, their members
-- and products, products, profiles (users), the permission matrix and the
-- permissions, and every account request made: who, when, before and after.
--
-- Written only by trigger, like lead_history (migration 20261124001600): who
-- (auth.uid(), the actor kind, the database login), when, the row's key,
-- which fields changed and their old and new values. Append-only for every
-- API role, the table owner included (private.forbid_audit_update); only the
-- service role may purge rows (retention). No foreign keys: it outlives what
-- it describes. Readers: users.manage or permissions.manage.

-- ============================================================================
-- Section - Admin audit log
-- ============================================================================

create table public.admin_audit_log (
  id bigint generated always as identity primary key,
  table_name text not null,
  record_key jsonb not null,
  operation text not null check (operation in ('insert', 'update', 'delete')),
  changed_fields text[] not null,
  old_values jsonb,
  new_values jsonb,
  changed_by uuid,
  actor text not null check (actor in ('user', 'service_role', 'system')),
  db_role text not null default session_user,
  changed_at timestamptz not null default now()
);
comment on table public.admin_audit_log is
'Audit trail of the back office (campaigns, members, products, users, permissions), by trigger; append-only.';
comment on column public.admin_audit_log.record_key is 'The changed row''s primary key, as {"column": value}.';
comment on column public.admin_audit_log.changed_by is
'The signed-in user (auth.uid()), null for the service role and the system.';
comment on column public.admin_audit_log.actor is
'user, service_role (through the API) or system (a direct connection: a worker, a migration).';
comment on column public.admin_audit_log.db_role is 'The database login that made the change (session_user).';

create index admin_audit_log_changed_at_idx on public.admin_audit_log (changed_at desc);
create index admin_audit_log_table_idx on public.admin_audit_log (table_name, changed_at desc);
create index admin_audit_log_changed_by_idx on public.admin_audit_log (changed_by, changed_at desc);

alter table public.admin_audit_log enable row level security;
grant select on public.admin_audit_log to authenticated;
grant select, delete on public.admin_audit_log to service_role;

create trigger admin_audit_log_append_only
before update on public.admin_audit_log
for each row execute function private.forbid_audit_update();

create policy "User and permission managers can view the admin audit log"
on public.admin_audit_log for select to authenticated
using (
  (select private.has_permission('users.manage'))
  or (select private.has_permission('permissions.manage'))
);

-- ============================================================================
-- Section - Audit trigger
-- ============================================================================

-- One admin_audit_log row per insert, update or delete; the trigger's
-- arguments name the primary key columns. An update that changes nothing but
-- updated_at leaves no row. Never logs account_requests.action_link.
create function private.write_admin_audit() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_old jsonb := case when tg_op <> 'INSERT' then to_jsonb(old) - 'updated_at' - 'action_link' end;
  v_new jsonb := case when tg_op <> 'DELETE' then to_jsonb(new) - 'updated_at' - 'action_link' end;
  v_row jsonb := coalesce(v_new, v_old);
  v_key jsonb := '{}';
  v_column text;
  v_fields text[];
begin
  foreach v_column in array tg_argv loop
    v_key := v_key || jsonb_build_object(v_column, v_row -> v_column);
  end loop;
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
  else
    select coalesce(array_agg(e.key order by e.key), '{}') into v_fields
    from jsonb_each(v_row) as e
    where e.value <> 'null'::jsonb;
  end if;

  insert into public.admin_audit_log (
    table_name, record_key, operation, changed_fields, old_values, new_values, changed_by, actor
  ) values (
    tg_table_name, v_key, lower(tg_op), v_fields, v_old, v_new, (select auth.uid()), private.current_actor()
  );
  return null;
end;
$$;
revoke execute on function private.write_admin_audit() from public;

create trigger campaigns_write_admin_audit
after insert or update or delete on public.campaigns
for each row execute function private.write_admin_audit('id');

create trigger campaign_members_write_admin_audit
after insert or update or delete on public.campaign_members
for each row execute function private.write_admin_audit('campaign_id', 'user_id');

create trigger campaign_products_write_admin_audit
after insert or update or delete on public.campaign_products
for each row execute function private.write_admin_audit('campaign_id', 'product_id');

create trigger products_write_admin_audit
after insert or update or delete on public.products
for each row execute function private.write_admin_audit('id');

create trigger profiles_write_admin_audit
after insert or update or delete on public.profiles
for each row execute function private.write_admin_audit('id');

create trigger role_permissions_write_admin_audit
after insert or update or delete on public.role_permissions
for each row execute function private.write_admin_audit('role', 'permission');

create trigger permissions_write_admin_audit
after insert or update or delete on public.permissions
for each row execute function private.write_admin_audit('key');

-- Account requests: their making (who asked what); the worker's progress on
-- them is the row itself.
create trigger account_requests_write_admin_audit
after insert on public.account_requests
for each row execute function private.write_admin_audit('id');
