-- postgres_changes: the supabase_realtime publication (owned by postgres, as
-- on Supabase, so that migrations add their tables) publishes
-- public.report_exports, whose RLS lets only the requester and admins
-- receive a row's changes. The floor's tables go by Broadcast instead.
begin;
select plan(11);

select tests.create_two_campaigns();

select results_eq(
  $$select pg_get_userbyid(pubowner)::text collate "default", puballtables, pubinsert, pubupdate, pubdelete
    from pg_publication where pubname = 'supabase_realtime'$$,
  $$values ('postgres', false, true, true, true)$$,
  'supabase_realtime: owned by postgres, not for all tables, publishing inserts, updates and deletes'
);
select ok(
  exists (
    select 1 from pg_publication_tables
    where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'report_exports'
  ),
  'public.report_exports is published'
);
select ok(
  not exists (
    select 1 from pg_publication_tables
    where
      pubname = 'supabase_realtime'
      and (schemaname, tablename) in (('public', 'agent_states'), ('public', 'calls'), ('realtime', 'messages'))
  ),
  'agent_states, calls and realtime.messages are not: the floor goes by Broadcast'
);

-- Who may receive a change of an export: whoever may select the row.
insert into public.report_exports (id, requested_by, report, format) values
('4e000000-0000-4000-8000-0000000000a1', 'f0000000-0000-4000-8000-000000000011', 'campaign_stats', 'csv');

select tests.authenticate_as('supa@t.test');
select is(
  (select count(*)::integer from public.report_exports where id = '4e000000-0000-4000-8000-0000000000a1'), 1,
  'the requester selects the export'
);
select tests.authenticate_as('supb@t.test');
select is(
  (select count(*)::integer from public.report_exports where id = '4e000000-0000-4000-8000-0000000000a1'), 0,
  'another supervisor does not'
);
select tests.authenticate_as('a1@t.test');
select is(
  (select count(*)::integer from public.report_exports where id = '4e000000-0000-4000-8000-0000000000a1'), 0,
  'an agent of the campaign does not'
);
select tests.authenticate_as('adm@t.test');
select is(
  (select count(*)::integer from public.report_exports where id = '4e000000-0000-4000-8000-0000000000a1'), 1,
  'an admin does'
);
select tests.authenticate_as_anon();
select throws_ok($$select 1 from public.report_exports$$, '42501', null, 'anon cannot select exports at all');
select tests.clear_authentication();

update public.profiles set active = false where id = 'f0000000-0000-4000-8000-000000000001';
select tests.authenticate_as('adm@t.test');
select is(
  (select count(*)::integer from public.report_exports where id = '4e000000-0000-4000-8000-0000000000a1'), 0,
  'a deactivated admin does not'
);
select tests.clear_authentication();

-- Realtime reads an UPDATE's old row by the replica identity: the primary key is enough for id=eq filters.
select is(
  (select relreplident::text from pg_class where oid = 'public.report_exports'::regclass), 'd',
  'report_exports keeps the default replica identity (its primary key)'
);
select col_is_pk('public', 'report_exports', 'id', 'whose key is id');

select * from finish();
rollback;
