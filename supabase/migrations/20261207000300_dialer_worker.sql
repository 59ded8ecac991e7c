-- The dialer worker's functions (issue 16), granted to crm_dialer only, and
-- the queue rule it shares with rpc/next_lead.
--
-- The life of a dialer call, one row in dialer_attempts and one in calls:
--
--   dialer_take_leads      lead taken from the queue (as next_lead's), call
--                          row (source pbx, calling, no agent yet), attempt
--                          dialing, the attempt counted on the lead
--   dialer_attempt_analysing  answered, AMD running (optional)
--   dialer_attempt_answered   AMD's verdict: a person -> waiting (the 2 s
--                          start); a machine -> machine, dispositioned
--                          voicemail
--   dialer_claim_agent     one ready agent, atomically: the attempt is
--                          connected, the call and the lead are theirs,
--                          the agent on_call (screen pop through their
--                          session row)
--   dialer_attempt_abandoned  no agent in time: abandoned, disposition
--                          abandoned, lockout of the number
--   dialer_attempt_ended   the lead's leg is over: a connected call is
--                          completed (the agent wraps up with rpc/end_call,
--                          as in preview), any other ends with its system
--                          disposition and the lead goes back to retry
--
-- The PBX stays the authority on the call row's times and outcome: the AMI
-- bridge mirrors the same call (CRM_CALL_ID) through private.mirror_pbx_calls,
-- whose first word replaces what is written here; these functions only
-- close a call nobody closed (private.close_call keeps what is there) and
-- never move a call the bridge already mirrored back or forth.
-- Times: private.now() (tests move the clock); the PBX's p_at where given.

-- ============================================================================
-- Section - The queue rule
-- ============================================================================

-- May lead p_lead of campaign p_campaign be dialled at p_now? Queued (new,
-- retry, callback), attempts left, consent to be contacted, its number not
-- on the do-not-call list, inside the campaign's calling hours and days in
-- the lead's time zone, and no dialer call of it under way. The rule both
-- rpc/next_lead and the dialer apply (each adds who may take the lead).
-- Security invoker with every name qualified, and no SET search_path: it
-- runs once per candidate row, and a SET would switch the setting on each
-- call.
create function private.lead_is_callable(
  p_lead public.leads, p_campaign public.campaigns, p_now timestamptz
) returns boolean
language sql
stable
as $$
  select
    p_lead.status in ('new', 'retry', 'callback')
    and p_lead.attempts < p_campaign.max_attempts
    and p_lead.consent_contact
    and private.in_calling_hours(
      p_now, p_lead.time_zone, p_campaign.calling_hours_start, p_campaign.calling_hours_end,
      p_campaign.calling_days
    )
    and not exists (
      select 1 from public.do_not_call as d
      where d.phone = p_lead.phone and (d.campaign_id is null or d.campaign_id = p_campaign.id)
    )
    and not exists (
      select 1 from public.dialer_attempts as a
      where a.lead_id = p_lead.id and a.status in ('dialing', 'analysing', 'waiting', 'connected')
    )
$$;
comment on function private.lead_is_callable(public.leads, public.campaigns, timestamptz) is
'The queue rule of next_lead and the dialer: queued, attempts left, consent, not do-not-call, calling hours, '
'no dialer call under way.';
revoke execute on function private.lead_is_callable(public.leads, public.campaigns, timestamptz) from public;

-- Is p_phone resting after an abandoned dialer call (abandon lockout)?
create function private.dialer_locked_out(p_phone text, p_now timestamptz) returns boolean
language sql
stable
as $$
  select exists (
    select 1 from public.dialer_attempts as a
    where a.phone_number = p_phone and a.lockout_until > p_now
  )
$$;
comment on function private.dialer_locked_out(text, timestamptz) is
'True while a number rests after an abandoned dialer call (campaigns.abandon_lockout_hours).';
revoke execute on function private.dialer_locked_out(text, timestamptz) from public;

-- rpc/next_lead as in migration 20261124002100, its rule now
-- private.lead_is_callable: a lead with a dialer call under way is skipped.
create or replace function public.next_lead(p_campaign_id uuid) returns setof public.leads
language plpgsql
volatile
security definer
set search_path = ''
rows 1
as $$
declare
  v_via text := current_setting('crm.via', true); -- the audit tag of the caller, restored on return
  v_me uuid := (select auth.uid());
  v_now timestamptz := private.now();
  v_campaign public.campaigns;
  v_lead public.leads;
begin
  perform set_config('crm.via', 'rpc/next_lead', true);
  if p_campaign_id is null then
    raise exception using
      errcode = '22023',
      message = 'p_campaign_id: required';
  end if;
  v_campaign := private.require_agent_campaign(p_campaign_id, 'p_campaign_id');

  -- 1. The agent's own due callbacks.
  select l.* into v_lead
  from public.callbacks as cb
  inner join public.leads as l on cb.lead_id = l.id
  where
    cb.agent_id = v_me
    and cb.status = 'pending'
    and cb.due_at <= v_now
    and cb.campaign_id = p_campaign_id
    and l.campaign_id = p_campaign_id
    and (l.owner_id = v_me or l.owner_id is null)
    and private.lead_is_callable(l, v_campaign, v_now)
  order by cb.due_at, cb.id
  limit 1
  for update of l skip locked;

  -- 2. Own or unassigned queued leads, earliest due first.
  if not found then
    select l.* into v_lead
    from public.leads as l
    where
      l.campaign_id = p_campaign_id
      and l.status in ('new', 'retry', 'callback')
      and l.next_call_at <= v_now
      and (l.owner_id = v_me or l.owner_id is null)
      and private.lead_is_callable(l, v_campaign, v_now)
    order by l.next_call_at, l.id
    limit 1
    for update of l skip locked;
  end if;

  if v_lead.id is null then
    perform set_config('crm.via', coalesce(v_via, ''), true);
    return;
  end if;
  if v_lead.owner_id is null then
    update public.leads as l set owner_id = v_me
    where l.id = v_lead.id
    returning l.* into v_lead;
  end if;
  perform set_config('crm.via', coalesce(v_via, ''), true);
  return next v_lead;
