-- rpc/recording_url: who may listen to which call's recording, the
-- PostgREST error bodies it returns instead of raising (so the log row
-- commits), the access log, and the grant it answers with (the policies that
-- honour it: recording_grant_test.sql).
begin;
select plan(29);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

-- The calls of this file:
--   u1 a1's call in A, recording stored
--   u2 a1's call in A, no recording
--   u3 a1's call in A, recording stored but its lead is being erased
--   u4 a1's call in A, recording still pending
--   ub b1's call in B, recording stored
insert into public.calls (
  id, started_at, lead_id, campaign_id, agent_id, phone_number, recording_consent, recording_file
)
select
  v.id::uuid as id,
  '2026-11-20 10:00+00' as started_at,
  v.lead_id::uuid as lead_id,
  v.campaign_id::uuid as campaign_id,
  v.agent_id::uuid as agent_id,
  v.phone as phone_number,
  true as recording_consent,
  v.file as recording_file
from (
  values
  (
    'cc000000-0000-4000-8000-0000000000a1', 'e0000000-0000-4000-8000-0000000000a1',
    'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', '+34600000001', '/mon/u1.wav'
  ),
  (
    'cc000000-0000-4000-8000-0000000000a2', 'e0000000-0000-4000-8000-0000000000a1',
    'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', '+34600000001', null
  ),
  (
    'cc000000-0000-4000-8000-0000000000a3', 'e0000000-0000-4000-8000-0000000000a1',
    'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', '+34600000001', '/mon/u3.wav'
  ),
  (
    'cc000000-0000-4000-8000-0000000000a4', 'e0000000-0000-4000-8000-0000000000a1',
    'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', '+34600000001', '/mon/u4.wav'
  ),
  (
    'cc000000-0000-4000-8000-0000000000b1', 'e0000000-0000-4000-8000-0000000000b1',
    'c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000201', '+525512345678', '/mon/ub.wav'
  )
) as v (id, lead_id, campaign_id, agent_id, phone, file);
-- As the worker leaves them once uploaded.
update public.recordings set
  status = 'stored', object_path = campaign_id || '/2026/11/20/' || call_id || '.opus', bytes = 1000,
  sha256 = repeat('c', 64), format = 'opus', stored_at = '2026-11-20 10:10+00'
where call_id in (
  'cc000000-0000-4000-8000-0000000000a1', 'cc000000-0000-4000-8000-0000000000a3',
  'cc000000-0000-4000-8000-0000000000b1'
);
update public.recordings set erase_requested_at = '2026-11-21 09:00+00'
where call_id = 'cc000000-0000-4000-8000-0000000000a3';

-- The request as PostgREST passes it on from the gateway: the client address
-- it saw with its token (private.client_address), and the browser's User-Agent.
select set_config('crm.now', '2026-11-25 12:00:00.424242+00', true);
insert into private.gateway_settings (client_token_sha256)
values (extensions.digest('pgtap-gateway', 'sha256'))
on conflict (id) do update set client_token_sha256 = excluded.client_token_sha256;
select set_config(
  'request.headers',
  '{"x-real-ip": "203.0.113.7", "x-crm-gateway": "pgtap-gateway", "x-forwarded-for": "192.0.2.1",'
  ' "user-agent": "Mozilla/5.0 (pgTAP)"}',
  true
);

-- Each answer, with the HTTP status PostgREST would send (then cleared, as
-- the next request would start without it).
create temporary table answers (label text primary key, body jsonb, http text);
grant all on answers to authenticated;
create function tests.ask_recording(p_label text, p_call_id uuid) returns void
language plpgsql
as $$
begin
  insert into answers (label, body) values (p_label, public.recording_url(p_call_id));
  update answers set http = coalesce(nullif(current_setting('response.status', true), ''), '200')
  where label = p_label;
  perform set_config('response.status', '', true);
end;
$$;

-- ----------------------------------------------------------------------------
-- Granted
-- ----------------------------------------------------------------------------

select tests.authenticate_as('adm@t.test');
select tests.ask_recording('admin u1', 'cc000000-0000-4000-8000-0000000000a1');
select tests.authenticate_as('supa@t.test');
select tests.ask_recording('supa u1', 'cc000000-0000-4000-8000-0000000000a1');
select tests.clear_authentication();

