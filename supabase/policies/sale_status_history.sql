-- RLS policies of public.sale_status_history. Source of truth; the migrations carry the same text.

create policy "Agents can view the status history of their own sales"
on public.sale_status_history for select to authenticated
using (
  exists (
    select 1
    from public.sales as s
    where s.id = sale_status_history.sale_id and s.agent_id = (select auth.uid())
  )
);

create policy "Supervisors can view the sale status history of their campaigns"
on public.sale_status_history for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view all sale status history"
on public.sale_status_history for select to authenticated
using ((select private.is_admin()));
