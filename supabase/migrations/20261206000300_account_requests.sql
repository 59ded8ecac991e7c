-- Accounts from the back office (issue 15): admins invite, deactivate,
-- reactivate users and reset their passwords without the service role key.
--
-- The browser never holds the service role, so each action is a request: a
-- row in public.account_requests, queued by an RPC that checks users.manage
-- and validates everything it can. The accounts worker (workers/accounts,
-- role crm_accounts) holds the service role key, claims requests under the
-- lease protocol (workers/README.md) and calls the Auth admin API: it creates
-- the invited user, bans or unbans, and generates one-time links (invite,
-- recovery) that it rewrites to the webphone's /set-password page.
--
-- The link gives whoever holds it the account, so only the requester reads
-- it: the column action_link is not granted to authenticated at all (so a
-- PostgREST `select=*` is refused; select the other columns by name), and
-- rpc/account_request_link hands it to the requester alone. Realtime leaves
-- the column out of the change payloads of every subscriber for the same
-- reason (it sends only the columns a role may select).
--
-- Deactivation takes effect in the database at once (profiles.active false:
-- every policy and helper reads only active profiles); the worker then bans
-- the user in Auth (no sign-in, no refresh) and ends their sessions.

-- ============================================================================
-- Section - Account requests
-- ============================================================================

create table public.account_requests (
  id uuid primary key default gen_random_uuid(),
  kind text not null,
  user_id uuid references public.profiles (id) on delete set null,
  email text not null,
  full_name text not null default '',
  role public.app_role,
  campaign_ids uuid[] not null default '{}',
  sip_extension text,
  status text not null default 'queued',
  action_link text,
  link_expires_at timestamptz,
  error text,
  requested_by uuid references public.profiles (id) on delete set null,
  worker text,
  heartbeat_at timestamptz,
  attempts integer not null default 0,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  updated_at timestamptz not null default now(),
  constraint account_requests_kind check (kind in ('invite', 'deactivate', 'reactivate', 'reset_password')),
  constraint account_requests_status check (status in ('queued', 'running', 'done', 'failed')),
  constraint account_requests_email_length check (char_length(email) <= 254),
  constraint account_requests_full_name_length check (char_length(full_name) <= 200),
  constraint account_requests_sip_extension check (sip_extension ~ '^[0-9]{3,6}$'),
  constraint account_requests_error_length check (char_length(error) <= 2000),
  constraint account_requests_invite_has_role check (kind <> 'invite' or role is not null),
  constraint account_requests_failed_has_error check (status <> 'failed' or error is not null)
);
comment on table public.account_requests is
'Account actions queued by admins (rpc/invite_user...), carried out in Auth by the accounts worker.';
comment on column public.account_requests.user_id is
'The user acted on; for an invite, set once the worker created them.';
comment on column public.account_requests.action_link is
'The one-time set-up (invite) or reset link; only the requester reads it, through rpc/account_request_link.';
comment on column public.account_requests.status is
'queued -> running -> done or failed; a running row whose heartbeat is stale is claimed again.';

create index account_requests_queue_idx on public.account_requests (status, created_at)
where status in ('queued', 'running');
create index account_requests_user_id_idx on public.account_requests (user_id, created_at);
create index account_requests_requested_by_idx on public.account_requests (requested_by);
-- Two pending invites for one address, or one extension, cannot both succeed.
create unique index account_requests_pending_email_key on public.account_requests (lower(email))
where kind = 'invite' and status in ('queued', 'running');
create unique index account_requests_pending_extension_key on public.account_requests (sip_extension)
where kind = 'invite' and status in ('queued', 'running');

create trigger account_requests_set_updated_at
before update on public.account_requests
for each row execute function private.set_updated_at();

alter table public.account_requests enable row level security;
-- Every column but action_link (see the header).
grant select (
  id, kind, user_id, email, full_name, role, campaign_ids, sip_extension, status, link_expires_at,
  error, requested_by, worker, heartbeat_at, attempts, created_at, finished_at, updated_at
) on public.account_requests to authenticated;
grant all on public.account_requests to service_role;

