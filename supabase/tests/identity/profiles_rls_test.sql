-- public.profiles: who sees and changes which profile, for every role.
begin;
select plan(17);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

-- anon: nothing at all
select tests.authenticate_as_anon();
select throws_ok('select * from public.profiles', '42501', null, 'anon cannot read profiles');
select throws_ok(
  $$update public.profiles set full_name = 'x'$$, '42501', null, 'anon cannot update profiles'
);

-- agent: own row only
select tests.authenticate_as('a1@t.test');
select results_eq(
  'select email from public.profiles order by email',
  $$values ('a1@t.test'), ('supa@t.test')$$,
  'an agent sees its own profile and its campaigns'' supervisors, no other agent'
);
select is_empty(
  $$update public.profiles set full_name = 'x' where email = 'a2@t.test' returning id$$,
  'an agent cannot update another profile (row hidden)'
);
select lives_ok(
  $$update public.profiles set full_name = 'Lucía G.' where email = 'a1@t.test'$$,
  'an agent can rename itself'
);
select throws_ok(
  $$update public.profiles set role = 'admin' where email = 'a1@t.test'$$,
  '42501', 'role: needs users.manage; users edit only their own full_name and locale',
  'an agent cannot raise its own role'
);
select throws_ok(
  $$update public.profiles set active = false where email = 'a1@t.test'$$,
  '42501', 'active: needs users.manage; users edit only their own full_name and locale',
  'an agent cannot change its own activity'
);
select throws_ok(
  $$insert into public.profiles (id, email) values (gen_random_uuid(), 'x@t.test')$$,
  '42501', null, 'an agent cannot insert profiles'
);
select throws_ok(
  $$delete from public.profiles where email = 'a1@t.test'$$,
  '42501', null, 'an agent cannot delete profiles'
);

-- supervisor: cannot promote itself either
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$update public.profiles set role = 'admin' where email = 'supa@t.test'$$,
  '42501', null, 'a supervisor cannot raise its own role'
);
select is_empty(
  $$update public.profiles set role = 'admin' where email = 'adm@t.test' returning id$$,
  'a supervisor cannot change the admin''s profile'
);

-- admin: everything but inserts and deletes (those go through Supabase Auth)
select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select email from public.profiles where email like '%@t.test' order by email$$,
  $$values ('a1@t.test'), ('a2@t.test'), ('adm@t.test'), ('b1@t.test'), ('supa@t.test'), ('supb@t.test')$$,
  'an admin sees every profile'
);
select lives_ok(
  $$update public.profiles set role = 'supervisor' where email = 'b1@t.test'$$,
  'an admin can change a role'
);
select is(
  (select role from public.profiles where email = 'b1@t.test'),
  'supervisor'::public.app_role,
  'and the change is there'
);
select throws_ok(
  $$delete from public.profiles where email = 'b1@t.test'$$,
  '42501', null, 'not even an admin deletes profiles through the API'
);

-- the service role (Auth admin API, workers)
select tests.authenticate_as_service_role();
select results_eq(
  $$select email from public.profiles where email like '%@t.test' order by email$$,
  $$values ('a1@t.test'), ('a2@t.test'), ('adm@t.test'), ('b1@t.test'), ('supa@t.test'), ('supb@t.test')$$,
  'the service role sees every profile'
);

-- the trigger on auth.users: a new user gets a profile with the role from app_metadata
-- (inserting the user by hand is the point here: it is what the trigger fires on)
select tests.clear_authentication();
insert into auth.users (id, email, raw_app_meta_data, raw_user_meta_data)
values (
  '00000000-0000-4000-b000-000000000001', 'new.supervisor@t.test',
  '{"role": "supervisor"}', '{"full_name": "Nueva", "role": "admin"}'
);
select is(
  (select role from public.profiles where email = 'new.supervisor@t.test'),
  'supervisor'::public.app_role,
  'a new user''s role comes from app_metadata, never from user_metadata'
);

select * from finish();
rollback;
