-- The permission matrix (migration 20261206000320): permissions.manage adds
-- and removes grants through the table, effective on the next call of
-- has_permission; everyone signed in reads every grant (the matrix screen
-- needs them all); the admin role never loses permissions.manage or
-- users.manage, whoever asks and however.
begin;
select plan(20);

select tests.create_two_campaigns();

-- ============================================================================
-- The guard
-- ============================================================================

select tests.authenticate_as('adm@t.test');
select throws_ok(
  $$delete from public.role_permissions where role = 'admin' and permission = 'users.manage'$$,
  '42501', 'permission: the admin role always keeps users.manage', 'the admin role cannot lose users.manage'
);
select throws_ok(
  $$delete from public.role_permissions where role = 'admin' and permission = 'permissions.manage'$$,
  '42501', 'permission: the admin role always keeps permissions.manage', 'nor permissions.manage'
);
select throws_ok(
  $$delete from public.role_permissions where role = 'admin'$$,
  '42501', null, 'not even in a delete of every admin grant'
);
select throws_ok(
  $$update public.role_permissions set permission = 'reports.view'
    where role = 'admin' and permission = 'users.manage'$$,
  '42501', 'permission: the admin role always keeps users.manage', 'nor by changing the grant'
);
select throws_ok(
  $$update public.role_permissions set role = 'supervisor' where role = 'admin' and permission = 'permissions.manage'$$,
  '42501', 'permission: the admin role always keeps permissions.manage', 'or moving it to another role'
);
select throws_ok(
  $$delete from public.permissions where key = 'users.manage'$$,
  '42501', 'permission: the admin role always keeps users.manage', 'nor by removing the permission itself'
);
select tests.clear_authentication();
select throws_ok(
  $$delete from public.role_permissions where role = 'admin' and permission = 'users.manage'$$,
  '42501', 'permission: the admin role always keeps users.manage', 'the rule holds for a direct connection too'
);
select tests.authenticate_as_service_role();
select throws_ok(
  $$delete from public.role_permissions where role = 'admin' and permission = 'permissions.manage'$$,
  '42501', 'permission: the admin role always keeps permissions.manage', 'and for the service role'
);

-- ============================================================================
-- Editing the matrix, effective at once
-- ============================================================================

select tests.authenticate_as('adm@t.test');
select lives_ok(
  $$delete from public.role_permissions where role = 'admin' and permission = 'reports.view'$$,
  'an admin removes another of the admin role''s grants'
);
select is(public.has_permission('reports.view'), false, 'which holds from the next call');
select lives_ok(
  $$insert into public.role_permissions (role, permission) values ('admin', 'reports.view'),
    ('supervisor', 'leads.delete')$$,
  'and adds grants'
);
select is(public.has_permission('reports.view'), true, 'back at once');
select tests.authenticate_as('supa@t.test');
select is(public.has_permission('leads.delete'), true, 'the supervisor holds the new grant at once');
select lives_ok(
  $$select * from public.role_permissions$$, 'and reads the matrix'
);
select is(
  (select count(*)::integer from public.role_permissions where role <> 'supervisor'),
  (select count(*)::integer from public.permissions) + 0 + (
    select count(*)::integer from public.role_permissions where role = 'agent'
  ),
  'every row of it, other roles'' too'
);
select throws_ok(
  $$insert into public.role_permissions (role, permission) values ('supervisor', 'users.manage')$$,
  '42501', null, 'but without permissions.manage cannot grant'
);
select is_empty(
  $$delete from public.role_permissions where role = 'supervisor' returning permission$$,
  'or revoke'
);
select tests.authenticate_as('a1@t.test');
select is(
  (select count(*)::integer from public.role_permissions where role = 'admin'),
  (select count(*)::integer from public.permissions),
  'an agent reads every role''s grants (the admin role''s too)'
);
select tests.clear_authentication();
select is(
  (select count(*)::integer from public.role_permissions where role = 'admin'),
  (select count(*)::integer from public.permissions),
  'the admin role holds every permission'
);
insert into public.role_permissions (role, permission) values ('supervisor', 'permissions.manage');
select tests.authenticate_as('supa@t.test');
select lives_ok(
  $$delete from public.role_permissions where role = 'supervisor' and permission = 'leads.delete'$$,
  'permissions.manage is what edits the matrix, whatever the role'
);
select tests.clear_authentication();

select * from finish();
rollback;
