-- The originate queue on the workers' lease protocol (workers/README.md).
--
-- public.originate_requests is a queue like the others: the AMI bridge
-- claims queued requests (private.originate_claim), sends each to Asterisk
-- once, and writes the result back (private.originate_finish). What makes it
-- different is that a request is never handed out twice: a second Originate
-- would ring the agent's phone again. So a claim has no heartbeat
-- (renew) and is never given back to the queue: a request whose claim
-- outlived its bridge (crashed, or lost Asterisk before the answer) is
-- failed, by that bridge when it comes back under the same worker name
-- (private.originate_release) or by any bridge once it is stale. A request
-- that failed, expired or was abandoned never reached the PBX, so its call
-- row gets no PBX events: it is closed here as failed
-- (private.close_unplaced_call), and the agent wraps it up as usual.
--
-- Replaces the SQL the bridge built in Python (PICK_ORIGINATES_SQL,
-- FINISH_ORIGINATE_SQL, FAIL_STALE_ORIGINATES_SQL, CLOSE_ORIGINATE_CALLS_SQL).

-- ============================================================================
-- Section - Originate requests
-- ============================================================================

alter table public.originate_requests add column worker text;
comment on column public.originate_requests.worker is 'The AMI bridge that sent it (set while sent).';

-- ============================================================================
-- Section - Worker functions
-- ============================================================================

-- The call row of an originate that never reached the PBX: ended as failed,
-- unless the PBX has mirrored it meanwhile (then its own view stands).
create function private.close_unplaced_call(p_call_id uuid) returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_call public.calls;
begin
  if p_call_id is null then
    return;
  end if;
  v_call := private.lock_call(p_call_id, p_missing_ok => true);
  if v_call.id is not null and v_call.pbx_linkedid is null then
    perform private.close_call(v_call, private.now(), 'failed', 'system');
  end if;
end;
$$;
comment on function private.close_unplaced_call(uuid) is
'Close, as failed, the call of an originate that never reached the PBX (no PBX events will).';
revoke execute on function private.close_unplaced_call(uuid) from public;

-- The AMI bridge p_worker claims up to p_limit queued requests, oldest
-- first. Each comes back with its action: originate (now sent, held by
-- p_worker), or expired (queued longer than p_max_age_seconds: the agent has
-- given up; failed without ringing). Requests sent more than
-- p_stale_seconds ago without a result (their bridge died) are failed
-- first and come back as abandoned. Closes the calls of the ones that fail.
create function private.originate_claim(
  p_worker text,
  p_limit integer default 10,
  p_max_age_seconds double precision default 60,
  p_stale_seconds double precision default 150
) returns table (
  id uuid, call_id uuid, phone text, agent_extension text, created_at timestamptz, action text
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_request record;
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception using errcode = '22023', message = 'p_worker: required';
  end if;
  if p_limit is null or p_limit < 1 then
    raise exception using errcode = '22023', message = format('p_limit: %s is not a positive number', p_limit);
  end if;

  for v_request in
    update public.originate_requests as r set
      status = 'failed',
      result_text = 'no result: the bridge stopped or lost Asterisk while the originate was under way',
      finished_at = v_now,
      worker = null
    where r.status = 'sent' and r.sent_at < v_now - make_interval(secs => p_stale_seconds)
    returning r.id, r.call_id, r.phone::text as phone, r.agent_extension, r.created_at, 'abandoned' as action
  loop
    perform private.close_unplaced_call(v_request.call_id);
    id := v_request.id;
    call_id := v_request.call_id;
    phone := v_request.phone;
    agent_extension := v_request.agent_extension;
    created_at := v_request.created_at;
    action := v_request.action;
    return next;
  end loop;

  for v_request in
    with due as (
      select
        r.id,
        r.created_at < v_now - make_interval(secs => p_max_age_seconds) as expired
      from public.originate_requests as r
      where r.status = 'queued'
      order by r.created_at
      limit p_limit
      for update skip locked
    )

    update public.originate_requests as r set
      status = case when due.expired then 'expired' else 'sent' end,
      sent_at = case when not due.expired then v_now end,
      finished_at = case when due.expired then v_now end,
      worker = case when not due.expired then p_worker end,
      result_text = case
        when due.expired then 'expired: queued for longer than the bridge may still ring the agent'
      end
    from due
    where r.id = due.id
    returning
      r.id, r.call_id, r.phone::text as phone, r.agent_extension, r.created_at,
      case when due.expired then 'expired' else 'originate' end as action
  loop
    if v_request.action = 'expired' then
      perform private.close_unplaced_call(v_request.call_id);
    end if;
    id := v_request.id;
    call_id := v_request.call_id;
    phone := v_request.phone;
    agent_extension := v_request.agent_extension;
    created_at := v_request.created_at;
    action := v_request.action;
    return next;
  end loop;
end;
$$;
comment on function private.originate_claim(text, integer, double precision, double precision) is
'AMI bridge: claim queued originate requests (originate or expired), failing stale ones (abandoned).';
revoke execute on function private.originate_claim(text, integer, double precision, double precision) from public;
grant execute on function private.originate_claim(text, integer, double precision, double precision) to crm_ami_bridge;

-- The result of request p_id, sent by p_worker: answered (the agent picked
-- up, the lead is being dialled) or failed, with Asterisk's reason and
-- channel. A failed request's call is closed. False when the request is not
-- p_worker's to finish (already finished, or failed as abandoned).
create function private.originate_finish(
  p_id uuid,
  p_worker text,
  p_status text,
  p_reason integer default null,
  p_text text default null,
  p_channel text default null,
  p_uniqueid text default null
) returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_call_id uuid;
begin
  if p_status is null or p_status not in ('answered', 'failed') then
    raise exception using
      errcode = '22023',
      message = format('p_status: %L is not answered or failed', p_status);
  end if;
  update public.originate_requests as r set
    status = p_status,
    result_reason = p_reason,
    result_text = p_text,
    pbx_channel = p_channel,
    pbx_uniqueid = p_uniqueid,
    finished_at = private.now(),
    worker = null
  where r.id = p_id and r.worker = p_worker and r.status = 'sent'
  returning r.call_id into v_call_id;
  if not found then
    return false;
  end if;
  if p_status = 'failed' then
    perform private.close_unplaced_call(v_call_id);
  end if;
  return true;
end;
$$;
comment on function private.originate_finish(uuid, text, text, integer, text, text, text) is
'AMI bridge: write an originate''s result (answered or failed; a failed one''s call is closed).';
revoke execute on function private.originate_finish(uuid, text, text, integer, text, text, text) from public;
grant execute on function private.originate_finish(uuid, text, text, integer, text, text, text) to crm_ami_bridge;

-- Every request p_worker sent and never finished (it restarted, or lost
-- its connection before the results): failed, not queued again, since
-- Asterisk may have rung the agent already. Returns how many.
create function private.originate_release(p_worker text) returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_call_id uuid;
  v_released integer := 0;
begin
  for v_call_id in
    update public.originate_requests as r set
      status = 'failed',
      result_text = 'no result: the bridge restarted while the originate was under way; not retried',
      finished_at = private.now(),
      worker = null
    where r.status = 'sent' and r.worker = p_worker
    returning r.call_id
  loop
    perform private.close_unplaced_call(v_call_id);
    v_released := v_released + 1;
  end loop;
  return v_released;
end;
$$;
comment on function private.originate_release(text) is
'AMI bridge: fail (never requeue) the originates this bridge sent and never finished; returns how many.';
revoke execute on function private.originate_release(text) from public;
grant execute on function private.originate_release(text) to crm_ami_bridge;
