-- RLS policies of public.lead_imports. Source of truth; the migrations carry the same text.

-- Written only by the rpcs below and the worker.
create policy "Importers can view their imports and their campaigns' imports"
on public.lead_imports for select to authenticated
using ((select private.can_read_lead_import(requested_by, campaign_id)));
