-- The grant rpc/recording_url leaves in the access log, and the policies on
-- storage.objects that honour it: the caller may sign that one object, once,
-- while the grant is fresh and the recording still stored, and only while
-- Storage signs it (storage.operation and request.path, as Supabase Storage
-- sets them). Nobody else, no other operation, no scan of other rows.
begin;
select plan(36);

select tests.create_two_campaigns();

-- u1, u3: a1's calls in A; ub: b1's call in B; all stored.
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
    'cc000000-0000-4000-8000-0000000000a3', 'e0000000-0000-4000-8000-0000000000a1',
    'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', '+34600000001', '/mon/u3.wav'
  ),
  (
    'cc000000-0000-4000-8000-0000000000b1', 'e0000000-0000-4000-8000-0000000000b1',
    'c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000201', '+525512345678', '/mon/ub.wav'
  )
) as v (id, lead_id, campaign_id, agent_id, phone, file);
update public.recordings set
  status = 'stored', object_path = campaign_id || '/2026/11/20/' || call_id || '.opus', bytes = 1000,
  sha256 = repeat('c', 64), format = 'opus', stored_at = '2026-11-20 10:10+00'
where call_id in (
  'cc000000-0000-4000-8000-0000000000a1', 'cc000000-0000-4000-8000-0000000000a3',
  'cc000000-0000-4000-8000-0000000000b1'
);
insert into storage.objects (bucket_id, name, metadata)
select
  'recordings' as bucket_id,
  r.object_path as name,
  '{"mimetype": "audio/ogg", "size": 1000}' as metadata
from public.recordings as r where r.status = 'stored' and r.call_id::text like 'cc000000-%';

create temporary table paths as
select
  r.call_id,
  r.object_path
from public.recordings as r where r.call_id::text like 'cc000000-%';
grant select on paths to anon, authenticated;
create function tests.path_of(p_call text) returns text
language sql
stable
as $$
  select p.object_path from pg_temp.paths as p where p.call_id::text = 'cc000000-0000-4000-8000-0000000000' || p_call
$$;

-- Storage signing p_name for the current role: its one query (findObject),
-- with the request's path naming p_target (default: p_name). How many rows
-- the caller could read, i.e. whether Storage would sign.
create function tests.sign(p_name text, p_target text default null) returns integer
language plpgsql
as $$
declare
  v_rows integer;
begin
  perform set_config('storage.operation', 'storage.object.sign', true);
  perform set_config('request.path', '/object/sign/recordings/' || coalesce(p_target, p_name), true);
  select count(*)::integer into v_rows from storage.objects as o
  where o.name = p_name and o.bucket_id = 'recordings';
  perform set_config('storage.operation', '', true);
  perform set_config('request.path', '', true);
  return v_rows;
end;
$$;

-- Every recording object the caller can see under operation p_operation.
create function tests.scan(p_operation text, p_target text default '') returns integer
language plpgsql
as $$
declare
  v_rows integer;
begin
  perform set_config('storage.operation', p_operation, true);
  perform set_config('request.path', '/object/sign/recordings/' || p_target, true);
  select count(*)::integer into v_rows from storage.objects as o where o.bucket_id = 'recordings';
  perform set_config('storage.operation', '', true);
  perform set_config('request.path', '', true);
  return v_rows;
end;
$$;

-- The grants in the log, for the checks.
create function tests.grants(p_call text) returns table (who text, used boolean)
language sql
security definer
as $$
  select p.email, a.used_at is not null
  from public.recording_access_log as a inner join public.profiles as p on a.requested_by = p.id
  where a.call_id::text = 'cc000000-0000-4000-8000-0000000000' || p_call and a.object_path is not null
  order by a.id
$$;

select set_config('crm.now', '2026-11-25 12:00:00+00', true);

-- ----------------------------------------------------------------------------
-- The grant
-- ----------------------------------------------------------------------------

select tests.authenticate_as('supa@t.test');
create temporary table answers as
select public.recording_url('cc000000-0000-4000-8000-0000000000a1') as body;
select tests.clear_authentication();

