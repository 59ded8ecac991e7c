-- RLS policies of public.agent_states. Source of truth; the migrations carry the same text.

create policy "Agents can view their own state"
on public.agent_states for select to authenticated
using (agent_id = (select auth.uid()));

create policy "Supervisors can view the states of their agents"
on public.agent_states for select to authenticated
using (agent_id = any(array(select private.agents_of_supervised_campaigns())));

create policy "Admins can view every agent state"
on public.agent_states for select to authenticated
using ((select private.is_admin()));
