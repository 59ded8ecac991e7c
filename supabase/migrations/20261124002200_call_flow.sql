-- The call flow: rpc/start_call and rpc/end_call.
--
-- start_call records the agent's dial (status calling) after checking the
-- rules a regulator would: the number is not on the do-not-call list, it is
-- inside the campaign's calling hours in the lead's time zone, and the lead
-- has attempts left. It counts the attempt and marks the lead in_call.
-- end_call closes the call with the agent's disposition and moves the lead
-- on: retried after the campaign's retry delay (or exhausted), called back at
-- the agreed time, won, lost, invalid, or on the do-not-call list. The
-- webphone puts the returned call id in its INVITE so the AMI bridge updates
-- the same row. Errors: supabase/ERRORS.md.

-- ============================================================================
-- Section - Helpers
-- ============================================================================

-- Whole seconds between two instants (null if either is null).
create function private.seconds_between(p_from timestamptz, p_to timestamptz) returns integer
language sql
immutable
set search_path = ''
as $$
  select round(extract(epoch from (p_to - p_from)))::integer
$$;
revoke execute on function private.seconds_between(timestamptz, timestamptz) from public;
grant execute on function private.seconds_between(timestamptz, timestamptz) to authenticated, service_role;

-- "09:00-21:00 on days 1,2,3,4,5", for error messages.
create function private.describe_calling_hours(p_campaign public.campaigns) returns text
language sql
immutable
set search_path = ''
as $$
  select format(
    '%s-%s on ISO days %s',
    to_char(p_campaign.calling_hours_start, 'HH24:MI'),
    to_char(p_campaign.calling_hours_end, 'HH24:MI'),
    array_to_string(p_campaign.calling_days, ',')
  )
$$;
revoke execute on function private.describe_calling_hours(public.campaigns) from public;
grant execute on function private.describe_calling_hours(public.campaigns) to authenticated, service_role;

-- ============================================================================
-- Section - Public functions
-- ============================================================================

