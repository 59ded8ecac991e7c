-- A deactivated user is signed out at once, and again once banned.
--
-- Supabase Auth's ban (ban_duration, set by the accounts worker) refuses new
-- sign-ins and refreshes but ends no session: GoTrue's User.Ban only sets
-- banned_until. Access tokens already issued would then keep passing
-- PostgREST's pre-request check (guard.check_request, which asks whether the
-- token's session still exists) until they expire. So rpc/deactivate_user
-- deletes the user's sessions (auth.sessions; their refresh tokens go with
-- them) in the same transaction that makes the profile inactive, and the
-- worker's finish of a deactivation deletes them again, for a sign-in that
-- slipped in before the ban.

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
  update public.profiles as p set active = false where p.id = v_profile.id and p.active;
  delete from auth.sessions as s where s.user_id = v_profile.id;
  return private.queue_account_request('deactivate', v_profile);
end;
$$;

create or replace function private.account_request_finish(
  p_id uuid, p_worker text, p_action_link text default null, p_link_expires_at timestamptz default null
) returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_row public.account_requests;
begin
  update public.account_requests as r set
    status = 'done', action_link = p_action_link, link_expires_at = p_link_expires_at,
    error = null, finished_at = v_now, heartbeat_at = v_now
  where r.id = p_id and r.worker = p_worker and r.status = 'running'
  returning r.* into v_row;
  if not found then
    return false;
  end if;
  if v_row.kind = 'deactivate' then
    delete from auth.sessions as s where s.user_id = v_row.user_id;
  end if;
  return true;
end;
$$;