-- ============================================================================
-- Section - RLS Policies
-- ============================================================================

-- Rows are written by the RPCs below and the accounts worker only.
create policy "User managers can view account requests"
on public.account_requests for select to authenticated
using ((select private.has_permission('users.manage')));

-- ============================================================================
-- Section - Helpers
-- ============================================================================

-- The caller must hold users.manage (42501 naming p_field otherwise).
create function private.require_users_manage(p_field text, p_action text) returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if not coalesce(private.has_permission('users.manage'), false) then
    raise exception using
      errcode = '42501',
      message = format('%s: %s needs users.manage', p_field, p_action);
  end if;
end;
$$;
revoke execute on function private.require_users_manage(text, text) from public;
grant execute on function private.require_users_manage(text, text) to authenticated;

-- Campaign ids as a clean set: 22023 on a null element, PT404 on an id that
-- is no campaign (not found or not yours). Duplicates collapse.
create function private.checked_campaign_ids(p_campaign_ids uuid[]) returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_ids uuid[] := coalesce(array(select distinct u.id from unnest(p_campaign_ids) as u (id)), '{}');
begin
  if array_position(v_ids, null) is not null then
    raise exception using errcode = '22023', message = 'p_campaign_ids: an element is null';
  end if;
  if exists (
    select 1 from unnest(v_ids) as u (id)
    where not exists (select 1 from public.campaigns as c where c.id = u.id)
  ) then
    raise exception using errcode = 'PT404', message = 'p_campaign_ids: not found or not yours';
  end if;
  return v_ids;
end;
$$;
revoke execute on function private.checked_campaign_ids(uuid[]) from public;
grant execute on function private.checked_campaign_ids(uuid[]) to authenticated;

-- Makes p_user_id's memberships exactly p_campaign_ids, with the member role
-- their user role fits (agents work a campaign, supervisors and admins run
-- it). Campaigns that no longer exist are skipped. Writes only what changes,
-- so the audit log shows the difference.
create function private.replace_memberships(p_user_id uuid, p_campaign_ids uuid[]) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_member_role public.campaign_member_role;
begin
  select case when p.role = 'agent' then 'agent' else 'supervisor' end::public.campaign_member_role
  into v_member_role
  from public.profiles as p where p.id = p_user_id;

  delete from public.campaign_members as cm
  where cm.user_id = p_user_id and not (cm.campaign_id = any(p_campaign_ids));

  update public.campaign_members as cm set member_role = v_member_role
  where cm.user_id = p_user_id and cm.member_role <> v_member_role;

  insert into public.campaign_members (campaign_id, user_id, member_role)
  select c.id, p_user_id, v_member_role
  from public.campaigns as c
  where c.id = any(p_campaign_ids)
  on conflict (campaign_id, user_id) do nothing;
end;
$$;
revoke execute on function private.replace_memberships(uuid, uuid[]) from public;

-- A user the caller may act on, for p_user_id: PT404 when there is none.
create function private.account_target(p_user_id uuid) returns public.profiles
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_profile public.profiles;
begin
  if p_user_id is null then
    raise exception using errcode = '22023', message = 'p_user_id: required';
  end if;
  select * into v_profile from public.profiles as p where p.id = p_user_id;
  if not found then
    raise exception using errcode = 'PT404', message = 'p_user_id: not found or not yours';
  end if;
  return v_profile;
end;
$$;
revoke execute on function private.account_target(uuid) from public;
grant execute on function private.account_target(uuid) to authenticated;

-- ============================================================================
-- Section - Public functions
-- ============================================================================

-- rpc/invite_user: queue the creation of a user. The worker creates them in
-- Auth (unconfirmed, role in app_metadata), applies name, extension and
-- campaigns, and leaves a one-time set-up link for the requester.
create function public.invite_user(
  p_email text,
  p_full_name text,
  p_role public.app_role,
  p_campaign_ids uuid[] default '{}',
  p_sip_extension text default null
) returns public.account_requests
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_email text := lower(btrim(coalesce(p_email, '')));
  v_name text := btrim(coalesce(p_full_name, ''));
  v_extension text := nullif(btrim(coalesce(p_sip_extension, '')), '');
  v_ids uuid[];
  v_row public.account_requests;
