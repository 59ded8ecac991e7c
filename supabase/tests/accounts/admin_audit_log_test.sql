-- public.admin_audit_log (migration 20261206000310): a row for every insert,
-- update and delete of campaigns, campaign_members, campaign_products,
-- products, profiles, role_permissions and permissions, and for every account
-- request made; who (auth.uid(), the actor kind, the database login), the
-- key, the changed fields, before and after. Append-only for every role;
-- read by users.manage or permissions.manage only.
begin;
select plan(40);

select tests.create_two_campaigns();
-- Only this test's rows from here on.
create temporary table mark as select coalesce(max(id), 0) as id from public.admin_audit_log;
grant select on mark to authenticated, service_role;

-- The newest audit row of a table, from this test.
create function pg_temp.last_audit(p_table text)
returns table (
  record_key jsonb, operation text, changed_fields text[], old_values jsonb, new_values jsonb,
  changed_by uuid, actor text, db_role text
)
language sql as $$
  select l.record_key, l.operation, l.changed_fields, l.old_values, l.new_values, l.changed_by, l.actor, l.db_role
  from public.admin_audit_log as l
  where l.table_name = p_table and l.id > (select m.id from mark as m)
  order by l.id desc limit 1
$$;
grant execute on function pg_temp.last_audit(text) to authenticated, service_role;

-- ============================================================================
-- One row per change, for each audited table
-- ============================================================================

select tests.authenticate_as('adm@t.test');
update public.campaigns set name = 'Test A2' where id = 'c0000000-0000-4000-8000-00000000000a';
select results_eq(
  $$select * from pg_temp.last_audit('campaigns')$$,
  $$values ('{"id": "c0000000-0000-4000-8000-00000000000a"}'::jsonb, 'update', array['name'],
    '{"name": "Test A"}'::jsonb, '{"name": "Test A2"}'::jsonb,
    'f0000000-0000-4000-8000-000000000001'::uuid, 'user', session_user::text collate "default")$$,
  'a campaign''s update: its key, the changed field, before and after, who'
);
insert into public.campaigns (id, name) values ('c0000000-0000-4000-8000-0000000000cc', 'Nueva');
select results_eq(
  $$select operation, new_values ->> 'name', old_values from pg_temp.last_audit('campaigns')$$,
  $$values ('insert', 'Nueva', null::jsonb)$$, 'a campaign''s creation, with every value set'
);
delete from public.campaigns where id = 'c0000000-0000-4000-8000-0000000000cc';
select results_eq(
  $$select operation, old_values ->> 'name', new_values from pg_temp.last_audit('campaigns')$$,
  $$values ('delete', 'Nueva', null::jsonb)$$, 'and its removal, with what it was'
);

insert into public.campaign_members (campaign_id, user_id, member_role)
values ('c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000102', 'agent');
select results_eq(
  $$select record_key, operation from pg_temp.last_audit('campaign_members')$$,
  $$values (
    '{"campaign_id": "c0000000-0000-4000-8000-00000000000b", "user_id": "f0000000-0000-4000-8000-000000000102"}'::jsonb,
    'insert')$$,
  'a membership added: keyed by campaign and user'
);
delete from public.campaign_members
where campaign_id = 'c0000000-0000-4000-8000-00000000000b' and user_id = 'f0000000-0000-4000-8000-000000000102';
select is((select operation from pg_temp.last_audit('campaign_members')), 'delete', 'and removed');

delete from public.campaign_products
where campaign_id = 'c0000000-0000-4000-8000-00000000000a' and product_id = 'd0000000-0000-4000-8000-00000000000a';
select results_eq(
  $$select record_key, operation from pg_temp.last_audit('campaign_products')$$,
  $$values (
    '{"campaign_id": "c0000000-0000-4000-8000-00000000000a", "product_id": "d0000000-0000-4000-8000-00000000000a"}'::jsonb,
    'delete')$$,
  'a product taken off a campaign'
);
insert into public.campaign_products (campaign_id, product_id)
values ('c0000000-0000-4000-8000-00000000000a', 'd0000000-0000-4000-8000-00000000000a');
select is((select operation from pg_temp.last_audit('campaign_products')), 'insert', 'and put back');

