-- Calls: every dial, as the webphone starts it and the PBX reports it.
--
-- rpc/start_call inserts a call (status calling), the webphone moves it to
-- ringing and confirmed, rpc/end_call closes it with the agent's disposition,
-- and the AMI bridge (service role) mirrors Asterisk's view of the same call
-- (times, outcome, hangup cause, recording file): the PBX is the authority on
-- times and outcome. Call records are kept for years, so the table is
-- partitioned by month on started_at: partitions live in schema private (not
-- exposed by the API; reads go through public.calls and its RLS), a DEFAULT
-- partition catches any row no monthly partition takes, and pg_cron creates
-- the coming months' partitions daily.
--
-- A unique key on a partitioned table must include the partition key, so the
-- primary key is (id, started_at). private.call_index keeps id -> started_at
-- (kept by trigger): it makes call ids unique across partitions, lets the RPCs
-- find a call by id alone in one partition, and is the target of foreign keys
-- from other tables (sales.call_id, callbacks.call_id).

-- ============================================================================
-- Section - Calls
-- ============================================================================

-- One call: the webphone's row, completed by the PBX and the agent's wrap-up.
create table public.calls (
  id uuid not null default gen_random_uuid(),
  started_at timestamptz not null default now(),
  lead_id uuid references public.leads (id) on delete set null,
  campaign_id uuid references public.campaigns (id) on delete set null,
  agent_id uuid references public.profiles (id) on delete set null,
  direction text not null default 'outbound',
  phone_number public.phone_e164,
  source text not null default 'webphone',
  status text not null default 'calling',
  outcome text,
  answered_at timestamptz,
  ended_at timestamptz,
  ring_seconds integer check (ring_seconds >= 0),
  talk_seconds integer check (talk_seconds >= 0),
  duration_seconds integer check (duration_seconds >= 0),
  hangup_cause integer check (hangup_cause >= 0),
  hangup_cause_text text,
  hangup_by text,
  disposition text references public.dispositions (code) on update cascade,
  notes text not null default '',
  pbx_linkedid text,
  recording_file text,
  recording_path text,
  recording_consent boolean,
  wrapped_up_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (id, started_at),
  constraint calls_direction check (direction in ('outbound', 'inbound')),
  constraint calls_source check (source in ('webphone', 'pbx')),
  constraint calls_outbound_has_number check (direction = 'inbound' or phone_number is not null),
  constraint calls_status check (status in ('calling', 'ringing', 'confirmed', 'ended')),
  constraint calls_outcome check (
    outcome in ('answered', 'busy', 'no_answer', 'failed', 'congestion', 'cancelled')
  ),
  constraint calls_outcome_when_ended check ((status = 'ended') = (outcome is not null)),
  constraint calls_ended_at_when_ended check (status = 'ended' or ended_at is null),
  constraint calls_hangup_by check (hangup_by in ('agent', 'lead', 'system')),
  constraint calls_times_in_order check (
    answered_at >= started_at and ended_at >= started_at and ended_at >= answered_at
  ),
  constraint calls_wrapped_up_when_disposed check ((disposition is null) = (wrapped_up_at is null))
) partition by range (started_at);
comment on table public.calls is
'Every call: started by the webphone (rpc/start_call), mirrored from the PBX, closed by rpc/end_call.';
comment on column public.calls.started_at is 'When the call was placed; the partition key (monthly partitions).';
comment on column public.calls.phone_number is
'The lead''s number in E.164; null only for an inbound call from a withheld number.';
comment on column public.calls.status is 'calling -> ringing -> confirmed -> ended; only forward.';
comment on column public.calls.outcome is
'How the call ended, set exactly when status is ended (by the PBX or end_call).';
comment on column public.calls.disposition is 'The agent''s wrap-up code (rpc/end_call).';
comment on column public.calls.pbx_linkedid is 'Asterisk''s Linkedid: shared by every channel of the call.';
comment on column public.calls.recording_file is 'The recording file as Asterisk reported it (MIXMONITOR_FILENAME).';
comment on column public.calls.recording_path is 'The recording''s path in Storage, once uploaded.';
comment on column public.calls.wrapped_up_at is 'When the agent closed the call with a disposition (rpc/end_call).';