select results_eq(
  $$select a.body ->> 'bucket', a.body ->> 'path', (a.body ->> 'expires_in')::integer,
      (a.body ->> 'granted_until')::timestamptz, a.body ->> 'call_id'
    from answers as a$$,
  $$values ('recordings', tests.path_of('a1'), 300, '2026-11-25 12:00:30+00'::timestamptz,
    'cc000000-0000-4000-8000-0000000000a1')$$,
  'rpc/recording_url answers what the client signs: bucket, path, the URL''s lifetime, the grant''s end'
);
select results_eq(
  $$select g.id, g.outcome, g.requested_by, g.object_path, g.granted_until, g.used_at
    from public.recording_access_log as g where g.call_id = 'cc000000-0000-4000-8000-0000000000a1'$$,
  $$select (a.body ->> 'access_id')::bigint, 'granted', 'f0000000-0000-4000-8000-000000000011'::uuid,
      tests.path_of('a1'), '2026-11-25 12:00:30+00'::timestamptz, null::timestamptz
    from answers as a$$,
  'the grant is the request''s one row in the access log: granted, the object, 30 seconds, unused'
);

-- ----------------------------------------------------------------------------
-- What does not use it
-- ----------------------------------------------------------------------------

select tests.authenticate_as('supa@t.test');
select is_empty(
  $$select o.id from storage.objects as o where o.bucket_id = 'recordings'$$,
  'outside Storage, the holder of the grant reads no recording object'
);
select is(tests.scan('storage.object.list'), 0, 'listing the bucket reveals nothing');
select is(tests.scan('storage.object.get_authenticated', tests.path_of('a1')), 0, 'nor does a download of it');
select is(tests.scan('storage.object.sign_many', tests.path_of('a1')), 0, 'nor signing many at once');
select is(
  tests.sign(tests.path_of('a1'), tests.path_of('b1')), 0,
  'signing another object does not sign this one, even when the scan reaches its row'
);
select is_empty(
  $$update storage.objects set metadata = '{}' where bucket_id = 'recordings' returning id$$,
  'nor does changing'
);
select is_empty($$delete from storage.objects where bucket_id = 'recordings' returning id$$, 'or deleting');
select tests.clear_authentication();
select results_eq($$select * from tests.grants('a1')$$, $$values ('supa@t.test', false)$$, 'the grant is still unused');

-- Other people, with the request naming the granted object.
select tests.authenticate_as('supb@t.test');
select is(tests.sign(tests.path_of('a1')), 0, 'the supervisor of another campaign cannot sign it');
select tests.authenticate_as('a1@t.test');
select is(tests.sign(tests.path_of('a1')), 0, 'nor the call''s own agent');
select tests.authenticate_as('a2@t.test');
select is(tests.sign(tests.path_of('a1')), 0, 'nor another agent');
select tests.authenticate_as('adm@t.test');
select is(tests.sign(tests.path_of('a1')), 0, 'nor an admin without a grant of his own');
select tests.authenticate_as_anon();
select is(tests.sign(tests.path_of('a1')), 0, 'nor anon');
select tests.clear_authentication();
select results_eq($$select * from tests.grants('a1')$$, $$values ('supa@t.test', false)$$, 'none of them used it');

-- ----------------------------------------------------------------------------
-- The holder signs, once
-- ----------------------------------------------------------------------------

-- A second grant, for u3, must survive the signing of u1 even when every row
-- is scanned with the policies (no index: the quals meet every object).
select tests.authenticate_as('supa@t.test');
select public.recording_url('cc000000-0000-4000-8000-0000000000a3');
set local enable_indexscan = off;
set local enable_bitmapscan = off;
select is(tests.sign(tests.path_of('a1')), 1, 'the holder, while Storage signs that object: Storage may sign it');
select
  is(
    tests.sign(tests.path_of('a1')), 1, 'asked again within the same transaction (the policies look twice): still yes'
  );
reset enable_indexscan;
reset enable_bitmapscan;
select tests.clear_authentication();
select results_eq(
  $$select g.used_at, g.used_xact = pg_current_xact_id() from public.recording_access_log as g
    where g.call_id = 'cc000000-0000-4000-8000-0000000000a1' and g.object_path is not null$$,
  $$values ('2026-11-25 12:00:00+00'::timestamptz, true)$$,
  'the grant is used: when, and by which transaction'
);
select results_eq(
  $$select * from tests.grants('a3')$$, $$values ('supa@t.test', false)$$,
  'the holder''s grant for another object is untouched by that scan'
);

-- Used by an earlier transaction (as a row left by another signing).
insert into public.recording_access_log (
  call_id, campaign_id, requested_by, requested_at, outcome, object_path, granted_until, used_at, used_xact
) values (
  'cc000000-0000-4000-8000-0000000000b1', 'c0000000-0000-4000-8000-00000000000b',
  'f0000000-0000-4000-8000-000000000012', '2026-11-25 12:00:00+00', 'granted', tests.path_of('b1'),
  '2026-11-25 12:00:30+00', '2026-11-25 12:00:01+00', '1'
);
select tests.authenticate_as('supb@t.test');
select is(tests.sign(tests.path_of('b1')), 0, 'a grant used by another signing signs nothing more');
select tests.clear_authentication();

