-- RLS policies of public.dialer_campaign_state. Source of truth; the migrations carry the same text.

create policy "Supervisors can view the dialer state of their campaigns"
on public.dialer_campaign_state for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every dialer state"
on public.dialer_campaign_state for select to authenticated
using ((select private.is_admin()));
