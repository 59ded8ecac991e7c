-- RLS policies of public.campaign_products. Source of truth; the migrations carry the same text.

create policy "Members can view what their campaigns sell"
on public.campaign_products for select to authenticated
using (campaign_id = any(array(select private.my_campaign_ids())));

create policy "Admins can view what every campaign sells"
on public.campaign_products for select to authenticated
using ((select private.is_admin()));

create policy "Campaign managers can add products to campaigns"
on public.campaign_products for insert to authenticated
with check ((select private.has_permission('campaigns.manage')));

create policy "Campaign managers can remove products from campaigns"
on public.campaign_products for delete to authenticated
using ((select private.has_permission('campaigns.manage')));
