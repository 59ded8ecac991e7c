-- The dialer (issue 16): its database role, campaign settings, tables and
-- their rights.
--
-- workers/dialer (role crm_dialer) places calls for the agents of campaigns
-- in progressive or predictive mode. What it knows lives here:
--
-- - dialer_campaign_state: per campaign what the dialer does now (mode it
--   really runs, lines, agents), for the supervisors' live screen;
-- - dialer_samples: the same every ~15 s, kept 7 days, for their charts;
-- - dialer_sessions: each agent's nailed-up connection to the PBX (the
--   webphone answers it once, then calls are bridged into it);
-- - dialer_attempts: the compliance ledger, one row per call the dialer
--   placed (live answer, machine, abandoned...), kept 5 years (FTC TSR
--   record keeping), then purged.
--
-- Nobody writes these tables through the API: the RPCs (migration
-- 20261207000200) and the worker's functions (20261207000300) do.
-- Reads: an agent their own session; supervisors what belongs to the
-- campaigns they run; admins everything. Errors: supabase/ERRORS.md.

-- ============================================================================
-- Section - The dialer's role
-- ============================================================================

do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles as r where r.rolname = 'crm_dialer') then
    create role crm_dialer login noinherit nosuperuser nocreatedb nocreaterole noreplication nobypassrls;
  end if;
end;
$$;
comment on role crm_dialer is
'The dialer (workers/dialer): paces and places the calls of progressive and predictive campaigns.';
grant usage on schema private to crm_dialer;
grant execute on function private.now() to crm_dialer;

-- rpc/system_health shows a worker's last activity only to a member of its
-- role (migration 20261206000400): its owner joins this one too.
grant crm_dialer to current_user;

-- ============================================================================
-- Section - Campaign settings
-- ============================================================================

alter table public.campaigns
add column amd_false_positive_rate numeric(4, 3) not null default 0.050,
add column ring_timeout_s integer not null default 25,
add constraint campaigns_amd_false_positive_rate check (amd_false_positive_rate between 0 and 0.5),
add constraint campaigns_ring_timeout_s check (ring_timeout_s between 15 and 60);

comment on column public.campaigns.amd_false_positive_rate is
'Share of answering-machine verdicts that were people; the compliance ledger counts them as abandoned live answers.';
comment on column public.campaigns.ring_timeout_s is 'Seconds the dialer lets a lead''s phone ring (15 to 60).';

-- The disposition of a live answer no agent took in time (set by the
-- dialer, never by an agent): the lead is tried again.
insert into public.dispositions (code, label_es, label_en, effect, sort_order) values
('abandoned', 'Abandonada (sin agente)', 'Abandoned (no agent)', 'retry', 45);

-- ============================================================================
-- Section - Campaign state
-- ============================================================================

-- updated_at on the dialer's clock (private.now(): the transaction's time,
-- or the one tests pin): crash recovery compares it with that clock.
create function private.dialer_touch() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := private.now();
  return new;
end;
$$;
revoke execute on function private.dialer_touch() from public;

create table public.dialer_campaign_state (
  campaign_id uuid primary key references public.campaigns (id) on delete cascade,
  paused boolean not null default false,
  paused_by uuid references public.profiles (id) on delete set null,
  paused_at timestamptz,
  effective_mode text,
  fallback_reason text,
  dial_ratio numeric(5, 2),
  lines_in_progress integer,
  ready_agents integer,
  talking_agents integer,
  wrap_up_agents integer,
  paused_agents integer,
  live_answer_rate numeric(5, 4),
  worker text,
  updated_at timestamptz not null default now(),
  constraint dialer_campaign_state_effective_mode check (
    effective_mode in ('off', 'progressive', 'predictive', 'paused', 'stopped_cap', 'no_agents')
  ),
  constraint dialer_campaign_state_fallback_reason check (
    fallback_reason in ('min_agents', 'few_answers', 'rate_shift', 'abandon_cap', 'abandon_target')
  ),
  constraint dialer_campaign_state_counts check (
    lines_in_progress >= 0 and ready_agents >= 0 and talking_agents >= 0 and wrap_up_agents >= 0
    and paused_agents >= 0 and dial_ratio >= 0
  ),
  constraint dialer_campaign_state_live_answer_rate check (live_answer_rate between 0 and 1)
);
comment on table public.dialer_campaign_state is
'What the dialer does now in each campaign (written by the dialer and rpc/dialer_set_paused).';
comment on column public.dialer_campaign_state.paused is 'A supervisor paused the dialer here (rpc/dialer_set_paused).';
comment on column public.dialer_campaign_state.effective_mode is
'off, progressive, predictive, paused, stopped_cap (abandon cap reached) or no_agents.';
comment on column public.dialer_campaign_state.fallback_reason is
'Why predictive runs as progressive: min_agents, few_answers, rate_shift, abandon_cap, abandon_target.';
comment on column public.dialer_campaign_state.dial_ratio is 'Lines in progress per available or busy agent.';
comment on column public.dialer_campaign_state.worker is 'The dialer worker that published the state.';

