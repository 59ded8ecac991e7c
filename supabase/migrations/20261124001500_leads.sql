-- Leads: the people a campaign calls.
--
-- A lead belongs to one campaign and, once assigned, to one agent (its
-- owner). Its status, attempts and next_call_at are the dialler's state:
-- rpc/next_lead, rpc/start_call and rpc/end_call keep them consistent, so an
-- agent may edit the contact data of their leads but never that state, nor
-- the owner. Supervisors (leads.assign, leads.import) work inside the
-- campaigns they run; only leads.delete removes a lead.

-- ============================================================================
-- Section - Leads
-- ============================================================================

-- new: never called; in_call: a call is under way; retry and callback: waiting
-- for next_call_at; the rest are final.
create type public.lead_status as enum (
  'new', 'in_call', 'retry', 'callback', 'won', 'lost', 'invalid', 'exhausted', 'do_not_call'
);
comment on type public.lead_status is
'Queued: new, retry, callback. Being called: in_call. Final: won, lost, invalid, exhausted, do_not_call.';

-- A person to call, with contact data, consent and the dialler's state.
create table public.leads (
  id uuid primary key default gen_random_uuid(),
  campaign_id uuid not null references public.campaigns (id) on delete restrict,
  owner_id uuid references public.profiles (id) on delete set null,
  status public.lead_status not null default 'new',
  first_name text not null check (btrim(first_name) <> ''),
  last_name text not null default '',
  phone public.phone_e164 not null,
  alternate_phones public.phone_e164[] not null default '{}',
  email text check (email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
  birth_date date,
  address_line text not null default '',
  city text not null default '',
  region text not null default '',
  postal_code text not null default '',
  country_code text check (country_code ~ '^[A-Z]{2}$'),
  time_zone public.time_zone_name not null,
  attempts integer not null default 0 check (attempts >= 0),
  last_called_at timestamptz,
  next_call_at timestamptz,
  consent_contact boolean not null default true,
  consent_recording boolean,
  consent_marketing boolean not null default false,
  custom jsonb not null default '{}' check (jsonb_typeof(custom) = 'object'),
  notes text not null default '',
  source text not null default '',
  external_ref text,
  created_by uuid default auth.uid() references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint leads_next_call_at_when_queued check (
    (status in ('new', 'retry', 'callback')) = (next_call_at is not null)
  )
);
comment on table public.leads is
'People to call. The dialler state (status, attempts, next_call_at) follows the calls.';
comment on column public.leads.owner_id is 'The agent working the lead; null while in the campaign''s pool.';
comment on column public.leads.time_zone is 'The lead''s own IANA time zone: calling hours are checked in it.';
comment on column public.leads.next_call_at is 'When the lead may be dialled next; set exactly while it is queued.';
comment on column public.leads.consent_contact is 'False when the lead withdrew consent to be called: never dialled.';
comment on column public.leads.consent_recording is 'Recording consent: null until asked.';
comment on column public.leads.custom is 'Campaign-specific fields, as a JSON object.';

-- "My leads" (the agent's list, ordered) and the owner policy.
create index leads_owner_id_idx on public.leads (owner_id, next_call_at);
-- The supervisors' policy and campaign lists.
create index leads_campaign_id_idx on public.leads (campaign_id, status);
-- The queue rpc/next_lead reads: queued leads of a campaign by due time.
create index leads_queue_idx on public.leads (campaign_id, next_call_at)
where status in ('new', 'retry', 'callback');
create index leads_phone_idx on public.leads (phone);

create trigger leads_set_updated_at
before update on public.leads
for each row execute function private.set_updated_at();

alter table public.leads enable row level security;
grant select, insert, update, delete on public.leads to authenticated;
grant all on public.leads to service_role;

-- ============================================================================
-- Section - Protected columns
-- ============================================================================

-- What a signed-in user may change directly (PostgREST). The RPCs run as
-- their owner and the service role is trusted, so neither is guarded here.
-- Agents edit contact data only: the owner needs leads.assign, and the
-- dialler state and campaign of a lead belong to the RPCs and supervisors.
create function private.guard_lead_columns() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_changed text[];
  v_column text;
begin
  if current_user <> 'authenticated' then
    return new;
  end if;

  if tg_op = 'INSERT' then
    if new.created_by is distinct from (select auth.uid()) then
      raise exception using
        errcode = '42501',
        message = 'created_by: set by the database to the signed-in user';
    end if;
    if new.status = 'in_call' then
      raise exception using
        errcode = '23514',
        message = 'status: in_call is set only by rpc/start_call';
    end if;
    if new.owner_id is not null and not (select private.has_permission('leads.assign')) then
      raise exception using
        errcode = '42501',
        message = 'owner_id: assigning a lead needs leads.assign';
    end if;
    return new;
  end if;

  v_changed := array_remove(private.changed_columns(to_jsonb(old), to_jsonb(new)), 'updated_at');

  foreach v_column in array v_changed loop
    if v_column in ('id', 'created_at', 'created_by', 'last_called_at', 'campaign_id') then
      raise exception using
        errcode = '42501',
        message = format('%s: a lead''s %s never changes through the API', v_column, v_column),
        hint = case when v_column = 'campaign_id' then 'Import the lead into the other campaign.' end;
    end if;
  end loop;

  if 'owner_id' = any(v_changed) and not (select private.has_permission('leads.assign')) then
    raise exception using
      errcode = '42501',
      message = 'owner_id: changing a lead''s owner needs leads.assign',
      hint = 'Supervisors assign leads with rpc/assign_lead.';
  end if;

  if not private.manages_campaign(old.campaign_id) then
    foreach v_column in array v_changed loop
      if v_column in ('status', 'attempts', 'next_call_at') then
        raise exception using
          errcode = '42501',
          message = format('%s: agents cannot change a lead''s %s; it follows the calls', v_column, v_column),
          hint = 'Close the call with rpc/end_call and a disposition.';
      end if;
    end loop;
  end if;

  if new.status = 'in_call' and old.status <> 'in_call' then
    raise exception using
      errcode = '23514',
      message = 'status: in_call is set only by rpc/start_call';
  end if;
  return new;
end;
$$;

create trigger leads_guard_columns
before insert or update on public.leads
for each row execute function private.guard_lead_columns();

-- ============================================================================
-- Section - Consistency
-- ============================================================================

-- For every writer: a lead without a time zone takes its campaign's; an owner
-- must be an agent of the lead's campaign; next_call_at is set exactly while
-- the lead is queued (now when queued without one, cleared when it leaves
-- the queue).
create function private.validate_lead() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.time_zone is null then
    select c.default_time_zone into new.time_zone
    from public.campaigns as c
    where c.id = new.campaign_id;
  end if;

  if new.owner_id is not null
    and (tg_op = 'INSERT' or new.owner_id is distinct from old.owner_id or new.campaign_id <> old.campaign_id)
    and not private.is_campaign_agent(new.campaign_id, new.owner_id) then
    raise exception using
      errcode = '23514',
      message = format('owner_id: user %s is not an agent of campaign %s', new.owner_id, new.campaign_id);
  end if;

  if new.status in ('new', 'retry', 'callback') then
    new.next_call_at := coalesce(new.next_call_at, private.now());
  else
    new.next_call_at := null;
  end if;
  return new;
end;
$$;

create trigger leads_validate
before insert or update on public.leads
for each row execute function private.validate_lead();

-- ============================================================================
-- Section - RLS Policies
-- ============================================================================

create policy "Agents can view their own leads"
on public.leads for select to authenticated
using (owner_id = (select auth.uid()));

create policy "Supervisors can view the leads of their campaigns"
on public.leads for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every lead"
on public.leads for select to authenticated
using ((select private.is_admin()));

create policy "Lead importers can add leads to the campaigns they run"
on public.leads for insert to authenticated
with check (
  (select private.has_permission('leads.import'))
  and (
    campaign_id = any(array(select private.supervised_campaign_ids()))
    or (select private.is_admin())
  )
);

-- Which columns an agent may change is guarded by trigger leads_guard_columns.
create policy "Agents can update their own leads"
on public.leads for update to authenticated
using (owner_id = (select auth.uid()))
with check (owner_id = (select auth.uid()));

create policy "Supervisors can update the leads of their campaigns"
on public.leads for update to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())))
with check (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can update every lead"
on public.leads for update to authenticated
using ((select private.is_admin()))
with check ((select private.is_admin()));

create policy "Lead deleters can remove leads of the campaigns they run"
on public.leads for delete to authenticated
using (
  (select private.has_permission('leads.delete'))
  and (
    campaign_id = any(array(select private.supervised_campaign_ids()))
    or (select private.is_admin())
  )
);
