-- Retention of recordings and legal holds.
--
-- A stored recording expires recording_retention_days (per campaign,
-- default 90) after its call started. The recordings worker asks
-- private.expired_recordings() for the expired ones, deletes each object from
-- Storage and then marks it purged (private.mark_recording_removed), which
-- clears the call's recording_path and sets its recording_status; in
-- dry-run mode it only reports what it would remove and the bytes it would
-- free. SQL cannot reach Storage, hence the worker.
--
-- A legal hold on a call, or on a lead (all its calls), stops purging and
-- erasing until it is released. Holds are placed and released by users with
-- compliance.manage (admins by default) and are never deleted: releasing
-- sets released_at and released_by, so the table is its own history.

-- ============================================================================
-- Section - Permission
-- ============================================================================

insert into public.permissions (key, description) values
('compliance.manage', 'Place and release legal holds; export or erase a lead''s personal data (GDPR/LOPD)')
on conflict (key) do nothing;

insert into public.role_permissions (role, permission) values ('admin', 'compliance.manage')
on conflict do nothing;

-- ============================================================================
-- Section - Legal holds
-- ============================================================================

create table public.legal_holds (
  id uuid primary key default gen_random_uuid(),
  call_id uuid references private.call_index (call_id) on delete cascade,
  lead_id uuid references public.leads (id) on delete cascade,
  reason text not null,
  placed_by uuid default auth.uid() references public.profiles (id) on delete set null,
  placed_at timestamptz not null default now(),
  released_by uuid references public.profiles (id) on delete set null,
  released_at timestamptz,
  constraint legal_holds_one_target check (num_nonnulls(call_id, lead_id) = 1),
  constraint legal_holds_reason check (btrim(reason) <> ''),
  constraint legal_holds_released_together check ((released_at is null) = (released_by is null))
);
comment on table public.legal_holds is
'Legal holds on a call or a lead: while one is active, its recordings are neither purged nor erased.';
comment on column public.legal_holds.reason is 'Why: the case, claim or authority request.';
comment on column public.legal_holds.released_at is 'When it was lifted; null while active.';

create index legal_holds_call_id_idx on public.legal_holds (call_id) where released_at is null;
create index legal_holds_lead_id_idx on public.legal_holds (lead_id) where released_at is null;

alter table public.legal_holds enable row level security;
grant select, insert, update on public.legal_holds to authenticated;
grant select, insert, update on public.legal_holds to service_role;

-- A hold is placed once and later released, nothing else: no edits of its
-- target or reason, no second release; the releaser is the caller.
create function private.guard_legal_hold() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_column text;
begin
  if tg_op = 'INSERT' then
    if new.released_at is not null or new.released_by is not null then
      raise exception using errcode = '23514', message = 'released_at: a new hold cannot already be released';
    end if;
    new.placed_at := private.now();
    if current_user = 'authenticated' then
      new.placed_by := (select auth.uid());
    end if;
    return new;
  end if;
  foreach v_column in array private.changed_columns(to_jsonb(old), to_jsonb(new)) loop
    if v_column not in ('released_at', 'released_by') then
      raise exception using
        errcode = '42501',
        message = format('%s: a legal hold is only ever released, never edited', v_column);
    end if;
  end loop;
  if old.released_at is not null then
    raise exception using
      errcode = 'PT409',
      message = format('released_at: hold %s was already released at %s', old.id, old.released_at);
  end if;
  if new.released_at is null then
    raise exception using errcode = '23514', message = 'released_at: required to release a hold';
  end if;
  new.released_at := private.now();
  if current_user = 'authenticated' then
    new.released_by := (select auth.uid());
  end if;
  return new;
end;
$$;

create trigger legal_holds_guard
before insert or update on public.legal_holds
for each row execute function private.guard_legal_hold();

-- Is call p_call_id (to lead p_lead_id) under an active legal hold?
create function private.is_on_legal_hold(p_call_id uuid, p_lead_id uuid) returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.legal_holds as h
    where h.released_at is null and (h.call_id = p_call_id or h.lead_id = p_lead_id)
  )
$$;
revoke execute on function private.is_on_legal_hold(uuid, uuid) from public;
grant execute on function private.is_on_legal_hold(uuid, uuid) to service_role;

-- ============================================================================
-- Section - Retention
-- ============================================================================

-- The stored recordings past their campaign's retention at p_now, not on
-- legal hold and not being erased, oldest first. A recording whose campaign
-- was deleted keeps the default 90 days.
create function private.expired_recordings(p_now timestamptz default null, p_limit integer default 1000)
returns table (
  call_id uuid, campaign_id uuid, call_started_at timestamptz, object_path text, bytes bigint,
  retention_days integer, expired_at timestamptz
)
language sql
stable
security definer
set search_path = ''
as $$
  select
    r.call_id, r.campaign_id, r.call_started_at, r.object_path, r.bytes,
    coalesce(cp.recording_retention_days, 90),
    r.call_started_at + make_interval(days => coalesce(cp.recording_retention_days, 90))
  from public.recordings as r
  left join public.campaigns as cp on r.campaign_id = cp.id
  inner join public.calls as c on r.call_id = c.id and r.call_started_at = c.started_at
  where
    r.status = 'stored'
    and r.erase_requested_at is null
    and r.call_started_at + make_interval(days => coalesce(cp.recording_retention_days, 90))
    <= coalesce(p_now, private.now())
    and not private.is_on_legal_hold(r.call_id, c.lead_id)
  order by r.call_started_at, r.call_id
  limit p_limit
$$;
comment on function private.expired_recordings(timestamptz, integer) is
'Recordings worker (retention): stored recordings past their campaign''s retention and not on legal hold.';

-- Records that the object is gone from Storage: purged (p_reason retention)
-- or erased (p_reason erasure). The worker deletes the object first, then
-- calls this; deleting an object twice is harmless, so a crash in between
-- only repeats the delete.
create function private.mark_recording_removed(p_call_id uuid, p_reason text) returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_reason not in ('retention', 'erasure') then
    raise exception using errcode = '22023', message = format('p_reason: %s is not retention or erasure', p_reason);
  end if;
  update public.recordings as r set
    status = case p_reason when 'retention' then 'purged' else 'erased' end,
    removed_at = private.now(), worker = null, heartbeat_at = null,
    -- Asterisk's file names often carry the dialled number, and errors name the file.
    source_file = case when p_reason = 'erasure' then '[erased]' else r.source_file end,
    last_error = case when p_reason = 'erasure' then null else r.last_error end
  where r.call_id = p_call_id and r.status not in ('purged', 'erased');
  return found;
end;
$$;

revoke execute on function private.expired_recordings(timestamptz, integer) from public;
revoke execute on function private.mark_recording_removed(uuid, text) from public;
grant execute on function private.expired_recordings(timestamptz, integer) to service_role;
grant execute on function private.mark_recording_removed(uuid, text) to service_role;

-- ============================================================================
-- Section - RLS Policies
-- ============================================================================

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