alter table public.dialer_campaign_state enable row level security;
grant select on public.dialer_campaign_state to authenticated;
grant all on public.dialer_campaign_state to service_role;

create policy "Supervisors can view the dialer state of their campaigns"
on public.dialer_campaign_state for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every dialer state"
on public.dialer_campaign_state for select to authenticated
using ((select private.is_admin()));

-- ============================================================================
-- Section - Samples
-- ============================================================================

create table public.dialer_samples (
  campaign_id uuid not null references public.campaigns (id) on delete cascade,
  at timestamptz not null,
  lines integer not null default 0 check (lines >= 0),
  dial_ratio numeric(5, 2),
  ready integer not null default 0 check (ready >= 0),
  talking integer not null default 0 check (talking >= 0),
  wrap_up integer not null default 0 check (wrap_up >= 0),
  live_answer_rate numeric(5, 4),
  abandon_rate_24h numeric(6, 5),
  primary key (campaign_id, at)
);
comment on table public.dialer_samples is
'The dialer''s state per campaign every ~15 s, kept 7 days (the supervisors'' charts).';

alter table public.dialer_samples enable row level security;
grant select on public.dialer_samples to authenticated;
grant all on public.dialer_samples to service_role;

create policy "Supervisors can view the dialer samples of their campaigns"
on public.dialer_samples for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every dialer sample"
on public.dialer_samples for select to authenticated
using ((select private.is_admin()));

-- ============================================================================
-- Section - Sessions
-- ============================================================================

create table public.dialer_sessions (
  id uuid primary key default gen_random_uuid(),
  agent_id uuid not null references public.profiles (id) on delete cascade,
  campaign_id uuid not null references public.campaigns (id) on delete cascade,
  status text not null default 'requested',
  channel text,
  extension text not null,
  requested_at timestamptz not null default now(),
  connected_at timestamptz,
  ended_at timestamptz,
  end_reason text,
  worker text,
  attempt_id uuid,
  call_id uuid,
  lead_id uuid,
  updated_at timestamptz not null default now(),
  constraint dialer_sessions_status check (status in ('requested', 'ringing', 'connected', 'ended')),
  constraint dialer_sessions_ended_at check ((status = 'ended') = (ended_at is not null)),
  constraint dialer_sessions_connected_at check (status not in ('requested', 'ringing') or connected_at is null),
  constraint dialer_sessions_call_when_connected check (status = 'connected' or attempt_id is null),
  constraint dialer_sessions_call_fields check (
    (attempt_id is null) = (call_id is null) and (attempt_id is null or lead_id is not null)
  ),
  constraint dialer_sessions_end_reason_length check (char_length(end_reason) <= 200),
  constraint dialer_sessions_channel_length check (char_length(channel) <= 200)
);
comment on table public.dialer_sessions is
'An agent''s nailed-up connection to the PBX for a dialer campaign; calls are bridged into it.';
comment on column public.dialer_sessions.status is 'requested -> ringing -> connected -> ended.';
comment on column public.dialer_sessions.channel is 'Asterisk''s channel name of the agent''s leg, once known.';
comment on column public.dialer_sessions.attempt_id is
'The dialer call the agent is connected to now (with call_id and lead_id); null between calls.';

-- One open session per agent; the agent's session of a campaign (the floor).
create unique index dialer_sessions_one_open_per_agent on public.dialer_sessions (agent_id)
where status <> 'ended';
create index dialer_sessions_campaign_open_idx on public.dialer_sessions (campaign_id)
where status <> 'ended';
create index dialer_sessions_requested_idx on public.dialer_sessions (requested_at)
where status = 'requested';
create index dialer_sessions_ended_at_idx on public.dialer_sessions (ended_at) where status = 'ended';

alter table public.dialer_sessions enable row level security;
grant select on public.dialer_sessions to authenticated;
grant all on public.dialer_sessions to service_role;

create trigger dialer_sessions_touch
before insert or update on public.dialer_sessions
for each row execute function private.dialer_touch();

create policy "Agents can view their own dialer sessions"
on public.dialer_sessions for select to authenticated
using (agent_id = (select auth.uid()));

create policy "Supervisors can view the dialer sessions of their campaigns"
on public.dialer_sessions for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every dialer session"
on public.dialer_sessions for select to authenticated
using ((select private.is_admin()));

-- ============================================================================
-- Section - Attempts (the compliance ledger)
-- ============================================================================

