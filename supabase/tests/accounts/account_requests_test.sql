-- public.account_requests and the account RPCs (migrations 20261206000300,
-- 20261206000330): invite_user, deactivate_user, reactivate_user,
-- reset_user_password, set_user_campaigns, account_request_link; who may
-- call them and read the rows, every refusal with its SQLSTATE, the
-- requester-only link, the self guards and the Realtime publication.
begin;
select plan(83);

select tests.create_two_campaigns();
-- A second admin, and a1's extension and a session of theirs.
insert into auth.users (id, email, raw_app_meta_data) values
('f0000000-0000-4000-8000-000000000002', 'adm2@t.test', '{"role": "admin"}');
update public.profiles set sip_extension = '4200' where id = 'f0000000-0000-4000-8000-000000000101';
insert into auth.sessions (id, user_id, created_at, updated_at) values
('5e000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000101', now(), now());

-- ============================================================================
-- invite_user
-- ============================================================================

select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select kind, email, full_name, role::text, campaign_ids, sip_extension, status, user_id, requested_by, attempts,
      action_link
    from public.invite_user('  New.Agent@T.test ', ' Nuevo Agente ', 'agent',
      array['c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000a']::uuid[], '4100')$$,
  $$values ('invite', 'new.agent@t.test', 'Nuevo Agente', 'agent',
      array['c0000000-0000-4000-8000-00000000000a']::uuid[], '4100', 'queued', null::uuid,
      'f0000000-0000-4000-8000-000000000001'::uuid, 0, null::text)$$,
  'an admin invites: a queued request, the e-mail trimmed and lower-cased, the campaigns without duplicates'
);
select throws_ok(
  $$select public.invite_user('NEW.agent@t.test', 'Otro', 'agent')$$,
  '23505', 'p_email: a user with e-mail ''new.agent@t.test'' already exists or is invited',
  'the same address cannot be invited twice while the first is pending'
);
select throws_ok(
  $$select public.invite_user('A1@t.test', 'Otro', 'agent')$$,
  '23505', 'p_email: a user with e-mail ''a1@t.test'' already exists or is invited',
  'nor the address of an existing user'
);
select throws_ok(
  $$select public.invite_user('x1@t.test', 'Otro', 'agent', '{}', '4100')$$,
  '23505', 'p_sip_extension: extension 4100 is already taken',
  'an extension a pending invite holds is taken'
);
select throws_ok(
  $$select public.invite_user('x1@t.test', 'Otro', 'agent', '{}', '4200')$$,
  '23505', 'p_sip_extension: extension 4200 is already taken',
  'so is a user''s'
);
select throws_ok(
  $$select public.invite_user(null, 'Otro', 'agent')$$, '22023', 'p_email: required', 'the e-mail is required'
);
select throws_ok(
  $$select public.invite_user('not-an-email', 'Otro', 'agent')$$,
  '22023', 'p_email: ''not-an-email'' is not an e-mail address', 'and must be one'
);
select throws_ok(
  $$select public.invite_user('x1@t.test', '   ', 'agent')$$, '22023', 'p_full_name: required',
  'the name is required'
);
select throws_ok(
  $$select public.invite_user('x1@t.test', repeat('n', 201), 'agent')$$, '22023',
  'p_full_name: at most 200 characters', 'and at most 200 characters'
);
select throws_ok(
  $$select public.invite_user('x1@t.test', 'Otro', null)$$, '22023',
  'p_role: required (admin, supervisor or agent)', 'the role is required'
);
select throws_ok(
  $$select public.invite_user('x1@t.test', 'Otro', 'agent', '{}', '12')$$, '22023',
  'p_sip_extension: ''12'' is not 3 to 6 digits', 'an extension is 3 to 6 digits'
);
select throws_ok(
  $$select public.invite_user('x1@t.test', 'Otro', 'agent', array['c0000000-0000-4000-8000-0000000000ff']::uuid[])$$,
  'PT404', 'p_campaign_ids: not found or not yours', 'an unknown campaign is not found'
);
select throws_ok(
  $$select public.invite_user('x1@t.test', 'Otro', 'agent', array[null]::uuid[])$$,
  '22023', 'p_campaign_ids: an element is null', 'a null campaign is refused'
);

