-- The PBX's view of a call, merged into calls: the AMI bridge's writes as SQL.
--
-- The bridge folds Asterisk's events into one row per call (Linkedid) and
-- hands batches of them to private.mirror_pbx_calls; when it reconnects it
-- closes the calls Asterisk no longer has with
-- private.close_vanished_pbx_calls. The merge rule lives here, beside the
-- other writers of a call, and is covered by pgTAP
-- (supabase/tests/calls/pbx_mirror_test.sql):
--
-- - the row to update is the one with the same id (the CRM's call id when
--   the call carried one, else the id derived from the Linkedid); a row
--   without CRM id updates the CRM's row already mirrored for the same
--   Linkedid rather than creating a second one. When the CRM id becomes
--   known after a row was written under the Linkedid's id (the CRM_CALL_ID
--   VarSet follows Newchannel), that provisional row is merged away;
-- - status never moves backwards (calling < ringing < confirmed < ended);
-- - the PBX is authoritative for times, outcome, durations, hangup,
--   recording and Linkedid: its first word replaces what the webphone or
--   end_call wrote. Later, the version that is at least as far along wins
--   column by column and a null never erases a value; an older version (a
--   replay) only fills gaps;
-- - source never changes; lead, campaign, agent and number are only ever
--   filled in. A call the CRM never started gets a new row (source pbx),
--   linked to a lead whose phone is the call's number (the agent's own lead
--   first, then the one called last) and to the agent whose sip_extension
--   the channel names;
-- - an outbound call without a dialled number cannot be a row (only an
--   inbound call from a withheld number may lack one): it is parked, i.e.
--   returned to the bridge, which writes it once a version carries a number;
-- - a call erased by rpc/erase_lead never gets its number or recording file
--   back from a replay.
--
-- Durations: the bridge sends the instants it observed (when ringing began
-- and ended, when the conversation ended) and private.seconds_between
-- measures them, as it measures every other call's (migration
-- 20261204000100). A row flagged partial was learnt from CoreShowChannels
-- after a restart ("seen alive at" times, not when things happened): the
-- earlier start and answer already stored for its Linkedid are kept, since an
-- instant is only ever observed at or after it happened, and its durations
-- are measured again from them.

-- ============================================================================
-- Section - Helpers
-- ============================================================================

-- A call status's place in calling < ringing < confirmed < ended.
create function private.call_status_rank(p_status text) returns integer
language sql
immutable
set search_path = ''
as $$
  select array_position(array['calling', 'ringing', 'confirmed', 'ended']::text[], p_status)
$$;
revoke execute on function private.call_status_rank(text) from public;

-- The merge rule, on one stored row and the PBX's version of it: the row to
-- store. The PBX's version leads when the PBX has not spoken for this row
-- yet (its first word replaces the webphone's and end_call's guesses), or
-- when it is at least as far along; the leading version's value wins column
-- by column and a null never erases a value. Times stay in order.
create function private.pbx_merge(p_stored public.calls, p_pbx public.calls) returns public.calls
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_leads boolean := p_stored.pbx_linkedid is null
    or private.call_status_rank(p_pbx.status) >= private.call_status_rank(p_stored.status);
  v_row public.calls := p_stored;