create index calls_agent_id_idx on public.calls (agent_id, started_at);
create index calls_campaign_id_idx on public.calls (campaign_id, started_at);
create index calls_lead_id_idx on public.calls (lead_id, started_at);
create index calls_pbx_linkedid_idx on public.calls (pbx_linkedid) where pbx_linkedid is not null;
create index calls_open_idx on public.calls (status) where status <> 'ended';

-- Rows no monthly partition takes. ensure_call_partitions() moves them into
-- the month's partition when it creates it.
create table private.calls_default partition of public.calls default;

alter table public.calls enable row level security;
grant select, update on public.calls to authenticated;
grant all on public.calls to service_role;

create trigger calls_set_updated_at
before update on public.calls
for each row execute function private.set_updated_at();

-- ============================================================================
-- Section - Call index
-- ============================================================================

-- Call id -> partition key, for lookups and foreign keys by id alone.
create table private.call_index (
  call_id uuid primary key,
  started_at timestamptz not null
);
comment on table private.call_index is 'Every call id with its started_at: unique ids across partitions, FK target.';

-- Keeps private.call_index in step with public.calls. A row moving between
-- partitions (started_at corrected by the PBX) fires delete then insert: the
-- delete keeps the index row because the call still exists under its id.
create function private.maintain_call_index() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if current_setting('crm.moving_calls', true) = 'on' then
    return null;
  end if;
  if tg_op = 'DELETE' then
    delete from private.call_index as ci
    where
      ci.call_id = old.id
      and not exists (select 1 from public.calls as c where c.id = old.id);
  elsif tg_op = 'INSERT' then
    insert into private.call_index (call_id, started_at) values (new.id, new.started_at)
    on conflict (call_id) do update set started_at = excluded.started_at;
  else
    update private.call_index as ci set started_at = new.started_at
    where ci.call_id = new.id;
  end if;
  return null;
end;
$$;

create trigger calls_maintain_index
after insert or delete or update of started_at on public.calls
for each row execute function private.maintain_call_index();

-- A new call must not reuse the id of another call (the primary key alone
-- only catches it within the same started_at).
create function private.check_call_id() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' then
    if new.id <> old.id then
      raise exception using
        errcode = '23514',
        message = 'id: a call''s id never changes';
    end if;
    return new;
  end if;
  if current_setting('crm.moving_calls', true) is distinct from 'on'
    and exists (
      select 1
      from private.call_index as ci
      inner join public.calls as c on ci.call_id = c.id and ci.started_at = c.started_at
      where ci.call_id = new.id
    ) then
    raise exception using
      errcode = '23505',
      message = format('id: a call with id %s already exists', new.id);
  end if;
  return new;
end;
$$;

create trigger calls_check_id
before insert or update on public.calls
for each row execute function private.check_call_id();

-- The call row for an id, found through the index (one partition read).
create function private.find_call(p_call_id uuid) returns public.calls
language sql
stable
security definer
set search_path = ''
as $$
  select c.*
  from private.call_index as ci
  inner join public.calls as c on ci.call_id = c.id and ci.started_at = c.started_at
  where ci.call_id = p_call_id
$$;
revoke execute on function private.find_call(uuid) from public;
grant execute on function private.find_call(uuid) to service_role;

-- ============================================================================
-- Section - Partitions
-- ============================================================================

-- Creates the monthly partitions of calls from the month of p_from (default:
-- this month) through p_months_ahead months after the current one, each in
-- schema private as calls_pYYYYMM (bounds in UTC). Rows already in the
-- default partition for a new month move into it. Returns how many
-- partitions it created; safe to run again. Scheduled daily with pg_cron.
create function private.ensure_call_partitions(
  p_months_ahead integer default 3, p_from date default null
) returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_month date;
  v_last date;
  v_from timestamptz;
  v_to timestamptz;
  v_name text;
  v_created integer := 0;
