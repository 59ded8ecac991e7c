-- Closing a call: one duration rule, one way to find a call for update, one
-- way to end it, and end_call cut along its own seams.
--
-- Until now four writers ended a call, each with its own copy of the rule:
-- rpc/hangup_call and rpc/end_call (rounding seconds), the AMI bridge's
-- reconciliation and the close of a failed originate (flooring them). Here:
--
-- - private.seconds_between is THE duration rule. Whole seconds, floored:
--   a second counts once it has fully passed, as Asterisk's own CDR billsec
--   counts (cdr.c truncates unless `initiatedseconds` is set), so a call the
--   webphone closed and the same call as the PBX mirrors it show the same
--   ring, talk and total time, and reports agree with the carrier's CDRs.
--   Every path that stores ring_seconds, talk_seconds or duration_seconds
--   measures with it (the AMI bridge included: it sends instants, see
--   migration 20261204000200).
-- - private.lock_call finds a call through private.call_index and locks it.
-- - private.close_call ends a locked call: what is already known stands
--   (the PBX's times and outcome, durations already measured), the rest is
--   derived from the moment it ended.
-- - rpc/end_call is its checks (private.check_wrap_up), the call's close
--   and wrap-up, and the lead's state machine (private.advance_lead).
--
-- Behaviour stays, with one correction: rpc/hangup_call no longer replaces
-- a ring time the PBX already reported (the PBX is the authority on times;
-- end_call always kept it). Errors: supabase/ERRORS.md; the whole story of
-- a call: docs/call-lifecycle.md.

-- ============================================================================
-- Section - The duration rule
-- ============================================================================

-- Whole seconds from p_from to p_to, floored, never negative (null if either is null).
create or replace function private.seconds_between(p_from timestamptz, p_to timestamptz) returns integer
language sql
immutable
set search_path = ''
as $$
  select case
    when p_from is not null and p_to is not null
      then greatest(floor(extract(epoch from (p_to - p_from))), 0)::integer
  end
$$;
comment on function private.seconds_between(timestamptz, timestamptz) is
'The duration rule of every call column: whole seconds, floored as Asterisk''s CDR counts them.';

-- ============================================================================
-- Section - Finding and closing a call
-- ============================================================================

-- The call p_call_id, locked for update (one partition read through the
-- index); PT404 if there is none, or null with p_missing_ok.
create function private.lock_call(p_call_id uuid, p_missing_ok boolean default false) returns public.calls
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_call public.calls;
begin
  select c.* into v_call
  from private.call_index as ci
  inner join public.calls as c on ci.call_id = c.id and ci.started_at = c.started_at
  where ci.call_id = p_call_id
  for update of c;
  if not found and not p_missing_ok then
    raise exception using
      errcode = 'PT404',
      message = format('p_call_id: no call %s', p_call_id);
  end if;
  return v_call;
end;
$$;
comment on function private.lock_call(uuid, boolean) is
'The call with this id, locked for update; PT404 naming p_call_id if none (null if p_missing_ok).';
revoke execute on function private.lock_call(uuid, boolean) from public;

-- Ends the locked call p_call at p_at (not before its start or answer) with
-- p_outcome and p_hangup_by. What the row already says wins: a value the PBX
-- reported is never replaced. An ended call is returned unchanged.
create function private.close_call(
  p_call public.calls, p_at timestamptz, p_outcome text, p_hangup_by text
) returns public.calls
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_ended_at timestamptz;
  v_call public.calls;
begin
  if p_call.status = 'ended' then
    return p_call;
  end if;
  v_ended_at := greatest(p_at, p_call.started_at, p_call.answered_at);
  update public.calls as c set
    status = 'ended',
    outcome = p_outcome,
    ended_at = v_ended_at,
    hangup_by = coalesce(c.hangup_by, p_hangup_by),
    ring_seconds = coalesce(
      c.ring_seconds, private.seconds_between(c.started_at, coalesce(c.answered_at, v_ended_at))
    ),
    talk_seconds = coalesce(c.talk_seconds, private.seconds_between(c.answered_at, v_ended_at), 0),
    duration_seconds = coalesce(c.duration_seconds, private.seconds_between(c.started_at, v_ended_at))
  where c.id = p_call.id and c.started_at = p_call.started_at
  returning c.* into v_call;
  return v_call;
end;
$$;
comment on function private.close_call(public.calls, timestamptz, text, text) is
'End a locked call at a moment with an outcome; what the PBX already reported stands; durations by seconds_between.';
revoke execute on function private.close_call(public.calls, timestamptz, text, text) from public;

-- ============================================================================
-- Section - The wrap-up
-- ============================================================================

-- The checks of a wrap-up: p_disposition (with p_callback_at, p_hangup_by)
-- may close p_call of campaign p_campaign and lead p_lead at p_now. Returns
-- the disposition's effect; raises 22023, R0002 or R0003 naming the argument.
create function private.check_wrap_up(
  p_call public.calls,
  p_campaign public.campaigns,
  p_lead public.leads,
  p_disposition text,
  p_callback_at timestamptz,
  p_hangup_by text,
  p_now timestamptz
) returns public.disposition_effect
language plpgsql
stable
set search_path = ''
as $$
declare
  v_effect public.disposition_effect;
begin
  if p_disposition is null then
    raise exception using
      errcode = '22023',
      message = 'p_disposition: required';
  end if;
  select d.effect into v_effect from public.dispositions as d where d.code = p_disposition and d.active;
  if not found then
    raise exception using
      errcode = '22023',
      message = format('p_disposition: unknown disposition %L', p_disposition),
      hint = 'See table public.dispositions for the valid codes.';
  end if;
  if p_campaign.id is not null and not p_disposition = any(p_campaign.allowed_dispositions) then
    raise exception using
      errcode = '22023',
      message = format('p_disposition: %L is not allowed in campaign %s', p_disposition, p_campaign.name);
  end if;
  if p_hangup_by is not null and p_hangup_by not in ('agent', 'lead', 'system') then
    raise exception using
      errcode = '22023',
      message = format('p_hangup_by: %L is not agent, lead or system', p_hangup_by);
  end if;
  if p_callback_at is not null and v_effect <> 'callback' then
    raise exception using
      errcode = '22023',
      message = format('p_callback_at: only a callback disposition schedules a call back, not %L', p_disposition);
  end if;
  if v_effect <> 'callback' then
    return v_effect;
  end if;

  if p_lead.id is null or p_campaign.id is null then
    raise exception using
      errcode = '22023',
      message = 'p_disposition: a call without lead or campaign cannot schedule a callback';
  end if;
  if p_callback_at is null then
    raise exception using
      errcode = '22023',
      message = format('p_callback_at: required with disposition %L', p_disposition);
  end if;
  if p_callback_at <= p_now then
    raise exception using
      errcode = '22023',
      message = format('p_callback_at: %s is not in the future', p_callback_at);
  end if;
  if not private.in_calling_hours(
    p_callback_at, p_lead.time_zone, p_campaign.calling_hours_start, p_campaign.calling_hours_end,
    p_campaign.calling_days
  ) then
    raise exception using
      errcode = 'R0002',
      message = format(
        'p_callback_at: %s in %s is outside the calling hours of campaign %s (%s)',
        to_char(p_callback_at at time zone p_lead.time_zone, 'FMDay YYYY-MM-DD HH24:MI'), p_lead.time_zone,
        p_campaign.name, private.describe_calling_hours(p_campaign)
      );
  end if;
  if p_lead.attempts >= p_campaign.max_attempts then
    raise exception using
      errcode = 'R0003',
      message = format(
        'p_callback_at: lead %s has used all %s attempts of campaign %s; no callback can be scheduled',
        p_lead.id, p_campaign.max_attempts, p_campaign.name
      );
  end if;
  return v_effect;
end;
$$;
comment on function private.check_wrap_up(
  public.calls, public.campaigns, public.leads, text, timestamptz, text, timestamptz
) is 'The checks of rpc/end_call''s wrap-up; returns the disposition''s effect on the lead.';
revoke execute on function private.check_wrap_up(
  public.calls, public.campaigns, public.leads, text, timestamptz, text, timestamptz
) from public;

-- The lead's state machine after its call p_call wrapped up with effect
-- p_effect: a pending callback is honoured (due) or superseded, the lead
-- moves to retry (or exhausted), callback, won, lost, invalid or
-- do_not_call, and a callback or do-not-call entry is recorded by p_actor.
create function private.advance_lead(
  p_lead public.leads,
  p_campaign public.campaigns,
  p_call public.calls,
  p_effect public.disposition_effect,
  p_callback_at timestamptz,
  p_notes text,
  p_actor uuid,
  p_now timestamptz
) returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_status public.lead_status;
begin
  update public.callbacks as cb set
    status = case when cb.due_at <= p_now then 'done'::public.callback_status else 'cancelled' end,
    completed_at = p_now,
    completed_call_id = case when cb.due_at <= p_now then p_call.id end
  where cb.lead_id = p_lead.id and cb.status = 'pending';

  v_status := case p_effect
    when 'retry' then
      case
        when p_lead.attempts >= p_campaign.max_attempts then 'exhausted'::public.lead_status
        else 'retry'::public.lead_status
      end
    when 'callback' then 'callback'
    when 'sale' then 'won'
    when 'closed' then 'lost'
    when 'invalid' then 'invalid'
    else 'do_not_call'
  end;

  update public.leads as l set
    status = v_status,
    next_call_at = case
      when v_status = 'retry' then
        p_now + p_campaign.retry_delays[least(greatest(p_lead.attempts, 1), cardinality(p_campaign.retry_delays))]
      when v_status = 'callback' then p_callback_at
    end
  where l.id = p_lead.id;

  if p_effect = 'callback' then
    insert into public.callbacks (lead_id, campaign_id, agent_id, due_at, notes, call_id, created_by)
    values (
      p_lead.id, p_lead.campaign_id, coalesce(p_call.agent_id, p_lead.owner_id), p_callback_at,
      coalesce(p_notes, ''), p_call.id, p_actor
    );
  elsif p_effect = 'do_not_call' then
    insert into public.do_not_call (phone, campaign_id, source, reason, added_by)
    values (p_call.phone_number, null, 'lead_request', format('Asked during call %s', p_call.id), p_actor)
    on conflict (phone, campaign_id) do nothing;
  end if;
end;
$$;
comment on function private.advance_lead(
  public.leads, public.campaigns, public.calls, public.disposition_effect, timestamptz, text, uuid, timestamptz
) is 'The lead''s state machine after a wrap-up: callbacks, status, next call, do-not-call.';
revoke execute on function private.advance_lead(
  public.leads, public.campaigns, public.calls, public.disposition_effect, timestamptz, text, uuid, timestamptz
) from public;

-- ============================================================================
-- Section - Public functions
-- ============================================================================

-- rpc/end_call: closes call p_call_id with the agent's disposition, notes
-- and, for a callback, the agreed time p_callback_at; p_hangup_by says who
-- hung up if the PBX has not. Times and outcome the PBX already reported are
-- kept. The caller is the call's agent, or a supervisor of its campaign (to
-- release a call the agent left open), or an admin. Ending twice is an error.
create or replace function public.end_call(
  p_call_id uuid,
  p_disposition text,
  p_notes text default null,
  p_callback_at timestamptz default null,
  p_hangup_by text default null
) returns public.calls
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true); -- the audit tag of the caller, restored on return
  v_me uuid := (select auth.uid());
  v_now timestamptz := private.now();
  v_call public.calls;
  v_lead public.leads;
  v_campaign public.campaigns;
  v_effect public.disposition_effect;
