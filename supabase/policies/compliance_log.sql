-- RLS policies of public.compliance_log. Source of truth; the migrations carry the same text.

-- Written only by rpc/export_lead_data and rpc/erase_lead.
create policy "Compliance managers can view the compliance log"
on public.compliance_log for select to authenticated
using ((select private.has_permission('compliance.manage')));
