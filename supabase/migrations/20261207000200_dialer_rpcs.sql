-- The dialer's RPCs (issue 16): agents join and leave the dialer and hang up
-- a dialer call; supervisors pause it, switch a campaign's mode and read the
-- compliance ledger.
--
-- The worker hears about the changes on channel `dialer` (LISTEN): JSON
-- {"kind": "session", "id"}, {"kind": "hangup", "attempt_id", "call_id"},
-- {"kind": "campaign", "campaign_id"}. Errors: supabase/ERRORS.md.

-- ============================================================================
-- Section - The ledger
-- ============================================================================

-- The abandon rate the rules define, over the attempts of p_campaign_id
-- placed in [p_from, p_to): live answers (HUMAN, NOTSURE, or AMD off),
-- abandoned ones, machine verdicts, and the estimate of machine verdicts
-- that were people (machine * p_fp_rate), which Ofcom counts as abandoned
-- live answers: rate = (abandoned + fp) / (live answers + fp), null
-- without answers.
create function private.dialer_ledger(
  p_campaign_id uuid, p_from timestamptz, p_to timestamptz, p_fp_rate numeric
) returns jsonb
language sql
stable
set search_path = ''
as $$
  select jsonb_build_object(
    'live_answers', t.live_answers,
    'abandoned', t.abandoned,
    'machine', t.machine,
    'machine_false_positive_estimate', t.machine * coalesce(p_fp_rate, 0),
    'rate', round(
      (t.abandoned + t.machine * coalesce(p_fp_rate, 0))
      / nullif(t.live_answers + t.machine * coalesce(p_fp_rate, 0), 0),
      6
    )
  )
  from (
    select
      count(*) filter (where a.live_answer) as live_answers,
      count(*) filter (where a.status = 'abandoned') as abandoned,
      count(*) filter (where a.status = 'machine') as machine
    from public.dialer_attempts as a
    where a.campaign_id = p_campaign_id and a.placed_at >= p_from and a.placed_at < p_to
  ) as t
$$;
comment on function private.dialer_ledger(uuid, timestamptz, timestamptz, numeric) is
'The compliance ledger over a window: live answers, abandoned, machine, the AMD false-positive estimate, the rate.';
revoke execute on function private.dialer_ledger(uuid, timestamptz, timestamptz, numeric) from public;

-- The ledger of campaign p_campaign for today (in the campaign's time
-- zone), the last 24 hours and the last 30 days, as of p_now.
create function private.dialer_ledger_windows(p_campaign public.campaigns, p_now timestamptz) returns jsonb
language sql
stable
set search_path = ''
as $$
  select jsonb_build_object(
    'today', private.dialer_ledger(
      p_campaign.id,
      date_trunc('day', p_now at time zone p_campaign.default_time_zone) at time zone p_campaign.default_time_zone,
      p_now + interval '1 microsecond',
      p_campaign.amd_false_positive_rate
    ),
    'h24', private.dialer_ledger(
      p_campaign.id, p_now - interval '24 hours', p_now + interval '1 microsecond',
      p_campaign.amd_false_positive_rate
    ),
    'd30', private.dialer_ledger(
      p_campaign.id, p_now - interval '30 days', p_now + interval '1 microsecond',
      p_campaign.amd_false_positive_rate
    )
  )
$$;
comment on function private.dialer_ledger_windows(public.campaigns, timestamptz) is
'The compliance ledger of a campaign: today (its time zone), 24 h and 30 days.';
revoke execute on function private.dialer_ledger_windows(public.campaigns, timestamptz) from public;

-- ============================================================================
-- Section - Agents
-- ============================================================================

-- rpc/dialer_join: the calling agent asks the dialer of p_campaign_id for a
-- nailed-up session (the PBX calls their phone, which answers by itself).
-- Idempotent: an open session of the same campaign is returned as it is;
-- one of another campaign is ended first (the agent moved).
create function public.dialer_join(p_campaign_id uuid) returns public.dialer_sessions
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_me uuid := (select auth.uid());
  v_now timestamptz := private.now();
  v_campaign public.campaigns;
  v_extension text;
  v_session public.dialer_sessions;