begin
  if private.call_status_rank(p_pbx.status) > private.call_status_rank(p_stored.status) then
    v_row.status := p_pbx.status;
  end if;
  if v_leads then
    v_row.started_at := coalesce(p_pbx.started_at, p_stored.started_at);
    v_row.answered_at := coalesce(p_pbx.answered_at, p_stored.answered_at);
    v_row.ended_at := coalesce(p_pbx.ended_at, p_stored.ended_at);
    v_row.outcome := coalesce(p_pbx.outcome, p_stored.outcome);
    v_row.ring_seconds := coalesce(p_pbx.ring_seconds, p_stored.ring_seconds);
    v_row.talk_seconds := coalesce(p_pbx.talk_seconds, p_stored.talk_seconds);
    v_row.duration_seconds := coalesce(p_pbx.duration_seconds, p_stored.duration_seconds);
    v_row.hangup_cause := coalesce(p_pbx.hangup_cause, p_stored.hangup_cause);
    v_row.hangup_cause_text := coalesce(p_pbx.hangup_cause_text, p_stored.hangup_cause_text);
    v_row.hangup_by := coalesce(p_pbx.hangup_by, p_stored.hangup_by);
    v_row.recording_file := coalesce(p_pbx.recording_file, p_stored.recording_file);
  else
    v_row.started_at := coalesce(p_stored.started_at, p_pbx.started_at);
    v_row.answered_at := coalesce(p_stored.answered_at, p_pbx.answered_at);
    v_row.ended_at := coalesce(p_stored.ended_at, p_pbx.ended_at);
    v_row.outcome := coalesce(p_stored.outcome, p_pbx.outcome);
    v_row.ring_seconds := coalesce(p_stored.ring_seconds, p_pbx.ring_seconds);
    v_row.talk_seconds := coalesce(p_stored.talk_seconds, p_pbx.talk_seconds);
    v_row.duration_seconds := coalesce(p_stored.duration_seconds, p_pbx.duration_seconds);
    v_row.hangup_cause := coalesce(p_stored.hangup_cause, p_pbx.hangup_cause);
    v_row.hangup_cause_text := coalesce(p_stored.hangup_cause_text, p_pbx.hangup_cause_text);
    v_row.hangup_by := coalesce(p_stored.hangup_by, p_pbx.hangup_by);
    v_row.recording_file := coalesce(p_stored.recording_file, p_pbx.recording_file);
  end if;
  if v_row.answered_at is not null then
    v_row.answered_at := greatest(v_row.answered_at, v_row.started_at);
  end if;
  if v_row.ended_at is not null then
    v_row.ended_at := greatest(v_row.ended_at, v_row.answered_at, v_row.started_at);
  end if;
  -- Set once: the first Linkedid, the webphone's number, lead, campaign and agent.
  v_row.pbx_linkedid := coalesce(p_stored.pbx_linkedid, p_pbx.pbx_linkedid);
  v_row.phone_number := coalesce(p_stored.phone_number, p_pbx.phone_number);
  v_row.lead_id := coalesce(p_stored.lead_id, p_pbx.lead_id);
  v_row.campaign_id := coalesce(p_stored.campaign_id, p_pbx.campaign_id);
  v_row.agent_id := coalesce(p_stored.agent_id, p_pbx.agent_id);
  -- An erased call (rpc/erase_lead) stays erased: a replay of the PBX's
  -- events never writes the number or the recording's file name back.
  if p_stored.erased_at is not null then
    v_row.phone_number := p_stored.phone_number;
    v_row.recording_file := p_stored.recording_file;
  end if;
  return v_row;
end;
$$;
comment on function private.pbx_merge(public.calls, public.calls) is
'The PBX-wins merge rule: a stored call row and the PBX''s version of it, merged.';
revoke execute on function private.pbx_merge(public.calls, public.calls) from public;

-- ============================================================================
-- Section - The merge
-- ============================================================================

