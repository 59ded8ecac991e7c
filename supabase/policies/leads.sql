-- RLS policies of public.leads. Source of truth; the migrations carry the same text.

-- Agents see their own leads, supervisors the leads of the campaigns they run,
-- admins every lead. One policy so that the cheap owner check comes first
-- (migration 20261124007000_queue_and_lead_reads.sql says why).
create policy "Users can view own or their campaigns' leads and admins all"
on public.leads for select to authenticated
using (
  owner_id = (select auth.uid())
  or campaign_id = any(array(select private.supervised_campaign_ids()))
  or (select private.is_admin())
);

create policy "Lead importers can add leads to the campaigns they run"
on public.leads for insert to authenticated
with check (
  (select private.has_permission('leads.import'))
  and (
    campaign_id = any(array(select private.supervised_campaign_ids()))
    or (select private.is_admin())
  )
);

-- Which columns an agent may change is guarded by trigger leads_guard_columns.
create policy "Agents can update their own leads"
on public.leads for update to authenticated
using (owner_id = (select auth.uid()))
with check (owner_id = (select auth.uid()));

create policy "Supervisors can update the leads of their campaigns"
on public.leads for update to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())))
with check (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can update every lead"
on public.leads for update to authenticated
using ((select private.is_admin()))
with check ((select private.is_admin()));

create policy "Lead deleters can remove leads of the campaigns they run"
on public.leads for delete to authenticated
using (
  (select private.has_permission('leads.delete'))
  and (
    campaign_id = any(array(select private.supervised_campaign_ids()))
    or (select private.is_admin())
  )
);