create table public.dialer_attempts (
  id uuid primary key default gen_random_uuid(),
  campaign_id uuid not null references public.campaigns (id) on delete cascade,
  lead_id uuid references public.leads (id) on delete set null,
  call_id uuid references private.call_index (call_id) on delete set null,
  phone_number text,
  worker text,
  status text not null default 'dialing',
  amd_status text,
  amd_cause text,
  live_answer boolean,
  agent_id uuid references public.profiles (id) on delete set null,
  session_id uuid references public.dialer_sessions (id) on delete set null,
  placed_at timestamptz not null default now(),
  answered_at timestamptz,
  human_at timestamptz,
  connected_at timestamptz,
  ended_at timestamptz,
  wait_ms integer check (wait_ms >= 0),
  lockout_until timestamptz,
  updated_at timestamptz not null default now(),
  constraint dialer_attempts_status check (
    status in (
      'dialing', 'analysing', 'waiting', 'connected',
      'completed', 'abandoned', 'machine', 'no_answer', 'busy', 'failed'
    )
  ),
  constraint dialer_attempts_amd_status check (amd_status in ('HUMAN', 'MACHINE', 'NOTSURE', 'HANGUP')),
  constraint dialer_attempts_amd_cause_length check (char_length(amd_cause) <= 200),
  constraint dialer_attempts_ended_when_final check (
    (status in ('dialing', 'analysing', 'waiting', 'connected')) = (ended_at is null)
  ),
  constraint dialer_attempts_agent_when_connected check (
    status not in ('connected', 'completed') or (agent_id is not null and connected_at is not null)
  ),
  constraint dialer_attempts_times_in_order check (
    answered_at >= placed_at and human_at >= answered_at and connected_at >= answered_at
    and ended_at >= placed_at
  )
);
comment on table public.dialer_attempts is
'The compliance ledger: every call the dialer placed and how it went; kept 5 years, then purged.';
comment on column public.dialer_attempts.id is 'Also the AMI ChannelId of the lead''s leg.';
comment on column public.dialer_attempts.status is
'dialing, analysing, waiting, connected; final: completed, abandoned, machine, no_answer, busy, failed.';
comment on column public.dialer_attempts.live_answer is
'A person answered (AMD HUMAN or NOTSURE, or AMD off): the denominator of the abandon rate.';
comment on column public.dialer_attempts.human_at is
'When the greeting was over: the 2 s to connect an agent count from here.';
comment on column public.dialer_attempts.wait_ms is
'Milliseconds from human_at to the agent (connected) or to the abandon.';
comment on column public.dialer_attempts.lockout_until is
'An abandoned number is not dialled by the dialer again before this (campaigns.abandon_lockout_hours).';

-- At most one open attempt per lead, one connected attempt per agent.
create unique index dialer_attempts_one_open_per_lead on public.dialer_attempts (lead_id)
where status in ('dialing', 'analysing', 'waiting', 'connected');
create unique index dialer_attempts_one_call_per_agent on public.dialer_attempts (agent_id)
where status = 'connected';
-- The ledger's windows (every pacing tick): read from the index alone.
create index dialer_attempts_campaign_placed_idx on public.dialer_attempts (campaign_id, placed_at)
include (status, live_answer);
create index dialer_attempts_open_idx on public.dialer_attempts (campaign_id, status)
where status in ('dialing', 'analysing', 'waiting', 'connected');
create index dialer_attempts_worker_open_idx on public.dialer_attempts (worker)
where status in ('dialing', 'analysing', 'waiting', 'connected');
create index dialer_attempts_lockout_idx on public.dialer_attempts (phone_number, lockout_until)
where lockout_until is not null;
create index dialer_attempts_call_id_idx on public.dialer_attempts (call_id);
create index dialer_attempts_placed_at_idx on public.dialer_attempts (placed_at);

alter table public.dialer_attempts enable row level security;
grant select on public.dialer_attempts to authenticated;
grant all on public.dialer_attempts to service_role;

create trigger dialer_attempts_touch
before insert or update on public.dialer_attempts
for each row execute function private.dialer_touch();

create policy "Supervisors can view the dialer attempts of their campaigns"
on public.dialer_attempts for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every dialer attempt"
on public.dialer_attempts for select to authenticated
using ((select private.is_admin()));

-- ============================================================================
-- Section - Realtime
-- ============================================================================

-- The supervisors' live screen and the agent's screen pop (postgres_changes, under RLS).
alter publication supabase_realtime add table public.dialer_campaign_state;
alter publication supabase_realtime add table public.dialer_sessions;

-- ============================================================================
-- Section - Retention
-- ============================================================================

-- Attempts older than 5 years (FTC TSR record keeping) and samples older
-- than 7 days are deleted; ended sessions after 90 days. Returns how many
-- rows of each. Run daily by pg_cron; p_now lets tests move the clock.
create function private.purge_dialer_records(p_now timestamptz default null) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, private.now());
  v_attempts bigint;
  v_samples bigint;
  v_sessions bigint;
begin
  delete from public.dialer_attempts as a
  where a.placed_at < v_now - interval '5 years' and a.ended_at is not null;
  get diagnostics v_attempts = row_count;
  delete from public.dialer_samples as s where s.at < v_now - interval '7 days';
  get diagnostics v_samples = row_count;
  delete from public.dialer_sessions as s
  where s.status = 'ended' and s.ended_at < v_now - interval '90 days';
  get diagnostics v_sessions = row_count;
  return jsonb_build_object('attempts', v_attempts, 'samples', v_samples, 'sessions', v_sessions);
end;
$$;
comment on function private.purge_dialer_records(timestamptz) is
'Retention: dialer attempts after 5 years, samples after 7 days, ended sessions after 90 days.';
revoke execute on function private.purge_dialer_records(timestamptz) from public;

select cron.schedule('crm-purge-dialer-records', '41 3 * * *', 'select private.purge_dialer_records()');
