-- realtime.messages as Supabase's Realtime server leaves it (created here by
-- supabase/platform/bootstrap.sql, never by a migration): columns, daily range
-- partitions, RLS, owner, and what each API role may and may not do with it.
begin;
select plan(40);

select has_table('realtime', 'messages', 'realtime.messages exists');
select is(
  (select relkind::text from pg_class where oid = 'realtime.messages'::regclass), 'p',
  'it is a partitioned table'
);
select is(
  pg_get_partkeydef('realtime.messages'::regclass), 'RANGE (inserted_at)',
  'partitioned by range on inserted_at'
);
select results_eq(
  $$select attname::text collate "default", format_type(atttypid, atttypmod), attnotnull
    from pg_attribute where attrelid = 'realtime.messages'::regclass and attnum > 0 and not attisdropped
    order by attnum$$,
  $$values ('topic', 'text', true), ('extension', 'text', true), ('payload', 'jsonb', false),
    ('event', 'text', false), ('private', 'boolean', false),
    ('updated_at', 'timestamp without time zone', true),
    ('inserted_at', 'timestamp without time zone', true), ('id', 'uuid', true),
    ('binary_payload', 'bytea', false)$$,
  'its columns, types and not-null flags, in Supabase''s order'
);
select col_default_is('realtime', 'messages', 'private', 'false', 'private defaults to false in the table');
select col_default_is('realtime', 'messages', 'id', 'gen_random_uuid()', 'id defaults to a random uuid');
select col_default_is('realtime', 'messages', 'inserted_at', 'now()', 'inserted_at defaults to now()');
select col_default_is('realtime', 'messages', 'updated_at', 'now()', 'updated_at defaults to now()');
select col_is_pk('realtime', 'messages', array['id', 'inserted_at'], 'the primary key is (id, inserted_at)');
select results_eq(
  $$select conname::text collate "default", contype::text, convalidated, pg_get_constraintdef(oid)
    from pg_constraint where conrelid = 'realtime.messages'::regclass order by conname$$,
  $$values
    ('messages_payload_exclusive', 'c', false, 'CHECK (((payload IS NULL) OR (binary_payload IS NULL))) NOT VALID'),
    ('messages_pkey', 'p', true, 'PRIMARY KEY (id, inserted_at)')$$,
  'a JSON or a binary payload, never both (not valid, as on Supabase), and the primary key'
);
select is(
  (
    select pg_get_indexdef(indexrelid) from pg_index
    where indexrelid = 'realtime.messages_inserted_at_topic_index'::regclass
  ),
  'CREATE INDEX messages_inserted_at_topic_index ON ONLY realtime.messages USING btree (inserted_at DESC, topic)'
  || ' WHERE ((extension = ''broadcast''::text) AND (private IS TRUE))',
  'the replay index of private broadcasts'
);
select ok(
  (select relrowsecurity from pg_class where oid = 'realtime.messages'::regclass),
  'row level security is enabled'
);
select table_owner_is('realtime', 'messages', 'supabase_realtime_admin', 'owned by supabase_realtime_admin');
select is(
  (
    select count(*)::integer from pg_policies
    where schemaname = 'realtime' and tablename = 'messages' and not ('authenticated' = all(roles))
  ),
  0, 'the platform writes no policy: the project''s own (for authenticated) decide who joins private channels'
);
-- The platform as it comes: the project's policies (supabase/policies/realtime_messages.sql,
-- tested in channel_policies_test.sql) are set aside for the rest of this file.
do $set_aside$
declare
  v_name text;
begin
  for v_name in select policyname from pg_policies where schemaname = 'realtime' and tablename = 'messages' loop
    execute format('drop policy %I on realtime.messages', v_name);
  end loop;
end
$set_aside$;

