-- RLS policies of public.campaigns. Source of truth; the migrations carry the same text.

create policy "Members can view their campaigns"
on public.campaigns for select to authenticated
using (id = any(array(select private.my_campaign_ids())));

create policy "Admins can view every campaign"
on public.campaigns for select to authenticated
using ((select private.is_admin()));

create policy "Campaign managers can create campaigns"
on public.campaigns for insert to authenticated
with check ((select private.has_permission('campaigns.manage')));

create policy "Campaign managers can change campaigns"
on public.campaigns for update to authenticated
using ((select private.has_permission('campaigns.manage')))
with check ((select private.has_permission('campaigns.manage')));

create policy "Campaign managers can remove campaigns"
on public.campaigns for delete to authenticated
using ((select private.has_permission('campaigns.manage')));
