-- RLS policies of public.dialer_samples. Source of truth; the migrations carry the same text.

create policy "Supervisors can view the dialer samples of their campaigns"
on public.dialer_samples for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every dialer sample"
on public.dialer_samples for select to authenticated
using ((select private.is_admin()));
