-- Test helpers for every pgTAP file: impersonate users the way PostgREST does.
--
-- Runs first (its name sorts first) and commits, so the other files can use
-- tests.authenticate_as(email). Installed only in test databases, never by a
-- migration. Mirrors basejump's supabase_test_helpers.
begin;
select plan(1);

create schema if not exists tests;
grant usage on schema tests
to anon, authenticated, service_role, crm_ami_bridge, crm_reporting, crm_recordings, crm_presence, crm_accounts,
crm_lead_import, crm_dialer;

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

-- Become one of the workers' database roles (crm_ami_bridge, crm_reporting,
-- crm_recordings, crm_presence, crm_accounts, crm_lead_import, crm_dialer), as
-- the worker connects: no JWT, only its own grants.
create or replace function tests.authenticate_as_worker(p_role text) returns void
language plpgsql
as $$
begin
  if p_role not in ('crm_ami_bridge', 'crm_reporting', 'crm_recordings', 'crm_presence', 'crm_accounts',
    'crm_lead_import', 'crm_dialer') then
    raise exception 'tests.authenticate_as_worker: % is not a worker role', p_role;
  end if;
  perform set_config('role', p_role, true);
  perform set_config('request.jwt.claims', '', true);
end;
$$;

-- The test role may become the workers' roles (test databases only). They
-- also need usage on schema extensions to call pgTAP's functions; only its
-- owner (supabase_admin) can grant that, so the test runner does
-- (tests/test_database_tooling.py).
grant crm_ami_bridge to postgres;
grant crm_reporting to postgres;
grant crm_recordings to postgres;
grant crm_presence to postgres;
grant crm_accounts to postgres;
grant crm_lead_import to postgres;
grant crm_dialer to postgres;

-- Back to the test's own role, with no JWT.
create or replace function tests.clear_authentication() returns void
language plpgsql
as $$
begin
  perform set_config('role', 'none', true);
  perform set_config('request.jwt.claims', '', true);
end;
$$;

-- The fixture most files share, created as the test's own role before it
-- impersonates anyone: campaign A run by supa@t.test with agents a1 and a2,
-- campaign B run by supb@t.test with agent b1, an admin, one product per
-- campaign, and leads: a1's, a2's, one in A's pool, and b1's. Rolled back
-- with the test's transaction.
create or replace function tests.create_two_campaigns() returns void
language sql
as $$
  insert into auth.users (id, email, raw_app_meta_data, raw_user_meta_data)
  select
    u.id::uuid as id,
    u.email,
    jsonb_build_object('role', u.role) as raw_app_meta_data,
    jsonb_build_object('full_name', u.email) as raw_user_meta_data
  from (
    values
    ('f0000000-0000-4000-8000-000000000001', 'adm@t.test', 'admin'),
    ('f0000000-0000-4000-8000-000000000011', 'supa@t.test', 'supervisor'),
    ('f0000000-0000-4000-8000-000000000012', 'supb@t.test', 'supervisor'),
    ('f0000000-0000-4000-8000-000000000101', 'a1@t.test', 'agent'),
    ('f0000000-0000-4000-8000-000000000102', 'a2@t.test', 'agent'),
    ('f0000000-0000-4000-8000-000000000201', 'b1@t.test', 'agent')
  ) as u (id, email, role);

  insert into public.campaigns (id, name, status, calling_days, max_attempts, retry_delays) values
  ('c0000000-0000-4000-8000-00000000000a', 'Test A', 'active', '{1,2,3,4,5,6,7}', 3, '{01:00:00,1 day}'),
  ('c0000000-0000-4000-8000-00000000000b', 'Test B', 'active', '{1,2,3,4,5,6,7}', 3, '{01:00:00,1 day}');

  insert into public.campaign_members (campaign_id, user_id, member_role) values
  ('c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000011', 'supervisor'),
  ('c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', 'agent'),
  ('c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000102', 'agent'),
  ('c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000012', 'supervisor'),
  ('c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000201', 'agent');

  insert into public.products (id, code, name, insurance_line, premium, currency) values
  ('d0000000-0000-4000-8000-00000000000a', 'T-LIFE-A', 'Vida A', 'life', 20.00, 'EUR'),
  ('d0000000-0000-4000-8000-00000000000b', 'T-HOME-B', 'Hogar B', 'home', 30.00, 'MXN');

  insert into public.campaign_products (campaign_id, product_id) values
  ('c0000000-0000-4000-8000-00000000000a', 'd0000000-0000-4000-8000-00000000000a'),
  ('c0000000-0000-4000-8000-00000000000b', 'd0000000-0000-4000-8000-00000000000b');

  insert into public.leads (id, campaign_id, owner_id, first_name, phone, time_zone) values
  (
    'e0000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-00000000000a',
    'f0000000-0000-4000-8000-000000000101', 'Lucía', '+34600000001', 'Europe/Madrid'
  ),
  (
    'e0000000-0000-4000-8000-0000000000a2', 'c0000000-0000-4000-8000-00000000000a',
    'f0000000-0000-4000-8000-000000000102', 'Javier', '+34600000002', 'Europe/Madrid'
  ),
  (
    'e0000000-0000-4000-8000-0000000000a3', 'c0000000-0000-4000-8000-00000000000a',
    null, 'Carmen', '+34600000003', 'Atlantic/Canary'
  ),
  (
    'e0000000-0000-4000-8000-0000000000b1', 'c0000000-0000-4000-8000-00000000000b',
    'f0000000-0000-4000-8000-000000000201', 'Diego', '+525512345678', 'America/Mexico_City'
  );
$$;

grant execute on all functions in schema tests
to anon, authenticated, service_role, crm_ami_bridge, crm_reporting, crm_recordings, crm_presence, crm_accounts,
crm_lead_import, crm_dialer;

select has_function('tests', 'authenticate_as', array['text'], 'test helpers are installed');

select * from finish();
commit;
