-- Profile visibility inside a campaign: supervisors see their agents, agents
-- see their supervisors.
--
-- The identity migration lets a user see only their own profile (and user
-- managers every profile). A supervisor needs the names of the agents they
-- run (assigning leads, validating sales), and an agent the names of the
-- supervisors of their campaigns. Agents still do not see each other.

-- ============================================================================
-- Section - RLS Policies: profiles
-- ============================================================================

create policy "Supervisors can view the agents of their campaigns"
on public.profiles for select to authenticated
using (id = any(array(select private.agents_of_supervised_campaigns())));

create policy "Agents can view the supervisors of their campaigns"
on public.profiles for select to authenticated
using (id = any(array(select private.supervisors_of_my_campaigns())));
