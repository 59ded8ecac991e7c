-- The permission matrix (issue 15): admins edit public.role_permissions
-- through PostgREST (insert and delete a grant, permissions.manage; the
-- policies of migration 20261124000300). has_permission reads the table on
-- every call, so a change holds from the next request; Realtime tells the
-- screens (migration 20261206000300).
--
-- Guard: the admin role never loses permissions.manage or users.manage,
-- whoever asks and however (a delete, an update of the grant, a cascade from
-- public.permissions): without them nobody could give them back, or manage
-- users, short of a database login. 42501 naming the permission.

create function private.guard_admin_grants() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if old.role = 'admin' and old.permission in ('permissions.manage', 'users.manage')
    and (tg_op = 'DELETE' or (new.role, new.permission) is distinct from (old.role, old.permission)) then
    raise exception using
      errcode = '42501',
      message = format('permission: the admin role always keeps %s', old.permission),
      hint = 'Without it nobody could manage users or permissions any more.';
  end if;
  return coalesce(new, old);
end;
$$;

create trigger role_permissions_guard_admin
before update or delete on public.role_permissions
for each row execute function private.guard_admin_grants();