select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.invite_user('x1@t.test', 'Otro', 'agent')$$,
  '42501', 'p_email: inviting a user needs users.manage', 'a supervisor cannot invite'
);
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.invite_user('x1@t.test', 'Otro', 'agent')$$,
  '42501', 'p_email: inviting a user needs users.manage', 'nor an agent'
);
select tests.authenticate_as_anon();
select throws_ok(
  $$select public.invite_user('x1@t.test', 'Otro', 'agent')$$, '42501', null, 'nor anon'
);
select tests.clear_authentication();

-- The right is the permission, not the role.
insert into public.role_permissions (role, permission) values ('supervisor', 'users.manage');
select tests.authenticate_as('supa@t.test');
select is(
  (select kind from public.invite_user('x2@t.test', 'Dos', 'supervisor')), 'invite',
  'a supervisor given users.manage invites'
);
select throws_ok(
  $$select public.invite_user('x3@t.test', 'Tres', 'admin')$$,
  '42501', 'p_role: only an admin invites an admin', 'but not an admin: only an admin makes an admin'
);
select throws_ok(
  $$update public.profiles set role = 'admin' where id = 'f0000000-0000-4000-8000-000000000102'$$,
  '42501', 'role: only an admin makes, unmakes or deactivates an admin', 'nor promotes anyone to admin'
);
select throws_ok(
  $$select public.deactivate_user('f0000000-0000-4000-8000-000000000002')$$,
  '42501', 'p_user_id: only an admin deactivates an admin', 'nor deactivates an admin'
);
select throws_ok(
  $$update public.profiles set active = false where id = 'f0000000-0000-4000-8000-000000000002'$$,
  '42501', 'role: only an admin makes, unmakes or deactivates an admin', 'not even by PATCH'
);
select lives_ok(
  $$update public.profiles set full_name = 'Dos' where id = 'f0000000-0000-4000-8000-000000000002'$$,
  'though other fields of an admin''s profile stay theirs to edit'
);
select tests.authenticate_as('adm@t.test');
select is(
  (select role::text from public.invite_user('x4@t.test', 'Cuatro', 'admin')), 'admin', 'an admin invites an admin'
);
select tests.clear_authentication();
delete from public.role_permissions where role = 'supervisor' and permission = 'users.manage';

update public.profiles set active = false where id = 'f0000000-0000-4000-8000-000000000002';
select tests.authenticate_as('adm2@t.test');
select throws_ok(
  $$select public.invite_user('x1@t.test', 'Otro', 'agent')$$,
  '42501', 'p_email: inviting a user needs users.manage', 'a deactivated admin cannot'
);
select tests.clear_authentication();
update public.profiles set active = true where id = 'f0000000-0000-4000-8000-000000000002';

-- ============================================================================
-- Who reads the requests
-- ============================================================================

select tests.authenticate_as('adm@t.test');
select is(
  (select count(*)::integer from public.account_requests where email in ('new.agent@t.test', 'x2@t.test')), 2,
  'users.manage reads every request'
);
select throws_ok(
  $$select action_link from public.account_requests$$, '42501', 'permission denied for table account_requests',
  'but never the link column'
);
select throws_ok(
  $$select * from public.account_requests$$, '42501', 'permission denied for table account_requests',
  'so select * is refused too: the columns are named'
);
select throws_ok(
  $$insert into public.account_requests (kind, email) values ('invite', 'z@t.test')$$, '42501', null,
  'nobody writes a request directly'
);
select throws_ok(
  $$update public.account_requests set status = 'done'$$, '42501', null, 'or changes one'
);
select throws_ok(
  $$delete from public.account_requests$$, '42501', null, 'or deletes one'
);
select tests.authenticate_as('supa@t.test');
select is(
  (select count(*)::integer from public.account_requests), 0, 'a supervisor reads none'
);
select tests.authenticate_as('a1@t.test');
select is((select count(*)::integer from public.account_requests), 0, 'nor an agent');
select tests.authenticate_as_anon();
select throws_ok($$select id from public.account_requests$$, '42501', null, 'anon cannot select at all');
select tests.authenticate_as_service_role();
select lives_ok($$select action_link from public.account_requests$$, 'the service role reads everything');
select tests.clear_authentication();

