-- RLS policies of public.calls. Source of truth; the migrations carry the same text.

create policy "Agents can view their own calls"
on public.calls for select to authenticated
using (agent_id = (select auth.uid()));

create policy "Supervisors can view the calls of their campaigns"
on public.calls for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every call"
on public.calls for select to authenticated
using ((select private.is_admin()));

-- Which columns may change is guarded by trigger calls_guard_columns.
create policy "Agents can update their own calls"
on public.calls for update to authenticated
using (agent_id = (select auth.uid()))
with check (agent_id = (select auth.uid()));
