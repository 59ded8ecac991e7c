-- RLS policies of public.callbacks. Source of truth; the migrations carry the same text.

create policy "Agents can view their own callbacks"
on public.callbacks for select to authenticated
using (agent_id = (select auth.uid()));

create policy "Supervisors can view the callbacks of their campaigns"
on public.callbacks for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every callback"
on public.callbacks for select to authenticated
using ((select private.is_admin()));
