-- Campaigns and their members: what is sold, when it may be dialled, by whom.
--
-- A campaign carries its dialling rules (calling hours in the lead's own time
-- zone, days, max attempts, retry delays, caller ID, allowed dispositions)
-- and its recording settings. campaign_members says which agents work it and
-- which supervisors run it; every "own campaigns" rule (docs/interface.md,
-- "Who sees what") reads it through the membership helpers below.

-- ============================================================================
-- Section - Campaigns
-- ============================================================================

create type public.campaign_status as enum ('draft', 'active', 'paused', 'archived');
comment on type public.campaign_status is 'Only active campaigns hand out leads and place calls.';

create type public.dial_mode as enum ('preview', 'progressive', 'predictive');
comment on type public.dial_mode is 'preview: the agent sees the lead and clicks to call (the webphone today).';

-- A campaign: its dialling rules and recording settings.
create table public.campaigns (
  id uuid primary key default gen_random_uuid(),
  name text not null unique check (name <> ''),
  description text not null default '',
  status public.campaign_status not null default 'draft',
  dial_mode public.dial_mode not null default 'preview',
  calling_hours_start time not null default '09:00',
  calling_hours_end time not null default '21:00',
  calling_days smallint[] not null default '{1,2,3,4,5}',
  max_attempts integer not null default 6 check (max_attempts between 1 and 50),
  retry_delays interval[] not null default '{01:00:00,04:00:00,1 day}',
  caller_id public.phone_e164,
  default_time_zone public.time_zone_name not null default 'Europe/Madrid',
  allowed_dispositions text[] not null default array[
    'no_answer', 'busy', 'voicemail', 'call_failed', 'callback', 'sale', 'not_interested',
    'already_insured', 'wrong_number', 'do_not_call'
  ],
  recording_enabled boolean not null default true,
  recording_consent_required boolean not null default true,
  recording_notice text not null default '',
  agents_can_listen_own_recordings boolean not null default false,
  created_by uuid default auth.uid() references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint campaigns_calling_window check (calling_hours_start < calling_hours_end),
  constraint campaigns_calling_days check (
    cardinality(calling_days) between 1 and 7 and calling_days <@ '{1,2,3,4,5,6,7}'
  ),
  constraint campaigns_retry_delays check (
    cardinality(retry_delays) between 1 and 20 and interval '0' < all(retry_delays)
  )
);
comment on table public.campaigns is 'Outbound campaigns and their dialling rules.';
comment on column public.campaigns.calling_hours_start is 'Earliest local time (in the lead''s time zone) to call.';
comment on column public.campaigns.calling_hours_end is 'Calls start before this local time (exclusive).';
comment on column public.campaigns.calling_days is 'ISO days of the week (1 = Monday) on which calls may be placed.';
comment on column public.campaigns.retry_delays is
'Wait after the n-th unsuccessful attempt before the lead is dialled again; the last one repeats.';
comment on column public.campaigns.default_time_zone is 'Time zone of leads imported without one.';
comment on column public.campaigns.recording_notice is 'What the agent reads to ask for recording consent.';

create trigger campaigns_set_updated_at
before update on public.campaigns
for each row execute function private.set_updated_at();

-- Every allowed disposition must be a known code: a typo would otherwise
-- leave agents unable to close their calls.
create function private.validate_campaign() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_unknown text;
begin
  select a.code into v_unknown
  from unnest(new.allowed_dispositions) as a (code)
  where not exists (select 1 from public.dispositions as d where d.code = a.code)
  limit 1;
  if v_unknown is not null then
    raise exception using
      errcode = '23514',
      message = format('allowed_dispositions: unknown disposition %L', v_unknown),
      hint = 'See table public.dispositions for the valid codes.';
  end if;
  if cardinality(new.allowed_dispositions) = 0 then
    raise exception using
      errcode = '23514',
      message = 'allowed_dispositions: a campaign needs at least one disposition';
  end if;
  return new;
end;
$$;

create trigger campaigns_validate
before insert or update on public.campaigns
for each row execute function private.validate_campaign();

alter table public.campaigns enable row level security;
grant select, insert, update, delete on public.campaigns to authenticated;
grant all on public.campaigns to service_role;

-- ============================================================================
-- Section - Campaign members
-- ============================================================================

create type public.campaign_member_role as enum ('agent', 'supervisor');
comment on type public.campaign_member_role is 'agent: works the campaign''s leads; supervisor: runs the campaign.';

-- Who works (agents) and who runs (supervisors) each campaign.
create table public.campaign_members (
  campaign_id uuid not null references public.campaigns (id) on delete cascade,
  user_id uuid not null references public.profiles (id) on delete cascade,
  member_role public.campaign_member_role not null,
  created_at timestamptz not null default now(),
  primary key (campaign_id, user_id)
);
comment on table public.campaign_members is
'Agents and supervisors of each campaign; the scope of every "own campaigns" rule.';
create index campaign_members_user_id_idx on public.campaign_members (user_id, member_role, campaign_id);

-- A member's campaign role must fit their user role: an agent cannot run a
-- campaign (and so see all its data) by being added as its supervisor.
create function private.validate_campaign_member() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_role public.app_role;
begin
  select p.role into v_role from public.profiles as p where p.id = new.user_id;
  if v_role is null then
    return new; -- the foreign key reports the unknown user
  end if;
  if new.member_role = 'agent' and v_role <> 'agent' then
    raise exception using
      errcode = '23514',
      message = format('member_role: user %s is a%s %s; only agents join a campaign as agent',
        new.user_id, case when v_role = 'admin' then 'n' else '' end, v_role);
  end if;
  if new.member_role = 'supervisor' and v_role = 'agent' then
    raise exception using
      errcode = '23514',
      message = format('member_role: user %s is an agent; only supervisors and admins run a campaign',
        new.user_id);
  end if;
  return new;
