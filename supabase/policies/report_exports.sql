-- RLS policies of public.report_exports. Source of truth; the migrations carry the same text.

-- Rows are written by rpc/request_report_export and the worker only.
create policy "Users can view their own report exports"
on public.report_exports for select to authenticated
using (requested_by = (select auth.uid()));

create policy "Admins can view every report export"
on public.report_exports for select to authenticated
using ((select private.is_admin()));
