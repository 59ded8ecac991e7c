-- RLS policies of public.recording_access_log. Source of truth; the migrations carry the same text.

-- Written only by rpc/recording_url; read by admins and by the supervisors of
-- the call's campaign.
create policy "Supervisors and admins can view the access log of their campaigns"
on public.recording_access_log for select to authenticated
using (
  (select private.is_admin())
  or campaign_id = any(array(select private.supervised_campaign_ids()))
);
