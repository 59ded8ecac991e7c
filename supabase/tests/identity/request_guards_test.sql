-- guard.check_request (PostgREST's db-pre-request: an ended session's token
-- is refused) and private.client_address (the gateway's address, or none).
begin;
select plan(15);

select tests.create_two_campaigns();

-- A live session of a1, and an id that names no session.
insert into auth.sessions (id, user_id, created_at, updated_at, aal)
select
  '5e550000-0000-4000-8000-000000000001'::uuid as id,
  u.id as user_id,
  now() as created_at,
  now() as updated_at,
  'aal1' as aal
from auth.users as u
where u.email = 'a1@t.test';

-- ---------------------------------------------------------------------------
-- guard.check_request
-- ---------------------------------------------------------------------------

select ok(
  exists (
    select 1
    from pg_db_role_setting as s
    where
      s.setrole = 'authenticator'::regrole
      and 'pgrst.db_pre_request=guard.check_request' = any(s.setconfig)
  ),
  'PostgREST runs guard.check_request before every request (set on authenticator)'
);

select tests.authenticate_as('a1@t.test');
select set_config(
  'request.jwt.claims',
  (current_setting('request.jwt.claims')::jsonb || '{"session_id": "5e550000-0000-4000-8000-000000000001"}')::text,
  true
);
select lives_ok('select guard.check_request()', 'a live session passes');

select set_config(
  'request.jwt.claims',
  (current_setting('request.jwt.claims')::jsonb || '{"session_id": "5e550000-0000-4000-8000-0000000000ff"}')::text,
  true
);
select throws_ok(
  'select guard.check_request()', 'PGRST', null,
  'a session that no longer exists is refused'
);
select throws_like(
  'select guard.check_request()', '%"code" : "session_not_found"%',
  'with the session_not_found code PostgREST answers as 401'
);

select set_config(
  'request.jwt.claims',
  (current_setting('request.jwt.claims')::jsonb || '{"session_id": "not-a-uuid"}')::text,
  true
);
select throws_ok('select guard.check_request()', 'PGRST', null, 'a malformed session id is refused, not an error');

select tests.authenticate_as('a1@t.test'); -- a token without session_id (a minted one)
select lives_ok('select guard.check_request()', 'no session claim: nothing to check');

select tests.authenticate_as_anon();
select lives_ok('select guard.check_request()', 'anon may run it (PostgREST calls it as anon)');

select tests.authenticate_as_service_role();
select lives_ok('select guard.check_request()', 'the service role may run it');

select tests.clear_authentication();

-- ---------------------------------------------------------------------------
-- private.client_address
-- ---------------------------------------------------------------------------

delete from private.gateway_settings;
select set_config('request.headers', '{"x-forwarded-for": "198.51.100.4, 10.0.0.1"}', true);
select is(
  private.client_address(), '198.51.100.4'::inet,
  'no gateway configured (hosted Supabase): the first X-Forwarded-For address'
);

insert into private.gateway_settings (client_token_sha256) values (extensions.digest('t0ken', 'sha256'));
select set_config(
  'request.headers', '{"x-forwarded-for": "198.51.100.4", "x-real-ip": "198.51.100.5"}', true
);
select is(private.client_address(), null, 'a gateway is configured: a request without its token has no address');

select set_config(
  'request.headers', '{"x-real-ip": "198.51.100.5", "x-crm-gateway": "guess"}', true
);
select is(private.client_address(), null, 'nor one with a wrong token');

select set_config(
  'request.headers', '{"x-real-ip": "198.51.100.5", "x-crm-gateway": "t0ken"}', true
);
select is(private.client_address(), '198.51.100.5'::inet, 'the gateway''s own header, with its token');

select set_config(
  'request.headers', '{"x-real-ip": "<script>", "x-crm-gateway": "t0ken"}', true
);
select is(private.client_address(), null, 'what is not an address is not stored');

select set_config(
  'request.headers', '{"x-real-ip": "1:2:3:4:5:6:7:8:9:10", "x-crm-gateway": "t0ken"}', true
);
select is(private.client_address(), null, 'nor a malformed address');

select tests.authenticate_as('a1@t.test');
select throws_ok(
  'select private.client_address()', '42501', null,
  'clients cannot call it'
);

select * from finish();
rollback;