begin
  perform set_config('crm.via', 'rpc/end_call', true);
  if p_call_id is null then
    raise exception using
      errcode = '22023',
      message = 'p_call_id: required';
  end if;

  v_call := private.lock_call(p_call_id);
  if v_call.agent_id is distinct from v_me
    and not (v_call.campaign_id is not null and private.manages_campaign(v_call.campaign_id))
    and not private.is_admin() then
    raise exception using
      errcode = '42501',
      message = format('p_call_id: call %s is not yours', p_call_id);
  end if;
  if v_call.wrapped_up_at is not null then
    raise exception using
      errcode = 'PT409',
      message = format(
        'p_call_id: call %s was already ended at %s with disposition %s',
        p_call_id, v_call.wrapped_up_at, v_call.disposition
      );
  end if;

  if v_call.campaign_id is not null then
    select c.* into v_campaign from public.campaigns as c where c.id = v_call.campaign_id;
  end if;
  if v_call.lead_id is not null then
    select l.* into v_lead from public.leads as l where l.id = v_call.lead_id for update;
  end if;
  v_effect := private.check_wrap_up(v_call, v_campaign, v_lead, p_disposition, p_callback_at, p_hangup_by, v_now);

  -- The call: ended now if nobody ended it yet (the outcome follows the
  -- disposition when the PBX said nothing), then the agent's wrap-up.
  v_call := private.close_call(
    v_call,
    v_now,
    case
      when v_call.answered_at is not null then 'answered'
      when p_disposition = 'busy' then 'busy'
      when p_disposition = 'no_answer' then 'no_answer'
      when p_disposition = 'call_failed' then 'failed'
      else 'cancelled'
    end,
    p_hangup_by
  );
  update public.calls as c set
    hangup_by = coalesce(c.hangup_by, p_hangup_by),
    disposition = p_disposition,
    notes = coalesce(p_notes, c.notes),
    wrapped_up_at = v_now
  where c.id = v_call.id and c.started_at = v_call.started_at
  returning c.* into v_call;

  if v_lead.id is not null then
    perform private.advance_lead(v_lead, v_campaign, v_call, v_effect, p_callback_at, p_notes, v_me, v_now);
  end if;

  perform set_config('crm.via', coalesce(v_via, ''), true);
  return v_call;
