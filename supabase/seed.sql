-- Demo data for a fresh database (`supabase db reset`, or the first `scripts/up`).
--
-- Deterministic: fixed ids, no random(). Every demo account's password is
-- demo-password-2026 (DEMO_PASSWORD in .local/stack.env; README).

-- ============================================================================
-- Section - Demo accounts
-- ============================================================================

-- Created as Supabase Auth creates users: bcrypt password, confirmed email,
-- the role in app_metadata (read by the profile trigger).
insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at
)
select
  '00000000-0000-0000-0000-000000000000'::uuid as instance_id,
  u.id,
  'authenticated' as aud,
  'authenticated' as role,
  u.email,
  extensions.crypt('demo-password-2026', extensions.gen_salt('bf', 10)) as encrypted_password,
  now() as email_confirmed_at,
  jsonb_build_object('provider', 'email', 'providers', array['email'], 'role', u.role) as raw_app_meta_data,
  jsonb_build_object('full_name', u.full_name) as raw_user_meta_data,
  now() as created_at,
  now() as updated_at
from (
  values
  ('00000000-0000-4000-a000-000000000001'::uuid, 'admin@demo.test', 'admin', 'Ana Administradora'),
  ('00000000-0000-4000-a000-000000000011'::uuid, 'supervisor1@demo.test', 'supervisor', 'Sergio Ruiz'),
  ('00000000-0000-4000-a000-000000000012'::uuid, 'supervisor2@demo.test', 'supervisor', 'Guadalupe Hernández'),
  ('00000000-0000-4000-a000-000000000101'::uuid, 'agent1@demo.test', 'agent', 'Lucía García'),
  ('00000000-0000-4000-a000-000000000102'::uuid, 'agent2@demo.test', 'agent', 'Javier Martínez'),
  ('00000000-0000-4000-a000-000000000103'::uuid, 'agent3@demo.test', 'agent', 'Carmen López'),
  ('00000000-0000-4000-a000-000000000104'::uuid, 'agent4@demo.test', 'agent', 'Pablo Sánchez'),
  ('00000000-0000-4000-a000-000000000105'::uuid, 'agent5@demo.test', 'agent', 'María José Ramírez'),
  ('00000000-0000-4000-a000-000000000106'::uuid, 'agent6@demo.test', 'agent', 'Diego Torres'),
  ('00000000-0000-4000-a000-000000000107'::uuid, 'agent7@demo.test', 'agent', 'Fernanda Flores'),
  ('00000000-0000-4000-a000-000000000108'::uuid, 'agent8@demo.test', 'agent', 'Alejandro Cruz')
) as u (id, email, role, full_name);

-- Agents' SIP extensions: agent1 is 1001 ... agent8 is 1008.
update public.profiles
set sip_extension = (1000 + substring(email from '^agent([0-9]+)@')::int)::text
where email ~ '^agent[0-9]+@demo\.test$';