select results_eq(
  $$select a.http, a.body - 'access_id' from answers as a where a.label = 'admin u1'$$,
  $$values ('200', jsonb_build_object(
    'bucket', 'recordings',
    'path', 'c0000000-0000-4000-8000-00000000000a/2026/11/20/cc000000-0000-4000-8000-0000000000a1.opus',
    'expires_in', 300,
    'granted_until', '2026-11-25T12:00:30.424242+00:00',
    'call_id', 'cc000000-0000-4000-8000-0000000000a1'
  ))$$,
  'an admin is granted: the object to sign, the URL''s lifetime to ask for, and the grant''s end (30 s)'
);
select results_eq(
  $$select g.object_path, g.granted_until, g.used_at from public.recording_access_log as g
    where g.id = (select (a.body ->> 'access_id')::bigint from answers as a where a.label = 'admin u1')$$,
  $$values (
    'c0000000-0000-4000-8000-00000000000a/2026/11/20/cc000000-0000-4000-8000-0000000000a1.opus',
    '2026-11-25 12:00:30.424242+00'::timestamptz, null::timestamptz
  )$$,
  'the grant is its row in the access log, unused'
);
select results_eq(
  $$select a.http, a.body ->> 'bucket', a.body ->> 'path' is not null from answers as a where a.label = 'supa u1'$$,
  $$values ('200', 'recordings', true)$$,
  'the supervisor of the call''s campaign is granted'
);
select results_eq(
  $$select g.requested_by, g.campaign_id, g.outcome, g.reason_code, g.id, g.client_address, g.user_agent,
      g.requested_at
    from public.recording_access_log as g
    where g.call_id = 'cc000000-0000-4000-8000-0000000000a1' and g.outcome = 'granted' order by g.id$$,
  $$select
      v.who::uuid, 'c0000000-0000-4000-8000-00000000000a'::uuid, 'granted', null::text,
      (select (a.body ->> 'access_id')::bigint from answers as a where a.label = v.label),
      '203.0.113.7', 'Mozilla/5.0 (pgTAP)', '2026-11-25 12:00:00.424242+00'::timestamptz
    from (values (1, 'f0000000-0000-4000-8000-000000000001', 'admin u1'),
      (2, 'f0000000-0000-4000-8000-000000000011', 'supa u1')) as v (ord, who, label)
    order by v.ord$$,
  'each grant is logged, once: who, call, campaign, client address and browser, when'
);

-- ----------------------------------------------------------------------------
-- Refused
-- ----------------------------------------------------------------------------

select tests.authenticate_as('supb@t.test');
select tests.ask_recording('supb u1', 'cc000000-0000-4000-8000-0000000000a1');
select tests.authenticate_as('a1@t.test');
select tests.ask_recording('a1 u1, not allowed', 'cc000000-0000-4000-8000-0000000000a1');
select tests.authenticate_as('a2@t.test');
select tests.ask_recording('a2 u1', 'cc000000-0000-4000-8000-0000000000a1');
select tests.authenticate_as('b1@t.test');
select tests.ask_recording('b1 ub', 'cc000000-0000-4000-8000-0000000000b1');
select tests.authenticate_as('adm@t.test');
select tests.ask_recording('unknown', 'cc000000-0000-4000-8000-0000000000ff');
select tests.ask_recording('null', null);
select tests.ask_recording('no recording', 'cc000000-0000-4000-8000-0000000000a2');
select tests.ask_recording('pending', 'cc000000-0000-4000-8000-0000000000a4');
select tests.ask_recording('erase requested', 'cc000000-0000-4000-8000-0000000000a3');
select tests.clear_authentication();

select results_eq(
  $$select a.http, a.body from answers as a where a.label = 'supb u1'$$,
  $$values ('404', jsonb_build_object(
    'code', 'PT404',
    'message', 'p_call_id: not found or not yours',
    'details', null, 'hint', null
  ))$$,
  'the supervisor of another campaign is refused: PostgREST''s error body, HTTP 404 as for an unknown call'
);
select results_eq(
  $$select a.http, a.body ->> 'code' from answers as a where a.label = 'a1 u1, not allowed'$$,
  $$values ('404', 'PT404')$$,
  'the call''s own agent is refused while the campaign does not let agents listen'
);
select results_eq(
  $$select a.http, a.body ->> 'code' from answers as a where a.label = 'a2 u1'$$,
  $$values ('404', 'PT404')$$,
  'another agent of the campaign is refused'
);
select results_eq(
  $$select a.http, a.body ->> 'code' from answers as a where a.label = 'b1 ub'$$,
  $$values ('404', 'PT404')$$,
  'an agent of another campaign is refused his own call too when his campaign does not allow it'
);
select results_eq(
  $$select a.http, a.body ->> 'code', a.body ->> 'message' from answers as a where a.label = 'unknown'$$,
  $$values ('404', 'PT404', 'p_call_id: not found or not yours')$$,
  'an unknown call: PT404, HTTP 404'
);
select results_eq(
  $$select a.http, a.body ->> 'code', a.body ->> 'message' from answers as a where a.label = 'null'$$,
  $$values ('400', '22023', 'p_call_id: required')$$,
  'no call id: 22023, HTTP 400'
);
select results_eq(
  $$select a.http, a.body ->> 'code', a.body ->> 'message', a.body ->> 'details'
    from answers as a where a.label = 'no recording'$$,
  $$values (
    '404', 'PT404', 'p_call_id: call cc000000-0000-4000-8000-0000000000a2 has no recording to listen to',
    'recording_status: none'
  )$$,
  'a call with no recording: PT404, HTTP 404'
);
select results_eq(
  $$select a.http, a.body ->> 'code', a.body ->> 'details' from answers as a where a.label = 'pending'$$,
  $$values ('404', 'PT404', 'recording_status: pending')$$,
  'a recording not stored yet: PT404, saying where it is'
);
select results_eq(
  $$select a.http, a.body ->> 'code' from answers as a where a.label = 'erase requested'$$,
  $$values ('404', 'PT404')$$,
  'a recording whose lead is being erased: PT404'
);

