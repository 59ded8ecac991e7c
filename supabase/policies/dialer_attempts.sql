-- RLS policies of public.dialer_attempts. Source of truth; the migrations carry the same text.

create policy "Supervisors can view the dialer attempts of their campaigns"
on public.dialer_attempts for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every dialer attempt"
on public.dialer_attempts for select to authenticated
using ((select private.is_admin()));