-- ============================================================================
-- The link: its requester's only
-- ============================================================================

update public.account_requests set status = 'done', action_link = 'http://w/set-password?token_hash=abc&type=invite'
where email = 'new.agent@t.test';
select tests.authenticate_as('adm@t.test');
select is(
  public.account_request_link((select id from public.account_requests where email = 'new.agent@t.test')),
  'http://w/set-password?token_hash=abc&type=invite',
  'the requester reads the link'
);
select throws_ok(
  $$select public.account_request_link((select id from public.account_requests where email = 'x2@t.test'))$$,
  'PT404', 'p_request_id: not found or not yours', 'another requester''s link is not found, for an admin too'
);
select throws_ok(
  $$select public.account_request_link('00000000-0000-4000-8000-000000000000')$$,
  'PT404', 'p_request_id: not found or not yours', 'nor an unknown request'
);
select tests.authenticate_as('adm2@t.test');
select throws_ok(
  $$select public.account_request_link((select id from public.account_requests where email = 'new.agent@t.test'))$$,
  'PT404', 'p_request_id: not found or not yours', 'another admin cannot read the requester''s link'
);
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.account_request_link('00000000-0000-4000-8000-000000000000')$$,
  '42501', 'p_request_id: reading a set-up link needs users.manage', 'a supervisor cannot ask at all'
);

-- ============================================================================
-- deactivate_user, reactivate_user, reset_user_password
-- ============================================================================

select tests.authenticate_as('a1@t.test');
select is(
  (select count(*)::integer from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'), 1,
  'before: a1 reads their lead'
);
select throws_ok(
  $$select public.reset_user_password('f0000000-0000-4000-8000-000000000102')$$,
  '42501', 'p_user_id: resetting a password needs users.manage', 'an agent cannot reset a password'
);
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.deactivate_user('f0000000-0000-4000-8000-000000000101')$$,
  '42501', 'p_user_id: deactivating a user needs users.manage', 'a supervisor cannot deactivate'
);
select throws_ok(
  $$select public.reactivate_user('f0000000-0000-4000-8000-000000000101')$$,
  '42501', 'p_user_id: reactivating a user needs users.manage', 'or reactivate'
);
select tests.authenticate_as('adm@t.test');
select throws_ok(
  $$select public.deactivate_user('f0000000-0000-4000-8000-000000000001')$$,
  '42501', 'p_user_id: nobody deactivates themselves', 'an admin cannot deactivate themselves'
);
select throws_ok(
  $$select public.deactivate_user('00000000-0000-4000-8000-000000000000')$$,
  'PT404', 'p_user_id: not found or not yours', 'an unknown user is not found'
);
select throws_ok(
  $$select public.deactivate_user(null)$$, '22023', 'p_user_id: required', 'the user is required'
);
select results_eq(
  $$select kind, user_id, email, status, role::text
    from public.deactivate_user('f0000000-0000-4000-8000-000000000101')$$,
  $$values ('deactivate', 'f0000000-0000-4000-8000-000000000101'::uuid, 'a1@t.test', 'queued', 'agent')$$,
  'an admin deactivates a1: a queued request for the worker'
);
select tests.clear_authentication();
select is(
  (select active from public.profiles where id = 'f0000000-0000-4000-8000-000000000101'), false,
  'a1''s profile is inactive at once'
);
select is(
  (select count(*)::integer from auth.sessions where user_id = 'f0000000-0000-4000-8000-000000000101'), 0,
  'and their sessions are ended at once'
);
-- A sign-in that slips in before the worker's ban: a new session.
insert into auth.sessions (id, user_id, created_at, updated_at) values
('5e000000-0000-4000-8000-000000000002', 'f0000000-0000-4000-8000-000000000101', now(), now());
select tests.authenticate_as('a1@t.test');
select set_config(
  'request.jwt.claims',
  (current_setting('request.jwt.claims')::jsonb || '{"session_id": "5e000000-0000-4000-8000-000000000002"}')::text,
  true
);
select throws_like(
  'select guard.check_request()', '%"code" : "user_deactivated"%',
  'every API request of theirs is refused before any policy runs (403 user_deactivated)'
);
select is(private.has_permission('leads.assign'), false, 'and they hold no permission');
select is(
  (select count(*)::integer from public.campaigns), 0, 'nor see their campaigns'
);
select tests.authenticate_as('adm@t.test');
select set_config(
  'request.jwt.claims',
  (current_setting('request.jwt.claims')::jsonb || '{"session_id": "5e000000-0000-4000-8000-000000000002"}')::text,
  true
);
select lives_ok('select guard.check_request()', 'an active user''s live session passes');
select throws_ok(
  $$select public.reset_user_password('f0000000-0000-4000-8000-000000000101')$$,
  'PT409', 'p_user_id: the user is deactivated; reactivate them first', 'a deactivated user gets no reset link'
);
select results_eq(
  $$select kind, user_id, status from public.reactivate_user('f0000000-0000-4000-8000-000000000101')$$,
  $$values ('reactivate', 'f0000000-0000-4000-8000-000000000101'::uuid, 'queued')$$,
  'an admin reactivates a1'
);
select is(
  (select active from public.profiles where id = 'f0000000-0000-4000-8000-000000000101'), true,
  'active again at once'
);
select results_eq(
  $$select kind, user_id, status, email from public.reset_user_password('f0000000-0000-4000-8000-000000000101')$$,
  $$values ('reset_password', 'f0000000-0000-4000-8000-000000000101'::uuid, 'queued', 'a1@t.test')$$,
  'and queues a password reset'
);
select throws_ok(
  $$select public.reset_user_password('00000000-0000-4000-8000-000000000000')$$,
  'PT404', 'p_user_id: not found or not yours', 'an unknown user has no reset'
);

