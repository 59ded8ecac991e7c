-- RLS policies of public.recordings. Source of truth; the migrations carry the same text.

-- Written only by the AMI bridge's trigger and the worker.
create policy "Supervisors and admins can view the recordings of their campaigns"
on public.recordings for select to authenticated
using (
  (select private.is_admin())
  or campaign_id = any(array(select private.supervised_campaign_ids()))
);