-- rpc/start_call: the calling agent dials their lead p_lead_id, on its main
-- number or on p_phone_number (one of its alternates). Returns the new call.
create function public.start_call(
  p_lead_id uuid, p_phone_number text default null, p_source text default 'webphone'
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
  v_lead public.leads;
  v_campaign public.campaigns;
  v_phone text;
  v_open_call uuid;
  v_call public.calls;
begin
  perform set_config('crm.via', 'rpc/start_call', true);
  if p_lead_id is null then
    raise exception using
      errcode = '22023',
      message = 'p_lead_id: required';
  end if;
  if p_source is null or p_source not in ('webphone', 'pbx') then
    raise exception using
      errcode = '22023',
      message = format('p_source: %L is not webphone or pbx', p_source);
  end if;

  select l.* into v_lead from public.leads as l where l.id = p_lead_id for update;
  if not found then
    raise exception using
      errcode = 'PT404',
      message = format('p_lead_id: no lead %s', p_lead_id);
  end if;
  if v_lead.owner_id is distinct from v_me then
    raise exception using
      errcode = '42501',
      message = format('p_lead_id: lead %s is not yours', p_lead_id);
  end if;
  v_campaign := private.require_agent_campaign(v_lead.campaign_id, 'p_lead_id');

  v_phone := coalesce(p_phone_number, v_lead.phone);
  if not private.is_e164(v_phone) then
    raise exception using
      errcode = '22023',
      message = format('p_phone_number: %L is not a valid E.164 number', v_phone),
      hint = 'Write + then the country code and the number, digits only: +34612345678.';
  end if;
  if v_phone <> v_lead.phone and not v_phone = any(v_lead.alternate_phones) then
    raise exception using
      errcode = '22023',
      message = format('p_phone_number: %s is not one of the numbers of lead %s', v_phone, p_lead_id);
  end if;

  if v_lead.status = 'in_call' then
    select c.id into v_open_call
    from public.calls as c
    where c.lead_id = p_lead_id and c.wrapped_up_at is null
    order by c.started_at desc
    limit 1;
    raise exception using
      errcode = 'PT409',
      message = format('p_lead_id: lead %s already has a call under way (call %s)', p_lead_id, v_open_call),
      hint = 'Close it with rpc/end_call first.';
  end if;
  if v_lead.status = 'do_not_call' or not v_lead.consent_contact then
    raise exception using
      errcode = 'R0001',
      message = format('p_lead_id: lead %s asked not to be called', p_lead_id);
  end if;
  if private.is_do_not_call(v_phone, v_lead.campaign_id) then
    raise exception using
      errcode = 'R0001',
      message = format('p_phone_number: %s is on the do-not-call list', v_phone);
  end if;
  if v_lead.status = 'exhausted' or v_lead.attempts >= v_campaign.max_attempts then
    raise exception using
      errcode = 'R0003',
      message = format(
        'p_lead_id: lead %s has used all %s attempts of campaign %s',
        p_lead_id, v_campaign.max_attempts, v_campaign.name
      );
  end if;
  if not private.in_calling_hours(
    v_now, v_lead.time_zone, v_campaign.calling_hours_start, v_campaign.calling_hours_end,
    v_campaign.calling_days
  ) then
    raise exception using
      errcode = 'R0002',
      message = format(
        'p_lead_id: it is %s in %s, outside the calling hours of campaign %s (%s)',
        to_char(v_now at time zone v_lead.time_zone, 'FMDay HH24:MI'), v_lead.time_zone, v_campaign.name,
        private.describe_calling_hours(v_campaign)
      );
  end if;

  insert into public.calls (
    started_at, lead_id, campaign_id, agent_id, direction, phone_number, source, status,
    recording_consent
  ) values (
    v_now, p_lead_id, v_lead.campaign_id, v_me, 'outbound', v_phone, p_source, 'calling',
    v_lead.consent_recording
  )
  returning * into v_call;

  update public.leads as l set
    status = 'in_call',
    attempts = l.attempts + 1,
    last_called_at = v_now
  where l.id = p_lead_id;


  perform set_config('crm.via', coalesce(v_via, ''), true);
  return v_call;
end;
$$;
comment on function public.start_call(uuid, text, text) is
'Dial a lead of the calling agent: refuses the do-not-call list, calls outside calling hours, spent attempts.';
revoke execute on function public.start_call(uuid, text, text) from public, anon;
grant execute on function public.start_call(uuid, text, text) to authenticated, service_role;

-- rpc/end_call: closes call p_call_id with the agent's disposition, notes
-- and, for a callback, the agreed time p_callback_at; p_hangup_by says who
-- hung up if the PBX has not. Times and outcome the PBX already reported are
-- kept. The caller is the call's agent, or a supervisor of its campaign (to
-- release a call the agent left open), or an admin. Ending twice is an error.
create function public.end_call(
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
  v_ended_at timestamptz;
  v_status public.lead_status;
  v_next_call_at timestamptz;
begin
  perform set_config('crm.via', 'rpc/end_call', true);
  if p_call_id is null then
    raise exception using
      errcode = '22023',
      message = 'p_call_id: required';
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
  if v_call.campaign_id is not null then
    select c.* into v_campaign from public.campaigns as c where c.id = v_call.campaign_id;
    if not p_disposition = any(v_campaign.allowed_dispositions) then
      raise exception using
        errcode = '22023',
        message = format('p_disposition: %L is not allowed in campaign %s', p_disposition, v_campaign.name);
    end if;
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

  if v_call.lead_id is not null then
    select l.* into v_lead from public.leads as l where l.id = v_call.lead_id for update;
  end if;

  if v_effect = 'callback' then
    if v_lead.id is null or v_campaign.id is null then
      raise exception using
        errcode = '22023',
        message = 'p_disposition: a call without lead or campaign cannot schedule a callback';
    end if;
    if p_callback_at is null then
      raise exception using
        errcode = '22023',
        message = format('p_callback_at: required with disposition %L', p_disposition);
    end if;
    if p_callback_at <= v_now then
      raise exception using
        errcode = '22023',
        message = format('p_callback_at: %s is not in the future', p_callback_at);
    end if;
    if not private.in_calling_hours(
      p_callback_at, v_lead.time_zone, v_campaign.calling_hours_start, v_campaign.calling_hours_end,
      v_campaign.calling_days
    ) then
      raise exception using
        errcode = 'R0002',
        message = format(
          'p_callback_at: %s in %s is outside the calling hours of campaign %s (%s)',
          to_char(p_callback_at at time zone v_lead.time_zone, 'FMDay YYYY-MM-DD HH24:MI'), v_lead.time_zone,
          v_campaign.name, private.describe_calling_hours(v_campaign)
        );
    end if;
    if v_lead.attempts >= v_campaign.max_attempts then
      raise exception using
        errcode = 'R0003',
        message = format(
          'p_callback_at: lead %s has used all %s attempts of campaign %s; no callback can be scheduled',
          v_lead.id, v_campaign.max_attempts, v_campaign.name
        );
    end if;
  end if;

  -- The call. What the PBX reported wins; the rest is derived now.
  v_ended_at := coalesce(v_call.ended_at, greatest(v_now, v_call.started_at, v_call.answered_at));
  update public.calls as c set
    status = 'ended',
    ended_at = v_ended_at,
    outcome = coalesce(c.outcome, case
      when c.answered_at is not null then 'answered'
      when p_disposition = 'busy' then 'busy'
      when p_disposition = 'no_answer' then 'no_answer'
      when p_disposition = 'call_failed' then 'failed'
      else 'cancelled'
    end),
    duration_seconds = coalesce(c.duration_seconds, private.seconds_between(c.started_at, v_ended_at)),
    talk_seconds = coalesce(c.talk_seconds, coalesce(private.seconds_between(c.answered_at, v_ended_at), 0)),
    ring_seconds = coalesce(
      c.ring_seconds, private.seconds_between(c.started_at, coalesce(c.answered_at, v_ended_at))
    ),
    hangup_by = coalesce(c.hangup_by, p_hangup_by),
    disposition = p_disposition,
    notes = coalesce(p_notes, c.notes),
    wrapped_up_at = v_now
  where c.id = v_call.id and c.started_at = v_call.started_at
  returning c.* into v_call;

  if v_lead.id is null then
    perform set_config('crm.via', coalesce(v_via, ''), true);
    return v_call;
  end if;

  -- The lead's pending callback is honoured by this call if it was due, and
  -- superseded otherwise.
  update public.callbacks as cb set
    status = case when cb.due_at <= v_now then 'done'::public.callback_status else 'cancelled' end,
    completed_at = v_now,
    completed_call_id = case when cb.due_at <= v_now then v_call.id end
  where cb.lead_id = v_lead.id and cb.status = 'pending';

  v_status := case v_effect
    when 'retry' then
      case
        when v_lead.attempts >= v_campaign.max_attempts then 'exhausted'::public.lead_status
        else 'retry'::public.lead_status
      end
    when 'callback' then 'callback'
    when 'sale' then 'won'
    when 'closed' then 'lost'
    when 'invalid' then 'invalid'
    else 'do_not_call'
  end;
  v_next_call_at := case
    when v_status = 'retry' then
      v_now + v_campaign.retry_delays[least(greatest(v_lead.attempts, 1), cardinality(v_campaign.retry_delays))]
    when v_status = 'callback' then p_callback_at
  end;

  update public.leads as l set
    status = v_status,
    next_call_at = v_next_call_at
  where l.id = v_lead.id;

  if v_effect = 'callback' then
    insert into public.callbacks (lead_id, campaign_id, agent_id, due_at, notes, call_id, created_by)
    values (
      v_lead.id, v_lead.campaign_id, coalesce(v_call.agent_id, v_lead.owner_id), p_callback_at,
      coalesce(p_notes, ''), v_call.id, v_me
    );
  elsif v_effect = 'do_not_call' then
    insert into public.do_not_call (phone, campaign_id, source, reason, added_by)
    values (v_call.phone_number, null, 'lead_request', format('Asked during call %s', v_call.id), v_me)
    on conflict (phone, campaign_id) do nothing;
  end if;


  perform set_config('crm.via', coalesce(v_via, ''), true);
  return v_call;
end;
$$;
comment on function public.end_call(uuid, text, text, timestamptz, text) is
'Close a call with a disposition; moves the lead on (retry, callback, won, lost, invalid, do not call).';
revoke execute on function public.end_call(uuid, text, text, timestamptz, text) from public, anon;
grant execute on function public.end_call(uuid, text, text, timestamptz, text) to authenticated, service_role;