-- ============================================================================
-- set_user_campaigns
-- ============================================================================

select results_eq(
  $$select campaign_id, member_role::text
    from public.set_user_campaigns('f0000000-0000-4000-8000-000000000101', array['c0000000-0000-4000-8000-00000000000b']::uuid[])$$,
  $$values ('c0000000-0000-4000-8000-00000000000b'::uuid, 'agent')$$,
  'an agent''s campaigns become exactly those given, as agent'
);
select results_eq(
  $$select campaign_id, member_role::text
    from public.set_user_campaigns('f0000000-0000-4000-8000-000000000011',
      array['c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b']::uuid[])$$,
  $$values ('c0000000-0000-4000-8000-00000000000a'::uuid, 'supervisor'),
    ('c0000000-0000-4000-8000-00000000000b'::uuid, 'supervisor')$$,
  'a supervisor''s, as supervisor'
);
select is_empty(
  $$select * from public.set_user_campaigns('f0000000-0000-4000-8000-000000000102', '{}')$$,
  'an empty list removes every campaign'
);
select throws_ok(
  $$select public.set_user_campaigns('f0000000-0000-4000-8000-000000000102', null)$$, '22023',
  'p_campaign_ids: required (an empty array removes every campaign)', 'a null list is refused'
);
select throws_ok(
  $$select public.set_user_campaigns(
    'f0000000-0000-4000-8000-000000000102', array['c0000000-0000-4000-8000-0000000000ff']::uuid[]
  )$$,
  'PT404', 'p_campaign_ids: not found or not yours', 'an unknown campaign is not found'
);
select throws_ok(
  $$select public.set_user_campaigns('00000000-0000-4000-8000-000000000000', '{}')$$,
  'PT404', 'p_user_id: not found or not yours', 'an unknown user is not found'
);
select tests.authenticate_as('supb@t.test');
select throws_ok(
  $$select public.set_user_campaigns('f0000000-0000-4000-8000-000000000201', '{}')$$, '42501',
  'p_user_id: changing a user''s campaigns needs campaigns.manage or users.manage',
  'a supervisor cannot change memberships'
);
select tests.clear_authentication();
insert into public.role_permissions (role, permission) values ('supervisor', 'campaigns.manage');
select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select campaign_id from public.set_user_campaigns('f0000000-0000-4000-8000-000000000201',
      array['c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b']::uuid[])$$,
  $$values ('c0000000-0000-4000-8000-00000000000a'::uuid), ('c0000000-0000-4000-8000-00000000000b'::uuid)$$,
  'campaigns.manage is enough'
);
select tests.clear_authentication();
delete from public.role_permissions where role = 'supervisor' and permission = 'campaigns.manage';

