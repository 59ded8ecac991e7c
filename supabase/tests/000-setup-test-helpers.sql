-- Test helpers for every pgTAP file: impersonate users the way PostgREST does.
--
-- Runs first (its name sorts first) and commits, so the other files can use
-- tests.authenticate_as(email). Installed only in test databases, never by a
-- migration. Mirrors basejump's supabase_test_helpers.
begin;
select plan(1);

create schema if not exists tests;
grant usage on schema tests to anon, authenticated, service_role;

-- Become the given demo account for the rest of the transaction: role
-- authenticated plus the JWT claims PostgREST would set.
create or replace function tests.authenticate_as(p_email text) returns void
language plpgsql
as $$
declare
  v_user_id uuid;
begin
  perform set_config('role', 'none', true); -- back to the test's role to look the user up
  select u.id into v_user_id from auth.users as u where u.email = p_email;
  if v_user_id is null then
    raise exception 'tests.authenticate_as: no user with email %', p_email;
  end if;
  perform set_config('role', 'authenticated', true);
  perform set_config(
    'request.jwt.claims',
    json_build_object('sub', v_user_id, 'role', 'authenticated', 'email', p_email)::text,
    true
  );
end;
$$;

-- Become the anonymous API caller (the anon key and no user).
create or replace function tests.authenticate_as_anon() returns void
language plpgsql
as $$
begin
  perform set_config('role', 'anon', true);
  perform set_config('request.jwt.claims', '{"role": "anon"}', true);
end;
$$;

-- Become the service role (workers).
create or replace function tests.authenticate_as_service_role() returns void
language plpgsql
as $$
begin
  perform set_config('role', 'service_role', true);
  perform set_config('request.jwt.claims', '{"role": "service_role"}', true);
end;
$$;

-- Back to the test's own role, with no JWT.
create or replace function tests.clear_authentication() returns void
language plpgsql
as $$
begin
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', '', true);
end;
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;

select has_function('tests', 'authenticate_as', array['text'], 'test helpers are installed');

select * from finish();
commit;