begin
  perform private.require_users_manage('p_email', 'inviting a user');
  if v_email = '' then
    raise exception using errcode = '22023', message = 'p_email: required';
  end if;
  if char_length(v_email) > 254 or v_email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$' then
    raise exception using
      errcode = '22023', message = format('p_email: %L is not an e-mail address', private.excerpt(p_email));
  end if;
  if v_name = '' then
    raise exception using errcode = '22023', message = 'p_full_name: required';
  end if;
  if char_length(v_name) > 200 then
    raise exception using errcode = '22023', message = 'p_full_name: at most 200 characters';
  end if;
  if p_role is null then
    raise exception using errcode = '22023', message = 'p_role: required (admin, supervisor or agent)';
  end if;
  if v_extension is not null and v_extension !~ '^[0-9]{3,6}$' then
    raise exception using
      errcode = '22023',
      message = format('p_sip_extension: %L is not 3 to 6 digits', private.excerpt(p_sip_extension));
  end if;
  v_ids := private.checked_campaign_ids(p_campaign_ids);

  if exists (select 1 from auth.users as u where lower(u.email) = v_email)
    or exists (
      select 1 from public.account_requests as r
      where r.kind = 'invite' and r.status in ('queued', 'running') and lower(r.email) = v_email
    ) then
    raise exception using
      errcode = '23505', message = format('p_email: a user with e-mail %L already exists or is invited', v_email);
  end if;
  if v_extension is not null and (
    exists (select 1 from public.profiles as p where p.sip_extension = v_extension)
    or exists (
      select 1 from public.account_requests as r
      where r.kind = 'invite' and r.status in ('queued', 'running') and r.sip_extension = v_extension
    )
  ) then
    raise exception using
      errcode = '23505', message = format('p_sip_extension: extension %s is already taken', v_extension);
  end if;

  insert into public.account_requests (kind, email, full_name, role, campaign_ids, sip_extension, requested_by)
  values ('invite', v_email, v_name, p_role, v_ids, v_extension, (select auth.uid()))
  returning * into v_row;
  perform pg_notify('account_requests', v_row.id::text);
  v_row.action_link := null;
  return v_row;
end;
$$;
comment on function public.invite_user(text, text, public.app_role, uuid[], text) is
'Queue the invitation of a new user (users.manage); the worker creates them and a one-time set-up link.';
revoke execute on function public.invite_user(text, text, public.app_role, uuid[], text) from public;
grant execute on function public.invite_user(text, text, public.app_role, uuid[], text) to authenticated;

-- Queues a request on an existing user (deactivate, reactivate, reset_password).
create function private.queue_account_request(p_kind text, p_profile public.profiles)
returns public.account_requests
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_row public.account_requests;
begin
  insert into public.account_requests (kind, user_id, email, full_name, role, requested_by)
  values (p_kind, p_profile.id, p_profile.email, p_profile.full_name, p_profile.role, (select auth.uid()))
  returning * into v_row;
  perform pg_notify('account_requests', v_row.id::text);
  v_row.action_link := null;
  return v_row;
end;
$$;
revoke execute on function private.queue_account_request(text, public.profiles) from public;

-- rpc/deactivate_user: the profile is inactive at once (every policy reads
-- only active profiles), the worker bans the user in Auth and ends their
-- sessions. Nobody deactivates themselves.
create function public.deactivate_user(p_user_id uuid) returns public.account_requests
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_profile public.profiles;
begin
  perform private.require_users_manage('p_user_id', 'deactivating a user');
  v_profile := private.account_target(p_user_id);
  if v_profile.id = (select auth.uid()) then
    raise exception using errcode = '42501', message = 'p_user_id: nobody deactivates themselves';
  end if;
  update public.profiles as p set active = false where p.id = v_profile.id and p.active;
  return private.queue_account_request('deactivate', v_profile);
