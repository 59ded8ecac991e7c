-- A new Auth user's profile takes at most 200 characters of the full_name in
-- its user metadata (profiles_full_name_length, migration 20261204005000).
--
-- The profile is made by a trigger on auth.users: a refusal there fails the
-- Auth request itself, and Auth answers a failing trigger with a 500
-- ("Database error saving new user"), not a 4xx naming the field. The name
-- in the metadata is the Auth user's and stays whole there; the profile's
-- copy is cut to the column's limit. Edits through the API (PATCH
-- /profiles) are still refused past 200 characters, never cut.
create or replace function private.create_profile_for_new_user() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.profiles (id, email, full_name, role)
  values (
    new.id,
    coalesce(new.email, ''),
    left(coalesce(new.raw_user_meta_data ->> 'full_name', ''), 200),
    coalesce((new.raw_app_meta_data ->> 'role')::public.app_role, 'agent')
  );
  return new;
end;
$$;