begin
  if p_campaign_id is null then
    raise exception using errcode = '22023', message = 'p_campaign_id: required';
  end if;
  if v_me is null or not private.is_campaign_agent(p_campaign_id, v_me) then
    raise exception using
      errcode = '42501',
      message = 'p_campaign_id: you are not an agent of this campaign';
  end if;
  select c.* into v_campaign from public.campaigns as c where c.id = p_campaign_id;
  if v_campaign.status <> 'active' then
    raise exception using
      errcode = '22023',
      message = format('p_campaign_id: campaign %s is %s, not active', v_campaign.name, v_campaign.status);
  end if;
  if v_campaign.dial_mode = 'preview' then
    raise exception using
      errcode = '22023',
      message = format('p_campaign_id: campaign %s dials in preview mode; the dialer does not run it', v_campaign.name);
  end if;
  select p.sip_extension into v_extension from public.profiles as p where p.id = v_me;
  if v_extension is null then
    raise exception using
      errcode = '22023',
      message = 'sip_extension: you have no SIP extension; the dialer cannot call your phone',
      hint = 'An admin gives you one in Users.';
  end if;

  select s.* into v_session
  from public.dialer_sessions as s
  where s.agent_id = v_me and s.status <> 'ended'
  for update;
  if found and v_session.campaign_id = p_campaign_id then
    return v_session;
  end if;
  if found then
    update public.dialer_sessions as s set
      status = 'ended', ended_at = v_now, end_reason = 'agent_moved', attempt_id = null, call_id = null,
      lead_id = null
    where s.id = v_session.id;
    perform pg_notify('dialer', jsonb_build_object('kind', 'session', 'id', v_session.id)::text);
  end if;

  insert into public.dialer_sessions (agent_id, campaign_id, status, extension, requested_at)
  values (v_me, p_campaign_id, 'requested', v_extension, v_now)
  returning * into v_session;
  perform pg_notify('dialer', jsonb_build_object('kind', 'session', 'id', v_session.id)::text);
  return v_session;
end;
$$;
comment on function public.dialer_join(uuid) is
'Ask the dialer of a campaign for a nailed-up session to the calling agent''s phone (idempotent).';
revoke execute on function public.dialer_join(uuid) from public, anon;
grant execute on function public.dialer_join(uuid) to authenticated;

-- rpc/dialer_leave: ends the calling agent's open session (the worker hangs
-- up its channel). A call under way is not cut: it keeps running, and the
-- agent wraps it up as usual. Returns the ended session, or null if none.
create function public.dialer_leave() returns public.dialer_sessions
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_me uuid := (select auth.uid());
  v_session public.dialer_sessions;
begin
  if v_me is null then
    raise exception using errcode = '42501', message = 'dialer_leave: sign in first';
  end if;
  update public.dialer_sessions as s set
    status = 'ended', ended_at = private.now(), end_reason = 'agent_left', attempt_id = null, call_id = null,
    lead_id = null
  where s.agent_id = v_me and s.status <> 'ended'
  returning s.* into v_session;
  if found then
    perform pg_notify('dialer', jsonb_build_object('kind', 'session', 'id', v_session.id)::text);
  end if;
  return v_session;
end;
$$;
comment on function public.dialer_leave() is
'End the calling agent''s dialer session (a call under way keeps running).';
revoke execute on function public.dialer_leave() from public, anon;
grant execute on function public.dialer_leave() to authenticated;

-- rpc/dialer_hangup: the agent connected to dialer call p_call_id hangs up
-- the lead (the worker hangs up the lead's channel; the end comes back from
-- the PBX). Only the call's agent while it is connected.
create function public.dialer_hangup(p_call_id uuid) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_me uuid := (select auth.uid());
  v_attempt_id uuid;
begin
  if p_call_id is null then
    raise exception using errcode = '22023', message = 'p_call_id: required';
  end if;
  select a.id into v_attempt_id
  from public.dialer_attempts as a
  where a.call_id = p_call_id and a.status = 'connected' and a.agent_id = v_me;
  if v_me is null or v_attempt_id is null then
    raise exception using
      errcode = '42501',
      message = 'p_call_id: not a dialer call you are connected to';
  end if;
  perform pg_notify(
    'dialer', jsonb_build_object('kind', 'hangup', 'attempt_id', v_attempt_id, 'call_id', p_call_id)::text
  );
end;
$$;
comment on function public.dialer_hangup(uuid) is
'Hang up the lead of the dialer call the calling agent is connected to.';
revoke execute on function public.dialer_hangup(uuid) from public, anon;
grant execute on function public.dialer_hangup(uuid) to authenticated;

-- ============================================================================
-- Section - Supervisors
-- ============================================================================

-- The campaign p_campaign_id if the caller runs it (its supervisors, admins):
-- 42501 otherwise, PT404 for an admin asking for one that does not exist.
create function private.require_dialer_manager(p_campaign_id uuid) returns public.campaigns
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_campaign public.campaigns;
begin
  if p_campaign_id is null then
    raise exception using errcode = '22023', message = 'p_campaign_id: required';
  end if;
  if (select auth.uid()) is null or not private.manages_campaign(p_campaign_id) then
    raise exception using
      errcode = '42501',
      message = 'p_campaign_id: only the campaign''s supervisors and admins run its dialer';
  end if;
  select c.* into v_campaign from public.campaigns as c where c.id = p_campaign_id;
  if not found then
    raise exception using errcode = 'PT404', message = 'p_campaign_id: not found or not yours';
  end if;
  return v_campaign;
end;
$$;
revoke execute on function private.require_dialer_manager(uuid) from public;

