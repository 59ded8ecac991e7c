-- RLS policies of public.permissions. Source of truth; the migrations carry the same text.

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
