-- RLS policies of public.recording_links. Source of truth; the migrations carry the same text.

create policy "Users can view their own recording links"
on public.recording_links for select to authenticated
using (requested_by = (select auth.uid()));
