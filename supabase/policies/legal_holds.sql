-- RLS policies of public.legal_holds. Source of truth; the migrations carry the same text.

create policy "Compliance managers can view legal holds"
on public.legal_holds for select to authenticated
using ((select private.has_permission('compliance.manage')));

create policy "Compliance managers can place legal holds"
on public.legal_holds for insert to authenticated
with check ((select private.has_permission('compliance.manage')));

-- Which columns may change is guarded by trigger legal_holds_guard.
create policy "Compliance managers can release legal holds"
on public.legal_holds for update to authenticated
using ((select private.has_permission('compliance.manage')))
with check ((select private.has_permission('compliance.manage')));
