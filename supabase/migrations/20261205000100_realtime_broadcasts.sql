-- The live floor and the agent's desk by Broadcast from the database (issue 14).
--
-- Row triggers hand each change to Supabase Realtime (realtime.broadcast_changes
-- and realtime.send, provided by the platform) on private topics; the RLS
-- policies of realtime.messages (20261205000101_realtime_channel_policies.sql)
-- decide who may join them. docs/interface.md, "Realtime topics", lists the
-- topics, their events and payloads.
--
-- - floor:<campaign_id>: every insert, update and delete of public.calls (its
--   campaign) and of public.agent_states (every campaign the agent works as
--   an agent), as {schema, table, operation, record, old_record}. An update
--   that changes nothing but updated_at (a state published again) is not
--   sent: the floor shows the state and since, never updated_at, and 500
--   agents confirming their state would otherwise be 500 messages for
--   nothing; whoever needs "last seen" reads presence.
-- - agent:<user_id>: lead_assigned {lead_id, campaign_id, assigned_by} when
--   someone else makes the agent a lead's owner (rpc/assign_lead, an update
--   of owner_id; not rpc/next_lead, where the agent takes it, nor a lead
--   inserted with an owner, as an import would do by the thousand: the
--   desk's own list shows those), and sale_decided {sale_id, lead_id, status,
--   reason} when one of the agent's sales is validated or rejected.
--
-- The trigger functions are security definer (owned by postgres, which
-- bypasses RLS, as Supabase's own examples do) so that every writer, whatever
-- its role, broadcasts. realtime.send() only logs a failure (a warning): a
-- broadcast never undoes the write that caused it.

-- ============================================================================
-- Section - The live floor
-- ============================================================================

-- An agent's state, to the floor of every campaign the agent works.
create function private.broadcast_agent_state() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_campaign_id uuid;
begin
  for v_campaign_id in
    select cm.campaign_id
    from public.campaign_members as cm
    where cm.user_id = coalesce(new.agent_id, old.agent_id) and cm.member_role = 'agent'
  loop
    perform realtime.broadcast_changes(
      'floor:' || v_campaign_id, tg_op, tg_op, tg_table_name, tg_table_schema, new, old
    );
  end loop;
  return null;
end;
$$;
comment on function private.broadcast_agent_state() is
'Trigger: an agent state change goes to floor:<campaign_id> of each campaign the agent works.';
revoke execute on function private.broadcast_agent_state() from public;

create trigger agent_states_broadcast
after insert or delete on public.agent_states
for each row execute function private.broadcast_agent_state();

-- Updates that change more than updated_at: the when clause skips the others
-- without calling the function at all.
create trigger agent_states_broadcast_update
after update on public.agent_states
for each row
when (to_jsonb(new) - 'updated_at' is distinct from to_jsonb(old) - 'updated_at')
execute function private.broadcast_agent_state();

-- A call, to its campaign's floor (and, if it changed campaign, the old one's).
-- Named public.calls: the trigger fires on the partition (private.calls_pYYYYMM).
create function private.broadcast_call() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op <> 'DELETE' and new.campaign_id is not null then
    perform realtime.broadcast_changes('floor:' || new.campaign_id, tg_op, tg_op, 'calls', 'public', new, old);
  end if;
  if tg_op = 'DELETE' and old.campaign_id is not null
    or tg_op = 'UPDATE' and old.campaign_id is distinct from new.campaign_id and old.campaign_id is not null then
    perform realtime.broadcast_changes('floor:' || old.campaign_id, tg_op, tg_op, 'calls', 'public', new, old);
  end if;
  return null;
end;
$$;
comment on function private.broadcast_call() is
'Trigger: a call change goes to floor:<campaign_id> of its campaign.';
revoke execute on function private.broadcast_call() from public;

create trigger calls_broadcast
after insert or delete on public.calls
for each row execute function private.broadcast_call();

create trigger calls_broadcast_update
after update on public.calls
for each row
when (to_jsonb(new) - 'updated_at' is distinct from to_jsonb(old) - 'updated_at')
execute function private.broadcast_call();

-- ============================================================================
-- Section - The agent's desk
-- ============================================================================

-- A lead assigned to an agent by someone else (the trigger's when clause
-- leaves only real changes of owner to a user).
create function private.notify_lead_assigned() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_by uuid := (select auth.uid());
begin
  if new.owner_id is distinct from v_by then
    perform realtime.send(
      jsonb_build_object('lead_id', new.id, 'campaign_id', new.campaign_id, 'assigned_by', v_by),
      'lead_assigned', 'agent:' || new.owner_id, true
    );
  end if;
  return null;
end;
$$;
comment on function private.notify_lead_assigned() is
'Trigger: lead_assigned to agent:<owner_id> when someone else makes them the lead''s owner.';
revoke execute on function private.notify_lead_assigned() from public;

create trigger leads_notify_assigned
after update of owner_id on public.leads
for each row
when (new.owner_id is not null and new.owner_id is distinct from old.owner_id)
execute function private.notify_lead_assigned();

-- A sale validated or rejected, to its agent.
create function private.notify_sale_decided() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform realtime.send(
    jsonb_build_object(
      'sale_id', new.id, 'lead_id', new.lead_id, 'status', new.status, 'reason', new.status_reason
    ),
    'sale_decided', 'agent:' || new.agent_id, true
  );
  return null;
end;
$$;
comment on function private.notify_sale_decided() is
'Trigger: sale_decided to agent:<agent_id> when the sale becomes validated or rejected.';
revoke execute on function private.notify_sale_decided() from public;

create trigger sales_notify_decided
after update of status on public.sales
for each row
when (new.status is distinct from old.status and new.status in ('validated', 'rejected'))
execute function private.notify_sale_decided();