end;
$$;

-- ============================================================================
-- Section - Helpers
-- ============================================================================

-- Milliseconds from p_from to p_to, never negative (null if either is null).
create function private.ms_between(p_from timestamptz, p_to timestamptz) returns integer
language sql
immutable
set search_path = ''
as $$
  select case
    when p_from is not null and p_to is not null
      then greatest(round(extract(epoch from (p_to - p_from)) * 1000), 0)::integer
  end
$$;
revoke execute on function private.ms_between(timestamptz, timestamptz) from public;

-- The call of a dialer attempt that ended without an agent: closed at p_at
-- with p_outcome (unless someone, the PBX first, closed it already) and
-- wrapped up with the system disposition p_disposition (effect retry); the
-- lead, if still in that call, goes back to the queue (private.advance_lead;
-- its attempt was counted when the call was placed, never again).
create function private.dialer_close_attempt_call(
  p_call_id uuid, p_at timestamptz, p_outcome text, p_disposition text, p_cause integer default null
) returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_call public.calls;
  v_lead public.leads;
  v_campaign public.campaigns;
begin
  v_call := private.lock_call(p_call_id, p_missing_ok => true);
  if v_call.id is null or v_call.wrapped_up_at is not null then
    return;
  end if;
  perform set_config('crm.via', 'dialer', true); -- the lead's history says who moved it
  v_call := private.close_call(v_call, p_at, p_outcome, 'system');
  update public.calls as c set
    hangup_cause = coalesce(c.hangup_cause, p_cause),
    disposition = p_disposition,
    wrapped_up_at = v_now
  where c.id = v_call.id and c.started_at = v_call.started_at
  returning c.* into v_call;

  select l.* into v_lead from public.leads as l where l.id = v_call.lead_id for update;
  if v_lead.id is null or v_lead.status <> 'in_call' then
    return;
  end if;
  select c.* into v_campaign from public.campaigns as c where c.id = v_lead.campaign_id;
  perform private.advance_lead(v_lead, v_campaign, v_call, 'retry', null, null, null, v_now);
end;
$$;
comment on function private.dialer_close_attempt_call(uuid, timestamptz, text, text, integer) is
'Close and wrap up the call of a dialer attempt no agent took; the lead back to retry.';
revoke execute on function private.dialer_close_attempt_call(uuid, timestamptz, text, text, integer) from public;

-- The attempt p_attempt_id of worker p_worker, locked; null if there is none
-- or another worker holds it.
create function private.dialer_lock_attempt(p_attempt_id uuid, p_worker text) returns public.dialer_attempts
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_attempt public.dialer_attempts;
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception using errcode = '22023', message = 'p_worker: required';
  end if;
  select a.* into v_attempt
  from public.dialer_attempts as a
  where a.id = p_attempt_id and a.worker = p_worker
  for update;
  return v_attempt;
end;
$$;
revoke execute on function private.dialer_lock_attempt(uuid, text) from public;

-- The call of an attempt is answered at p_at (confirmed), unless the PBX
-- has mirrored it already (its own view stands) or it has ended.
create function private.dialer_mark_call_answered(p_call_id uuid, p_at timestamptz) returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_call public.calls;
begin
  v_call := private.lock_call(p_call_id, p_missing_ok => true);
  if v_call.id is null or v_call.pbx_linkedid is not null or v_call.status in ('confirmed', 'ended') then
    return;
  end if;
  update public.calls as c set
    status = 'confirmed',
    answered_at = coalesce(c.answered_at, greatest(p_at, c.started_at))
  where c.id = v_call.id and c.started_at = v_call.started_at;
end;
$$;
revoke execute on function private.dialer_mark_call_answered(uuid, timestamptz) from public;

-- An attempt ends as abandoned at p_at: a person answered and no agent came
-- (wait from the greeting's end), the number rests if the campaign says so.
create function private.dialer_abandon(p_attempt public.dialer_attempts, p_at timestamptz) returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_lockout_hours integer;
  v_at timestamptz := greatest(p_at, p_attempt.placed_at, p_attempt.answered_at, p_attempt.human_at);
begin
  select c.abandon_lockout_hours into v_lockout_hours from public.campaigns as c where c.id = p_attempt.campaign_id;
  update public.dialer_attempts as a set
    status = 'abandoned',
    live_answer = true,
    ended_at = v_at,
    wait_ms = private.ms_between(coalesce(a.human_at, a.answered_at), v_at),
    lockout_until = case when v_lockout_hours > 0 then v_at + make_interval(hours => v_lockout_hours) end
  where a.id = p_attempt.id;
  perform private.dialer_close_attempt_call(p_attempt.call_id, v_at, 'answered', 'abandoned');
end;
$$;
revoke execute on function private.dialer_abandon(public.dialer_attempts, timestamptz) from public;

-- A connected attempt is over at p_at: completed; its call ends (unless the
-- PBX ended it), the agent's session is free for the next call and the
-- agent in wrap-up (rpc/end_call closes the call with a disposition).
create function private.dialer_complete(p_attempt public.dialer_attempts, p_at timestamptz) returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_at timestamptz := greatest(p_at, p_attempt.connected_at);
  v_call public.calls;
begin
  update public.dialer_attempts as a set status = 'completed', ended_at = v_at where a.id = p_attempt.id;
  v_call := private.lock_call(p_attempt.call_id, p_missing_ok => true);
  if v_call.id is not null then
    perform private.close_call(v_call, v_at, 'answered', null);
  end if;
  update public.dialer_sessions as s set attempt_id = null, call_id = null, lead_id = null
  where s.attempt_id = p_attempt.id;
  update public.agent_states as st set state = 'wrap_up', reason = null, since = v_now, updated_at = v_now
  where st.agent_id = p_attempt.agent_id and st.state = 'on_call';
end;
$$;
revoke execute on function private.dialer_complete(public.dialer_attempts, timestamptz) from public;

-- ============================================================================
-- Section - Campaigns and the floor
-- ============================================================================

-- The campaigns the dialer runs: active, in progressive or predictive mode,
-- with every dialer setting, whether a supervisor paused it, the caller ID
-- and the time zone of "today".
create function private.dialer_campaigns() returns setof jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'id', c.id,
    'name', c.name,
    'dial_mode', c.dial_mode,
    'paused', coalesce(st.paused, false),
    'abandon_target', c.abandon_target,
    'abandon_cap', c.abandon_cap,
    'max_lines_per_agent', c.max_lines_per_agent,
    'predictive_min_agents', c.predictive_min_agents,
    'amd_enabled', c.amd_enabled,
    'amd_false_positive_rate', c.amd_false_positive_rate,
    'abandon_message', c.abandon_message,
    'abandon_lockout_hours', c.abandon_lockout_hours,
    'ring_timeout_s', c.ring_timeout_s,
    'caller_id', c.caller_id,
    'time_zone', c.default_time_zone
  )
  from public.campaigns as c
  left join public.dialer_campaign_state as st on c.id = st.campaign_id
  where c.status = 'active' and c.dial_mode in ('progressive', 'predictive')
  order by c.name