end;
$$;
comment on function public.deactivate_user(uuid) is
'Deactivate a user (users.manage): inactive at once, banned and signed out in Auth by the worker.';
revoke execute on function public.deactivate_user(uuid) from public;
grant execute on function public.deactivate_user(uuid) to authenticated;

-- rpc/reactivate_user: active again at once; the worker lifts the Auth ban.
create function public.reactivate_user(p_user_id uuid) returns public.account_requests
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_profile public.profiles;
begin
  perform private.require_users_manage('p_user_id', 'reactivating a user');
  v_profile := private.account_target(p_user_id);
  update public.profiles as p set active = true where p.id = v_profile.id and not p.active;
  return private.queue_account_request('reactivate', v_profile);
end;
$$;
comment on function public.reactivate_user(uuid) is
'Reactivate a user (users.manage): active at once, the Auth ban lifted by the worker.';
revoke execute on function public.reactivate_user(uuid) from public;
grant execute on function public.reactivate_user(uuid) to authenticated;

-- rpc/reset_user_password: the worker makes a one-time recovery link for the
-- requester to hand over. A deactivated user gets none (PT409).
create function public.reset_user_password(p_user_id uuid) returns public.account_requests
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_profile public.profiles;
begin
  perform private.require_users_manage('p_user_id', 'resetting a password');
  v_profile := private.account_target(p_user_id);
  if not v_profile.active then
    raise exception using
      errcode = 'PT409', message = 'p_user_id: the user is deactivated; reactivate them first';
  end if;
  return private.queue_account_request('reset_password', v_profile);
end;
$$;
comment on function public.reset_user_password(uuid) is
'Queue a one-time password reset link for a user (users.manage); the requester reads it when done.';
revoke execute on function public.reset_user_password(uuid) from public;
grant execute on function public.reset_user_password(uuid) to authenticated;

-- rpc/set_user_campaigns: the user's memberships become exactly these
-- campaigns (agents as agent, supervisors and admins as supervisor). Returns
-- the memberships.
create function public.set_user_campaigns(p_user_id uuid, p_campaign_ids uuid[])
returns setof public.campaign_members
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_profile public.profiles;
  v_ids uuid[];
begin
  if not (private.has_permission('campaigns.manage') or private.has_permission('users.manage')) then
    raise exception using
      errcode = '42501', message = 'p_user_id: changing a user''s campaigns needs campaigns.manage or users.manage';
  end if;
  v_profile := private.account_target(p_user_id);
  if p_campaign_ids is null then
    raise exception using errcode = '22023', message = 'p_campaign_ids: required (an empty array removes every campaign)';
  end if;
  v_ids := private.checked_campaign_ids(p_campaign_ids);
  perform private.replace_memberships(v_profile.id, v_ids);
  return query select * from public.campaign_members as cm where cm.user_id = v_profile.id order by cm.campaign_id;
end;
$$;
comment on function public.set_user_campaigns(uuid, uuid[]) is
'Set a user''s campaigns to exactly p_campaign_ids (campaigns.manage or users.manage).';
revoke execute on function public.set_user_campaigns(uuid, uuid[]) from public;
grant execute on function public.set_user_campaigns(uuid, uuid[]) to authenticated;

-- rpc/account_request_link: the one-time link of a done invite or reset, for
-- its requester only (who must still hold users.manage); null until done.
create function public.account_request_link(p_request_id uuid) returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_row public.account_requests;
begin
  perform private.require_users_manage('p_request_id', 'reading a set-up link');
  select * into v_row from public.account_requests as r where r.id = p_request_id;
  if not found or v_row.requested_by is distinct from (select auth.uid()) then
    raise exception using errcode = 'PT404', message = 'p_request_id: not found or not yours';
  end if;
  return v_row.action_link;
end;
$$;
comment on function public.account_request_link(uuid) is
'The one-time set-up or reset link of the caller''s own account request (null until done).';
revoke execute on function public.account_request_link(uuid) from public;
grant execute on function public.account_request_link(uuid) to authenticated;

-- ============================================================================
-- Section - Who edits profiles
-- ============================================================================