update public.products set premium = 25.00 where id = 'd0000000-0000-4000-8000-00000000000a';
select results_eq(
  $$select record_key, changed_fields, old_values, new_values from pg_temp.last_audit('products')$$,
  $$values ('{"id": "d0000000-0000-4000-8000-00000000000a"}'::jsonb, array['premium'],
    '{"premium": 20.00}'::jsonb, '{"premium": 25.00}'::jsonb)$$,
  'a product''s premium change'
);

update public.profiles set full_name = 'Agente Uno', sip_extension = '4500'
where id = 'f0000000-0000-4000-8000-000000000101';
select results_eq(
  $$select record_key, changed_fields, old_values ->> 'full_name', new_values ->> 'sip_extension'
    from pg_temp.last_audit('profiles')$$,
  $$values ('{"id": "f0000000-0000-4000-8000-000000000101"}'::jsonb, array['full_name', 'sip_extension'],
    'a1@t.test', '4500')$$,
  'a user''s name and extension changed'
);

insert into public.role_permissions (role, permission) values ('supervisor', 'leads.delete');
select results_eq(
  $$select record_key, operation from pg_temp.last_audit('role_permissions')$$,
  $$values ('{"role": "supervisor", "permission": "leads.delete"}'::jsonb, 'insert')$$,
  'a grant in the permission matrix'
);
delete from public.role_permissions where role = 'supervisor' and permission = 'leads.delete';
select is((select operation from pg_temp.last_audit('role_permissions')), 'delete', 'and its revocation');

insert into public.permissions (key, description) values ('test.thing', 'A test permission');
select results_eq(
  $$select record_key, operation from pg_temp.last_audit('permissions')$$,
  $$values ('{"key": "test.thing"}'::jsonb, 'insert')$$, 'a permission added'
);
update public.permissions set description = 'Changed' where key = 'test.thing';
select results_eq(
  $$select changed_fields, new_values from pg_temp.last_audit('permissions')$$,
  $$values (array['description'], '{"description": "Changed"}'::jsonb)$$, 'changed'
);
delete from public.permissions where key = 'test.thing';
select is((select operation from pg_temp.last_audit('permissions')), 'delete', 'and removed');

select null from public.invite_user('audit@t.test', 'Auditada', 'agent');
select results_eq(
  $$select operation, new_values ->> 'email', new_values ->> 'kind', new_values ? 'action_link',
      changed_by
    from pg_temp.last_audit('account_requests')$$,
  $$values ('insert', 'audit@t.test', 'invite', false, 'f0000000-0000-4000-8000-000000000001'::uuid)$$,
  'an account request made: who asked what, never a link'
);
select tests.clear_authentication();
update public.account_requests set status = 'done', action_link = 'http://x' where email = 'audit@t.test';
select is(
  (
    select count(*)::integer from public.admin_audit_log
    where table_name = 'account_requests' and id > (select m.id from mark as m)
  ),
  1, 'the worker''s progress on a request is not audited (the row is its own record)'
);

-- Nothing changed: no row.
select tests.authenticate_as('adm@t.test');
update public.campaigns set name = name where id = 'c0000000-0000-4000-8000-00000000000a';
select is(
  (
    select count(*)::integer from public.admin_audit_log
    where table_name = 'campaigns' and id > (select m.id from mark as m)
  ),
  3, 'an update that changes nothing (but updated_at) leaves no row'
);
select tests.clear_authentication();

-- Who, when it is not a signed-in user.
select tests.authenticate_as_service_role();
update public.products set premium = 26.00 where id = 'd0000000-0000-4000-8000-00000000000a';
select results_eq(
  $$select changed_by, actor from pg_temp.last_audit('products')$$,
  $$values (null::uuid, 'service_role')$$, 'the service role is named as such'
);
select tests.clear_authentication();
update public.products set premium = 27.00 where id = 'd0000000-0000-4000-8000-00000000000a';
select results_eq(
  $$select changed_by, actor, db_role from pg_temp.last_audit('products')$$,
  $$values (null::uuid, 'system', session_user::text collate "default")$$,
  'a direct connection is the system, with its login'
);
select results_eq(
  $$select count(*)::integer from public.admin_audit_log
    where id > (select m.id from mark as m) and changed_at <> now()$$,
  $$values (0)$$, 'every row says when (the transaction''s time)'
);

-- ============================================================================
-- Append-only
-- ============================================================================