-- Merge a batch of the PBX's call rows (a JSON array of objects, one per
-- Linkedid; keys below) into calls. Returns how many rows were updated,
-- inserted and merged away, and the Linkedids parked for want of a number.
-- One statement: the batch is written whole or not at all.
create function private.mirror_pbx_calls(p_rows jsonb)
returns table (updated integer, inserted integer, merged integer, parked text[])
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_rows is null or jsonb_typeof(p_rows) <> 'array' then
    raise exception using
      errcode = '22023',
      message = format('p_rows: a JSON array of call rows is required, not %s', coalesce(jsonb_typeof(p_rows), 'null'));
  end if;

  return query
  with incoming as (
    select *
    from jsonb_to_recordset(p_rows) as r (
      id uuid, provisional_id uuid, pbx_linkedid text, crm_call_id uuid, source text, direction text,
      phone_number text, agent_extension text, status text, outcome text, started_at timestamptz,
      answered_at timestamptz, ended_at timestamptz, ring_started_at timestamptz,
      ring_ended_at timestamptz, talk_ended_at timestamptz, hangup_cause integer,
      hangup_cause_text text, hangup_by text, recording_file text, partial boolean
    )
  ),

  -- What calls already holds for the Linkedids of partially known rows.
  stored as (
    select
      c.pbx_linkedid,
      min(c.started_at) as started_at,
      min(c.answered_at) as answered_at,
      min(c.ring_seconds) as ring_seconds
    from public.calls as c
    where c.pbx_linkedid = any(array(select i.pbx_linkedid from incoming as i where i.partial))
    group by c.pbx_linkedid
  ),

  -- Start, answer and end: a partial row keeps the earlier observations.
  observed as (
    select
      i.*,
      s.pbx_linkedid is not null as corrected,
      s.ring_seconds as stored_ring_seconds,
      least(i.started_at, s.started_at) as first_started_at,
      case
        when coalesce(i.answered_at, s.answered_at) is not null
          then greatest(least(i.answered_at, s.answered_at), least(i.started_at, s.started_at))
      end as first_answered_at
    from incoming as i
    left join stored as s on i.partial and i.pbx_linkedid = s.pbx_linkedid
  ),

  -- The row as the PBX sees it, durations measured by the one rule.
  measured as (
    select
      o.id, o.provisional_id, o.pbx_linkedid, o.crm_call_id, o.source, o.direction, o.phone_number,
      o.agent_extension, o.status, o.outcome, o.hangup_cause, o.hangup_cause_text, o.hangup_by,
      o.recording_file, t.started_at, t.answered_at, t.ended_at,
      case
        when o.corrected and o.stored_ring_seconds is not null then o.stored_ring_seconds
        when o.corrected and coalesce(t.answered_at, t.ended_at) is not null
          then private.seconds_between(t.started_at, coalesce(t.answered_at, t.ended_at))
        else private.seconds_between(o.ring_started_at, o.ring_ended_at)
      end as ring_seconds,
      case
        when o.status <> 'ended' then null
        when o.corrected then coalesce(private.seconds_between(t.answered_at, t.ended_at), 0)
        else coalesce(private.seconds_between(t.answered_at, o.talk_ended_at), 0)
      end as talk_seconds,
      private.seconds_between(t.started_at, t.ended_at) as duration_seconds
    from observed as o
    cross join lateral (
      select
        case when o.corrected then o.first_started_at else o.started_at end as started_at,
        case when o.corrected then o.first_answered_at else o.answered_at end as answered_at,
        case
          when o.corrected and o.ended_at is not null
            then greatest(o.ended_at, coalesce(o.first_answered_at, o.first_started_at))
          else o.ended_at
        end as ended_at
    ) as t
  ),

  -- The stored row each incoming row updates: without a CRM id, the CRM's
  -- row already mirrored for the same Linkedid first; else the row with the
  -- same id.
  matched as (
    select
      m.*,
      coalesce(by_link.id, by_id.id) as target_id,
      coalesce(by_link.started_at, by_id.started_at) as target_started_at,
      coalesce(by_link.lead_id, by_id.lead_id) as target_lead_id,
      coalesce(by_link.agent_id, by_id.agent_id) as target_agent_id
    from measured as m
    left join private.call_index as ci on m.id = ci.call_id
    left join public.calls as by_id on ci.call_id = by_id.id and ci.started_at = by_id.started_at
    left join lateral (
      select c.id, c.started_at, c.lead_id, c.agent_id
      from public.calls as c
      where m.crm_call_id is null and c.pbx_linkedid = m.pbx_linkedid and c.id <> m.id
      order by c.created_at
      limit 1
    ) as by_link on true
  ),

  -- Agent by extension, lead by number: only for rows that do not have them yet.
  resolved as (
    select
      m.*,
      agent.id as agent_id,
      lead.id as lead_id,
      lead.campaign_id
    from matched as m
    left join lateral (
      select p.id
      from public.profiles as p
      where m.target_agent_id is null and p.sip_extension = m.agent_extension
    ) as agent on true
    left join lateral (
      select l.id, l.campaign_id
      from public.leads as l
      where m.target_lead_id is null and l.phone = m.phone_number
      order by (l.owner_id = agent.id) desc nulls last, l.last_called_at desc nulls last, l.created_at desc
      limit 1
    ) as lead on true
  ),

  -- The row written under the Linkedid's id before the CRM id was known.
  merged_away as (
    delete from public.calls as c
    using resolved as r, private.call_index as ci
    where
      r.crm_call_id is not null
      and ci.call_id = any(array(select r2.provisional_id from resolved as r2 where r2.crm_call_id is not null))
      and ci.call_id = r.provisional_id
      and c.id = ci.call_id
      and c.started_at = ci.started_at
      and c.source = 'pbx'
      and c.wrapped_up_at is null
    returning c.id
  ),

  -- The `= any(array(...))` conditions here and above let the planner probe
  -- the primary key for the batch's few ids: from jsonb_to_recordset's
  -- guess of 100 rows it would otherwise scan every partition of calls.
  -- The merge reads the stored row as c, the target of the UPDATE: under
  -- READ COMMITTED a row changed concurrently (the webphone moving its
  -- status, end_call) is read again and merged in its newest version, never
  -- in a stale copy.
  updated as (
    update public.calls as c set (
      status, started_at, answered_at, ended_at, outcome, ring_seconds, talk_seconds, duration_seconds,
      hangup_cause, hangup_cause_text, hangup_by, recording_file, pbx_linkedid, phone_number, lead_id,
      campaign_id, agent_id
    ) = (
      select
        m.status, m.started_at, m.answered_at, m.ended_at, m.outcome, m.ring_seconds, m.talk_seconds,
        m.duration_seconds, m.hangup_cause, m.hangup_cause_text, m.hangup_by, m.recording_file,
        m.pbx_linkedid, m.phone_number, m.lead_id, m.campaign_id, m.agent_id
      from private.pbx_merge(c, jsonb_populate_record(null::public.calls, to_jsonb(r))) as m
    )
    from resolved as r
    where
      c.id = any(array(select r2.target_id from resolved as r2 where r2.target_id is not null))
      and c.id = r.target_id and c.started_at = r.target_started_at
    returning c.id
  ),

  inserted as (
    insert into public.calls (
      id, started_at, lead_id, campaign_id, agent_id, direction, phone_number, source, status, outcome,
      answered_at, ended_at, ring_seconds, talk_seconds, duration_seconds, hangup_cause, hangup_cause_text,
      hangup_by, pbx_linkedid, recording_file
    )
    select
      r.id, r.started_at, r.lead_id, r.campaign_id, r.agent_id, r.direction, r.phone_number, r.source,
      r.status, r.outcome, r.answered_at, r.ended_at, r.ring_seconds, r.talk_seconds, r.duration_seconds,
      r.hangup_cause, r.hangup_cause_text, r.hangup_by, r.pbx_linkedid, r.recording_file
    from resolved as r
    where r.target_id is null and (r.direction = 'inbound' or r.phone_number is not null)
    returning id
  )

  select
    (select count(*) from updated)::integer,
    (select count(*) from inserted)::integer,
    (select count(*) from merged_away)::integer,
    coalesce(
      (
        select array_agg(r.pbx_linkedid order by r.pbx_linkedid)
        from resolved as r
        where r.target_id is null and r.direction = 'outbound' and r.phone_number is null
      ),
      '{}'
    );
