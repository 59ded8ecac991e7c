-- The hang-up: rpc/hangup_call.
--
-- The webphone reports the end of a call the moment SIP ends it (BYE,
-- CANCEL, a final error), before the agent fills in the wrap-up: the call is
-- ended then, with the outcome the phone saw, who hung up, and its ring,
-- talk and total durations, so talk time never includes the wrap-up. The
-- lead stays in_call, and the agent in wrap-up, until rpc/end_call adds the
-- disposition; end_call keeps the times, outcome and hangup_by set here (it
-- fills only what is still null), so it needs no change.
--
-- Reporting the same end twice (a retried request) is a no-op that returns
-- the call; a call that already ended otherwise (the PBX or an earlier
-- report said something else) is PT409: the first word stands.
-- Errors: supabase/ERRORS.md.

-- ============================================================================
-- Section - Public functions
-- ============================================================================

-- rpc/hangup_call: the calling agent's call p_call_id ended now with
-- p_outcome (answered, busy, no_answer, failed, congestion, cancelled);
-- p_hangup_by (agent, lead, system) says who ended it, if known. An answered
-- outcome needs a call marked confirmed (answered_at), any other outcome one
-- that was not. Returns the call.
create function public.hangup_call(p_call_id uuid, p_outcome text, p_hangup_by text default null)
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
  v_ended_at timestamptz;
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

  select c.* into v_call
  from private.call_index as ci
  inner join public.calls as c on ci.call_id = c.id and ci.started_at = c.started_at
  where ci.call_id = p_call_id
  for update of c;
  if not found then
    raise exception using
      errcode = 'PT404',
      message = format('p_call_id: no call %s', p_call_id);
  end if;
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

  v_ended_at := greatest(private.now(), v_call.started_at, v_call.answered_at);
  update public.calls as c set
    status = 'ended',
    outcome = p_outcome,
    ended_at = v_ended_at,
    ring_seconds = private.seconds_between(c.started_at, coalesce(c.answered_at, v_ended_at)),
    talk_seconds = coalesce(private.seconds_between(c.answered_at, v_ended_at), 0),
    duration_seconds = private.seconds_between(c.started_at, v_ended_at),
    hangup_by = p_hangup_by
  where c.id = v_call.id and c.started_at = v_call.started_at
  returning c.* into v_call;

  perform set_config('crm.via', coalesce(v_via, ''), true);
  return v_call;
end;
$$;
comment on function public.hangup_call(uuid, text, text) is
'The calling agent''s call ended now, as the webphone saw it: outcome, who hung up, durations; before the wrap-up.';
-- Signed-in agents only: the PBX (service role) writes its own view of the call directly.
revoke execute on function public.hangup_call(uuid, text, text) from public, anon;
grant execute on function public.hangup_call(uuid, text, text) to authenticated;
