-- RLS policies of public.campaign_members. Source of truth; the migrations carry the same text.

create policy "Users can view their own memberships"
on public.campaign_members for select to authenticated
using (user_id = (select auth.uid()));

create policy "Supervisors can view the members of their campaigns"
on public.campaign_members for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Agents can view who supervises their campaigns"
on public.campaign_members for select to authenticated
using (
  member_role = 'supervisor'
  and campaign_id = any(array(select private.my_campaign_ids()))
);

create policy "Admins can view every membership"
on public.campaign_members for select to authenticated
using ((select private.is_admin()));

create policy "Campaign managers can add members"
on public.campaign_members for insert to authenticated
with check ((select private.has_permission('campaigns.manage')));

create policy "Campaign managers can change members"
on public.campaign_members for update to authenticated
using ((select private.has_permission('campaigns.manage')))
with check ((select private.has_permission('campaigns.manage')));

create policy "Campaign managers can remove members"
on public.campaign_members for delete to authenticated
using ((select private.has_permission('campaigns.manage')));
