-- The recordings bucket: private, and out of reach of every API role even
-- when a permissive policy on storage.objects would let them in (the
-- restrictive policies win; the one way in, a grant from rpc/recording_url
-- while Storage signs, is recording_grant_test.sql's); the exports bucket keeps working for its
-- requester; the service role (the worker) reaches everything.
begin;
select plan(19);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

-- One recording object, one export of supa's.
insert into storage.objects (id, bucket_id, name, metadata) values
(
  '0b000000-0000-4000-8000-000000000001', 'recordings',
  'c0000000-0000-4000-8000-00000000000a/2026/11/20/cc000000-0000-4000-8000-0000000000a1.opus',
  '{"mimetype": "audio/ogg", "size": 1000}'
),
(
  '0b000000-0000-4000-8000-000000000002', 'exports',
  'f0000000-0000-4000-8000-000000000011/agent_performance.csv', '{"mimetype": "text/csv", "size": 10}'
);

select results_eq(
  $$select b.public, b.allowed_mime_types from storage.buckets as b where b.id = 'recordings'$$,
  $$values (false, array['audio/ogg'])$$,
  'the recordings bucket exists, is private and holds Opus in Ogg only'
);
select is(
  (
    select string_agg(format('%s %s', p.cmd, p.roles), ', ' order by p.cmd)
    from pg_policies as p
    where
      p.schemaname = 'storage' and p.tablename = 'objects' and p.permissive = 'RESTRICTIVE'
      and (p.qual like '%recordings%' or p.with_check like '%recordings%')
  ),
  'DELETE {anon,authenticated}, INSERT {anon,authenticated}, SELECT {anon,authenticated}, '
  || 'UPDATE {anon,authenticated}',
  'restrictive policies cover every command for anon and authenticated (reads: only under a grant, '
  || 'recording_grant_test.sql)'
);

-- ----------------------------------------------------------------------------
-- Under the project's own policies
-- ----------------------------------------------------------------------------

select tests.authenticate_as('supa@t.test');
select is_empty(
  $$select o.id from storage.objects as o where o.bucket_id = 'recordings'
    and o.id = '0b000000-0000-4000-8000-000000000001'$$,
  'the supervisor of the campaign cannot list or read the recording object'
);
select results_eq(
  $$select o.name from storage.objects as o where o.id = '0b000000-0000-4000-8000-000000000002'$$,
  $$values ('f0000000-0000-4000-8000-000000000011/agent_performance.csv')$$,
  'the exports bucket still lets its requester read his own file'
);
select tests.authenticate_as('supb@t.test');
select is_empty(
  $$select o.id from storage.objects as o where o.id = '0b000000-0000-4000-8000-000000000002'$$,
  'and nobody else'
);

-- ----------------------------------------------------------------------------
-- With a permissive policy that opens everything
-- ----------------------------------------------------------------------------

select tests.clear_authentication();
create policy "Test only everything is open"
on storage.objects for all to anon, authenticated
using (true)
with check (true);

select tests.authenticate_as('adm@t.test');
select is_empty(
  $$select o.id from storage.objects as o where o.bucket_id = 'recordings'$$,
  'an admin still lists no recording object'
);
select is_empty(
  $$update storage.objects set metadata = '{}' where id = '0b000000-0000-4000-8000-000000000001' returning id$$,
  'nor updates one'
);
select is_empty(
  $$delete from storage.objects where id = '0b000000-0000-4000-8000-000000000001' returning id$$,
  'nor deletes one'
);
select throws_ok(
  $$insert into storage.objects (bucket_id, name)
    values ('recordings', 'c0000000-0000-4000-8000-00000000000a/x.opus')$$,
  '42501', null,
  'nor uploads one'
);
select throws_ok(
  $$update storage.objects set bucket_id = 'recordings' where id = '0b000000-0000-4000-8000-000000000002'$$,
  '42501', null,
  'nor moves another file into the bucket'
);
select isnt_empty(
  $$select o.id from storage.objects as o where o.id = '0b000000-0000-4000-8000-000000000002'$$,
  'while the permissive policy does open the other buckets (the test policy works)'
);

select tests.authenticate_as('supa@t.test');
select is_empty(
  $$select o.id from storage.objects as o where o.bucket_id = 'recordings'$$,
  'the campaign''s supervisor lists no recording object'
);
select tests.authenticate_as('a1@t.test');
select is_empty(
  $$select o.id from storage.objects as o where o.bucket_id = 'recordings'$$,
  'nor does the call''s agent'
);

select tests.authenticate_as_anon();
select is_empty(
  $$select o.id from storage.objects as o where o.bucket_id = 'recordings'$$,
  'nor anon'
);
select is_empty(
  $$delete from storage.objects where id = '0b000000-0000-4000-8000-000000000001' returning id$$,
  'anon deletes nothing'
);
select throws_ok(
  $$insert into storage.objects (bucket_id, name) values ('recordings', 'x/y.opus')$$,
  '42501', null,
  'anon uploads nothing'
);

-- ----------------------------------------------------------------------------
-- The worker
-- ----------------------------------------------------------------------------

select tests.authenticate_as_service_role();
select results_eq(
  $$select o.name from storage.objects as o where o.id = '0b000000-0000-4000-8000-000000000001'$$,
  $$values ('c0000000-0000-4000-8000-00000000000a/2026/11/20/cc000000-0000-4000-8000-0000000000a1.opus')$$,
  'the service role reads the recording object'
);
select lives_ok(
  $$insert into storage.objects (bucket_id, name)
    values ('recordings', 'c0000000-0000-4000-8000-00000000000a/y.opus')$$,
  'and uploads'
);
select results_eq(
  $$delete from storage.objects where id = '0b000000-0000-4000-8000-000000000001' returning bucket_id$$,
  $$values ('recordings')$$,
  'and deletes'
);
select tests.clear_authentication();

select * from finish();
rollback;