-- ----------------------------------------------------------------------------
-- Its short life, and the recording's
-- ----------------------------------------------------------------------------

select set_config('crm.now', '2026-11-25 12:00:30+00', true);
select tests.authenticate_as('supa@t.test');
select is(tests.sign(tests.path_of('a3')), 0, 'at granted_until the grant is over');
select set_config('crm.now', '2026-11-25 12:00:29.9+00', true);
select tests.authenticate_as('supb@t.test');
select public.recording_url('cc000000-0000-4000-8000-0000000000b1');
select tests.clear_authentication();
update public.recordings set erase_requested_at = '2026-11-25 12:00:29.95+00'
where call_id = 'cc000000-0000-4000-8000-0000000000b1';
select tests.authenticate_as('supb@t.test');
select is(tests.sign(tests.path_of('b1')), 0, 'a fresh grant signs nothing once the lead is being erased');
select tests.clear_authentication();
select results_eq(
  $$select * from tests.grants('a3')$$, $$values ('supa@t.test', false)$$, 'the expired grant stays unused'
);

-- An admin's own grant, and an agent's where the campaign lets agents listen.
update public.campaigns set agents_can_listen_own_recordings = true where id = 'c0000000-0000-4000-8000-00000000000a';
select tests.authenticate_as('adm@t.test');
select public.recording_url('cc000000-0000-4000-8000-0000000000a3');
select is(tests.sign(tests.path_of('a3')), 1, 'an admin signs under a grant of his own');
select tests.authenticate_as('a1@t.test');
select public.recording_url('cc000000-0000-4000-8000-0000000000a1');
select is(tests.sign(tests.path_of('a1')), 1, 'so does the call''s agent, when the campaign allows it');
select tests.authenticate_as('a2@t.test');
select is(tests.sign(tests.path_of('a1')), 0, 'while another agent of the campaign still cannot');
select tests.clear_authentication();

-- ----------------------------------------------------------------------------
-- The log stays append-only but for a grant's one use
-- ----------------------------------------------------------------------------

select throws_ok(
  $$update public.recording_access_log set granted_until = 'infinity'
    where call_id = 'cc000000-0000-4000-8000-0000000000a3' and used_at is null$$,
  '42501', 'recording_access_log: audit rows are append-only',
  'a grant cannot be stretched'
);
select throws_ok(
  $$update public.recording_access_log set used_at = null, used_xact = null
    where call_id = 'cc000000-0000-4000-8000-0000000000a1' and used_at is not null$$,
  '42501', null,
  'nor a used grant made fresh again'
);
select throws_ok(
  $$update public.recording_access_log set object_path = 'x.opus'
    where call_id = 'cc000000-0000-4000-8000-0000000000a3' and used_at is null$$,
  '42501', null,
  'nor pointed at another object'
);
select throws_ok(
  $$insert into public.recording_access_log (call_id, requested_by, outcome, reason_code, object_path, granted_until)
    values (null, null, 'refused', '22023', 'x.opus', now())$$,
  '23514', null,
  'a refusal carries no grant'
);
select throws_ok(
  $$insert into public.recording_access_log (call_id, requested_by, outcome, object_path)
    values (null, null, 'granted', 'x.opus')$$,
  '23514', null,
  'a grant has an end'
);

-- Nobody grants himself: the log takes no write from an API role, and the
-- function the policies call is of no use outside Storage's signing.
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$insert into public.recording_access_log (call_id, requested_by, outcome, object_path, granted_until)
    values ('cc000000-0000-4000-8000-0000000000b1', auth.uid(), 'granted', 'x', 'infinity')$$,
  '42501', null,
  'a user cannot write a grant'
);
select is(
  private.use_recording_grant('recordings', tests.path_of('b1')), false,
  'calling the policies'' function by hand uses nothing'
);
select tests.clear_authentication();
select is(
  has_function_privilege('authenticated', 'private.grant_recording_access(uuid, uuid, text, integer)', 'execute'),
  false,
  'nor may a user call the function that writes grants'
);
select is(
  (
    select count(*)::integer from pg_policies as p
    where
      p.schemaname = 'storage' and p.tablename = 'objects' and p.permissive = 'PERMISSIVE'
      and p.qual like '%use_recording_grant%'
  ),
  1,
  'one permissive policy opens the bucket, and only through a grant'
);

select * from finish();
rollback;