-- ============================================================================
-- Nobody demotes or deactivates themselves; a role change carries memberships
-- ============================================================================

select tests.authenticate_as('adm@t.test');
select throws_ok(
  $$update public.profiles set role = 'agent' where id = 'f0000000-0000-4000-8000-000000000001'$$,
  '42501', 'role: nobody changes their own role', 'an admin cannot demote themselves'
);
select throws_ok(
  $$update public.profiles set active = false where id = 'f0000000-0000-4000-8000-000000000001'$$,
  '42501', 'active: nobody deactivates themselves', 'or deactivate themselves by PATCH'
);
select lives_ok(
  $$update public.profiles set full_name = 'Yo' where id = 'f0000000-0000-4000-8000-000000000001'$$,
  'but edits their own name'
);
select lives_ok(
  $$update public.profiles set role = 'supervisor' where id = 'f0000000-0000-4000-8000-000000000201'$$,
  'and promotes another user'
);
select results_eq(
  $$select member_role::text from public.campaign_members
    where user_id = 'f0000000-0000-4000-8000-000000000201' order by campaign_id$$,
  $$values ('supervisor'), ('supervisor')$$,
  'whose memberships follow: they now run the campaigns they worked'
);
select lives_ok(
  $$update public.profiles set role = 'agent' where id = 'f0000000-0000-4000-8000-000000000201'$$,
  'and back'
);
select results_eq(
  $$select member_role::text from public.campaign_members
    where user_id = 'f0000000-0000-4000-8000-000000000201' order by campaign_id$$,
  $$values ('agent'), ('agent')$$,
  'agent again in each'
);
select tests.authenticate_as('a2@t.test');
select throws_ok(
  $$update public.profiles set role = 'admin' where id = 'f0000000-0000-4000-8000-000000000102'$$,
  '42501', null, 'an agent still cannot raise their own role'
);
select tests.clear_authentication();

-- ============================================================================
-- Realtime
-- ============================================================================

select set_eq(
  $$select tablename::text from pg_publication_tables
    where pubname = 'supabase_realtime' and schemaname = 'public'
      and tablename in ('account_requests', 'role_permissions', 'profiles')$$,
  $$values ('account_requests'), ('role_permissions'), ('profiles')$$,
  'account_requests, role_permissions and profiles are published to Realtime'
);
select is(
  has_column_privilege('authenticated', 'public.account_requests', 'action_link', 'select'), false,
  'a subscriber never receives action_link (Realtime sends only selectable columns)'
);
select is(
  has_column_privilege('authenticated', 'public.account_requests', 'status', 'select'), true,
  'but does receive the status'
);
select policies_are(
  'public', 'account_requests', array['User managers can view account requests'],
  'one policy: users.manage reads'
);
select is(
  (select relrowsecurity from pg_class where oid = 'public.account_requests'::regclass), true, 'RLS is on'
);
select function_privs_are(
  'public', 'invite_user', array['text', 'text', 'app_role', 'uuid[]', 'text'], 'anon', array[]::text[],
  'anon may not execute invite_user'
);
select function_privs_are(
  'public', 'deactivate_user', array['uuid'], 'anon', array[]::text[], 'nor deactivate_user'
);
select is(
  (
    select count(*)::integer from pg_proc
    where proname in (
      'invite_user', 'deactivate_user', 'reactivate_user', 'reset_user_password',
      'set_user_campaigns', 'account_request_link'
    )
    and pronamespace = 'public'::regnamespace and prosecdef
    and proconfig @> array['search_path=""']
  ),
  6, 'the six RPCs are security definer with search_path pinned'
);
select results_eq(
  $$select count(*)::integer from public.account_requests where requested_by = 'f0000000-0000-4000-8000-000000000001'$$,
  $$values (5)$$, 'nothing else was queued by the refusals above'
);

select * from finish();
rollback;
