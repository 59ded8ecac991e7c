-- RLS policies of public.originate_requests. Source of truth; the migrations carry the same text.

create policy "Agents can view their own originate requests"
on public.originate_requests for select to authenticated
using (agent_id = (select auth.uid()));

create policy "Supervisors can view the originate requests of their campaigns"
on public.originate_requests for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every originate request"
on public.originate_requests for select to authenticated
using ((select private.is_admin()));
