-- "Not found or not yours" (issue 12, item 9): an id the caller cannot
-- reach is answered exactly as an id that does not exist.
--
-- Until now rpc/recording_url and rpc/start_call said 404 for an unknown id
-- and 403 for someone else's, and rpc/assign_lead, rpc/validate_sale and a
-- sale's insert named the other campaign: a signed-in user could probe
-- which ids exist and where. Now every RPC that takes an id (assign_lead,
-- next_lead, start_call and request_originate through it, end_call,
-- hangup_call, validate_sale, recording_url, the reports and
-- request_report_export) and a sale's insert answer an unknown id and an id
-- outside the caller's reach with the same SQLSTATE PT404 (HTTP 404) and the
-- same message, `<field>: not found or not yours`, which names nothing but
-- the field. What the caller may reach:
--
-- - a lead: assign_lead, one in a campaign the caller runs; start_call, one
--   the caller owns, in a campaign the caller works as an agent; a sale's
--   lead_id, one the caller owns or runs the campaign of;
-- - a call: end_call, the call's agent, its campaign's supervisors, admins;
--   hangup_call, the call's agent only; recording_url, see that function;
-- - a sale: validate_sale, one in a campaign the caller runs;
-- - a campaign: next_lead, one the caller works as an agent; the reports,
--   one the caller supervises (admins and the service role: any);
-- - a user: assign_lead's p_agent_id, an agent of the lead's campaign; the
--   reports' p_agent_id, a user the caller may see (profiles' RLS).
--
-- Refusals that do not depend on the id stay what they were (42501 for a
-- missing permission, 22023 for a bad argument, checked first), and the
-- checks after reach (PT409, R000x) may name what the caller can see.
-- rpc/recording_url still logs every request; the log row keeps the real
-- reason (reason_code 42501 for a call out of reach, PT404 for no such call)
-- and campaign, for the auditors, while the caller reads the same answer.
--
-- start_call and hangup_call also quote client text through private.excerpt
-- (migration 20261204005010). The access log's address and User-Agent are
-- bounded in migration 20261204007000 (private.client_address).

-- The campaign an agent works: unknown and not an agent of it are one answer.
create or replace function private.require_agent_campaign(p_campaign_id uuid, p_field text) returns public.campaigns
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_campaign public.campaigns;
begin
  select c.* into v_campaign from public.campaigns as c where c.id = p_campaign_id;
  if not found or not private.is_campaign_agent(p_campaign_id, (select auth.uid())) then
    raise exception using
      errcode = 'PT404',
      message = format('%s: not found or not yours', p_field);
  end if;
  if v_campaign.status <> 'active' then
    raise exception using
      errcode = 'R0004',
      message = format('%s: campaign %s is %s, not active', p_field, v_campaign.name, v_campaign.status);
  end if;
  return v_campaign;
end;
$$;

-- rpc/assign_lead: the lead, and the agent.
create or replace function public.assign_lead(p_lead_id uuid, p_agent_id uuid) returns public.leads
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true); -- the audit tag of the caller, restored on return
  v_lead public.leads;
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
  if not found or not private.manages_campaign(v_lead.campaign_id) then
    raise exception using
      errcode = 'PT404',
      message = 'p_lead_id: not found or not yours';
  end if;

  -- Whether a user exists is not the caller's to learn: an unknown user and
  -- one who is no agent of this campaign are one answer.
  if p_agent_id is not null and not private.is_campaign_agent(v_lead.campaign_id, p_agent_id) then
    raise exception using
      errcode = 'PT404',
      message = 'p_agent_id: not found or not an agent of the lead''s campaign';
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

