-- RLS policies of public.dispositions. Source of truth; the migrations carry the same text.

create policy "Signed-in users can view dispositions"
on public.dispositions for select to authenticated
using (true);

create policy "Campaign managers can add dispositions"
on public.dispositions for insert to authenticated
with check ((select private.has_permission('campaigns.manage')));

create policy "Campaign managers can change dispositions"
on public.dispositions for update to authenticated
using ((select private.has_permission('campaigns.manage')))
with check ((select private.has_permission('campaigns.manage')));

create policy "Campaign managers can remove dispositions"
on public.dispositions for delete to authenticated
using ((select private.has_permission('campaigns.manage')));
