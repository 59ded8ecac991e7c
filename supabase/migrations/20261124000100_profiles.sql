-- Profiles and roles: who each signed-in user is in the call center.
--
-- Every auth.users row gets a profile (created by trigger) carrying the
-- user's role: admin, supervisor or agent. Finer rights are permissions
-- (next migration). Helpers that policies call live in the unexposed schema
-- `private`, as security definer functions with an empty search_path.

-- ============================================================================
-- Section - Schemas and types
-- ============================================================================

-- Security definer helpers: PostgREST does not expose this schema.
create schema if not exists private;
grant usage on schema private to authenticated, service_role;

create type public.app_role as enum ('admin', 'supervisor', 'agent');
comment on type public.app_role is 'A user''s place in the call center; rights come from role_permissions.';

-- Keeps updated_at honest on every table that has one.
create function private.set_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

-- ============================================================================
-- Section - Profiles
-- ============================================================================

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  email text not null,
  full_name text not null default '',
  role public.app_role not null default 'agent',
  locale text not null default 'es' check (locale in ('es', 'en')),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.profiles is 'One row per auth user: name, role and locale. Created by trigger on auth.users.';
create index profiles_role_idx on public.profiles (role);

create trigger profiles_set_updated_at
before update on public.profiles
for each row execute function private.set_updated_at();

alter table public.profiles enable row level security;
grant select, update on public.profiles to authenticated;
grant all on public.profiles to service_role;

-- ============================================================================
-- Section - Profile helpers
-- ============================================================================

-- The signed-in user's role, or null (anon, unknown or deactivated user).
create function private.current_app_role() returns public.app_role
language sql
stable
security definer
set search_path = ''
as $$
  select p.role
  from public.profiles as p
  where p.id = (select auth.uid()) and p.active
$$;
revoke execute on function private.current_app_role() from public;
grant execute on function private.current_app_role() to authenticated, service_role;

-- ============================================================================
-- Section - Triggers on auth.users
-- ============================================================================

-- A new auth user gets a profile. The role comes from app_metadata, which only
-- the service role (the Auth admin API) can set; a user cannot pick their own.
create function private.create_profile_for_new_user() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.profiles (id, email, full_name, role)
  values (
    new.id,
    coalesce(new.email, ''),
    coalesce(new.raw_user_meta_data ->> 'full_name', ''),
    coalesce((new.raw_app_meta_data ->> 'role')::public.app_role, 'agent')
  );
  return new;
end;
$$;

create trigger on_auth_user_created
after insert on auth.users
for each row execute function private.create_profile_for_new_user();

-- The profile's email follows the auth user's.
create function private.sync_profile_email() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.profiles set email = coalesce(new.email, '') where id = new.id;
  return new;
end;
$$;

create trigger on_auth_user_email_changed
after update of email on auth.users
for each row when (old.email is distinct from new.email)
execute function private.sync_profile_email();