end;
$$;
comment on function private.mirror_pbx_calls(jsonb) is
'AMI bridge: merge a batch of the PBX''s call rows into calls (the PBX-wins rule); counts and parked Linkedids.';
revoke execute on function private.mirror_pbx_calls(jsonb) from public;
grant execute on function private.mirror_pbx_calls(jsonb) to crm_ami_bridge;

-- The calls mirrored from the PBX as still open whose Linkedid is not in
-- p_keep (Asterisk no longer has them and the bridge does not know them:
-- they ended while it was away), closed at p_at, an upper bound of their
-- real end: answered or failed, hung up by the system if never answered.
create function private.close_vanished_pbx_calls(p_keep text[], p_at timestamptz)
returns table (call_id uuid, pbx_linkedid text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_call public.calls;
begin
  if p_keep is null or p_at is null then
    raise exception using
      errcode = '22023',
      message = format('%s: required', case when p_keep is null then 'p_keep' else 'p_at' end);
  end if;
  for v_call in
    select c.*
    from public.calls as c
    where c.status <> 'ended' and c.pbx_linkedid is not null and not (c.pbx_linkedid = any(p_keep))
    order by c.id
    for update of c
  loop
    v_call := private.close_call(
      v_call, p_at,
      case when v_call.answered_at is null then 'failed' else 'answered' end,
      case when v_call.answered_at is null then 'system' end
    );
    call_id := v_call.id;
    pbx_linkedid := v_call.pbx_linkedid;
    return next;
  end loop;
end;
$$;
comment on function private.close_vanished_pbx_calls(text[], timestamptz) is
'AMI bridge: close mirrored open calls Asterisk and the bridge no longer know (ended while it was away).';
revoke execute on function private.close_vanished_pbx_calls(text[], timestamptz) from public;
grant execute on function private.close_vanished_pbx_calls(text[], timestamptz) to crm_ami_bridge;