select results_eq(
  $$select g.requested_by::text, g.call_id::text, g.campaign_id::text, g.outcome, g.reason_code, g.link_id,
      g.client_address, g.user_agent
    from public.recording_access_log as g
    where
      g.requested_at = '2026-11-25 12:00:00.424242+00' and g.outcome = 'refused'
      and g.requested_by::text like 'f0000000-%'
    order by g.id$$,
  $$values
    ('f0000000-0000-4000-8000-000000000012', 'cc000000-0000-4000-8000-0000000000a1',
      'c0000000-0000-4000-8000-00000000000a', 'refused', '42501', null::uuid, '203.0.113.7', 'Mozilla/5.0 (pgTAP)'),
    ('f0000000-0000-4000-8000-000000000101', 'cc000000-0000-4000-8000-0000000000a1',
      'c0000000-0000-4000-8000-00000000000a', 'refused', '42501', null, '203.0.113.7', 'Mozilla/5.0 (pgTAP)'),
    ('f0000000-0000-4000-8000-000000000102', 'cc000000-0000-4000-8000-0000000000a1',
      'c0000000-0000-4000-8000-00000000000a', 'refused', '42501', null, '203.0.113.7', 'Mozilla/5.0 (pgTAP)'),
    ('f0000000-0000-4000-8000-000000000201', 'cc000000-0000-4000-8000-0000000000b1',
      'c0000000-0000-4000-8000-00000000000b', 'refused', '42501', null, '203.0.113.7', 'Mozilla/5.0 (pgTAP)'),
    ('f0000000-0000-4000-8000-000000000001', 'cc000000-0000-4000-8000-0000000000ff',
      null, 'refused', 'PT404', null, '203.0.113.7', 'Mozilla/5.0 (pgTAP)'),
    ('f0000000-0000-4000-8000-000000000001', null, null, 'refused', '22023', null, '203.0.113.7',
      'Mozilla/5.0 (pgTAP)'),
    ('f0000000-0000-4000-8000-000000000001', 'cc000000-0000-4000-8000-0000000000a2',
      'c0000000-0000-4000-8000-00000000000a', 'refused', 'PT404', null, '203.0.113.7', 'Mozilla/5.0 (pgTAP)'),
    ('f0000000-0000-4000-8000-000000000001', 'cc000000-0000-4000-8000-0000000000a4',
      'c0000000-0000-4000-8000-00000000000a', 'refused', 'PT404', null, '203.0.113.7', 'Mozilla/5.0 (pgTAP)'),
    ('f0000000-0000-4000-8000-000000000001', 'cc000000-0000-4000-8000-0000000000a3',
      'c0000000-0000-4000-8000-00000000000a', 'refused', 'PT404', null, '203.0.113.7', 'Mozilla/5.0 (pgTAP)')
  $$,
  'every refusal is logged too, with who, call, campaign, the code returned, address and browser'
);
select is(
  (
    select count(*)::integer from public.recording_access_log as g
    where g.outcome = 'refused' and (g.object_path is not null or g.granted_until is not null)
  ),
  0,
  'a refusal grants nothing'
);
select is(
  (
    select g.reason from public.recording_access_log as g
    where g.call_id = 'cc000000-0000-4000-8000-0000000000a2' and g.requested_at = '2026-11-25 12:00:00.424242+00'
  ),
  'p_call_id: call cc000000-0000-4000-8000-0000000000a2 has no recording to listen to',
  'the log keeps the message given'
);

-- ----------------------------------------------------------------------------
-- The campaign lets agents hear their own calls
-- ----------------------------------------------------------------------------

