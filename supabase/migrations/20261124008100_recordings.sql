-- Recordings: consent, the private bucket, and each call's recording file on
-- its way from Asterisk's monitor directory to Storage.
--
-- Consent. A campaign says whether its calls are recorded
-- (recording_enabled), whether the lead must agree first
-- (recording_consent_required) and what notice the agent reads
-- (recording_notice). The webphone asks and writes calls.recording_consent;
-- a refusal is copied to the lead (leads.consent_recording), so the next call
-- is not recorded at all. calls.recording_status says what became of the
-- recording: not_recorded (the campaign does not record or the lead refused),
-- pending, stored, failed, purged (retention) or erased (rpc/erase_lead);
-- null while the PBX has reported no recording file.
--
-- Files. When the AMI bridge reports a call's recording file
-- (calls.recording_file, Asterisk's MIXMONITOR_FILENAME), a row of
-- public.recordings queues it for the recordings worker. The worker claims
-- it once the call has ended (private.claim_recordings), discards it if
-- consent says so (declined), else converts it to Opus, uploads it to the
-- private bucket `recordings` at <campaign id>/<yyyy>/<mm>/<dd>/<call id>.opus
-- (the call's UTC start date), checks size and checksum, and only then marks
-- it stored and removes the local file. A claim is a lease (worker,
-- heartbeat_at): a worker that dies mid-upload leaves the row to be claimed
-- again, and the upload overwrites its own half-written object, so there is
-- never a second copy.
--
-- Storage. Nobody but the service role reads or writes an object of the
-- bucket: a restrictive policy on storage.objects keeps every API role out,
-- whatever permissive policy is added later. People listen through
-- rpc/recording_url (migration 20261124008200), a short-lived signed URL.

-- ============================================================================
-- Section - Campaign retention
-- ============================================================================

alter table public.campaigns
add column recording_retention_days integer not null default 90
constraint campaigns_recording_retention_days check (recording_retention_days between 1 and 3650);
comment on column public.campaigns.recording_retention_days is
'Days a recording is kept after its call started; then the recordings worker purges it (unless on legal hold).';

-- ============================================================================
-- Section - Call recording status
-- ============================================================================

alter table public.calls
add column recording_status text
constraint calls_recording_status check (
  recording_status in ('not_recorded', 'pending', 'stored', 'failed', 'purged', 'erased')
);
comment on column public.calls.recording_status is
'not_recorded (campaign off or lead refused), pending, stored, failed, purged, erased; null: no recording reported.';
comment on column public.calls.recording_consent is
'The lead''s answer to the recording notice on this call; a refusal is copied to leads.consent_recording.';

-- May a call of this campaign with this consent answer be kept recorded?
-- Consent required: only a yes. Notice only: anything but a refusal.
create function private.recording_allowed(p_campaign_id uuid, p_consent boolean) returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(
    (
      select
        c.recording_enabled
        and p_consent is distinct from false
        and (not c.recording_consent_required or p_consent is true)
      from public.campaigns as c
      where c.id = p_campaign_id
    ),
    false
  )
$$;
comment on function private.recording_allowed(uuid, boolean) is
'Whether a call of the campaign may be kept recorded, given the lead''s answer (null: not asked).';
revoke execute on function private.recording_allowed(uuid, boolean) from public;
grant execute on function private.recording_allowed(uuid, boolean) to service_role;

-- A new call of a campaign that does not record, or to a lead who refused
-- recording, is marked not_recorded from the start (the webphone tells the
-- PBX not to record it).
create function private.mark_unrecorded_call() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.recording_status is null
    and (
      new.recording_consent is false
      or not coalesce((select c.recording_enabled from public.campaigns as c where c.id = new.campaign_id), true)
    ) then
    new.recording_status := 'not_recorded';
  end if;
  return new;
end;
$$;

create trigger calls_mark_unrecorded
before insert on public.calls
for each row execute function private.mark_unrecorded_call();

-- The lead's answer on a call: a refusal makes the call not_recorded (and,
-- while the call is under way, asks the AMI bridge to stop its recording
-- now: StopMixMonitor), and either answer becomes the lead's standing choice
-- for the next calls.
create function private.track_recording_consent() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.recording_consent is not distinct from old.recording_consent then
    return new;
  end if;
  if new.recording_consent is false and new.recording_status is distinct from 'stored' then
    new.recording_status := 'not_recorded';
  elsif new.recording_consent is true and old.recording_status = 'not_recorded'
    and coalesce((select c.recording_enabled from public.campaigns as c where c.id = new.campaign_id), false) then
    new.recording_status := case when new.recording_file is null then null else 'pending' end;
  end if;
  if new.lead_id is not null and new.recording_consent is not null then
    update public.leads as l set consent_recording = new.recording_consent
    where l.id = new.lead_id and l.consent_recording is distinct from new.recording_consent;
  end if;
  -- A wake-up for the AMI bridge, sent at commit. Lost, it costs only the rest
  -- of the call's recording, which the worker then discards unheard.
  if new.recording_consent is false and new.status is distinct from 'ended' then
    perform pg_notify('recording_stop', new.id::text);
  end if;
  return new;
end;
$$;

-- Named to run after calls_guard_columns (BEFORE triggers fire by name).
create trigger calls_track_recording_consent
before update of recording_consent on public.calls
for each row execute function private.track_recording_consent();

-- ============================================================================
-- Section - Recordings
-- ============================================================================

create table public.recordings (
  call_id uuid primary key references private.call_index (call_id) on delete cascade,
  campaign_id uuid references public.campaigns (id) on delete set null,
  call_started_at timestamptz not null,
  source_file text not null,
  status text not null default 'pending',
  object_path text,
  format text,
  bytes bigint constraint recordings_bytes check (bytes > 0),
  sha256 text constraint recordings_sha256 check (sha256 ~ '^[0-9a-f]{64}$'),
  duration_seconds numeric(10, 2) constraint recordings_duration check (duration_seconds >= 0),
  attempts integer not null default 0,
  last_error text,
  worker text,
  heartbeat_at timestamptz,
  stored_at timestamptz,
  source_removed_at timestamptz,
  erase_requested_at timestamptz,
  removed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint recordings_status check (
    status in ('pending', 'uploading', 'stored', 'failed', 'declined', 'purged', 'erased')
  ),
  constraint recordings_source_file check (btrim(source_file) <> ''),
  constraint recordings_stored_has_object check (
    status <> 'stored' or (object_path is not null and bytes is not null and sha256 is not null)
  ),
  constraint recordings_removed_when_gone check ((status in ('purged', 'erased')) = (removed_at is not null))
);
comment on table public.recordings is
'One call''s recording: queued by the AMI bridge''s file name, uploaded and later purged by the recordings worker.';
comment on column public.recordings.source_file is
'The file as Asterisk reported it (MIXMONITOR_FILENAME), under the worker''s configured monitor directory.';
comment on column public.recordings.status is
'pending, uploading (claimed), stored, failed (unusable file, kept on disk), declined (no consent: discarded), '
'purged (retention), erased (rpc/erase_lead).';
comment on column public.recordings.object_path is
'Path in the private bucket recordings: <campaign id>/<yyyy>/<mm>/<dd>/<call id>.opus.';
comment on column public.recordings.sha256 is 'SHA-256 of the stored object, checked after upload.';
comment on column public.recordings.worker is 'The worker holding the claim while uploading.';
comment on column public.recordings.heartbeat_at is 'Last sign of life of the worker holding the claim.';
comment on column public.recordings.source_removed_at is
'When the local file was removed (after upload, or when discarded).';
comment on column public.recordings.erase_requested_at is 'Set by rpc/erase_lead: the worker deletes object and file.';

create index recordings_queue_idx on public.recordings (created_at)
where status in ('pending', 'uploading');
create index recordings_stored_idx on public.recordings (call_started_at)
where status = 'stored';
create index recordings_erase_idx on public.recordings (erase_requested_at)
where erase_requested_at is not null and status <> 'erased';
create index recordings_campaign_id_idx on public.recordings (campaign_id, call_started_at);
-- The worker's sweep of local files left behind by a crash after the upload.
create index recordings_unswept_idx on public.recordings (updated_at)
where status in ('stored', 'declined') and source_removed_at is null;

alter table public.recordings enable row level security;
grant select on public.recordings to authenticated;
grant all on public.recordings to service_role;

create trigger recordings_set_updated_at
before update on public.recordings
for each row execute function private.set_updated_at();

-- The AMI bridge reported a recording file: queue it, once per call. When
-- the PBX corrects the call's start (even into another partition, which
-- re-inserts the row), the recording follows: it is found by (call_id,
-- call_started_at) and filed under that date.
create function private.queue_recording() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.recordings as r set call_started_at = new.started_at
  where r.call_id = new.id and r.call_started_at <> new.started_at;
  if new.recording_file is null or btrim(new.recording_file) = ''
    or (tg_op = 'UPDATE' and old.recording_file is not distinct from new.recording_file) then
    return null;
  end if;
  insert into public.recordings (call_id, campaign_id, call_started_at, source_file)
  values (new.id, new.campaign_id, new.started_at, new.recording_file)
  on conflict (call_id) do nothing;
  return null;