begin
  if p_months_ahead is null or p_months_ahead not between 0 and 120 then
    raise exception using
      errcode = '22023',
      message = format('p_months_ahead: %s is not between 0 and 120', coalesce(p_months_ahead::text, 'null'));
  end if;
  v_month := date_trunc('month', coalesce(p_from, (now() at time zone 'UTC')::date))::date;
  v_last := (date_trunc('month', now() at time zone 'UTC') + make_interval(months => p_months_ahead))::date;
  if v_month < v_last - interval '20 years' then
    raise exception using
      errcode = '22023',
      message = format('p_from: %s is more than 20 years back', p_from);
  end if;

  while v_month <= v_last loop
    v_name := 'calls_p' || to_char(v_month, 'YYYYMM');
    v_from := v_month::timestamp at time zone 'UTC';
    v_to := (v_month + interval '1 month')::timestamp at time zone 'UTC';
    if to_regclass('private.' || v_name) is null then
      if exists (
        select 1 from private.calls_default as d
        where d.started_at >= v_from and d.started_at < v_to
      ) then
        -- Rows of that month wait in the default partition: move them.
        perform set_config('crm.moving_calls', 'on', true);
        execute format(
          'create table private.%I (like public.calls including defaults including constraints)', v_name
        );
        execute format(
          'with moved as (delete from private.calls_default where started_at >= $1 and started_at < $2 '
          'returning *) insert into private.%I select * from moved', v_name
        ) using v_from, v_to;
        execute format(
          'alter table public.calls attach partition private.%I for values from (%L) to (%L)',
          v_name, v_from, v_to
        );
        perform set_config('crm.moving_calls', 'off', true);
      else
        execute format(
          'create table private.%I partition of public.calls for values from (%L) to (%L)',
          v_name, v_from, v_to
        );
      end if;
      -- Never reachable through the API; RLS on as a second lock.
      execute format('alter table private.%I enable row level security', v_name);
      v_created := v_created + 1;
    end if;
    v_month := (v_month + interval '1 month')::date;
  end loop;
  return v_created;
end;
$$;
revoke execute on function private.ensure_call_partitions(integer, date) from public;
grant execute on function private.ensure_call_partitions(integer, date) to service_role;

alter table private.calls_default enable row level security;

-- This month and the next three exist from the start.
select private.ensure_call_partitions(3);

-- And every night pg_cron keeps three months ahead.
create extension if not exists pg_cron;
select cron.schedule(
  'crm-ensure-call-partitions', '17 3 * * *', 'select private.ensure_call_partitions(3)'
);

-- ============================================================================
-- Section - Call state
-- ============================================================================

-- What the webphone may change directly: status forward up to confirmed,
-- notes, and the recording consent it asked for. Ending a call is
-- rpc/end_call's; times, outcome and PBX data are the bridge's (service role).
create function private.guard_call_columns() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_column text;
begin
  if current_user <> 'authenticated' then
    return new;
  end if;
  foreach v_column in array array_remove(private.changed_columns(to_jsonb(old), to_jsonb(new)), 'updated_at') loop
    if v_column not in ('status', 'notes', 'recording_consent') then
      raise exception using
        errcode = '42501',
        message = format('%s: the webphone may change only status, notes and recording_consent of a call', v_column);
    end if;
  end loop;
  if old.status = 'ended' then
    raise exception using
      errcode = 'PT409',
      message = format('status: call %s has ended; it can no longer change', old.id),
      hint = 'Notes and the disposition are given with rpc/end_call.';
  end if;
  if new.status = 'ended' then
    raise exception using
      errcode = '42501',
      message = 'status: a call is ended only through rpc/end_call';
  end if;
  if array_position(array['calling', 'ringing', 'confirmed'], new.status)
    < array_position(array['calling', 'ringing', 'confirmed'], old.status) then
    raise exception using
      errcode = '23514',
      message = format('status: a call cannot go back from %s to %s', old.status, new.status);
  end if;
  return new;
end;
$$;

create trigger calls_guard_columns
before update on public.calls
for each row execute function private.guard_call_columns();

-- A call that becomes confirmed is answered now, unless the PBX said when.
create function private.track_call_status() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status = 'confirmed' and old.status in ('calling', 'ringing') and new.answered_at is null then
    new.answered_at := private.now();
  end if;
  return new;
end;
$$;

create trigger calls_track_status
before update on public.calls
for each row execute function private.track_call_status();

-- ============================================================================
-- Section - RLS Policies
-- ============================================================================

create policy "Agents can view their own calls"
on public.calls for select to authenticated
using (agent_id = (select auth.uid()));

create policy "Supervisors can view the calls of their campaigns"
on public.calls for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every call"
on public.calls for select to authenticated
using ((select private.is_admin()));

-- Which columns may change is guarded by trigger calls_guard_columns.
create policy "Agents can update their own calls"
on public.calls for update to authenticated
using (agent_id = (select auth.uid()))
with check (agent_id = (select auth.uid()));
