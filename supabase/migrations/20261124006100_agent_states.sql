-- Agent states: what each agent is doing now, for the live floor.
--
-- The webphone publishes the agent's own state through rpc/set_agent_state
-- whenever it changes: available, on_call, wrap_up, or paused with a reason
-- (the webphone's pause reasons: break, lunch, training, meeting, technical,
-- personal). One row per agent, kept (never deleted) across shifts: since
-- says when the current state began, updated_at when it was last confirmed.
-- Agents read their own row, supervisors the rows of the agents of the
-- campaigns they run, admins every row; only the RPC writes (the API has no
-- insert, update or delete on the table). Errors: supabase/ERRORS.md.

-- ============================================================================
-- Section - Agent states
-- ============================================================================

create table public.agent_states (
  agent_id uuid primary key references public.profiles (id) on delete cascade,
  state text not null,
  reason text,
  since timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint agent_states_state check (state in ('available', 'on_call', 'wrap_up', 'paused')),
  constraint agent_states_reason check (
    reason in ('break', 'lunch', 'training', 'meeting', 'technical', 'personal')
  ),
  constraint agent_states_reason_when_paused check ((state = 'paused') = (reason is not null))
);
comment on table public.agent_states is
'Each agent''s current state for the live floor; written only by rpc/set_agent_state.';
comment on column public.agent_states.state is 'available, on_call, wrap_up or paused.';
comment on column public.agent_states.reason is 'Why the agent is paused; set exactly when state is paused.';
comment on column public.agent_states.since is 'When the current state (and reason) began.';
comment on column public.agent_states.updated_at is 'When the webphone last published this state.';

alter table public.agent_states enable row level security;
grant select on public.agent_states to authenticated;
grant all on public.agent_states to service_role;

-- ============================================================================
-- Section - Public functions
-- ============================================================================

-- rpc/set_agent_state: the calling agent is now in state p_state; p_reason
-- is required for paused and refused otherwise. Publishing the same state
-- and reason again keeps since and only refreshes updated_at. Returns the row.
create function public.set_agent_state(p_state text, p_reason text default null)
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
      message = format('p_state: %L is not available, on_call, wrap_up or paused', p_state);
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
        'p_reason: %L is not a pause reason (break, lunch, training, meeting, technical, personal)', p_reason
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
    updated_at = excluded.updated_at
  returning s.* into v_row;
  return v_row;
end;
$$;
comment on function public.set_agent_state(text, text) is
'Publish the calling agent''s state (available, on_call, wrap_up, paused with a reason) for the live floor.';
revoke execute on function public.set_agent_state(text, text) from public, anon;
grant execute on function public.set_agent_state(text, text) to authenticated;

-- ============================================================================
-- Section - RLS Policies
-- ============================================================================

create policy "Agents can view their own state"
on public.agent_states for select to authenticated
using (agent_id = (select auth.uid()));

create policy "Supervisors can view the states of their agents"
on public.agent_states for select to authenticated
using (agent_id = any(array(select private.agents_of_supervised_campaigns())));

create policy "Admins can view every agent state"
on public.agent_states for select to authenticated
using ((select private.is_admin()));
