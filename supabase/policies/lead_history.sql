-- RLS policies of public.lead_history. Source of truth; the migrations carry the same text.

create policy "Agents can view the history of their own leads"
on public.lead_history for select to authenticated
using (
  exists (
    select 1
    from public.leads as l
    where l.id = lead_history.lead_id and l.owner_id = (select auth.uid())
  )
);

create policy "Supervisors can view the lead history of their campaigns"
on public.lead_history for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view all lead history"
on public.lead_history for select to authenticated
using ((select private.is_admin()));
