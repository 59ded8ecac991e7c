-- rpc/has_permission: each role's default grants (docs/interface.md, "Default permissions");
-- bad input is an error.
begin;
select plan(10);

select tests.authenticate_as('admin@demo.test');
select ok(public.has_permission('users.manage'), 'admin holds users.manage');
select ok(public.has_permission('leads.delete'), 'admin holds leads.delete');

select tests.authenticate_as('supervisor2@demo.test');
select ok(public.has_permission('sales.validate'), 'a supervisor holds sales.validate');
select ok(public.has_permission('reports.view'), 'a supervisor holds reports.view');
select ok(not public.has_permission('users.manage'), 'a supervisor lacks users.manage');
select ok(not public.has_permission('leads.delete'), 'a supervisor lacks leads.delete');

select tests.authenticate_as('agent3@demo.test');
select ok(not public.has_permission('sales.validate'), 'an agent lacks sales.validate');
select ok(not public.has_permission('leads.assign'), 'an agent lacks leads.assign');
select throws_ok(
  $$select public.has_permission('reports.veiw')$$,
  '22023', 'p_permission: unknown permission ''reports.veiw''',
  'an unknown permission is an error, not a silent false'
);

select tests.authenticate_as_anon();
select throws_ok(
  $$select public.has_permission('reports.view')$$, '42501', null, 'anon cannot call has_permission'
);

select * from finish();
rollback;
