-- The accounts worker's queue (private.account_request_claim, _apply,
-- _finish, _fail, _release, account_user_id) and its role crm_accounts: a
-- claim is a lease only its worker may use; requests on one user go in order;
-- a stale one is taken over; release gives back only the releasing worker's
-- claims; and crm_accounts executes exactly these functions and reads no
-- table. The worker's clock is crm.now (private.now()).
begin;
select plan(37);

select tests.create_two_campaigns();
-- The invited user as Auth would create it (the profile comes from the trigger).
insert into auth.users (id, email, raw_app_meta_data, raw_user_meta_data) values
('f0000000-0000-4000-8000-000000000301', 'inv@t.test', '{"role": "agent"}', '{"full_name": "Inv"}');
insert into auth.sessions (id, user_id, created_at, updated_at) values
('5e000000-0000-4000-8000-000000000011', 'f0000000-0000-4000-8000-000000000101', now(), now());

-- Four requests older than any other: two invites, then a deactivation and a
-- reactivation of a1.
insert into public.account_requests (id, kind, user_id, email, full_name, role, campaign_ids, sip_extension, created_at)
values
(
  'aa000000-0000-4000-8000-000000000001', 'invite', null, 'inv@t.test', 'Invitada Uno', 'supervisor',
  array['c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b']::uuid[], '4301',
  '2000-01-01 00:00:01+00'
),
(
  'aa000000-0000-4000-8000-000000000002', 'invite', null, 'inv2@t.test', 'Dos', 'agent', '{}', null,
  '2000-01-01 00:00:02+00'
),
(
  'aa000000-0000-4000-8000-000000000003', 'deactivate', 'f0000000-0000-4000-8000-000000000101', 'a1@t.test', '',
  'agent', '{}', null, '2000-01-01 00:00:03+00'
),
(
  'aa000000-0000-4000-8000-000000000004', 'reactivate', 'f0000000-0000-4000-8000-000000000101', 'a1@t.test', '',
  'agent', '{}', null, '2000-01-01 00:00:04+00'
);
select set_config('crm.now', now()::text, true);

-- ----------------------------------------------------------------------------
-- Claim
-- ----------------------------------------------------------------------------

select tests.authenticate_as_worker('crm_accounts');
select throws_ok(
  $$select * from private.account_request_claim(' ')$$, '22023', 'p_worker: required', 'a claim names its worker'
);
select results_eq(
  $$select r.id::text, r.status, r.worker, r.attempts, r.heartbeat_at from private.account_request_claim('w1', 2) as r
    order by r.created_at$$,
  $$values
    ('aa000000-0000-4000-8000-000000000001', 'running', 'w1', 1, now()),
    ('aa000000-0000-4000-8000-000000000002', 'running', 'w1', 1, now())$$,
  'the oldest queued requests are claimed: running, held by their worker, one attempt, a heartbeat'
);
select results_eq(
  $$select r.id::text from private.account_request_claim('w2', 5) as r$$,
  $$values ('aa000000-0000-4000-8000-000000000003')$$,
  'another worker gets the deactivation but not the reactivation behind it: one user''s requests go in order'
);
select is_empty(
  $$select * from private.account_request_claim('w3', 5)$$, 'nothing else is due'
);

-- ----------------------------------------------------------------------------
-- Apply (the invited user exists), finish
-- ----------------------------------------------------------------------------

select is(
  private.account_request_apply('aa000000-0000-4000-8000-000000000001', 'w2', 'f0000000-0000-4000-8000-000000000301'),
  false, 'another worker cannot apply an invite'
);
select throws_ok(
  $$select private.account_request_apply(
    'aa000000-0000-4000-8000-000000000001', 'w1', '00000000-0000-4000-8000-000000000000'
  )$$,
  '22023', 'p_user_id: no profile for this user', 'the user must exist'
);
select is(
  private.account_request_apply('aa000000-0000-4000-8000-000000000001', 'w1', 'f0000000-0000-4000-8000-000000000301'),
  true, 'the holder applies it'
);
select is(
  private.account_request_apply('aa000000-0000-4000-8000-000000000001', 'w1', 'f0000000-0000-4000-8000-000000000301'),
  true, 'twice, as a redone attempt would'
);
select tests.clear_authentication();
select results_eq(
  $$select full_name, role::text, sip_extension from public.profiles
    where id = 'f0000000-0000-4000-8000-000000000301'$$,
  $$values ('Invitada Uno', 'supervisor', '4301')$$,
  'the profile has the requested name, role and extension'
);
select results_eq(
  $$select campaign_id, member_role::text from public.campaign_members
    where user_id = 'f0000000-0000-4000-8000-000000000301' order by campaign_id$$,
  $$values ('c0000000-0000-4000-8000-00000000000a'::uuid, 'supervisor'),
    ('c0000000-0000-4000-8000-00000000000b'::uuid, 'supervisor')$$,
  'and the requested campaigns, once each, with the member role the user role fits'
);
select is(
  (select user_id from public.account_requests where id = 'aa000000-0000-4000-8000-000000000001'),
  'f0000000-0000-4000-8000-000000000301'::uuid, 'the request records the user'
);