end;
$$;

create trigger calls_queue_recording
after insert or update of recording_file, started_at on public.calls
for each row execute function private.queue_recording();

-- The call row follows its recording: status (declined reads not_recorded)
-- and, while stored, the object's path. A file the PBX made anyway for a call
-- without consent stays not_recorded while it waits for the worker to
-- discard it.
create function private.mirror_recording_on_call() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.status = old.status and new.object_path is not distinct from old.object_path then
    return null;
  end if;
  update public.calls as c set
    recording_status = case
      when new.status in ('pending', 'uploading') and c.recording_status = 'not_recorded' then 'not_recorded'
      when new.status = 'declined' then 'not_recorded'
      when new.status = 'uploading' then 'pending'
      else new.status
    end,
    recording_path = case when new.status = 'stored' then new.object_path end
  where c.id = new.call_id and c.started_at = new.call_started_at;
  return null;
end;
$$;

create trigger recordings_mirror_on_call
after insert or update on public.recordings
for each row execute function private.mirror_recording_on_call();

-- ============================================================================
-- Section - Worker functions
-- ============================================================================

-- The recordings worker claims up to p_limit recordings whose call has ended
-- (at least p_settle_seconds ago, so Asterisk has closed the file; a call the
-- PBX never ended counts after six hours), or whose claim went stale. A
-- recording that failed before waits p_retry_seconds times its attempts. Each is
-- returned with the action to take: upload (now status uploading, held by
-- p_worker) or discard (the campaign or the lead's answer does not allow
-- keeping it: now declined; the worker deletes the local file).
create function private.claim_recordings(
  p_worker text,
  p_limit integer default 10,
  p_settle_seconds integer default 5,
  p_stale_seconds integer default 300,
  p_retry_seconds integer default 30
) returns table (
  call_id uuid, campaign_id uuid, call_started_at timestamptz, source_file text, object_path text,
  attempts integer, action text
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception using errcode = '22023', message = 'p_worker: required';
  end if;
  return query
  with picked as (
    select r.call_id, private.recording_allowed(c.campaign_id, c.recording_consent) as allowed
    from public.recordings as r
    inner join public.calls as c on r.call_id = c.id and r.call_started_at = c.started_at
    where
      r.erase_requested_at is null
      and (
        (
          r.status = 'pending'
          and (r.attempts = 0 or r.updated_at < v_now - make_interval(secs => p_retry_seconds * r.attempts))
          and (
            (c.status = 'ended' and c.ended_at < v_now - make_interval(secs => p_settle_seconds))
            or c.started_at < v_now - interval '6 hours'
          )
        )
        or (r.status = 'uploading' and r.heartbeat_at < v_now - make_interval(secs => p_stale_seconds))
      )
    order by r.created_at
    limit p_limit
    for update of r skip locked
  )
  update public.recordings as r set
    status = case when p.allowed then 'uploading' else 'declined' end,
    attempts = r.attempts + case when p.allowed then 1 else 0 end,
    worker = case when p.allowed then p_worker end,
    heartbeat_at = case when p.allowed then v_now end,
    object_path = case when p.allowed then
      coalesce(r.campaign_id::text, 'no-campaign') || '/' || to_char(r.call_started_at at time zone 'UTC', 'YYYY/MM/DD')
      || '/' || r.call_id || '.opus'
    end
  from picked as p
  where r.call_id = p.call_id
  returning
    r.call_id, r.campaign_id, r.call_started_at, r.source_file, r.object_path, r.attempts,
    case when p.allowed then 'upload' else 'discard' end;
end;
$$;
comment on function private.claim_recordings(text, integer, integer, integer, integer) is
'Recordings worker: claim finished calls'' recordings; action upload (status uploading) or discard (declined).';

-- The claim is still alive (called while a long upload runs). Null: the
-- claim was lost (another worker took it, or the lead was erased).
create function private.renew_recording_claim(p_call_id uuid, p_worker text) returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  update public.recordings as r set heartbeat_at = private.now()
  where r.call_id = p_call_id and r.worker = p_worker and r.status = 'uploading' and r.erase_requested_at is null
  returning true
$$;

-- The upload is verified: the object is stored. Null when the claim was
-- lost meanwhile (the worker then leaves the object to whoever holds it, or,
-- if the lead was erased, deletes it).
create function private.finish_recording_upload(
  p_call_id uuid, p_worker text, p_format text, p_bytes bigint, p_sha256 text, p_duration_seconds numeric
) returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  update public.recordings as r set
    status = 'stored', format = p_format, bytes = p_bytes, sha256 = p_sha256,
    duration_seconds = p_duration_seconds, stored_at = private.now(), worker = null, heartbeat_at = null,
    last_error = null
  where r.call_id = p_call_id and r.worker = p_worker and r.status = 'uploading' and r.erase_requested_at is null
  returning true
$$;

-- The file could not be uploaded. p_final: it never will be (empty, corrupt,
-- outside the monitor directory): failed, the local file stays for a person
-- to look at. Otherwise back to pending for a later attempt.
create function private.fail_recording(p_call_id uuid, p_worker text, p_error text, p_final boolean)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  update public.recordings as r set
    status = case when p_final then 'failed' else 'pending' end,
    last_error = left(p_error, 2000), worker = null, heartbeat_at = null
  where r.call_id = p_call_id and r.worker = p_worker and r.status = 'uploading'
  returning true
$$;

-- The local file is gone (after a verified upload, or discarded).
create function private.mark_recording_source_removed(p_call_id uuid) returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  update public.recordings as r set source_removed_at = coalesce(r.source_removed_at, private.now())
  where r.call_id = p_call_id and r.status in ('stored', 'declined', 'purged', 'erased')
  returning true
$$;

revoke execute on function private.claim_recordings(text, integer, integer, integer, integer) from public;
revoke execute on function private.renew_recording_claim(uuid, text) from public;
revoke execute on function private.finish_recording_upload(uuid, text, text, bigint, text, numeric) from public;
revoke execute on function private.fail_recording(uuid, text, text, boolean) from public;
revoke execute on function private.mark_recording_source_removed(uuid) from public;
grant execute on function private.claim_recordings(text, integer, integer, integer, integer) to service_role;
grant execute on function private.renew_recording_claim(uuid, text) to service_role;
grant execute on function private.finish_recording_upload(uuid, text, text, bigint, text, numeric) to service_role;
grant execute on function private.fail_recording(uuid, text, text, boolean) to service_role;
grant execute on function private.mark_recording_source_removed(uuid) to service_role;

-- ============================================================================
-- Section - Storage
-- ============================================================================

-- Private; Opus in Ogg only; a long call at 24 kbit/s is a few MB.
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('recordings', 'recordings', false, 209715200, array['audio/ogg'])
on conflict (id) do nothing;

-- Restrictive: ANDed with every permissive policy, present or future, so no
-- API role ever reads, lists, signs, writes or deletes a recording object.
-- The service role bypasses RLS: the worker uploads, signs and removes.
create policy "Only the service role reaches recordings"
on storage.objects as restrictive for all to anon, authenticated
using (bucket_id <> 'recordings')
with check (bucket_id <> 'recordings');

-- ============================================================================
-- Section - RLS Policies
-- ============================================================================

-- Written only by the AMI bridge's trigger and the worker.
create policy "Supervisors and admins can view the recordings of their campaigns"
on public.recordings for select to authenticated
using (
  (select private.is_admin())
  or campaign_id = any(array(select private.supervised_campaign_ids()))
);
