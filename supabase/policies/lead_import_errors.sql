-- RLS policies of public.lead_import_errors. Source of truth; the migrations carry the same text.

create policy "Importers can view the errors of imports they can view"
on public.lead_import_errors for select to authenticated
using (
  exists (
    select 1 from public.lead_imports as i
    where i.id = lead_import_errors.import_id and private.can_read_lead_import(i.requested_by, i.campaign_id)
  )
);