$$;
comment on function private.dialer_campaigns() is
'Dialer: the active progressive and predictive campaigns with their dialer settings.';
revoke execute on function private.dialer_campaigns() from public;
grant execute on function private.dialer_campaigns() to crm_dialer;

-- What the pacer needs of campaign p_campaign_id now: ready agents
-- (available, connected session here, no call), busy ones (talking or in
-- wrap-up, and for how long), paused ones (never ready nor busy), the lines
-- in progress and the ledger.
create function private.dialer_floor(p_campaign_id uuid) returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_campaign public.campaigns;
  v_agents jsonb;
  v_lines jsonb;
begin
  select c.* into v_campaign from public.campaigns as c where c.id = p_campaign_id;
  if not found then
    raise exception using errcode = 'PT404', message = format('p_campaign_id: no campaign %s', p_campaign_id);
  end if;

  select jsonb_build_object(
    'ready', count(*) filter (where st.state = 'available' and s.attempt_id is null),
    'paused', count(*) filter (where st.state = 'paused'),
    'busy', coalesce(
      jsonb_agg(
        jsonb_build_object(
          'agent_id', s.agent_id,
          'state', case when st.state = 'on_call' then 'talking' else 'wrap_up' end,
          'elapsed_s', round(greatest(extract(epoch from (v_now - st.since)), 0)::numeric, 3)
        ) order by st.since
      ) filter (where st.state in ('on_call', 'wrap_up')),
      '[]'::jsonb
    )
  ) into v_agents
  from public.dialer_sessions as s
  inner join public.agent_states as st on s.agent_id = st.agent_id
  where s.campaign_id = p_campaign_id and s.status = 'connected';

  select jsonb_build_object(
    'dialing', count(*) filter (where a.status = 'dialing'),
    'analysing', count(*) filter (where a.status = 'analysing'),
    'waiting', count(*) filter (where a.status = 'waiting'),
    'ringing_elapsed_s', coalesce(
      jsonb_agg(
        round(greatest(extract(epoch from (v_now - a.placed_at)), 0)::numeric, 3) order by a.placed_at
      ) filter (where a.status = 'dialing'),
      '[]'::jsonb
    )
  ) into v_lines
  from public.dialer_attempts as a
  where a.campaign_id = p_campaign_id and a.status in ('dialing', 'analysing', 'waiting');

  return v_agents || jsonb_build_object(
    'lines', v_lines,
    'ledger', private.dialer_ledger_windows(v_campaign, v_now)
  );
end;
$$;
comment on function private.dialer_floor(uuid) is
'Dialer: ready, busy and paused agents, lines in progress and the ledger of a campaign.';
revoke execute on function private.dialer_floor(uuid) from public;
grant execute on function private.dialer_floor(uuid) to crm_dialer;

-- ============================================================================
-- Section - Placing calls
-- ============================================================================