-- Nobody changes their own role or deactivates themselves: an admin cannot
-- lock the last admin out by mistake from the users screen.
create function private.guard_own_profile() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.id = (select auth.uid()) then
    if new.role is distinct from old.role then
      raise exception using errcode = '42501', message = 'role: nobody changes their own role';
    end if;
    if old.active and not new.active then
      raise exception using errcode = '42501', message = 'active: nobody deactivates themselves';
    end if;
  end if;
  return new;
end;
$$;

create trigger profiles_guard_own
before update of role, active on public.profiles
for each row execute function private.guard_own_profile();

-- A role change carries the user's memberships along (an agent made a
-- supervisor now runs the campaigns they worked), which the membership rule
-- would otherwise refuse on their next change.
create function private.refit_memberships() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.campaign_members as cm
  set member_role = case when new.role = 'agent' then 'agent' else 'supervisor' end::public.campaign_member_role
  where
    cm.user_id = new.id
    and cm.member_role <> case when new.role = 'agent' then 'agent' else 'supervisor' end::public.campaign_member_role;
  return null;
end;
$$;

create trigger profiles_refit_memberships
after update of role on public.profiles
for each row when (old.role is distinct from new.role)
execute function private.refit_memberships();

-- ============================================================================
-- Section - The accounts worker's role
-- ============================================================================

do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles as r where r.rolname = 'crm_accounts') then
    create role crm_accounts login noinherit nosuperuser nocreatedb nocreaterole noreplication nobypassrls;
  end if;
end;
$$;
comment on role crm_accounts is
'The accounts worker (workers/accounts): invites, bans, set-up and reset links through the Auth admin API.';
grant usage on schema private to crm_accounts;
grant execute on function private.now() to crm_accounts;

-- ============================================================================
-- Section - The queue (lease protocol, workers/README.md)
-- ============================================================================

-- Claims the oldest p_limit requests that are queued or whose lease went
-- stale. A request waits while an older one on the same user is unfinished,
-- so a deactivation and the reactivation after it reach Auth in order.
-- Each request is a few short HTTP calls: no renew.
create function private.account_request_claim(
  p_worker text, p_limit integer default 1, p_stale_seconds integer default 120
) returns setof public.account_requests
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception using errcode = '22023', message = 'p_worker: required';
  end if;
  return query
  with picked as (
    select r.id
    from public.account_requests as r
    where
      (
        r.status = 'queued'
        or (r.status = 'running' and r.heartbeat_at < v_now - make_interval(secs => p_stale_seconds))
      )
      and not exists (
        select 1 from public.account_requests as e
        where
          e.user_id = r.user_id
          and e.status in ('queued', 'running')
          and (e.created_at, e.id) < (r.created_at, r.id)
      )
    order by r.created_at, r.id
    limit p_limit
    for update skip locked
  )
  update public.account_requests as r set
    status = 'running', attempts = r.attempts + 1, worker = p_worker, heartbeat_at = v_now, error = null
  from picked as p
  where r.id = p.id
  returning r.*;
end;
$$;
comment on function private.account_request_claim(text, integer, integer) is
'Accounts worker: claim the oldest queued or stale account requests; they are running, held by p_worker.';
revoke execute on function private.account_request_claim(text, integer, integer) from public;
grant execute on function private.account_request_claim(text, integer, integer) to crm_accounts;

-- The Auth user of an invite exists (created now or by an earlier attempt):
-- record it on the request and give the profile the requested name, role,
-- extension and campaigns. Idempotent. False: the claim was lost.
create function private.account_request_apply(p_id uuid, p_worker text, p_user_id uuid) returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_row public.account_requests;
begin
  select * into v_row from public.account_requests as r
  where r.id = p_id and r.worker = p_worker and r.status = 'running'
  for update;
  if not found then
    return false;
  end if;
  if p_user_id is null or not exists (select 1 from public.profiles as p where p.id = p_user_id) then
    raise exception using errcode = '22023', message = 'p_user_id: no profile for this user';
  end if;
  update public.account_requests as r set user_id = p_user_id, heartbeat_at = private.now()
  where r.id = p_id;
  if v_row.kind = 'invite' then
    update public.profiles as p set
      full_name = v_row.full_name, role = v_row.role, sip_extension = v_row.sip_extension
    where p.id = p_user_id
      and (p.full_name, p.role, p.sip_extension)
      is distinct from (v_row.full_name, v_row.role, v_row.sip_extension);
    perform private.replace_memberships(p_user_id, v_row.campaign_ids);
  end if;
  return true;
