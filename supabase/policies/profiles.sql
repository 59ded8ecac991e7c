-- RLS policies of public.profiles. Source of truth; the migrations carry the same text.

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

-- Inside a campaign (migration 20261124001300_profile_visibility).
create policy "Supervisors can view the agents of their campaigns"
on public.profiles for select to authenticated
using (id = any(array(select private.agents_of_supervised_campaigns())));

create policy "Agents can view the supervisors of their campaigns"
on public.profiles for select to authenticated
using (id = any(array(select private.supervisors_of_my_campaigns())));
