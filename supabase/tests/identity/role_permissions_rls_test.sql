-- public.permissions and public.role_permissions: readable by signed-in users,
-- writable only with permissions.manage.
begin;
select plan(12);

select tests.authenticate_as_anon();
select throws_ok('select * from public.permissions', '42501', null, 'anon cannot read permissions');
select throws_ok('select * from public.role_permissions', '42501', null, 'anon cannot read grants');

select tests.authenticate_as('agent1@demo.test');
select ok(
  (select count(*) from public.permissions where key in ('users.manage', 'recordings.listen', 'compliance.manage')) = 3,
  'an agent can read the permission list'
);
select throws_ok(
  $$insert into public.role_permissions (role, permission) values ('agent', 'reports.view')$$,
  '42501', null, 'an agent cannot grant itself a permission'
);
select is_empty(
  $$delete from public.role_permissions where role = 'admin' returning permission$$,
  'an agent cannot revoke grants'
);
select throws_ok(
  $$insert into public.permissions (key, description) values ('calls.spy', 'x')$$,
  '42501', null, 'an agent cannot invent permissions'
);

select tests.authenticate_as('supervisor1@demo.test');
select throws_ok(
  $$insert into public.role_permissions (role, permission) values ('supervisor', 'users.manage')$$,
  '42501', null, 'a supervisor cannot grant itself users.manage'
);
select is_empty(
  $$update public.role_permissions set role = 'supervisor' where role = 'admin' returning role$$,
  'a supervisor cannot move the admin''s grants'
);

select tests.authenticate_as('admin@demo.test');
select lives_ok(
  $$insert into public.role_permissions (role, permission) values ('agent', 'reports.view')$$,
  'an admin can grant a permission'
);
select lives_ok(
  $$insert into public.permissions (key, description) values ('calls.whisper', 'Whisper to an agent')$$,
  'an admin can add a permission'
);
select isnt_empty(
  $$delete from public.role_permissions where role = 'agent' returning permission$$,
  'an admin can revoke a grant'
);
select throws_ok(
  $$insert into public.permissions (key, description) values ('Not A Key', 'x')$$,
  '23514', null, 'permission keys are area.action'
);

select * from finish();
rollback;
