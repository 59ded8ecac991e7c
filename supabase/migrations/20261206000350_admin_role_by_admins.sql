-- Only an admin makes an admin. users.manage may be given to another role
-- (the permission matrix); its holder could otherwise invite a second
-- account of their own as admin, or promote one, and hold every right. So:
-- rpc/invite_user with p_role admin, a profile's role changed to or from
-- admin, and deactivating an admin (rpc/deactivate_user or a PATCH of
-- active) need the caller to be an admin themselves (42501). The service role
-- and direct connections (no auth.uid()) are trusted, as elsewhere.

create or replace function public.invite_user(
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
  if p_role = 'admin' and not private.is_admin() then
    raise exception using errcode = '42501', message = 'p_role: only an admin invites an admin';
  end if;
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

create or replace function public.deactivate_user(p_user_id uuid) returns public.account_requests
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
  if v_profile.role = 'admin' and not private.is_admin() then
    raise exception using errcode = '42501', message = 'p_user_id: only an admin deactivates an admin';
  end if;
  update public.profiles as p set active = false where p.id = v_profile.id and p.active;
  delete from auth.sessions as s where s.user_id = v_profile.id;
  return private.queue_account_request('deactivate', v_profile);
end;
$$;

create or replace function private.guard_own_profile() returns trigger
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
  if (select auth.uid()) is not null and not private.is_admin() and (
    (new.role = 'admin' and old.role is distinct from 'admin')
    or (old.role = 'admin' and (new.role is distinct from 'admin' or (old.active and not new.active)))
  ) then
    raise exception using errcode = '42501', message = 'role: only an admin makes, unmakes or deactivates an admin';
  end if;
  return new;
end;
$$;
