-- Permissions: the finer rights of each role, editable by admins at run time.
--
-- RLS policies and functions ask private.has_permission(); the API asks
-- rpc/has_permission. The default grants below are documented in
-- docs/interface.md ("Default permissions"). Scoping to a supervisor's own
-- campaigns is done by the policies of each table, not here.

-- ============================================================================
-- Section - Tables
-- ============================================================================

create table public.permissions (
  key text primary key check (key ~ '^[a-z_]+\.[a-z_]+$'),
  description text not null
);
comment on table public.permissions is 'Every right the system checks, by key (area.action).';

create table public.role_permissions (
  role public.app_role not null,
  permission text not null references public.permissions (key) on update cascade on delete cascade,
  primary key (role, permission)
);
comment on table public.role_permissions is 'Which role holds which permission; admins edit it at run time.';

alter table public.permissions enable row level security;
alter table public.role_permissions enable row level security;
grant select, insert, update, delete on public.permissions to authenticated;
grant select, insert, update, delete on public.role_permissions to authenticated;
grant all on public.permissions, public.role_permissions to service_role;

insert into public.permissions (key, description) values
('users.manage', 'Create users, change roles, deactivate accounts'),
('permissions.manage', 'Grant and revoke permissions of roles'),
('products.manage', 'Create and change insurance products'),
('campaigns.manage', 'Create and change campaigns and their members'),
('leads.assign', 'Assign leads to agents'),
('leads.import', 'Import leads'),
('leads.export', 'Export leads'),
('leads.delete', 'Delete leads'),
('sales.validate', 'Validate or reject sales'),
('recordings.listen', 'Listen to call recordings'),
('reports.view', 'Read reports');

insert into public.role_permissions (role, permission)
select
  'admin' as role,
  p.key as permission
from public.permissions as p;

insert into public.role_permissions (role, permission) values
('supervisor', 'leads.assign'),
('supervisor', 'leads.import'),
('supervisor', 'leads.export'),
('supervisor', 'sales.validate'),
('supervisor', 'recordings.listen'),
('supervisor', 'reports.view');

-- ============================================================================
-- Section - Helpers
-- ============================================================================

-- Does the signed-in user's role hold this permission? For policies and functions.
create function private.has_permission(p_permission text) returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
    from public.profiles as p
    inner join public.role_permissions as rp on p.role = rp.role
    where
      p.id = (select auth.uid())
      and p.active
      and rp.permission = p_permission
  )
$$;
revoke execute on function private.has_permission(text) from public;
grant execute on function private.has_permission(text) to authenticated, service_role;

-- ============================================================================
-- Section - Public functions
-- ============================================================================

-- rpc/has_permission: does the caller hold p_permission? An unknown key is an
-- error (22023), not a silent false, so a typo in a client shows at once.
create function public.has_permission(p_permission text) returns boolean
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
      message = format('p_permission: unknown permission %L', p_permission),
      hint = 'See table public.permissions for the valid keys.';
  end if;
  return private.has_permission(p_permission);
end;
$$;
comment on function public.has_permission(text) is 'Does the signed-in user hold this permission?';
revoke execute on function public.has_permission(text) from public;
grant execute on function public.has_permission(text) to authenticated, service_role;

-- ============================================================================
-- Section - Protected columns
-- ============================================================================

-- Role, activity and identity of a profile change only with users.manage:
-- nobody raises their own rights. Server-side connections (no JWT) are trusted.
create function private.guard_profile_columns() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (select auth.role()) = 'authenticated'
    and not (select private.has_permission('users.manage'))
    and (new.role, new.active, new.email, new.id)
    is distinct from (old.role, old.active, old.email, old.id) then
    raise exception using
      errcode = '42501',
      message = 'role: changing a user''s role, activity or email needs users.manage';
  end if;
  return new;
end;
$$;

create trigger profiles_guard_columns
before update on public.profiles
for each row execute function private.guard_profile_columns();