-- rpc/start_call (and rpc/request_originate through it): the lead.
create or replace function public.start_call(
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
      message = format('p_source: %L is not webphone or pbx', private.excerpt(p_source));
  end if;

  select l.* into v_lead from public.leads as l where l.id = p_lead_id for update;
  if not found or v_lead.owner_id is distinct from v_me then
    raise exception using
      errcode = 'PT404',
      message = 'p_lead_id: not found or not yours';
  end if;
  v_campaign := private.require_agent_campaign(v_lead.campaign_id, 'p_lead_id');

  v_phone := coalesce(p_phone_number, v_lead.phone);
  if not private.is_e164(v_phone) then
    raise exception using
      errcode = '22023',
      message = format('p_phone_number: %L is not a valid E.164 number', private.excerpt(v_phone)),
      hint = 'Write + then the country code and the number, digits only: +34612345678.';
  end if;
  if v_phone <> v_lead.phone and not v_phone = any(v_lead.alternate_phones) then
    raise exception using
      errcode = '22023',
      message = format('p_phone_number: %s is not one of the numbers of lead %s', private.excerpt(v_phone), p_lead_id);
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
-- rpc/end_call: the call (its agent, its campaign's supervisors, admins).
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

  v_call := private.lock_call(p_call_id, p_missing_ok => true);
  if v_call.id is null or (
    v_call.agent_id is distinct from v_me
    and not (v_call.campaign_id is not null and private.manages_campaign(v_call.campaign_id))
    and not private.is_admin()
  ) then
    raise exception using
      errcode = 'PT404',
      message = 'p_call_id: not found or not yours';
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

-- rpc/hangup_call: the call (its own agent only).
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
        'p_outcome: %L is not answered, busy, no_answer, failed, congestion or cancelled',
        private.excerpt(p_outcome)
      );
  end if;
  if p_hangup_by is not null and p_hangup_by not in ('agent', 'lead', 'system') then
    raise exception using
      errcode = '22023',
      message = format('p_hangup_by: %L is not agent, lead or system', private.excerpt(p_hangup_by));
  end if;

  v_call := private.lock_call(p_call_id, p_missing_ok => true);
  -- Only the phone that placed the call knows how it ended.
  if v_call.id is null or v_me is null or v_call.agent_id is distinct from v_me then
    raise exception using
      errcode = 'PT404',
      message = 'p_call_id: not found or not yours';
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

-- rpc/validate_sale: the sale.
create or replace function public.validate_sale(p_sale_id uuid, p_approved boolean, p_reason text default null)
returns public.sales
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true); -- the audit tag of the caller, restored on return
  v_sale public.sales;
begin
  perform set_config('crm.via', 'rpc/validate_sale', true);
  if not private.has_permission('sales.validate') then
    raise exception using
      errcode = '42501',
      message = 'p_sale_id: validating sales needs sales.validate';
  end if;
  if p_sale_id is null then
    raise exception using
      errcode = '22023',
      message = 'p_sale_id: required';
  end if;
  if p_approved is null then
    raise exception using
      errcode = '22023',
      message = 'p_approved: required (true validates the sale, false rejects it)';
  end if;
  if not p_approved and coalesce(btrim(p_reason), '') = '' then
    raise exception using
      errcode = '22023',
      message = 'p_reason: a reason is required to reject a sale';
  end if;

  select s.* into v_sale from public.sales as s where s.id = p_sale_id for update;
  if not found or not private.manages_campaign(v_sale.campaign_id) then
    raise exception using
      errcode = 'PT404',
      message = 'p_sale_id: not found or not yours';
  end if;
  if v_sale.status <> 'pending' then
    raise exception using
      errcode = 'PT409',
      message = format('p_sale_id: sale %s is already %s', p_sale_id, v_sale.status);
  end if;

  update public.sales as s set
    status = case when p_approved then 'validated'::public.sale_status else 'rejected'::public.sale_status end,
    status_reason = nullif(btrim(p_reason), ''),
    validated_by = (select auth.uid()),
    validated_at = private.now()
  where s.id = p_sale_id
  returning s.* into v_sale;
  perform set_config('crm.via', coalesce(v_via, ''), true);
  return v_sale;
end;
$$;

-- The reports' campaign: unknown and not supervised are one answer.
create or replace function private.report_scope(p_campaign_id uuid default null) returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_scope uuid[];
begin
  if (select auth.role()) = 'service_role' then
    v_scope := null;
  elsif not private.has_permission('reports.view') then
    raise exception using
      errcode = '42501',
      message = 'reports.view: reading reports needs the reports.view permission';
  elsif private.is_admin() then
    v_scope := null;
  else
    v_scope := array(select private.supervised_campaign_ids());
  end if;

  if p_campaign_id is not null then
    if not exists (select 1 from public.campaigns as c where c.id = p_campaign_id)
      or (v_scope is not null and not p_campaign_id = any(v_scope)) then
      raise exception using
        errcode = 'PT404',
        message = 'p_campaign_id: not found or not yours';
    end if;
    v_scope := array[p_campaign_id];
  end if;
  return v_scope;
end;
$$;

