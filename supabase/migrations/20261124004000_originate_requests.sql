-- Originate requests: click-to-call from the PBX side, for agents on desk phones.
--
-- rpc/request_originate makes every check a dial needs by calling
-- rpc/start_call (the lead is the caller's, its campaign is active and the
-- caller works it, the number is not on the do-not-call list, it is inside
-- the campaign's calling hours in the lead's time zone, attempts are left),
-- which also creates the call row (source pbx) and marks the lead in_call.
-- It then queues a request for the AMI bridge. The bridge takes queued
-- requests (these rows are the durable truth; the notification on channel
-- originate_requests is only a wake-up), sends AMI Originate (ring the
-- agent's extension, then dial the lead) with the call's id as CRM_CALL_ID so
-- that the PBX's view of the call updates that same row, and writes the
-- result back. Errors: supabase/ERRORS.md.

-- ============================================================================
-- Section - Originate requests
-- ============================================================================

-- One click-to-call: queued by the agent, sent and answered or failed by the bridge.
create table public.originate_requests (
  id uuid primary key default gen_random_uuid(),
  lead_id uuid not null references public.leads (id) on delete cascade,
  campaign_id uuid not null references public.campaigns (id) on delete cascade,
  agent_id uuid not null references public.profiles (id) on delete cascade,
  call_id uuid references private.call_index (call_id) on delete set null,
  phone public.phone_e164 not null,
  agent_extension text not null,
  status text not null default 'queued',
  result_reason integer,
  result_text text,
  pbx_channel text,
  pbx_uniqueid text,
  sent_at timestamptz,
  finished_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint originate_requests_status check (status in ('queued', 'sent', 'answered', 'failed', 'expired')),
  constraint originate_requests_sent_at check ((sent_at is null) = (status in ('queued', 'expired'))),
  constraint originate_requests_finished_at check ((finished_at is null) = (status in ('queued', 'sent')))
);
comment on table public.originate_requests is
'Click-to-call for desk phones: queued by rpc/request_originate, sent to Asterisk by the AMI bridge.';
comment on column public.originate_requests.call_id is
'The call row created for it; Asterisk gets its id as CRM_CALL_ID.';
comment on column public.originate_requests.phone is 'The lead''s number the PBX dials once the agent answers.';
comment on column public.originate_requests.agent_extension is 'The extension rung first (the agent''s sip_extension).';
comment on column public.originate_requests.status is
'queued -> sent -> answered (the agent picked up, the lead is being dialled) or failed; expired if never sent.';
comment on column public.originate_requests.result_reason is
'Asterisk''s OriginateResponse Reason: 0 failed, 1 hung up, 3 no answer, 4 answered, 5 busy, 8 congestion.';
comment on column public.originate_requests.result_text is 'The outcome in words, or Asterisk''s error message.';

create index originate_requests_queue_idx on public.originate_requests (created_at) where status = 'queued';
create index originate_requests_sent_idx on public.originate_requests (sent_at) where status = 'sent';
create index originate_requests_agent_id_idx on public.originate_requests (agent_id, created_at);
create index originate_requests_campaign_id_idx on public.originate_requests (campaign_id, created_at);
create index originate_requests_lead_id_idx on public.originate_requests (lead_id);
create index originate_requests_call_id_idx on public.originate_requests (call_id);

create trigger originate_requests_set_updated_at
before update on public.originate_requests
for each row execute function private.set_updated_at();

-- Read through the API; written only by rpc/request_originate and the bridge.
alter table public.originate_requests enable row level security;
grant select on public.originate_requests to authenticated;
grant all on public.originate_requests to service_role;

-- ============================================================================
-- Section - Public functions
-- ============================================================================

-- rpc/request_originate: the calling agent asks the PBX to ring their desk
-- phone and then dial their lead p_lead_id on its main number. Returns the
-- queued request, whose call_id is the call row to wrap up with rpc/end_call.
create function public.request_originate(p_lead_id uuid) returns public.originate_requests
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true); -- the audit tag of the caller, restored on return
  v_me uuid := (select auth.uid());
  v_extension text;
  v_call public.calls;
  v_request public.originate_requests;
begin
  perform set_config('crm.via', 'rpc/request_originate', true);
  if p_lead_id is null then
    raise exception using
      errcode = '22023',
      message = 'p_lead_id: required';
  end if;

  -- Every rule of a dial, and the call row the PBX's events will update.
  select c.* into v_call from public.start_call(p_lead_id, null, 'pbx') as c;

  select p.sip_extension into v_extension from public.profiles as p where p.id = v_me;
  if v_extension is null then
    raise exception using
      errcode = '22023',
      message = 'sip_extension: you have no SIP extension for the PBX to ring',
      hint = 'An admin assigns one in your profile.';
  end if;

  insert into public.originate_requests (lead_id, campaign_id, agent_id, call_id, phone, agent_extension)
  values (p_lead_id, v_call.campaign_id, v_me, v_call.id, v_call.phone_number, v_extension)
  returning * into v_request;

  -- Delivered on commit; the bridge also polls, so a lost wake-up only delays.
  perform pg_notify('originate_requests', v_request.id::text);

  perform set_config('crm.via', coalesce(v_via, ''), true);
  return v_request;
end;
$$;
comment on function public.request_originate(uuid) is
'Click-to-call on a desk phone: the same checks as start_call, then a request the AMI bridge originates.';
revoke execute on function public.request_originate(uuid) from public, anon;
grant execute on function public.request_originate(uuid) to authenticated, service_role;

-- ============================================================================
-- Section - RLS Policies
-- ============================================================================

create policy "Agents can view their own originate requests"
on public.originate_requests for select to authenticated
using (agent_id = (select auth.uid()));

create policy "Supervisors can view the originate requests of their campaigns"
on public.originate_requests for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every originate request"
on public.originate_requests for select to authenticated
using ((select private.is_admin()));
