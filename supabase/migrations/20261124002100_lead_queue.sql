-- The lead queue: rpc/assign_lead and rpc/next_lead.
--
-- Supervisors assign leads (leads.assign, inside the campaigns they run);
-- agents ask for their next lead. next_lead hands a lead to one agent only,
-- even with many agents asking at once: candidate rows are locked with
-- FOR UPDATE SKIP LOCKED and the lead's owner is set in the same transaction,
-- so a concurrent caller either skips the locked row or, once committed,
-- re-checks it and finds it owned by someone else. Errors: supabase/ERRORS.md.

-- ============================================================================
-- Section - Helpers
-- ============================================================================

-- The campaign p_campaign_id, if the signed-in user works it as an agent and
-- it is active; otherwise the documented error, naming p_field.
create function private.require_agent_campaign(p_campaign_id uuid, p_field text) returns public.campaigns
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_campaign public.campaigns;
begin
  select c.* into v_campaign from public.campaigns as c where c.id = p_campaign_id;
  if not found then
    raise exception using
      errcode = 'PT404',
      message = format('%s: no campaign %s', p_field, p_campaign_id);
  end if;
  if not private.is_campaign_agent(p_campaign_id, (select auth.uid())) then
    raise exception using
      errcode = '42501',
      message = format('%s: you are not an agent of campaign %s', p_field, v_campaign.name);
  end if;
  if v_campaign.status <> 'active' then
    raise exception using
      errcode = 'R0004',
      message = format('%s: campaign %s is %s, not active', p_field, v_campaign.name, v_campaign.status);
  end if;
  return v_campaign;
end;
$$;
revoke execute on function private.require_agent_campaign(uuid, text) from public;
grant execute on function private.require_agent_campaign(uuid, text) to authenticated, service_role;

-- ============================================================================
-- Section - Public functions
-- ============================================================================

-- rpc/assign_lead: gives p_lead_id to agent p_agent_id (null returns it to the
-- campaign's pool). Needs leads.assign in a campaign the caller runs; the
-- agent must work that campaign. The lead's pending callback follows it.
create function public.assign_lead(p_lead_id uuid, p_agent_id uuid) returns public.leads
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true); -- the audit tag of the caller, restored on return
  v_lead public.leads;
  v_campaign_name text;
begin
  perform set_config('crm.via', 'rpc/assign_lead', true);
  if not private.has_permission('leads.assign') then
    raise exception using
      errcode = '42501',
      message = 'p_lead_id: assigning leads needs leads.assign';
  end if;
  if p_lead_id is null then
    raise exception using
      errcode = '22023',
      message = 'p_lead_id: required';
  end if;

  select l.* into v_lead from public.leads as l where l.id = p_lead_id for update;
  if not found then
    raise exception using
      errcode = 'PT404',
      message = format('p_lead_id: no lead %s', p_lead_id);
  end if;
  select c.name into v_campaign_name from public.campaigns as c where c.id = v_lead.campaign_id;
  if not private.manages_campaign(v_lead.campaign_id) then
    raise exception using
      errcode = '42501',
      message = format('p_lead_id: lead %s is in campaign %s, which you do not run', p_lead_id, v_campaign_name);
  end if;

  if p_agent_id is not null then
    if not exists (select 1 from public.profiles as p where p.id = p_agent_id) then
      raise exception using
        errcode = 'PT404',
        message = format('p_agent_id: no user %s', p_agent_id);
    end if;
    if not private.is_campaign_agent(v_lead.campaign_id, p_agent_id) then
      raise exception using
        errcode = '22023',
        message = format('p_agent_id: user %s is not an agent of campaign %s', p_agent_id, v_campaign_name);
    end if;
  end if;
  if v_lead.status = 'in_call' then
    raise exception using
      errcode = 'PT409',
      message = format('p_lead_id: lead %s has a call under way; assign it once the call has ended', p_lead_id);
  end if;

  update public.leads as l set owner_id = p_agent_id
  where l.id = p_lead_id
  returning l.* into v_lead;

  update public.callbacks as cb set agent_id = p_agent_id
  where cb.lead_id = p_lead_id and cb.status = 'pending';


  perform set_config('crm.via', coalesce(v_via, ''), true);
  return v_lead;
end;
$$;
comment on function public.assign_lead(uuid, uuid) is
'Assign a lead to an agent of its campaign (null: back to the pool).';
revoke execute on function public.assign_lead(uuid, uuid) from public, anon;
grant execute on function public.assign_lead(uuid, uuid) to authenticated, service_role;

-- rpc/next_lead: hands the calling agent the next callable lead of
-- p_campaign_id and makes it theirs: first their own due callbacks (earliest
-- first), then their own or unassigned queued leads by next_call_at. Callable
-- means: queued and due, fewer attempts than the campaign's max_attempts,
-- consent to be contacted, number not on the do-not-call list, and now inside
-- the campaign's calling hours and days in the lead's own time zone. Returns
-- the lead, or no row when nothing is callable. Until the agent calls it, the
-- same lead comes back on the next request (a lost response is harmless).
create function public.next_lead(p_campaign_id uuid) returns setof public.leads
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
    and l.status in ('new', 'retry', 'callback')
    and (l.owner_id = v_me or l.owner_id is null)
    and l.attempts < v_campaign.max_attempts
    and l.consent_contact
    and private.in_calling_hours(
      v_now, l.time_zone, v_campaign.calling_hours_start, v_campaign.calling_hours_end,
      v_campaign.calling_days
    )
    and not exists (
      select 1 from public.do_not_call as d
      where d.phone = l.phone and (d.campaign_id is null or d.campaign_id = p_campaign_id)
    )
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
      and l.attempts < v_campaign.max_attempts
      and l.consent_contact
      and private.in_calling_hours(
        v_now, l.time_zone, v_campaign.calling_hours_start, v_campaign.calling_hours_end,
        v_campaign.calling_days
      )
      and not exists (
        select 1 from public.do_not_call as d
        where d.phone = l.phone and (d.campaign_id is null or d.campaign_id = p_campaign_id)
      )
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
comment on function public.next_lead(uuid) is
'Hand the calling agent their next callable lead of a campaign (or nothing).';
revoke execute on function public.next_lead(uuid) from public, anon;
grant execute on function public.next_lead(uuid) to authenticated, service_role;
