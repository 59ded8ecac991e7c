-- RLS policies of realtime.messages: who may join which private Realtime
-- channel (supabase/migrations/20261205000101_realtime_channel_policies.sql).
-- Source of truth; the migrations carry the same text.

create policy "Supervisors and admins can read the floor of their campaigns"
on realtime.messages for select to authenticated
using (extension = 'broadcast' and (select private.realtime_reads_floor(realtime.topic())));

create policy "Members and admins can read the presence of their campaigns"
on realtime.messages for select to authenticated
using (extension = 'presence' and (select private.realtime_reads_presence(realtime.topic())));

create policy "Agents can track their presence in their campaigns"
on realtime.messages for insert to authenticated
with check (extension = 'presence' and (select private.realtime_tracks_presence(realtime.topic())));

create policy "Users can read their own desk notices"
on realtime.messages for select to authenticated
using (
  extension = 'broadcast'
  and (select private.realtime_topic_id(realtime.topic(), 'agent')) = (select auth.uid())
);
