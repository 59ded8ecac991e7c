-- Row level security of profiles, permissions and role_permissions.
--
-- The same text as supabase/policies/<table>.sql (tests/test_policies.py
-- fails when they drift), so that `supabase db push` alone builds the
-- database.

-- ============================================================================
-- Section - profiles
-- ============================================================================

create policy "Users can view their own profile"
on public.profiles for select to authenticated
using (id = (select auth.uid()));

create policy "User managers can view every profile"
on public.profiles for select to authenticated
using ((select private.has_permission('users.manage')));

-- Which columns may change is guarded by trigger profiles_guard_columns.
create policy "Users can update their own profile"
on public.profiles for update to authenticated
using (id = (select auth.uid()))
with check (id = (select auth.uid()));

create policy "User managers can update every profile"
on public.profiles for update to authenticated
using ((select private.has_permission('users.manage')))
with check ((select private.has_permission('users.manage')));

-- ============================================================================
-- Section - permissions
-- ============================================================================

create policy "Signed-in users can view permissions"
on public.permissions for select to authenticated
using (true);

create policy "Permission managers can add permissions"
on public.permissions for insert to authenticated
with check ((select private.has_permission('permissions.manage')));

create policy "Permission managers can change permissions"
on public.permissions for update to authenticated
using ((select private.has_permission('permissions.manage')))
with check ((select private.has_permission('permissions.manage')));

create policy "Permission managers can remove permissions"
on public.permissions for delete to authenticated
using ((select private.has_permission('permissions.manage')));

-- ============================================================================
-- Section - role_permissions
-- ============================================================================

create policy "Signed-in users can view the grants of each role"
on public.role_permissions for select to authenticated
using (true);

create policy "Permission managers can add grants"
on public.role_permissions for insert to authenticated
with check ((select private.has_permission('permissions.manage')));

create policy "Permission managers can change grants"
on public.role_permissions for update to authenticated
using ((select private.has_permission('permissions.manage')))
with check ((select private.has_permission('permissions.manage')));

create policy "Permission managers can remove grants"
on public.role_permissions for delete to authenticated
using ((select private.has_permission('permissions.manage')));
