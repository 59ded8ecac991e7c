-- RLS policies of storage.objects (every bucket's). Source of truth; the migrations carry the same text.

-- Bucket exports (migration 20261124005300): the worker (service role) writes;
-- the requester may read and re-sign the files under their own folder.
create policy "Requesters can read their own report exports"
on storage.objects for select to authenticated
using (
  bucket_id = 'exports'
  and (storage.foldername(name))[1] = (select auth.uid())::text
);

-- Bucket recordings (migration 20261205000900): writes only by the service
-- role; reads only under a grant.
create policy "Only the service role uploads recordings"
on storage.objects as restrictive for insert to anon, authenticated
with check (bucket_id <> 'recordings');

create policy "Only the service role changes recordings"
on storage.objects as restrictive for update to anon, authenticated
using (bucket_id <> 'recordings')
with check (bucket_id <> 'recordings');

create policy "Only the service role deletes recordings"
on storage.objects as restrictive for delete to anon, authenticated
using (bucket_id <> 'recordings');

create policy "Recordings are read only under a grant"
on storage.objects as restrictive for select to anon, authenticated
using (bucket_id <> 'recordings' or private.use_recording_grant(bucket_id, name));

create policy "Listeners can sign the recording they were granted"
on storage.objects for select to authenticated
using (bucket_id = 'recordings' and private.use_recording_grant(bucket_id, name));


-- Bucket lead-imports (migration 20261206000200): importers work in their own folder;
-- errors/ is the worker's (service role).
create policy "Importers can upload lead files to their own folder"
on storage.objects for insert to authenticated
with check (
  bucket_id = 'lead-imports'
  and (storage.foldername(name))[1] = (select auth.uid())::text
  and (storage.foldername(name))[2] is distinct from 'errors'
  and (select private.has_permission('leads.import'))
);

create policy "Importers can replace lead files in their own folder"
on storage.objects for update to authenticated
using (
  bucket_id = 'lead-imports'
  and (storage.foldername(name))[1] = (select auth.uid())::text
  and (storage.foldername(name))[2] is distinct from 'errors'
  and (select private.has_permission('leads.import'))
)
with check (
  bucket_id = 'lead-imports'
  and (storage.foldername(name))[1] = (select auth.uid())::text
  and (storage.foldername(name))[2] is distinct from 'errors'
  and (select private.has_permission('leads.import'))
);

create policy "Importers can delete lead files in their own folder"
on storage.objects for delete to authenticated
using (
  bucket_id = 'lead-imports'
  and (storage.foldername(name))[1] = (select auth.uid())::text
  and (storage.foldername(name))[2] is distinct from 'errors'
  and (select private.has_permission('leads.import'))
);

create policy "Importers can read their lead files and visible error reports"
on storage.objects for select to authenticated
using (
  bucket_id = 'lead-imports'
  and (select private.has_permission('leads.import'))
  and (
    (storage.foldername(name))[1] = (select auth.uid())::text
    or exists (select 1 from public.lead_imports as i where i.error_report_path = objects.name)
  )
);
