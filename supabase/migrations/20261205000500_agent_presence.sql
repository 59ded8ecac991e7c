-- Presence into agent state: an agent whose webphone is gone is offline.
--
-- The webphone tracks Realtime Presence on presence:<campaign_id> for each
-- campaign the agent works while it is open. The presence worker
-- (workers/presence, role crm_presence) watches those topics: an agent
-- present on none of them for longer than a short grace is marked offline
-- (reason disconnected, since = when they left), and marked online again when
-- they come back. The state they were in is kept beside the offline state
-- (state_before_offline, reason_before_offline) so that coming back restores
-- it: available and paused (with its reason) as they were; on_call and
-- wrap_up come back as wrap_up, since the call is over by then and the agent
-- decides when they are ready for the next one. An agent who publishes a
-- state through rpc/set_agent_state while marked offline simply gets it.
-- Pause reasons stay the webphone's; disconnected belongs to offline only.

-- ============================================================================
-- Section - Agent states: offline
-- ============================================================================

alter table public.agent_states
add column state_before_offline text,
add column reason_before_offline text;

alter table public.agent_states drop constraint agent_states_state;
alter table public.agent_states drop constraint agent_states_reason;
alter table public.agent_states drop constraint agent_states_reason_when_paused;

alter table public.agent_states add constraint agent_states_state check (
  state in ('available', 'on_call', 'wrap_up', 'paused', 'offline')
);
alter table public.agent_states add constraint agent_states_reason check (
  reason in ('break', 'lunch', 'training', 'meeting', 'technical', 'personal', 'disconnected')
);
-- paused has a pause reason, offline has disconnected, the others none.
alter table public.agent_states add constraint agent_states_reason_fits_state check (
  case state
    when 'paused' then coalesce(reason <> 'disconnected', false)
    when 'offline' then coalesce(reason = 'disconnected', false)
    else reason is null
  end
);
-- What the agent was doing before going offline: kept exactly while offline.
alter table public.agent_states add constraint agent_states_before_offline check (
  (state = 'offline') = (state_before_offline is not null)
  and state_before_offline in ('available', 'on_call', 'wrap_up', 'paused')
  and (coalesce(state_before_offline = 'paused', false)) = (reason_before_offline is not null)
  and reason_before_offline in ('break', 'lunch', 'training', 'meeting', 'technical', 'personal')
);

comment on column public.agent_states.state is
'available, on_call, wrap_up, paused, or offline (the webphone is gone: the presence worker).';
comment on column public.agent_states.reason is
'Why the agent is paused (set exactly when paused), or disconnected when offline.';
comment on column public.agent_states.updated_at is
'When the webphone last published this state, or the presence worker last changed it.';
comment on column public.agent_states.state_before_offline is
'While offline: the state the agent was in, restored (on_call and wrap_up as wrap_up) when they return.';
comment on column public.agent_states.reason_before_offline is
'While offline: the pause reason of state_before_offline when it was paused.';

-- ============================================================================
-- Section - rpc/set_agent_state clears the offline memory
-- ============================================================================

-- rpc/set_agent_state: as before (20261204005010); a state published while
-- offline replaces it and forgets what came before.
create or replace function public.set_agent_state(p_state text, p_reason text default null)
returns public.agent_states
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_me uuid := (select auth.uid());
  v_now timestamptz := private.now();
  v_row public.agent_states;
begin
  if v_me is null or private.current_app_role() is distinct from 'agent' then
    raise exception using
      errcode = '42501',
      message = 'p_state: only an active agent publishes an agent state';
  end if;
  if p_state is null then
    raise exception using
      errcode = '22023',
      message = 'p_state: required';
  end if;
  if p_state not in ('available', 'on_call', 'wrap_up', 'paused') then
    raise exception using
      errcode = '22023',
      message = format('p_state: %L is not available, on_call, wrap_up or paused', private.excerpt(p_state));
  end if;
  if p_state = 'paused' and coalesce(btrim(p_reason), '') = '' then
    raise exception using
      errcode = '22023',
      message = 'p_reason: a reason is required to pause';
  end if;
  if p_state <> 'paused' and p_reason is not null then
    raise exception using
      errcode = '22023',
      message = format('p_reason: only a pause has a reason, not %s', p_state);
  end if;
  if p_state = 'paused' and p_reason not in ('break', 'lunch', 'training', 'meeting', 'technical', 'personal') then
    raise exception using
      errcode = '22023',
      message = format(
        'p_reason: %L is not a pause reason (break, lunch, training, meeting, technical, personal)',
        private.excerpt(p_reason)
      );
  end if;

  insert into public.agent_states as s (agent_id, state, reason, since, updated_at)
  values (v_me, p_state, p_reason, v_now, v_now)
  on conflict (agent_id) do update set
    state = excluded.state,
    reason = excluded.reason,
    since = case
      when s.state = excluded.state and s.reason is not distinct from excluded.reason then s.since
      else excluded.since
    end,
    updated_at = excluded.updated_at,
    state_before_offline = null,
    reason_before_offline = null
  returning s.* into v_row;
  return v_row;