end;
$$;

create trigger campaign_members_validate
before insert or update on public.campaign_members
for each row execute function private.validate_campaign_member();

alter table public.campaign_members enable row level security;
grant select, insert, update, delete on public.campaign_members to authenticated;
grant all on public.campaign_members to service_role;

-- ============================================================================
-- Section - Membership helpers
-- ============================================================================

-- Is the signed-in user an (active) admin? Admins see everything.
create function private.is_admin() returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((select private.current_app_role()) = 'admin', false)
$$;
revoke execute on function private.is_admin() from public;
grant execute on function private.is_admin() to authenticated, service_role;

-- Campaigns the signed-in user belongs to, as agent or supervisor.
create function private.my_campaign_ids() returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select cm.campaign_id
  from public.campaign_members as cm
  inner join public.profiles as p on cm.user_id = p.id
  where cm.user_id = (select auth.uid()) and p.active
$$;
revoke execute on function private.my_campaign_ids() from public;
grant execute on function private.my_campaign_ids() to authenticated, service_role;

-- Campaigns the signed-in user runs as supervisor: they see everything inside them.
create function private.supervised_campaign_ids() returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select cm.campaign_id
  from public.campaign_members as cm
  inner join public.profiles as p on cm.user_id = p.id
  where
    cm.user_id = (select auth.uid())
    and cm.member_role = 'supervisor'
    and p.active
    and p.role in ('supervisor', 'admin')
$$;
revoke execute on function private.supervised_campaign_ids() from public;
grant execute on function private.supervised_campaign_ids() to authenticated, service_role;

-- Does the signed-in user supervise this campaign, or is an admin? The scope
-- of every supervisor action (assign, validate, import).
create function private.manages_campaign(p_campaign_id uuid) returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select
    private.is_admin()
    or p_campaign_id in (select private.supervised_campaign_ids())
$$;
revoke execute on function private.manages_campaign(uuid) from public;
grant execute on function private.manages_campaign(uuid) to authenticated, service_role;

-- Is p_user_id an active agent member of p_campaign_id? (Lead owners, sellers, callers.)
create function private.is_campaign_agent(p_campaign_id uuid, p_user_id uuid) returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
    from public.campaign_members as cm
    inner join public.profiles as p on cm.user_id = p.id
    where
      cm.campaign_id = p_campaign_id
      and cm.user_id = p_user_id
      and cm.member_role = 'agent'
      and p.active
  )
$$;
revoke execute on function private.is_campaign_agent(uuid, uuid) from public;
grant execute on function private.is_campaign_agent(uuid, uuid) to authenticated, service_role;

-- Agents of the campaigns the signed-in user supervises (their profiles are visible).
create function private.agents_of_supervised_campaigns() returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select distinct cm.user_id
  from public.campaign_members as cm
  where
    cm.member_role = 'agent'
    and cm.campaign_id in (select private.supervised_campaign_ids())
$$;
revoke execute on function private.agents_of_supervised_campaigns() from public;
grant execute on function private.agents_of_supervised_campaigns() to authenticated, service_role;

-- Supervisors of the campaigns the signed-in user works (their profiles are visible).
create function private.supervisors_of_my_campaigns() returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select distinct cm.user_id
  from public.campaign_members as cm
  where
    cm.member_role = 'supervisor'
    and cm.campaign_id in (select private.my_campaign_ids())
$$;
revoke execute on function private.supervisors_of_my_campaigns() from public;
grant execute on function private.supervisors_of_my_campaigns() to authenticated, service_role;

-- ============================================================================
-- Section - RLS Policies: campaigns
-- ============================================================================

create policy "Members can view their campaigns"
on public.campaigns for select to authenticated
using (id = any(array(select private.my_campaign_ids())));

create policy "Admins can view every campaign"
on public.campaigns for select to authenticated
using ((select private.is_admin()));

create policy "Campaign managers can create campaigns"
on public.campaigns for insert to authenticated
with check ((select private.has_permission('campaigns.manage')));

create policy "Campaign managers can change campaigns"
on public.campaigns for update to authenticated
using ((select private.has_permission('campaigns.manage')))
with check ((select private.has_permission('campaigns.manage')));

create policy "Campaign managers can remove campaigns"
on public.campaigns for delete to authenticated
using ((select private.has_permission('campaigns.manage')));

-- ============================================================================
-- Section - RLS Policies: campaign_members
-- ============================================================================

create policy "Users can view their own memberships"
on public.campaign_members for select to authenticated
using (user_id = (select auth.uid()));

create policy "Supervisors can view the members of their campaigns"
on public.campaign_members for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Agents can view who supervises their campaigns"
on public.campaign_members for select to authenticated
using (
  member_role = 'supervisor'
  and campaign_id = any(array(select private.my_campaign_ids()))
);

create policy "Admins can view every membership"
on public.campaign_members for select to authenticated
using ((select private.is_admin()));

create policy "Campaign managers can add members"
on public.campaign_members for insert to authenticated
with check ((select private.has_permission('campaigns.manage')));

create policy "Campaign managers can change members"
on public.campaign_members for update to authenticated
using ((select private.has_permission('campaigns.manage')))
with check ((select private.has_permission('campaigns.manage')));

create policy "Campaign managers can remove members"
on public.campaign_members for delete to authenticated
using ((select private.has_permission('campaigns.manage')));