-- rpc/dialer_set_paused: pauses (or resumes) the dialer of p_campaign_id:
-- no new calls; calls under way go on.
create function public.dialer_set_paused(p_campaign_id uuid, p_paused boolean)
returns public.dialer_campaign_state
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_state public.dialer_campaign_state;
begin
  perform private.require_dialer_manager(p_campaign_id);
  if p_paused is null then
    raise exception using errcode = '22023', message = 'p_paused: required';
  end if;
  insert into public.dialer_campaign_state as st (campaign_id, paused, paused_by, paused_at, updated_at)
  values (p_campaign_id, p_paused, (select auth.uid()), v_now, v_now)
  on conflict (campaign_id) do update set
    paused = excluded.paused,
    paused_by = excluded.paused_by,
    paused_at = excluded.paused_at,
    updated_at = excluded.updated_at
  returning st.* into v_state;
  perform pg_notify('dialer', jsonb_build_object('kind', 'campaign', 'campaign_id', p_campaign_id)::text);
  return v_state;
end;
$$;
comment on function public.dialer_set_paused(uuid, boolean) is
'Pause or resume the dialer of a campaign (its supervisors, admins).';
revoke execute on function public.dialer_set_paused(uuid, boolean) from public, anon;
grant execute on function public.dialer_set_paused(uuid, boolean) to authenticated;

-- rpc/dialer_set_mode: switches p_campaign_id's dial_mode (preview,
-- progressive, predictive), and nothing else; audited as any campaign change.
create function public.dialer_set_mode(p_campaign_id uuid, p_mode public.dial_mode) returns public.campaigns
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true); -- the audit tag of the caller, restored on return
  v_campaign public.campaigns;
begin
  perform set_config('crm.via', 'rpc/dialer_set_mode', true);
  perform private.require_dialer_manager(p_campaign_id);
  if p_mode is null then
    raise exception using errcode = '22023', message = 'p_mode: required';
  end if;
  update public.campaigns as c set dial_mode = p_mode
  where c.id = p_campaign_id and c.dial_mode is distinct from p_mode;
  select c.* into v_campaign from public.campaigns as c where c.id = p_campaign_id;
  perform pg_notify('dialer', jsonb_build_object('kind', 'campaign', 'campaign_id', p_campaign_id)::text);
  perform set_config('crm.via', coalesce(v_via, ''), true);
  return v_campaign;
end;
$$;
comment on function public.dialer_set_mode(uuid, public.dial_mode) is
'Switch a campaign''s dial mode (its supervisors, admins); only dial_mode changes.';
revoke execute on function public.dialer_set_mode(uuid, public.dial_mode) from public, anon;
grant execute on function public.dialer_set_mode(uuid, public.dial_mode) to authenticated;

-- A campaign the dialer no longer runs (no longer active, or back to
-- preview, by rpc/dialer_set_mode or the campaign editor) ends its agents'
-- sessions (end_reason campaign_stopped): the worker hangs up their
-- channels; a call under way goes on.
create function private.end_dialer_sessions_of_campaign() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  for v_id in
    update public.dialer_sessions as s set
      status = 'ended', ended_at = private.now(), end_reason = 'campaign_stopped', attempt_id = null,
      call_id = null, lead_id = null
    where s.campaign_id = new.id and s.status <> 'ended'
    returning s.id
  loop
    perform pg_notify('dialer', jsonb_build_object('kind', 'session', 'id', v_id)::text);
  end loop;
  return null;
end;
$$;
comment on function private.end_dialer_sessions_of_campaign() is
'Trigger: a campaign the dialer stops running ends its agents'' dialer sessions.';
revoke execute on function private.end_dialer_sessions_of_campaign() from public;

create trigger campaigns_end_dialer_sessions
after update of status, dial_mode on public.campaigns
for each row when (
  (new.status <> 'active' or new.dial_mode = 'preview')
  and old.status = 'active' and old.dial_mode <> 'preview'
)
execute function private.end_dialer_sessions_of_campaign();

-- rpc/dialer_compliance: the compliance ledger of p_campaign_id: target,
-- cap, lockout, and today / 24 h / 30 days (see private.dialer_ledger).
create function public.dialer_compliance(p_campaign_id uuid) returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_campaign public.campaigns;
begin
  v_campaign := private.require_dialer_manager(p_campaign_id);
  return jsonb_build_object(
    'campaign_id', v_campaign.id,
    'target', v_campaign.abandon_target,
    'cap', v_campaign.abandon_cap,
    'lockout_hours', v_campaign.abandon_lockout_hours,
    'amd_false_positive_rate', v_campaign.amd_false_positive_rate
  ) || private.dialer_ledger_windows(v_campaign, private.now());
end;
$$;
comment on function public.dialer_compliance(uuid) is
'The abandon-rate ledger of a campaign: today, 24 h, 30 days against its target and cap.';
revoke execute on function public.dialer_compliance(uuid) from public, anon;
grant execute on function public.dialer_compliance(uuid) to authenticated;
