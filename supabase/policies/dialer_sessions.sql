-- RLS policies of public.dialer_sessions. Source of truth; the migrations carry the same text.

create policy "Agents can view their own dialer sessions"
on public.dialer_sessions for select to authenticated
using (agent_id = (select auth.uid()));

create policy "Supervisors can view the dialer sessions of their campaigns"
on public.dialer_sessions for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every dialer session"
on public.dialer_sessions for select to authenticated
using ((select private.is_admin()));
