-- Callbacks: calls agreed with the lead for a given time.
--
-- rpc/end_call schedules one (the callback disposition, at a time inside the
-- campaign's calling hours); rpc/next_lead hands its agent the lead first
-- once it is due; the next end_call on the lead closes it. A lead has at most
-- one pending callback, and its callbacks follow the lead's owner
-- (rpc/assign_lead), so the API only reads them.

-- ============================================================================
-- Section - Callbacks
-- ============================================================================

create type public.callback_status as enum ('pending', 'done', 'cancelled');
comment on type public.callback_status is
'pending until the lead is called again (done) or the callback is superseded (cancelled).';

-- A call back agreed with a lead, for one agent (null: any agent of the campaign).
create table public.callbacks (
  id uuid primary key default gen_random_uuid(),
  lead_id uuid not null references public.leads (id) on delete cascade,
  campaign_id uuid not null references public.campaigns (id) on delete cascade,
  agent_id uuid references public.profiles (id) on delete set null,
  due_at timestamptz not null,
  status public.callback_status not null default 'pending',
  notes text not null default '',
  call_id uuid references private.call_index (call_id) on delete set null,
  completed_call_id uuid references private.call_index (call_id) on delete set null,
  created_by uuid default auth.uid() references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  completed_at timestamptz,
  constraint callbacks_completed_when_closed check ((status = 'pending') = (completed_at is null))
);
comment on table public.callbacks is 'Agreed call-back times; written by the RPCs, read through the API.';
comment on column public.callbacks.call_id is 'The call in which the callback was agreed.';
comment on column public.callbacks.completed_call_id is 'The call that honoured it.';

create unique index callbacks_one_pending_per_lead on public.callbacks (lead_id) where status = 'pending';
create index callbacks_agent_id_idx on public.callbacks (agent_id, status, due_at);
create index callbacks_campaign_id_idx on public.callbacks (campaign_id, due_at);
create index callbacks_call_id_idx on public.callbacks (call_id);
create index callbacks_completed_call_id_idx on public.callbacks (completed_call_id);

alter table public.callbacks enable row level security;
grant select on public.callbacks to authenticated;
grant all on public.callbacks to service_role;

-- ============================================================================
-- Section - RLS Policies
-- ============================================================================

create policy "Agents can view their own callbacks"
on public.callbacks for select to authenticated
using (agent_id = (select auth.uid()));

create policy "Supervisors can view the callbacks of their campaigns"
on public.callbacks for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every callback"
on public.callbacks for select to authenticated
using ((select private.is_admin()));