-- Takes up to p_count leads of campaign p_campaign_id for worker p_worker,
-- from next_lead's queue: due campaign callbacks without an agent first,
-- then the pool (owner_id null) by next_call_at, id; callable by
-- private.lead_is_callable and not resting after an abandoned call; rows
-- locked by others are skipped. Each gets its call row (source pbx,
-- calling, no agent yet) and its attempt (dialing), counted on the lead as
-- rpc/start_call counts it. Nothing for a campaign not active, in preview
-- or paused. The abandon rules hold here too, whatever the pacer asks: in
-- progressive mode, and in predictive mode once the 24-hour or 30-day
-- abandon rate has reached the campaign's cap, no more lines than ready
-- agents minus the lines already under way (no call without an agent).
create function private.dialer_take_leads(p_campaign_id uuid, p_worker text, p_count integer)
returns table (
  attempt_id uuid, call_id uuid, lead_id uuid, phone_number text, caller_id text, amd boolean,
  ring_timeout_s integer
)
language plpgsql
volatile
security definer
set search_path = ''
rows 10
as $$
declare
  v_now timestamptz := private.now();
  v_campaign public.campaigns;
  v_lead public.leads;
  v_taken uuid[] := '{}'::uuid[];
  v_call public.calls;
  v_count integer := p_count;
  v_ledger jsonb;
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception using errcode = '22023', message = 'p_worker: required';
  end if;
  if p_count is null or p_count < 0 or p_count > 1000 then
    raise exception using
      errcode = '22023',
      message = format('p_count: %s is not between 0 and 1000', coalesce(p_count::text, 'null'));
  end if;
  select c.* into v_campaign from public.campaigns as c where c.id = p_campaign_id;
  if
    p_count = 0 or not found or v_campaign.status <> 'active' or v_campaign.dial_mode = 'preview'
    or exists (
      select 1 from public.dialer_campaign_state as st where st.campaign_id = p_campaign_id and st.paused
    ) then
    return;
  end if;
  if v_campaign.dial_mode = 'predictive' then
    v_ledger := private.dialer_ledger_windows(v_campaign, v_now);
  end if;
  if v_campaign.dial_mode = 'progressive'
    or greatest((v_ledger #>> '{h24,rate}')::numeric, (v_ledger #>> '{d30,rate}')::numeric)
    >= v_campaign.abandon_cap then
    select least(p_count, greatest(count(*)::integer - (
      select count(*)::integer from public.dialer_attempts as a
      where a.campaign_id = p_campaign_id and a.status in ('dialing', 'analysing', 'waiting')
    ), 0))
    into v_count
    from public.dialer_sessions as s
    inner join public.agent_states as st on s.agent_id = st.agent_id
    where
      s.campaign_id = p_campaign_id and s.status = 'connected' and s.attempt_id is null
      and st.state = 'available';
    if v_count = 0 then
      return;
    end if;
  end if;
  perform set_config('crm.via', 'dialer', true);

  for v_lead in
    select l.*
    from public.callbacks as cb
    inner join public.leads as l on cb.lead_id = l.id
    where
      cb.campaign_id = p_campaign_id
      and cb.status = 'pending'
      and cb.agent_id is null
      and cb.due_at <= v_now
      and l.campaign_id = p_campaign_id
      and l.owner_id is null
      and private.lead_is_callable(l, v_campaign, v_now)
      and not private.dialer_locked_out(l.phone, v_now)
    order by cb.due_at, cb.id
    limit v_count
    for update of l skip locked
  loop
    if not v_lead.id = any(v_taken) then
      v_taken := v_taken || v_lead.id;
    end if;
  end loop;

  if cardinality(v_taken) < v_count then
    for v_lead in
      select l.*
      from public.leads as l
      where
        l.campaign_id = p_campaign_id
        and l.status in ('new', 'retry', 'callback')
        and l.next_call_at <= v_now
        and l.owner_id is null
        and not l.id = any(v_taken)
        and private.lead_is_callable(l, v_campaign, v_now)
        and not private.dialer_locked_out(l.phone, v_now)
      order by l.next_call_at, l.id
      limit v_count - cardinality(v_taken)
      for update of l skip locked
    loop
      v_taken := v_taken || v_lead.id;
    end loop;
  end if;

  for v_lead in
    select l.* from public.leads as l
    where l.id = any(v_taken)
    order by array_position(v_taken, l.id)
  loop
    insert into public.calls (
      started_at, lead_id, campaign_id, agent_id, direction, phone_number, source, status, recording_consent
    ) values (
      v_now, v_lead.id, v_lead.campaign_id, null, 'outbound', v_lead.phone, 'pbx', 'calling',
      v_lead.consent_recording
    )
    returning * into v_call;

    update public.leads as l set
      status = 'in_call',
      attempts = l.attempts + 1,
      last_called_at = v_now
    where l.id = v_lead.id;

    insert into public.dialer_attempts (campaign_id, lead_id, call_id, phone_number, worker, status, placed_at)
    values (p_campaign_id, v_lead.id, v_call.id, v_lead.phone, p_worker, 'dialing', v_now)
    returning id into attempt_id;

    call_id := v_call.id;
    lead_id := v_lead.id;
    phone_number := v_lead.phone;
    caller_id := v_campaign.caller_id;
    amd := v_campaign.amd_enabled;
    ring_timeout_s := v_campaign.ring_timeout_s;
    return next;
  end loop;
  perform set_config('crm.via', '', true);
end;
$$;
comment on function private.dialer_take_leads(uuid, text, integer) is
'Dialer: take callable leads of a campaign (next_lead''s queue, no lockout) and open their calls and attempts.';
revoke execute on function private.dialer_take_leads(uuid, text, integer) from public;
grant execute on function private.dialer_take_leads(uuid, text, integer) to crm_dialer;

-- ============================================================================
-- Section - The call's course
-- ============================================================================

-- The lead's phone answered at p_at and AMD is analysing (optional: an
-- attempt may go from dialing to the verdict directly). False if the
-- attempt is not p_worker's or no longer dialing.
create function private.dialer_attempt_analysing(p_attempt_id uuid, p_worker text, p_at timestamptz)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_attempt public.dialer_attempts := private.dialer_lock_attempt(p_attempt_id, p_worker);
  v_at timestamptz;
begin
  if v_attempt.id is null or v_attempt.status <> 'dialing' then
    return false;
  end if;
  v_at := greatest(coalesce(p_at, private.now()), v_attempt.placed_at);
  update public.dialer_attempts as a set status = 'analysing', answered_at = v_at where a.id = v_attempt.id;
  perform private.dialer_mark_call_answered(v_attempt.call_id, v_at);
  return true;
end;
$$;
comment on function private.dialer_attempt_analysing(uuid, text, timestamptz) is
'Dialer: the lead''s phone answered, AMD is analysing.';
revoke execute on function private.dialer_attempt_analysing(uuid, text, timestamptz) from public;
grant execute on function private.dialer_attempt_analysing(uuid, text, timestamptz) to crm_dialer;

-- AMD's verdict on attempt p_attempt_id at p_at (the greeting is over):
-- HUMAN, NOTSURE, or null (AMD off) is a live answer -> waiting, the 2 s to
-- connect an agent start now. MACHINE ends the attempt (machine, the call
-- dispositioned voicemail), unless the campaign has AMD off, when machines
-- go to agents too (waiting). HANGUP (gone during the analysis, before the
-- greeting ended: not an abandoned call) ends it as no_answer. Returns the
-- attempt's status; a repeated or late verdict changes nothing.
create function private.dialer_attempt_answered(
  p_attempt_id uuid, p_worker text, p_amd_status text, p_amd_cause text, p_at timestamptz
) returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_attempt public.dialer_attempts;
  v_amd_enabled boolean;
  v_status text := nullif(upper(btrim(p_amd_status)), '');
  v_at timestamptz;
begin
  if v_status is not null and v_status not in ('HUMAN', 'MACHINE', 'NOTSURE', 'HANGUP') then
    raise exception using
      errcode = '22023',
      message = format('p_amd_status: %L is not HUMAN, MACHINE, NOTSURE or HANGUP', private.excerpt(p_amd_status));
  end if;
  v_attempt := private.dialer_lock_attempt(p_attempt_id, p_worker);
  if v_attempt.id is null then
    return null;
  end if;
  if v_attempt.status not in ('dialing', 'analysing') then
    return v_attempt.status;
  end if;
  select c.amd_enabled into v_amd_enabled from public.campaigns as c where c.id = v_attempt.campaign_id;
  v_at := greatest(coalesce(p_at, private.now()), v_attempt.placed_at, v_attempt.answered_at);
  perform private.dialer_mark_call_answered(v_attempt.call_id, v_at);

  if v_status = 'MACHINE' and v_amd_enabled then
    update public.dialer_attempts as a set
      status = 'machine', amd_status = v_status, amd_cause = left(p_amd_cause, 200), live_answer = false,
      answered_at = coalesce(a.answered_at, v_at), ended_at = v_at
    where a.id = v_attempt.id;
    perform private.dialer_close_attempt_call(v_attempt.call_id, v_at, 'answered', 'voicemail');
    return 'machine';
  end if;
  if v_status = 'HANGUP' then
    update public.dialer_attempts as a set
      status = 'no_answer', amd_status = v_status, amd_cause = left(p_amd_cause, 200), live_answer = false,
      answered_at = coalesce(a.answered_at, v_at), ended_at = v_at
    where a.id = v_attempt.id;
    perform private.dialer_close_attempt_call(v_attempt.call_id, v_at, 'answered', 'no_answer');
    return 'no_answer';
  end if;
  update public.dialer_attempts as a set
    status = 'waiting', amd_status = v_status, amd_cause = left(p_amd_cause, 200), live_answer = true,
    answered_at = coalesce(a.answered_at, v_at), human_at = v_at
  where a.id = v_attempt.id;
  return 'waiting';
end;
$$;
comment on function private.dialer_attempt_answered(uuid, text, text, text, timestamptz) is
'Dialer: AMD''s verdict (null = AMD off): waiting for an agent, or machine (voicemail), or no_answer (HANGUP).';
revoke execute on function private.dialer_attempt_answered(uuid, text, text, text, timestamptz) from public;
grant execute on function private.dialer_attempt_answered(uuid, text, text, text, timestamptz) to crm_dialer;

-- Claims, atomically, one ready agent of the attempt's campaign for waiting
-- attempt p_attempt_id: available, with a connected session here and no
-- call; the one ready longest first; sessions locked by a concurrent claim
-- are skipped. The attempt is connected (wait since the greeting), the
-- session, the call and the lead are the agent's, the agent on_call. No row
-- when no agent is free (or the attempt is not waiting any more).
create function private.dialer_claim_agent(p_attempt_id uuid, p_worker text)
returns table (session_id uuid, agent_id uuid, extension text, channel text)
language plpgsql
volatile
security definer
set search_path = ''
rows 1
as $$
declare
  v_now timestamptz := private.now();
  v_attempt public.dialer_attempts := private.dialer_lock_attempt(p_attempt_id, p_worker);
  v_session public.dialer_sessions;
  v_call public.calls;
begin
  if v_attempt.id is null or v_attempt.status <> 'waiting' then
    return;
  end if;

  select s.* into v_session
  from public.dialer_sessions as s
  inner join public.agent_states as st on s.agent_id = st.agent_id
  where
    s.campaign_id = v_attempt.campaign_id
    and s.status = 'connected'
    and s.attempt_id is null
    and st.state = 'available'
    and not exists (
      select 1 from public.dialer_attempts as a where a.agent_id = s.agent_id and a.status = 'connected'
    )
  order by st.since, s.connected_at, s.id
  limit 1
  for update of s, st skip locked;
  if not found then
    return;
  end if;

  perform set_config('crm.via', 'dialer', true);
  update public.dialer_attempts as a set
    status = 'connected',
    agent_id = v_session.agent_id,
    session_id = v_session.id,
    connected_at = greatest(v_now, a.answered_at),
    wait_ms = private.ms_between(coalesce(a.human_at, a.answered_at), v_now)
  where a.id = v_attempt.id;
  update public.dialer_sessions as s set
    attempt_id = v_attempt.id, call_id = v_attempt.call_id, lead_id = v_attempt.lead_id
  where s.id = v_session.id;
  v_call := private.lock_call(v_attempt.call_id, p_missing_ok => true);
  if v_call.id is not null and v_call.agent_id is null then
    update public.calls as c set agent_id = v_session.agent_id
    where c.id = v_call.id and c.started_at = v_call.started_at;
  end if;
  update public.leads as l set owner_id = v_session.agent_id where l.id = v_attempt.lead_id;
  update public.callbacks as cb set agent_id = v_session.agent_id
  where cb.lead_id = v_attempt.lead_id and cb.status = 'pending' and cb.agent_id is null;
  update public.agent_states as st set state = 'on_call', reason = null, since = v_now, updated_at = v_now
  where st.agent_id = v_session.agent_id;
  perform set_config('crm.via', '', true);

  session_id := v_session.id;
  agent_id := v_session.agent_id;
  extension := v_session.extension;
  channel := v_session.channel;
  return next;
end;
$$;
comment on function private.dialer_claim_agent(uuid, text) is
'Dialer: atomically claim one ready agent for a waiting live answer (none: no row).';
revoke execute on function private.dialer_claim_agent(uuid, text) from public;
grant execute on function private.dialer_claim_agent(uuid, text) to crm_dialer;

-- No agent came in time for waiting attempt p_attempt_id: abandoned at p_at
-- (the caller hears the campaign's message), the call dispositioned
-- abandoned, the lead back to retry, the number in lockout if the campaign
-- has one.
create function private.dialer_attempt_abandoned(p_attempt_id uuid, p_worker text, p_at timestamptz)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_attempt public.dialer_attempts := private.dialer_lock_attempt(p_attempt_id, p_worker);
begin
  if v_attempt.id is null or v_attempt.status <> 'waiting' then
    return;
  end if;
  perform private.dialer_abandon(v_attempt, coalesce(p_at, private.now()));
end;
$$;
comment on function private.dialer_attempt_abandoned(uuid, text, timestamptz) is
'Dialer: a live answer no agent took in time: abandoned, dispositioned, number locked out if configured.';
revoke execute on function private.dialer_attempt_abandoned(uuid, text, timestamptz) from public;
grant execute on function private.dialer_attempt_abandoned(uuid, text, timestamptz) to crm_dialer;

-- The lead's leg of attempt p_attempt_id is over at p_at (p_result
-- no_answer, busy, failed, congestion, hangup; p_cause Asterisk's hangup
-- cause). Connected: completed (private.dialer_complete). Waiting: the
-- person hung up before an agent came: abandoned. Dialing or analysing:
-- ends as no_answer, busy or failed, its call dispositioned no_answer, busy
-- or call_failed and the lead back to retry. A final attempt is left as it is.
create function private.dialer_attempt_ended(
  p_attempt_id uuid, p_worker text, p_result text, p_at timestamptz, p_cause integer default null
) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_attempt public.dialer_attempts;
  v_at timestamptz;
  v_status text;
begin
  if p_result is null or p_result not in ('no_answer', 'busy', 'failed', 'congestion', 'hangup') then
    raise exception using
      errcode = '22023',
      message = format(
        'p_result: %L is not no_answer, busy, failed, congestion or hangup', private.excerpt(p_result)
      );
  end if;
  -- Any worker may report the end of a connected call (one may take over
  -- from another); the rest only the attempt's own.
  select a.* into v_attempt from public.dialer_attempts as a where a.id = p_attempt_id for update;
  if v_attempt.id is null or v_attempt.ended_at is not null then
    return;
  end if;
  v_at := greatest(coalesce(p_at, private.now()), v_attempt.placed_at);
  if v_attempt.status = 'connected' then
    perform private.dialer_complete(v_attempt, v_at);
    return;
  end if;
  if v_attempt.worker is distinct from p_worker then
    return;
  end if;
  if v_attempt.status = 'waiting' then
    perform private.dialer_abandon(v_attempt, v_at);
    return;
  end if;

  v_status := case
    when v_attempt.status = 'analysing' then 'no_answer'
    when p_result = 'busy' then 'busy'
    when p_result in ('failed', 'congestion') then 'failed'
    else 'no_answer'
  end;
  update public.dialer_attempts as a set
    status = v_status, live_answer = coalesce(a.live_answer, false), ended_at = greatest(v_at, a.answered_at)
  where a.id = v_attempt.id;
  perform private.dialer_close_attempt_call(
    v_attempt.call_id,
    greatest(v_at, v_attempt.answered_at),
    case
      when v_attempt.answered_at is not null then 'answered'
      when p_result = 'hangup' then 'no_answer'
      else p_result
    end,
    case v_status when 'busy' then 'busy' when 'failed' then 'call_failed' else 'no_answer' end,
    p_cause
  );
end;
$$;
comment on function private.dialer_attempt_ended(uuid, text, text, timestamptz, integer) is
'Dialer: the lead''s leg is over: completed (connected), abandoned (waiting) or no_answer/busy/failed.';
revoke execute on function private.dialer_attempt_ended(uuid, text, text, timestamptz, integer) from public;
grant execute on function private.dialer_attempt_ended(uuid, text, text, timestamptz, integer) to crm_dialer;

-- ============================================================================
-- Section - Sessions
-- ============================================================================

-- Worker p_worker claims the requested sessions (oldest first) and calls
-- the agents' phones: each becomes ringing, held by p_worker.
create function private.dialer_session_requests(p_worker text) returns setof public.dialer_sessions
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception using errcode = '22023', message = 'p_worker: required';
  end if;
  return query
  update public.dialer_sessions as s set status = 'ringing', worker = p_worker
  where s.id in (
    select r.id from public.dialer_sessions as r
    where r.status = 'requested'
    order by r.requested_at, r.id
    limit 100
    for update skip locked
  )
  returning s.*;
end;
$$;
comment on function private.dialer_session_requests(text) is
'Dialer: claim the requested sessions (now ringing, held by this worker).';
revoke execute on function private.dialer_session_requests(text) from public;
grant execute on function private.dialer_session_requests(text) to crm_dialer;

-- The agent answered session p_session_id's call on channel p_channel: it
-- is connected (the agent is ready when available). False if the session
-- is not ringing (or requested) any more.
create function private.dialer_session_connected(p_session_id uuid, p_worker text, p_channel text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update public.dialer_sessions as s set
    status = 'connected', connected_at = private.now(), channel = left(p_channel, 200), worker = p_worker
  where s.id = p_session_id and s.status in ('requested', 'ringing');
  return found;
end;
$$;
comment on function private.dialer_session_connected(uuid, text, text) is
'Dialer: the agent''s phone answered the nailed-up call.';
revoke execute on function private.dialer_session_connected(uuid, text, text) from public;
grant execute on function private.dialer_session_connected(uuid, text, text) to crm_dialer;

-- Session p_session_id's channel is gone (p_reason): ended. A call the
-- agent was on keeps running and its attempt is untouched. False if it had
-- ended already.
create function private.dialer_session_ended(p_session_id uuid, p_worker text, p_reason text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update public.dialer_sessions as s set
    status = 'ended', ended_at = private.now(), end_reason = left(coalesce(p_reason, 'hangup'), 200),
    worker = coalesce(s.worker, p_worker), attempt_id = null, call_id = null, lead_id = null
  where s.id = p_session_id and s.status <> 'ended';
  return found;
end;
$$;
comment on function private.dialer_session_ended(uuid, text, text) is
'Dialer: the agent''s nailed-up call is gone (a call under way keeps running).';
revoke execute on function private.dialer_session_ended(uuid, text, text) from public;
grant execute on function private.dialer_session_ended(uuid, text, text) to crm_dialer;

-- ============================================================================
-- Section - Crash recovery
-- ============================================================================

-- On (re)start and shutdown of worker p_worker, and for any worker whose
-- open attempts have not moved for p_stale_seconds: attempts still dialing
-- or analysing fail (calls closed failed, leads back to retry; the attempt
-- was counted once, when placed); waiting ones, a person left without an
-- agent, are abandoned (the ledger counts them); connected ones whose call
-- the PBX has ended are completed; sessions requested or ringing go back to
-- requested; sessions holding a call that is not connected any more are
-- freed, and agents left on_call with no dialer call nor open call go back
-- to available. Returns how many rows it fixed.
create function private.dialer_release(p_worker text, p_stale_seconds integer default null) returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_stale_before timestamptz;
  v_attempt public.dialer_attempts;
  v_fixed integer := 0;
  v_rows integer;
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception using errcode = '22023', message = 'p_worker: required';
  end if;
  if p_stale_seconds is not null and p_stale_seconds < 0 then
    raise exception using errcode = '22023', message = format('p_stale_seconds: %s is negative', p_stale_seconds);
  end if;
  v_stale_before := v_now - make_interval(secs => coalesce(p_stale_seconds, 0));
  perform set_config('crm.via', 'dialer', true);

  for v_attempt in
    select a.* from public.dialer_attempts as a
    where
      a.status in ('dialing', 'analysing', 'waiting', 'connected')
      and (a.worker = p_worker or (p_stale_seconds is not null and a.updated_at < v_stale_before))
    order by a.placed_at
    for update
  loop
    if v_attempt.status = 'waiting' then
      perform private.dialer_abandon(v_attempt, v_now);
      v_fixed := v_fixed + 1;
    elsif v_attempt.status in ('dialing', 'analysing') then
      update public.dialer_attempts as a set
        status = 'failed', live_answer = coalesce(a.live_answer, false), ended_at = greatest(v_now, a.answered_at)
      where a.id = v_attempt.id;
      perform private.dialer_close_attempt_call(
        v_attempt.call_id, v_now, case when v_attempt.answered_at is null then 'failed' else 'answered' end,
        'call_failed'
      );
      v_fixed := v_fixed + 1;
    elsif exists (
      select 1 from public.calls as c
      inner join private.call_index as ci on c.id = ci.call_id and c.started_at = ci.started_at
      where ci.call_id = v_attempt.call_id and c.status = 'ended'
    ) then
      perform private.dialer_complete(
        v_attempt,
        coalesce(
          (
            select c.ended_at from public.calls as c
            inner join private.call_index as ci on c.id = ci.call_id and c.started_at = ci.started_at
            where ci.call_id = v_attempt.call_id
          ),
          v_now
        )
      );
      v_fixed := v_fixed + 1;
    end if;
  end loop;

  update public.dialer_sessions as s set status = 'requested', worker = null
  where
    s.status in ('requested', 'ringing') and s.worker is not null
    and (s.worker = p_worker or (p_stale_seconds is not null and s.updated_at < v_stale_before));
  get diagnostics v_rows = row_count;
  v_fixed := v_fixed + v_rows;

  update public.dialer_sessions as s set attempt_id = null, call_id = null, lead_id = null
  where
    s.attempt_id is not null
    and not exists (
      select 1 from public.dialer_attempts as a where a.id = s.attempt_id and a.status = 'connected'
    );
  get diagnostics v_rows = row_count;
  v_fixed := v_fixed + v_rows;

  update public.agent_states as st set state = 'available', since = v_now, updated_at = v_now
  where
    st.state = 'on_call'
    and exists (
      select 1 from public.dialer_sessions as s
      where s.agent_id = st.agent_id and s.status = 'connected' and s.attempt_id is null
    )
    and not exists (
      select 1 from public.dialer_attempts as a where a.agent_id = st.agent_id and a.status = 'connected'
    )
    and not exists (
      select 1 from public.calls as c
      where c.agent_id = st.agent_id and c.wrapped_up_at is null and c.started_at > v_now - interval '1 day'
    );
  get diagnostics v_rows = row_count;
  v_fixed := v_fixed + v_rows;

  perform set_config('crm.via', '', true);
  return v_fixed;
end;
$$;
comment on function private.dialer_release(text, integer) is
'Dialer: after a crash or on shutdown, fail or abandon the open attempts and free sessions and agents.';
revoke execute on function private.dialer_release(text, integer) from public;
grant execute on function private.dialer_release(text, integer) to crm_dialer;

-- ============================================================================
-- Section - State and history
-- ============================================================================

-- Worker p_worker publishes what the dialer does in campaign p_campaign_id
-- (p_state: keys as dialer_campaign_state's columns; paused is the
-- supervisors' and is not taken from it) and, at most every 15 s, a sample.
create function private.dialer_publish_state(p_campaign_id uuid, p_worker text, p_state jsonb) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_campaign public.campaigns;
  v_state public.dialer_campaign_state;
begin
  if p_state is null or jsonb_typeof(p_state) <> 'object' then
    raise exception using errcode = '22023', message = 'p_state: a JSON object is required';
  end if;
  select c.* into v_campaign from public.campaigns as c where c.id = p_campaign_id;
  if not found then
    raise exception using errcode = 'PT404', message = format('p_campaign_id: no campaign %s', p_campaign_id);
  end if;
  insert into public.dialer_campaign_state as st (
    campaign_id, effective_mode, fallback_reason, dial_ratio, lines_in_progress, ready_agents, talking_agents,
    wrap_up_agents, paused_agents, live_answer_rate, worker, updated_at
  )
  select
    p_campaign_id, r.effective_mode, r.fallback_reason, round(r.dial_ratio, 2), r.lines_in_progress,
    r.ready_agents, r.talking_agents, r.wrap_up_agents, r.paused_agents, round(r.live_answer_rate, 4), p_worker,
    v_now
  from jsonb_to_record(p_state) as r (
    effective_mode text, fallback_reason text, dial_ratio numeric, lines_in_progress integer,
    ready_agents integer, talking_agents integer, wrap_up_agents integer, paused_agents integer,
    live_answer_rate numeric
  )
  on conflict (campaign_id) do update set
    effective_mode = excluded.effective_mode,
    fallback_reason = excluded.fallback_reason,
    dial_ratio = excluded.dial_ratio,
    lines_in_progress = excluded.lines_in_progress,
    ready_agents = excluded.ready_agents,
    talking_agents = excluded.talking_agents,
    wrap_up_agents = excluded.wrap_up_agents,
    paused_agents = excluded.paused_agents,
    live_answer_rate = excluded.live_answer_rate,
    worker = excluded.worker,
    updated_at = excluded.updated_at
  returning st.* into v_state;

  if not exists (
    select 1 from public.dialer_samples as s
    where s.campaign_id = p_campaign_id and s.at > v_now - interval '15 seconds'
  ) then
    insert into public.dialer_samples (
      campaign_id, at, lines, dial_ratio, ready, talking, wrap_up, live_answer_rate, abandon_rate_24h
    ) values (
      p_campaign_id, v_now, coalesce(v_state.lines_in_progress, 0), v_state.dial_ratio,
      coalesce(v_state.ready_agents, 0), coalesce(v_state.talking_agents, 0),
      coalesce(v_state.wrap_up_agents, 0), v_state.live_answer_rate,
      round((
        private.dialer_ledger(
          p_campaign_id, v_now - interval '24 hours', v_now + interval '1 microsecond',
          v_campaign.amd_false_positive_rate
        ) ->> 'rate'
      )::numeric, 5)
    )
    on conflict (campaign_id, at) do nothing;
  end if;
end;
$$;
comment on function private.dialer_publish_state(uuid, text, jsonb) is
'Dialer: publish a campaign''s state (dialer_campaign_state) and a sample every 15 s at most.';
revoke execute on function private.dialer_publish_state(uuid, text, jsonb) from public;
grant execute on function private.dialer_publish_state(uuid, text, jsonb) to crm_dialer;

-- To warm the pacer at start: the outcomes of the campaign's attempts
-- (human, machine, busy, no_answer, failed) and the talk and wrap-up times
-- of its connected calls since p_since (2 hours back at most, the 2000
-- latest of each).
create function private.dialer_history(p_campaign_id uuid, p_since timestamptz) returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  with bounds as (
    select greatest(coalesce(p_since, private.now() - interval '2 hours'), private.now() - interval '2 hours') as since
  )

  select jsonb_build_object(
    'outcomes', coalesce((
      select jsonb_agg(jsonb_build_object('at', o.at, 'result', o.result) order by o.at)
      from (
        select
          coalesce(a.human_at, a.answered_at, a.ended_at) as at,
          case
            when a.live_answer then 'human'
            when a.status = 'machine' then 'machine'
            when a.status = 'busy' then 'busy'
            when a.status = 'no_answer' then 'no_answer'
            else 'failed'
          end as result
        from public.dialer_attempts as a, bounds as b
        where a.campaign_id = p_campaign_id and a.placed_at >= b.since and (a.ended_at is not null or a.live_answer)
        order by a.placed_at desc
        limit 2000
      ) as o
    ), '[]'::jsonb),
    'handling', coalesce((
      select jsonb_agg(jsonb_build_object('talk_s', h.talk_s, 'wrap_s', h.wrap_s) order by h.at)
      from (
        select
          a.connected_at as at,
          coalesce(c.talk_seconds, private.seconds_between(a.connected_at, c.ended_at)) as talk_s,
          private.seconds_between(c.ended_at, c.wrapped_up_at) as wrap_s
        from public.dialer_attempts as a
        cross join bounds as b
        inner join private.call_index as ci on a.call_id = ci.call_id
        inner join public.calls as c on ci.call_id = c.id and ci.started_at = c.started_at
        where
          a.campaign_id = p_campaign_id and a.status = 'completed' and a.placed_at >= b.since
          and c.wrapped_up_at is not null
        order by a.placed_at desc
        limit 2000
      ) as h
    ), '[]'::jsonb)
  )
$$;
comment on function private.dialer_history(uuid, timestamptz) is
'Dialer: recent outcomes and handling times of a campaign (at most 2 h, 2000 each) to warm the pacer.';
revoke execute on function private.dialer_history(uuid, timestamptz) from public;
grant execute on function private.dialer_history(uuid, timestamptz) to crm_dialer;

-- Retention (migration 20261207000100) runs under pg_cron; the worker may run it too.
grant execute on function private.purge_dialer_records(timestamptz) to crm_dialer;

-- ============================================================================
-- Section - Erasure
-- ============================================================================

-- rpc/erase_lead erases a lead's number from its calls; its dialer attempts
-- stay in the ledger (they count), without the number.
create function private.erase_dialer_attempts() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.dialer_attempts as a set phone_number = null
  where a.lead_id = new.id and a.phone_number is not null;
  return null;
end;
$$;
comment on function private.erase_dialer_attempts() is
'Trigger: an erased lead''s dialer attempts lose its number (the ledger keeps counting them).';
revoke execute on function private.erase_dialer_attempts() from public;

create trigger leads_erase_dialer_attempts
after update of erased_at on public.leads
for each row when (old.erased_at is null and new.erased_at is not null)
execute function private.erase_dialer_attempts();