end;
$$;

-- rpc/hangup_call: the calling agent's call p_call_id ended now with
-- p_outcome (answered, busy, no_answer, failed, congestion, cancelled);
-- p_hangup_by (agent, lead, system) says who ended it, if known. An answered
-- outcome needs a call marked confirmed (answered_at), any other outcome one
-- that was not. Reporting the same end again returns the call; another end
-- of an ended call is PT409. Returns the call.
create or replace function public.hangup_call(p_call_id uuid, p_outcome text, p_hangup_by text default null)
returns public.calls
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true); -- the audit tag of the caller, restored on return
  v_me uuid := (select auth.uid());
  v_call public.calls;
begin
  perform set_config('crm.via', 'rpc/hangup_call', true);
  if p_call_id is null then
    raise exception using
      errcode = '22023',
      message = 'p_call_id: required';
  end if;
  if p_outcome is null then
    raise exception using
      errcode = '22023',
      message = 'p_outcome: required';
  end if;
  if p_outcome not in ('answered', 'busy', 'no_answer', 'failed', 'congestion', 'cancelled') then
    raise exception using
      errcode = '22023',
      message = format(
        'p_outcome: %L is not answered, busy, no_answer, failed, congestion or cancelled', p_outcome
      );
  end if;
  if p_hangup_by is not null and p_hangup_by not in ('agent', 'lead', 'system') then
    raise exception using
      errcode = '22023',
      message = format('p_hangup_by: %L is not agent, lead or system', p_hangup_by);
  end if;

  v_call := private.lock_call(p_call_id);
  -- Only the phone that placed the call knows how it ended.
  if v_me is null or v_call.agent_id is distinct from v_me then
    raise exception using
      errcode = '42501',
      message = format('p_call_id: call %s is not yours', p_call_id);
  end if;

  if v_call.status = 'ended' then
    if v_call.outcome = p_outcome and (p_hangup_by is null or p_hangup_by = v_call.hangup_by) then
      perform set_config('crm.via', coalesce(v_via, ''), true);
      return v_call; -- the same end reported again: nothing to do
    end if;
    raise exception using
      errcode = 'PT409',
      message = format(
        'p_call_id: call %s already ended at %s with outcome %s', p_call_id, v_call.ended_at, v_call.outcome
      );
  end if;
  if p_outcome = 'answered' and v_call.answered_at is null then
    raise exception using
      errcode = '22023',
      message = format('p_outcome: call %s was never answered (status %s)', p_call_id, v_call.status),
      hint = 'Mark the call confirmed when it is answered, before reporting the hang-up.';
  end if;
  if p_outcome <> 'answered' and v_call.answered_at is not null then
    raise exception using
      errcode = '22023',
      message = format('p_outcome: call %s was answered; its outcome is answered, not %s', p_call_id, p_outcome);
  end if;

  v_call := private.close_call(v_call, private.now(), p_outcome, p_hangup_by);

  perform set_config('crm.via', coalesce(v_via, ''), true);
  return v_call;
end;
$$;
