-- RLS policies of public.role_permissions. Source of truth; the migrations carry the same text.

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