end;
$$;

-- ============================================================================
-- Section - The presence worker's role
-- ============================================================================

-- As the other workers' (20261204000050): login, no attribute, no table,
-- only the functions below. Idempotent: roles belong to the cluster.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles as r where r.rolname = 'crm_presence') then
    create role crm_presence login noinherit nosuperuser nocreatedb nocreaterole noreplication nobypassrls;
  end if;
end;
$$;
comment on role crm_presence is
'The presence worker (workers/presence): Realtime Presence into agent states (offline, back).';
grant usage on schema private to crm_presence;

-- ============================================================================
-- Section - The presence worker's functions
-- ============================================================================

-- Who the worker watches: every active agent who works at least one active
-- campaign, the campaigns (their presence topics) and the current state
-- (null: the agent never published one). An agent on no active campaign
-- tracks presence nowhere, so the worker leaves their state alone.
create function private.presence_roster()
returns table (agent_id uuid, campaign_ids uuid[], state text)
language sql
stable
security definer
set search_path = ''
as $$
  select
    cm.user_id as agent_id,
    array_agg(cm.campaign_id order by cm.campaign_id) as campaign_ids,
    min(s.state) as state
  from public.campaign_members as cm
  inner join public.campaigns as c on cm.campaign_id = c.id
  inner join public.profiles as p on cm.user_id = p.id
  left join public.agent_states as s on cm.user_id = s.agent_id
  where cm.member_role = 'agent' and c.status = 'active' and p.active and p.role = 'agent'
  group by cm.user_id
$$;
comment on function private.presence_roster() is
'Presence worker: the active agents of active campaigns, their campaigns and their current state.';
revoke execute on function private.presence_roster() from public;
grant execute on function private.presence_roster() to crm_presence;

-- The agent left (closed the webphone, lost the network) at p_at: offline,
-- remembering the state they were in. Nothing happens to an agent who is
-- already offline (so a worker that repeats itself after a crash changes
-- nothing) or who never published a state. since is p_at, kept between the
-- start of the state they were in and now. True when the agent went offline.
create function private.presence_mark_offline(p_agent_id uuid, p_at timestamptz)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
begin
  if p_agent_id is null then
    raise exception using errcode = '22023', message = 'p_agent_id: required';
  end if;
  if p_at is null then
    raise exception using errcode = '22023', message = 'p_at: required';
  end if;
  update public.agent_states as s set
    state_before_offline = s.state,
    reason_before_offline = s.reason,
    state = 'offline',
    reason = 'disconnected',
    since = least(greatest(p_at, s.since), v_now),
    updated_at = v_now
  where s.agent_id = p_agent_id and s.state <> 'offline';
  return found;
end;
$$;
comment on function private.presence_mark_offline(uuid, timestamptz) is
'Presence worker: the agent left at p_at; offline (disconnected), remembering their state. Idempotent.';
revoke execute on function private.presence_mark_offline(uuid, timestamptz) from public;
grant execute on function private.presence_mark_offline(uuid, timestamptz) to crm_presence;

-- The agent is back: the state before offline again, since now. available
-- and paused (with its reason) come back as they were; on_call and wrap_up
-- as wrap_up (the call ended while they were away; they say when they are
-- ready). Nothing happens to an agent who is not offline (already back, or
-- who published a state meanwhile). The restored state, or null.
create function private.presence_mark_online(p_agent_id uuid)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_state text;
begin
  if p_agent_id is null then
    raise exception using errcode = '22023', message = 'p_agent_id: required';
  end if;
  update public.agent_states as s set
    state = case when s.state_before_offline in ('on_call', 'wrap_up') then 'wrap_up' else s.state_before_offline end,
    reason = case when s.state_before_offline = 'paused' then s.reason_before_offline end,
    state_before_offline = null,
    reason_before_offline = null,
    since = v_now,
    updated_at = v_now
  where s.agent_id = p_agent_id and s.state = 'offline'
  returning s.state into v_state;
  return v_state;
end;
$$;
comment on function private.presence_mark_online(uuid) is
'Presence worker: the agent is back; restore the state before offline (on_call, wrap_up: wrap_up). Idempotent.';
revoke execute on function private.presence_mark_online(uuid) from public;
grant execute on function private.presence_mark_online(uuid) to crm_presence;