-- The reports' agent: a user the caller may see, else as unknown.
create or replace function private.check_report_agent(p_agent_id uuid) returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  -- A user the caller may see (as profiles' RLS shows them): anyone for the
  -- service role and user managers, else oneself and the agents of the
  -- campaigns one supervises. Anyone else is answered as an unknown id.
  if p_agent_id is not null and not exists (
    select 1 from public.profiles as p
    where
      p.id = p_agent_id
      and (
        (select auth.role()) = 'service_role'
        or private.is_admin()
        or private.has_permission('users.manage')
        or p.id = (select auth.uid())
        or p.id in (select private.agents_of_supervised_campaigns())
      )
  ) then
    raise exception using
      errcode = 'PT404',
      message = 'p_agent_id: not found or not yours';
  end if;
end;
$$;

-- A refusal may log a more precise reason than the caller reads (p_logged_code, p_logged_reason).
drop function private.refuse_recording_access(uuid, uuid, text, text, integer, text);
create function private.refuse_recording_access(
  p_call_id uuid, p_campaign_id uuid, p_code text, p_message text, p_status integer, p_detail text default null,
  p_logged_code text default null, p_logged_reason text default null
) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform private.log_recording_access(
    p_call_id, p_campaign_id, 'refused', coalesce(p_logged_code, p_code), coalesce(p_logged_reason, p_message), null
  );
  perform set_config('response.status', p_status::text, true);
  return jsonb_build_object('code', p_code, 'message', p_message, 'details', p_detail, 'hint', null);
end;
$$;
revoke execute on function private.refuse_recording_access(
  uuid, uuid, text, text, integer, text, text, text
) from public;

-- rpc/recording_url: the call.
create or replace function public.recording_url(p_call_id uuid) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_me uuid := (select auth.uid());
  v_call public.calls;
  v_recording public.recordings;
  v_link public.recording_links;
begin
  if v_me is null then
    raise exception using
      errcode = '42501',
      message = 'recording_url: only a signed-in user may listen to a recording';
  end if;
  if p_call_id is null then
    return private.refuse_recording_access(null, null, '22023', 'p_call_id: required', 400);
  end if;

  -- An unknown call and one the caller may not hear get the same answer;
  -- the log keeps which it was (reason_code PT404 or 42501), for auditors.
  v_call := private.find_call(p_call_id);
  if v_call.id is null then
    return private.refuse_recording_access(
      p_call_id, null, 'PT404', 'p_call_id: not found or not yours', 404,
      p_logged_reason => 'p_call_id: no such call'
    );
  end if;

  if not (
    (
      private.has_permission('recordings.listen')
      and (private.is_admin() or v_call.campaign_id = any(array(select private.supervised_campaign_ids())))
    )
    or (
      v_call.agent_id = v_me
      and exists (
        select 1 from public.campaigns as c
        where c.id = v_call.campaign_id and c.agents_can_listen_own_recordings
      )
    )
  ) then
    return private.refuse_recording_access(
      p_call_id, v_call.campaign_id, 'PT404', 'p_call_id: not found or not yours', 404,
      p_logged_code => '42501', p_logged_reason => 'p_call_id: the caller may not listen to this call'
    );
  end if;

  select r.* into v_recording from public.recordings as r where r.call_id = p_call_id;
  if v_recording.call_id is null or v_recording.status <> 'stored' or v_recording.erase_requested_at is not null then
    return private.refuse_recording_access(
      p_call_id, v_call.campaign_id, 'PT404',
      format('p_call_id: call %s has no recording to listen to', p_call_id), 404,
      format('recording_status: %s', coalesce(v_call.recording_status, 'none'))
    );
  end if;

  insert into public.recording_links (call_id, object_path, requested_by, created_at)
  values (p_call_id, v_recording.object_path, v_me, private.now())
  returning * into v_link;
  perform private.log_recording_access(p_call_id, v_call.campaign_id, 'granted', null, null, v_link.id);
  perform pg_notify('recording_links', v_link.id::text);
  return to_jsonb(v_link);
end;
$$;

comment on column public.recording_access_log.reason_code is
'Why it was refused: PT404 (no such call, or no recording to play), 42501 (a call the caller may not hear; the '
'caller was answered PT404 as for an unknown id) or 22023.';

-- A sale's insert by a signed-in user: the lead.
create or replace function private.guard_sale_columns() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_column text;
  v_manager boolean;
  v_lead_owner uuid;
  v_lead_campaign uuid;
begin
  if current_user <> 'authenticated' then
    return new;
  end if;
  if tg_op = 'INSERT' then
    -- The lead must be within reach (the caller's own, or in a campaign the
    -- caller runs); an unknown lead gets the same answer, and the sale's
    -- campaign is the lead's, checked by sales_validate.
    select l.owner_id, l.campaign_id into v_lead_owner, v_lead_campaign
    from public.leads as l where l.id = new.lead_id;
    v_manager := v_lead_campaign is not null and private.manages_campaign(v_lead_campaign);
    if v_lead_campaign is null or (not v_manager and v_lead_owner is distinct from (select auth.uid())) then
      raise exception using
        errcode = 'PT404',
        message = 'lead_id: not found or not yours';
    end if;
    if new.status <> 'pending' or new.validated_by is not null or new.validated_at is not null then
      raise exception using
        errcode = '42501',
        message = 'status: a new sale is pending; rpc/validate_sale validates or rejects it';
    end if;
    if not v_manager and new.agent_id is distinct from (select auth.uid()) then
      raise exception using
        errcode = '42501',
        message = 'agent_id: agents register sales in their own name';
    end if;
    return new;
  end if;

  v_manager := private.manages_campaign(new.campaign_id);

  foreach v_column in array array_remove(private.changed_columns(to_jsonb(old), to_jsonb(new)), 'updated_at') loop
    if v_column in ('status', 'status_reason', 'validated_by', 'validated_at') then
      raise exception using
        errcode = '42501',
        message = format('%s: a sale''s status changes only through rpc/validate_sale', v_column);
    end if;
    if v_column in ('id', 'lead_id', 'campaign_id', 'created_at') then
      raise exception using
        errcode = '42501',
        message = format('%s: a sale''s %s never changes', v_column, v_column);
    end if;
    if v_column = 'agent_id' and not v_manager then
      raise exception using
        errcode = '42501',
        message = 'agent_id: only the campaign''s supervisors can credit a sale to another agent';
    end if;
  end loop;
  return new;
end;
$$;

-- A sale's product: unknown and not sold in the campaign are one answer.
create or replace function private.validate_sale_row() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_lead_campaign uuid;
  v_product public.products;
  v_call_lead uuid;
begin
  select l.campaign_id into v_lead_campaign from public.leads as l where l.id = new.lead_id;
  if not found then
    raise exception using
      errcode = '23503',
      message = format('lead_id: no lead %s', new.lead_id);
  end if;
  new.campaign_id := coalesce(new.campaign_id, v_lead_campaign);
  if new.campaign_id <> v_lead_campaign then
    raise exception using
      errcode = '23514',
      message = format('campaign_id: lead %s belongs to campaign %s', new.lead_id, v_lead_campaign);
  end if;

  -- A product the campaign does not sell is answered as an unknown one, and
  -- neither is named: agents see only their campaigns' products.
  select p.* into v_product from public.products as p where p.id = new.product_id;
  if not found or (
    (tg_op = 'INSERT' or new.product_id <> old.product_id)
    and not exists (
      select 1 from public.campaign_products as cp
      where cp.campaign_id = new.campaign_id and cp.product_id = new.product_id
    )
  ) then
    raise exception using
      errcode = 'PT404',
      message = 'product_id: not found or not sold in the sale''s campaign';
  end if;
  new.premium := coalesce(new.premium, v_product.premium);
  new.payment_frequency := coalesce(new.payment_frequency, v_product.payment_frequency);
  new.currency := coalesce(new.currency, v_product.currency);

  if (tg_op = 'INSERT' or new.agent_id <> old.agent_id)
    and not private.is_campaign_agent(new.campaign_id, new.agent_id) then
    raise exception using
      errcode = '23514',
      message = format('agent_id: user %s is not an agent of campaign %s', new.agent_id, new.campaign_id);
  end if;

  if new.call_id is not null and (tg_op = 'INSERT' or new.call_id is distinct from old.call_id) then
    select c.lead_id into v_call_lead from private.find_call(new.call_id) as c;
    if v_call_lead is distinct from new.lead_id then
      raise exception using
        errcode = '23514',
        message = format('call_id: call %s is not a call to lead %s', new.call_id, new.lead_id);
    end if;
  end if;
  return new;
end;
$$;