end;
$$;
comment on function private.account_request_apply(uuid, text, uuid) is
'Accounts worker: the invited user exists; record it and apply name, role, extension, campaigns.';
revoke execute on function private.account_request_apply(uuid, text, uuid) from public;
grant execute on function private.account_request_apply(uuid, text, uuid) to crm_accounts;

-- The Auth user of an e-mail, if any: an invite whose user an earlier attempt
-- created finds it again instead of failing or making a second one.
create function private.account_user_id(p_email text) returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select u.id from auth.users as u where lower(u.email) = lower(btrim(p_email)) limit 1
$$;
comment on function private.account_user_id(text) is
'Accounts worker: the Auth user id of an e-mail address, or null.';
revoke execute on function private.account_user_id(text) from public;
grant execute on function private.account_user_id(text) to crm_accounts;

-- Done, with the one-time link for invites and resets. False: the claim was lost.
create function private.account_request_finish(
  p_id uuid, p_worker text, p_action_link text default null, p_link_expires_at timestamptz default null
) returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
begin
  update public.account_requests as r set
    status = 'done', action_link = p_action_link, link_expires_at = p_link_expires_at,
    error = null, finished_at = v_now, heartbeat_at = v_now
  where r.id = p_id and r.worker = p_worker and r.status = 'running';
  return found;
end;
$$;
comment on function private.account_request_finish(uuid, text, text, timestamptz) is
'Accounts worker: request p_id is done (with its one-time link); false when the claim was lost.';
revoke execute on function private.account_request_finish(uuid, text, text, timestamptz) from public;
grant execute on function private.account_request_finish(uuid, text, text, timestamptz) to crm_accounts;

-- Failed: for good (p_final; the requester reads p_error) or queued again.
create function private.account_request_fail(p_id uuid, p_worker text, p_error text, p_final boolean)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update public.account_requests as r set
    status = case when p_final then 'failed' else 'queued' end,
    error = left(coalesce(p_error, 'failed'), 2000),
    finished_at = case when p_final then private.now() end,
    worker = case when p_final then r.worker end,
    heartbeat_at = case when p_final then r.heartbeat_at end
  where r.id = p_id and r.worker = p_worker and r.status = 'running';
  return found;
end;
$$;
comment on function private.account_request_fail(uuid, text, text, boolean) is
'Accounts worker: request p_id failed, for good (p_final) or back to the queue.';
revoke execute on function private.account_request_fail(uuid, text, text, boolean) from public;
grant execute on function private.account_request_fail(uuid, text, text, boolean) to crm_accounts;

-- Every request p_worker holds goes back to the queue (reconnect, stop).
create function private.account_request_release(p_worker text) returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_released integer;
begin
  update public.account_requests as r set
    status = 'queued', worker = null, heartbeat_at = null,
    error = format('given back by worker %s (it stopped or reconnected)', p_worker)
  where r.worker = p_worker and r.status = 'running';
  get diagnostics v_released = row_count;
  return v_released;
end;
$$;
comment on function private.account_request_release(text) is
'Accounts worker: give back every account request p_worker holds (reconnect, stop); how many.';
revoke execute on function private.account_request_release(text) from public;
grant execute on function private.account_request_release(text) to crm_accounts;

-- ============================================================================
-- Section - Realtime
-- ============================================================================

-- The users screen follows its requests, the permission matrix and the
-- profiles live (RLS applies per subscriber; action_link is never sent).
alter publication supabase_realtime add table public.account_requests;
alter publication supabase_realtime add table public.role_permissions;
alter publication supabase_realtime add table public.profiles;