update public.campaigns set agents_can_listen_own_recordings = true
where id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b');
select tests.authenticate_as('a1@t.test');
select tests.ask_recording('a1 u1, allowed', 'cc000000-0000-4000-8000-0000000000a1');
select tests.authenticate_as('a2@t.test');
select tests.ask_recording('a2 u1, allowed campaign', 'cc000000-0000-4000-8000-0000000000a1');
select tests.authenticate_as('b1@t.test');
select tests.ask_recording('b1 u1', 'cc000000-0000-4000-8000-0000000000a1');
select tests.clear_authentication();
select results_eq(
  $$select a.http, g.requested_by, g.object_path = a.body ->> 'path'
    from answers as a inner join public.recording_access_log as g on g.id = (a.body ->> 'access_id')::bigint
    where a.label = 'a1 u1, allowed'$$,
  $$values ('200', 'f0000000-0000-4000-8000-000000000101'::uuid, true)$$,
  'then the call''s own agent is granted'
);
select results_eq(
  $$select a.http, a.body ->> 'code' from answers as a where a.label = 'a2 u1, allowed campaign'$$,
  $$values ('404', 'PT404')$$,
  'but still not another agent of the campaign'
);
select results_eq(
  $$select a.http, a.body ->> 'code' from answers as a where a.label = 'b1 u1'$$,
  $$values ('404', 'PT404')$$,
  'nor an agent of another campaign'
);

-- ----------------------------------------------------------------------------
-- The log's readers
-- ----------------------------------------------------------------------------

select tests.authenticate_as('supa@t.test');
select is(
  (
    select count(*)::integer from public.recording_access_log as g
    where g.call_id = 'cc000000-0000-4000-8000-0000000000a1' and g.requested_at = '2026-11-25 12:00:00.424242+00'
  ),
  8,
  'the campaign''s supervisor reads every request for its calls, granted or refused, whoever asked'
);
select tests.authenticate_as('supb@t.test');
select is(
  (
    select count(*)::integer from public.recording_access_log as g
    where g.call_id = 'cc000000-0000-4000-8000-0000000000a1' and g.requested_at = '2026-11-25 12:00:00.424242+00'
  ),
  0,
  'the supervisor of another campaign reads none of them, not even its own refusal'
);
select tests.authenticate_as('a1@t.test');
select is(
  (
    select count(*)::integer from public.recording_access_log as g
    where g.requested_at = '2026-11-25 12:00:00.424242+00'
  ),
  0,
  'agents do not read the log'
);

-- ----------------------------------------------------------------------------
-- Permissions change at run time
-- ----------------------------------------------------------------------------

select tests.clear_authentication();
delete from public.role_permissions where role = 'supervisor' and permission = 'recordings.listen';
select tests.authenticate_as('supa@t.test');
select tests.ask_recording('supa u1, no permission', 'cc000000-0000-4000-8000-0000000000a1');
select tests.clear_authentication();
select results_eq(
  $$select a.http, a.body ->> 'code' from answers as a where a.label = 'supa u1, no permission'$$,
  $$values ('404', 'PT404')$$,
  'without recordings.listen the campaign''s supervisor is refused'
);
select is(
  (
    select count(*)::integer from public.recording_access_log as g
    where
      g.requested_by = 'f0000000-0000-4000-8000-000000000011' and g.outcome = 'refused'
      and g.requested_at = '2026-11-25 12:00:00.424242+00'
  ),
  1,
  'and that refusal is logged'
);

-- ----------------------------------------------------------------------------
-- Who may call it
-- ----------------------------------------------------------------------------

select tests.authenticate_as_anon();
select throws_ok(
  $$select public.recording_url('cc000000-0000-4000-8000-0000000000a1')$$, '42501', null,
  'anon cannot ask for a recording'
);
select tests.clear_authentication();
select is(
  has_function_privilege('anon', 'public.recording_url(uuid)', 'execute'), false,
  'anon holds no execute right on recording_url'
);
select is(
  has_function_privilege('authenticated', 'public.recording_url(uuid)', 'execute'), true,
  'signed-in users do'
);
select is(
  has_function_privilege(
    'authenticated', 'private.refuse_recording_access(uuid, uuid, text, text, integer, text, text, text)',
    'execute'
  ),
  false,
  'but not the private helper that writes refusals'
);
-- A signed-in token without a user (a forged or service token used as
-- authenticated) is refused outright.
select set_config('role', 'authenticated', true);
select set_config('request.jwt.claims', '{"role": "authenticated"}', true);
select throws_ok(
  $$select public.recording_url('cc000000-0000-4000-8000-0000000000a1')$$, '42501',
  'recording_url: only a signed-in user may listen to a recording',
  'a caller without a user id is refused'
);
select tests.clear_authentication();

select * from finish();
rollback;
