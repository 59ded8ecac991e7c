-- RLS policies of public.sales. Source of truth; the migrations carry the same text.

create policy "Agents can view their own sales"
on public.sales for select to authenticated
using (agent_id = (select auth.uid()));

create policy "Supervisors can view the sales of their campaigns"
on public.sales for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every sale"
on public.sales for select to authenticated
using ((select private.is_admin()));

-- The lead must be the agent's own: checked by trigger sales_guard_columns.
create policy "Agents can register sales in their campaigns"
on public.sales for insert to authenticated
with check (
  agent_id = (select auth.uid())
  and campaign_id = any(array(select private.my_campaign_ids()))
);

create policy "Supervisors can register sales in their campaigns"
on public.sales for insert to authenticated
with check (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can register any sale"
on public.sales for insert to authenticated
with check ((select private.is_admin()));

-- Which columns may change is guarded by trigger sales_guard_columns.
create policy "Agents can correct their own pending sales"
on public.sales for update to authenticated
using (agent_id = (select auth.uid()) and status = 'pending')
with check (agent_id = (select auth.uid()) and status = 'pending');

create policy "Supervisors can correct the sales of their campaigns"
on public.sales for update to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())))
with check (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can correct every sale"
on public.sales for update to authenticated
using ((select private.is_admin()))
with check ((select private.is_admin()));

create policy "Admins can remove sales"
on public.sales for delete to authenticated
using ((select private.is_admin()));