-- Partitions: yesterday to three days ahead, by UTC day, named as Supabase's.
select results_eq(
  $$select p.name, pg_get_userbyid(p.relowner)::text collate "default",
      pg_get_expr(p.relpartbound, p.oid) collate "default"
    from (
      select c.relname::text collate "default" as name, c.relowner, c.relpartbound, c.oid
      from pg_inherits as i inner join pg_class as c on i.inhrelid = c.oid
      where i.inhparent = 'realtime.messages'::regclass
    ) as p
    where p.name >= 'messages_' || to_char((now() at time zone 'utc')::date - 1, 'YYYY_MM_DD')
      and p.name <= 'messages_' || to_char((now() at time zone 'utc')::date + 3, 'YYYY_MM_DD')
    order by p.name$$,
  $$select 'messages_' || to_char(d, 'YYYY_MM_DD'), 'supabase_realtime_admin',
      format('FOR VALUES FROM (%L) TO (%L)', d::timestamp, (d + 1)::timestamp)
    from (select (now() at time zone 'utc')::date + n as d from generate_series(-1, 3) as n) as days
    order by 1$$,
  'daily partitions from yesterday to three days ahead, owned by supabase_realtime_admin'
);
select is(
  (
    select count(*)::integer from pg_inherits as i inner join pg_class as c on i.inhrelid = c.oid
    where i.inhparent = 'realtime.messages'::regclass and pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'
  ),
  0, 'no default partition, as on Supabase'
);
select throws_ok(
  $$insert into realtime.messages (topic, extension, inserted_at) values ('t', 'broadcast', '2001-01-01')$$,
  '23514', null, 'a message dated outside every partition is refused'
);
select has_index(
  'realtime', 'messages_' || to_char((now() at time zone 'utc')::date, 'YYYY_MM_DD'),
  'messages_' || to_char((now() at time zone 'utc')::date, 'YYYY_MM_DD') || '_inserted_at_topic_idx',
  'today''s partition has the replay index'
);

-- Grants, as Supabase gives them.
select schema_privs_are('realtime', 'anon', array['USAGE'], 'anon may use schema realtime, not create in it');
select schema_privs_are('realtime', 'authenticated', array['USAGE'], 'so may authenticated');
select schema_privs_are('realtime', 'service_role', array['USAGE'], 'and service_role');
select table_privs_are(
  'realtime', 'messages', 'anon', array['SELECT', 'INSERT', 'UPDATE'], 'anon: select, insert, update'
);
select table_privs_are(
  'realtime', 'messages', 'authenticated', array['SELECT', 'INSERT', 'UPDATE'], 'authenticated: select, insert, update'
);
select table_privs_are(
  'realtime', 'messages', 'service_role', array['SELECT', 'INSERT', 'UPDATE'], 'service_role: select, insert, update'
);
select ok(
  has_table_privilege('postgres', 'realtime.messages', 'select, insert, update, delete, truncate, references, trigger'),
  'postgres: everything'
);

-- A row only postgres (bypassing RLS) could write, to see who can read it.
insert into realtime.messages (topic, extension, payload, event, private)
values ('probe:grants', 'broadcast', '{"n": 1}', 'e', true);

select tests.authenticate_as_anon();
select is_empty($$select 1 from realtime.messages$$, 'anon reads nothing without a policy');
select throws_ok(
  $$insert into realtime.messages (topic, extension) values ('probe:anon', 'broadcast')$$,
  '42501', null, 'anon cannot insert without a policy (RLS)'
);
select throws_ok($$delete from realtime.messages$$, '42501', null, 'anon cannot delete');
select throws_ok(
  format('select 1 from realtime.%I', 'messages_' || to_char((now() at time zone 'utc')::date, 'YYYY_MM_DD')),
  '42501', null, 'anon cannot read a partition directly, around RLS'
);
select throws_ok($$create table realtime.anon_probe (id integer)$$, '42501', null, 'anon cannot create in realtime');

select tests.clear_authentication();
select set_config('role', 'authenticated', true);
select is_empty($$select 1 from realtime.messages$$, 'authenticated reads nothing without a policy');
select throws_ok(
  $$insert into realtime.messages (topic, extension) values ('probe:auth', 'broadcast')$$,
  '42501', null, 'authenticated cannot insert without a policy (RLS)'
);
select is_empty(
  $$update realtime.messages set event = 'x' returning 1$$, 'authenticated updates nothing without a policy'
);
select throws_ok($$truncate realtime.messages$$, '42501', null, 'authenticated cannot truncate');
select throws_ok($$delete from realtime.messages$$, '42501', null, 'authenticated cannot delete');
select tests.clear_authentication();

select tests.authenticate_as_service_role();
select is(
  (select count(*)::integer from realtime.messages where topic = 'probe:grants'), 1,
  'service_role (bypassing RLS) reads every message'
);
select lives_ok(
  $$insert into realtime.messages (topic, extension) values ('probe:service', 'broadcast')$$,
  'service_role inserts without a policy'
);
select throws_ok($$delete from realtime.messages$$, '42501', null, 'service_role cannot delete');
select throws_ok($$truncate realtime.messages$$, '42501', null, 'service_role cannot truncate');
select tests.clear_authentication();

select is(
  (select count(*)::integer from realtime.messages where topic in ('probe:grants', 'probe:service')), 2,
  'postgres reads both rows'
);

select * from finish();
rollback;