select throws_ok(
  $$update public.admin_audit_log set actor = 'system' where id > (select m.id from mark as m)$$,
  '42501', 'admin_audit_log: audit rows are append-only', 'not even the table owner edits an audit row'
);
select tests.authenticate_as('adm@t.test');
select throws_ok(
  $$update public.admin_audit_log set actor = 'system'$$, '42501', null, 'an admin cannot edit the log'
);
select throws_ok($$delete from public.admin_audit_log$$, '42501', null, 'or delete from it');
select throws_ok(
  $$insert into public.admin_audit_log (table_name, record_key, operation, changed_fields, actor)
    values ('campaigns', '{}', 'insert', '{}', 'user')$$,
  '42501', null, 'or write to it'
);
select tests.authenticate_as_service_role();
select throws_ok(
  $$update public.admin_audit_log set actor = 'system'$$, '42501', null, 'nor can the service role edit it'
);
select throws_ok(
  $$insert into public.admin_audit_log (table_name, record_key, operation, changed_fields, actor)
    values ('campaigns', '{}', 'insert', '{}', 'user')$$,
  '42501', null, 'or write to it'
);
select lives_ok(
  $$delete from public.admin_audit_log where id > (select m.id from mark as m) and table_name = 'permissions'$$,
  'the service role may purge rows (retention), as for the other audit tables'
);
select tests.clear_authentication();

-- ============================================================================
-- Readers
-- ============================================================================

select tests.authenticate_as('adm@t.test');
select cmp_ok(
  (select count(*)::integer from public.admin_audit_log where id > (select m.id from mark as m)), '>=', 12,
  'an admin (users.manage) reads the log'
);
select tests.authenticate_as('supa@t.test');
select is((select count(*)::integer from public.admin_audit_log), 0, 'a supervisor does not');
select tests.authenticate_as('a1@t.test');
select is((select count(*)::integer from public.admin_audit_log), 0, 'nor an agent');
select tests.authenticate_as_anon();
select throws_ok($$select count(*) from public.admin_audit_log$$, '42501', null, 'anon cannot select it at all');
select tests.clear_authentication();
insert into public.role_permissions (role, permission) values ('supervisor', 'permissions.manage');
select tests.authenticate_as('supa@t.test');
select cmp_ok(
  (select count(*)::integer from public.admin_audit_log where id > (select m.id from mark as m)), '>=', 12,
  'permissions.manage is enough to read it'
);
select tests.clear_authentication();
delete from public.role_permissions where role = 'supervisor' and permission = 'permissions.manage';
insert into public.role_permissions (role, permission) values ('supervisor', 'users.manage');
select tests.authenticate_as('supb@t.test');
select cmp_ok(
  (select count(*)::integer from public.admin_audit_log where id > (select m.id from mark as m)), '>=', 12,
  'so is users.manage'
);
select tests.clear_authentication();
delete from public.role_permissions where role = 'supervisor' and permission = 'users.manage';
update public.profiles set active = false where id = 'f0000000-0000-4000-8000-000000000001';
select tests.authenticate_as('adm@t.test');
select is((select count(*)::integer from public.admin_audit_log), 0, 'a deactivated admin reads nothing');
select tests.clear_authentication();

-- ============================================================================
-- The triggers and the table
-- ============================================================================

select set_eq(
  $$select c.relname::text from pg_trigger as t inner join pg_class as c on t.tgrelid = c.oid
    where t.tgname like '%\_write\_admin\_audit' and not t.tgisinternal$$,
  $$values ('campaigns'), ('campaign_members'), ('campaign_products'), ('products'), ('profiles'),
    ('role_permissions'), ('permissions'), ('account_requests')$$,
  'every audited table has the trigger'
);
select policies_are(
  'public', 'admin_audit_log', array['User and permission managers can view the admin audit log'],
  'one policy: user and permission managers read'
);
select is(
  (select relrowsecurity from pg_class where oid = 'public.admin_audit_log'::regclass), true, 'RLS is on'
);
select table_privs_are(
  'public', 'admin_audit_log', 'authenticated', array['SELECT'], 'authenticated may only select'
);
select table_privs_are(
  'public', 'admin_audit_log', 'anon', array[]::text[], 'anon nothing'
);
select has_index('public', 'admin_audit_log', 'admin_audit_log_changed_at_idx', 'the log is read newest first');

select * from finish();
rollback;