select tests.authenticate_as_worker('crm_accounts');
select is(
  private.account_request_finish('aa000000-0000-4000-8000-000000000001', 'w2', 'http://x', now()), false,
  'another worker cannot finish it'
);
select is(
  private.account_request_finish(
    'aa000000-0000-4000-8000-000000000001', 'w1', 'http://w/set-password?token_hash=h&type=invite',
    now() + interval '1 day'
  ),
  true, 'the holder finishes it with the link'
);
select is(
  private.account_request_finish('aa000000-0000-4000-8000-000000000001', 'w1', 'http://x', now()), false,
  'once'
);
select is(
  private.account_request_finish('aa000000-0000-4000-8000-000000000003', 'w2'), true,
  'the deactivation is finished'
);
select tests.clear_authentication();
select results_eq(
  $$select status, action_link, link_expires_at, finished_at, error from public.account_requests
    where id = 'aa000000-0000-4000-8000-000000000001'$$,
  $$values ('done', 'http://w/set-password?token_hash=h&type=invite', now() + interval '1 day', now(), null::text)$$,
  'done, with the link and when it expires'
);
select is(
  (select count(*)::integer from auth.sessions where user_id = 'f0000000-0000-4000-8000-000000000101'), 0,
  'finishing a deactivation ends the sessions that slipped in before the ban'
);

select tests.authenticate_as_worker('crm_accounts');
select results_eq(
  $$select r.id::text from private.account_request_claim('w2', 5) as r$$,
  $$values ('aa000000-0000-4000-8000-000000000004')$$,
  'once the deactivation is done, the reactivation is claimed'
);

-- ----------------------------------------------------------------------------
-- Fail, stale leases, release
-- ----------------------------------------------------------------------------

select is(
  private.account_request_fail('aa000000-0000-4000-8000-000000000002', 'w2', 'x', false), false,
  'another worker cannot fail it'
);
select is(
  private.account_request_fail('aa000000-0000-4000-8000-000000000002', 'w1', 'auth: 503 down', false), true,
  'the holder gives it back for a later attempt'
);
select tests.clear_authentication();
select results_eq(
  $$select status, error, worker, heartbeat_at from public.account_requests
    where id = 'aa000000-0000-4000-8000-000000000002'$$,
  $$values ('queued', 'auth: 503 down', null::text, null::timestamptz)$$,
  'queued again, with the error'
);
select tests.authenticate_as_worker('crm_accounts');
select results_eq(
  $$select r.id::text, r.attempts, r.error from private.account_request_claim('w1', 1) as r$$,
  $$values ('aa000000-0000-4000-8000-000000000002', 2, null::text)$$,
  'claimed again: a second attempt'
);
select set_config('crm.now', (now() + interval '200 seconds')::text, true);
select results_eq(
  $$select r.id::text, r.worker, r.attempts from private.account_request_claim('w3', 5, 120) as r
    order by r.created_at$$,
  $$values ('aa000000-0000-4000-8000-000000000002', 'w3', 3),
    ('aa000000-0000-4000-8000-000000000004', 'w3', 2)$$,
  'a lease older than p_stale_seconds is taken over'
);
select is(
  private.account_request_finish('aa000000-0000-4000-8000-000000000002', 'w1', 'http://x', now()), false,
  'the worker presumed dead can no longer finish it'
);
select is(private.account_request_release('w1'), 0, 'nor give it back: it is not theirs');
select is(private.account_request_release('w3'), 2, 'w3 gives back its two claims');
select is(
  private.account_request_fail('aa000000-0000-4000-8000-000000000002', 'w3', 'x', true), false,
  'a released request is no longer held'
);
select results_eq(
  $$select r.id::text from private.account_request_claim('w4', 1) as r$$,
  $$values ('aa000000-0000-4000-8000-000000000002')$$, 'and is claimed again'
);
select is(
  private.account_request_fail('aa000000-0000-4000-8000-000000000002', 'w4', 'auth: User not allowed', true), true,
  'a final failure'
);
select tests.clear_authentication();
select results_eq(
  $$select status, error, finished_at is not null from public.account_requests
    where id = 'aa000000-0000-4000-8000-000000000002'$$,
  $$values ('failed', 'auth: User not allowed', true)$$,
  'is failed for good, with the error for the requester'
);

-- ----------------------------------------------------------------------------
-- The lookup, and who may call any of it
-- ----------------------------------------------------------------------------

select tests.authenticate_as_worker('crm_accounts');
select is(
  private.account_user_id(' A1@T.test '), 'f0000000-0000-4000-8000-000000000101'::uuid, 'a user is found by e-mail'
);
select is(private.account_user_id('nobody@t.test'), null, 'an unknown e-mail is null');
select throws_ok($$select count(*) from public.account_requests$$, '42501', null, 'the worker reads no table');
select tests.authenticate_as('adm@t.test');
select throws_ok(
  $$select * from private.account_request_claim('w9')$$, '42501', null, 'an admin cannot claim requests'
);
select tests.authenticate_as_worker('crm_reporting');
select throws_ok(
  $$select * from private.account_request_claim('w9')$$, '42501', null, 'nor another worker'
);
select tests.clear_authentication();

select set_eq(
  $$select p.oid::regprocedure::text
    from pg_catalog.pg_proc as p
    cross join lateral aclexplode(p.proacl) as a
    where a.grantee = 'crm_accounts'::regrole and a.privilege_type = 'EXECUTE'
      and p.pronamespace <> 'tests'::regnamespace$$,
  $$select s::regprocedure::text from unnest(array[
      'private.now()',
      'private.account_request_claim(text, integer, integer)',
      'private.account_request_apply(uuid, text, uuid)',
      'private.account_user_id(text)',
      'private.account_request_finish(uuid, text, text, timestamptz)',
      'private.account_request_fail(uuid, text, text, boolean)',
      'private.account_request_release(text)'
    ]) as s$$,
  'crm_accounts executes exactly its queue''s functions'
);
select results_eq(
  $$select r.rolcanlogin, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolinherit,
      (select count(*)::integer from pg_catalog.pg_auth_members as am where am.member = r.oid)
    from pg_catalog.pg_roles as r where r.rolname = 'crm_accounts'$$,
  $$values (true, false, false, false, false, false, false, 0)$$,
  'crm_accounts: a login role with no attribute, member of no role'
);

select * from finish();
rollback;
