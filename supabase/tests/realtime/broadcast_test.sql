-- Broadcast from the database, as Supabase's Realtime server defines it:
-- realtime.topic(), realtime.send(), realtime.send_binary() and
-- realtime.broadcast_changes() (supabase/platform/bootstrap.sql), and private
-- channels authorized by the project's RLS policies on realtime.messages.
begin;
select plan(34);

-- Signatures, owner, security and who may call them.
select function_returns('realtime', 'topic', array[]::text[], 'text', 'realtime.topic() returns text');
select function_returns(
  'realtime', 'send', array['jsonb', 'text', 'text', 'boolean'], 'void', 'realtime.send(jsonb, text, text, boolean)'
);
select function_returns(
  'realtime', 'send_binary', array['bytea', 'text', 'text', 'boolean'], 'void',
  'realtime.send_binary(bytea, text, text, boolean)'
);
select function_returns(
  'realtime', 'broadcast_changes', array['text', 'text', 'text', 'text', 'text', 'record', 'record', 'text'], 'void',
  'realtime.broadcast_changes(text, text, text, text, text, record, record, text)'
);
select results_eq(
  $$select p.proname::text collate "default", pg_get_function_arguments(p.oid),
      pg_get_userbyid(p.proowner)::text collate "default", p.prosecdef, p.proconfig is null, l.lanname::text collate "default", p.provolatile::text
    from pg_proc as p join pg_language as l on l.oid = p.prolang
    where p.pronamespace = 'realtime'::regnamespace order by p.proname$$,
  $$values
    ('broadcast_changes', 'topic_name text, event_name text, operation text, table_name text, table_schema text,'
      || ' new record, old record, level text DEFAULT ''ROW''::text', 'supabase_realtime_admin', false, true,
      'plpgsql', 'v'),
    ('send', 'payload jsonb, event text, topic text, private boolean DEFAULT true', 'supabase_realtime_admin',
      false, true, 'plpgsql', 'v'),
    ('send_binary', 'payload bytea, event text, topic text, private boolean DEFAULT true',
      'supabase_realtime_admin', false, true, 'plpgsql', 'v'),
    ('topic', '', 'supabase_realtime_admin', false, true, 'sql', 's')$$,
  'the only functions in realtime: owned by supabase_realtime_admin, security invoker, no search_path, as on Supabase'
);
select ok(
  (
    select bool_and(has_function_privilege(r, f, 'execute'))
    from unnest(array['anon', 'authenticated', 'service_role', 'postgres']) as r,
      unnest(array[
        'realtime.topic()', 'realtime.send(jsonb, text, text, boolean)',
        'realtime.send_binary(bytea, text, text, boolean)',
        'realtime.broadcast_changes(text, text, text, text, text, record, record, text)'
      ]) as f
  ),
  'every API role may call them (their RLS still decides what gets written)'
);

-- realtime.topic() reads the setting realtime.topic.
select is(realtime.topic(), null, 'no topic when realtime.topic is not set');
select set_config('realtime.topic', 'room:one', true);
select is(realtime.topic(), 'room:one', 'realtime.topic() reads realtime.topic');
select set_config('realtime.topic', '', true);
select is(realtime.topic(), null, 'an empty setting reads as no topic');

-- realtime.send() as postgres (bypasses RLS, as the project's triggers would not).
select lives_ok($$select realtime.send('{"text": "hi"}', 'chat', 'room:send')$$, 'send() to room:send');
select results_eq(
  $$select topic, event, private, extension, payload - 'id', payload ->> 'id' = id::text, binary_payload is null,
      tableoid::regclass::text
    from realtime.messages where topic = 'room:send'$$,
  $$values ('room:send', 'chat', true, 'broadcast', '{"text": "hi"}'::jsonb, true, true,
    'realtime.messages_' || to_char((now() at time zone 'utc')::date, 'YYYY_MM_DD'))$$,
  'one private broadcast row in today''s partition, its id added to the payload'
);
select is(realtime.topic(), 'room:send', 'send() sets realtime.topic for the rest of the transaction');
select lives_ok(
  $$select realtime.send('{"id": "mine", "n": 2}', 'chat', 'room:own-id', false)$$, 'send() with its own id, public'
);
select results_eq(
  $$select payload, private, payload ->> 'id' <> id::text from realtime.messages where topic = 'room:own-id'$$,
  $$values ('{"id": "mine", "n": 2}'::jsonb, false, true)$$,
  'a payload that has an id keeps it; private => false makes a public message'
);

-- realtime.send_binary()
select lives_ok($$select realtime.send_binary('\x01ff'::bytea, 'bin', 'room:binary')$$, 'send_binary()');
select results_eq(
  $$select binary_payload, payload is null, private, extension from realtime.messages where topic = 'room:binary'$$,
  $$values ('\x01ff'::bytea, true, true, 'broadcast')$$,
  'a binary message: binary_payload set, no JSON payload, no id added'
);

-- A failing send is logged (a warning) and does not abort the caller's transaction.
select lives_ok($$select realtime.send('[1, 2]', 'chat', 'room:array')$$, 'a payload id cannot be added to: no error');
select lives_ok($$select realtime.send('{"n": 1}', 'chat', null)$$, 'no topic: no error');
select is(
  (select count(*)::integer from realtime.messages where topic = 'room:array' or topic is null), 0,
  'and nothing was written'
);
select is(
  (select count(*)::integer from realtime.messages where topic like 'room:%'), 3,
  'while the transaction goes on, with the earlier messages kept'
);

-- realtime.broadcast_changes() from a row trigger: the payload Supabase builds.
create table tests.rt_probe (id integer primary key, name text);
create function tests.rt_probe_broadcast() returns trigger
language plpgsql
as $$
begin
  perform realtime.broadcast_changes(
    'probe:' || coalesce(new.id, old.id), tg_op, tg_op, tg_table_name, tg_table_schema, new, old
  );
  return null;
end;
$$;
create trigger rt_probe_broadcast after insert or update or delete on tests.rt_probe
for each row execute function tests.rt_probe_broadcast();

insert into tests.rt_probe values (1, 'a');
update tests.rt_probe set name = 'b' where id = 1;
delete from tests.rt_probe where id = 1;
select results_eq(
  $$select event, private, payload - 'id', payload ? 'id' from realtime.messages where topic = 'probe:1'
    order by case event when 'INSERT' then 1 when 'UPDATE' then 2 else 3 end$$,
  $$values
    ('INSERT', true, '{"schema": "tests", "table": "rt_probe", "operation": "INSERT",
      "record": {"id": 1, "name": "a"}, "old_record": null}'::jsonb, true),
    ('UPDATE', true, '{"schema": "tests", "table": "rt_probe", "operation": "UPDATE",
      "record": {"id": 1, "name": "b"}, "old_record": {"id": 1, "name": "a"}}'::jsonb, true),
    ('DELETE', true, '{"schema": "tests", "table": "rt_probe", "operation": "DELETE",
      "record": null, "old_record": {"id": 1, "name": "b"}}'::jsonb, true)$$,
  'insert, update, delete: private messages {schema, table, operation, record, old_record, id}'
);
select throws_ok(
  $$select realtime.broadcast_changes('probe:x', 'e', 'INSERT', 'rt_probe', 'tests', null::record, null::record,
    'STATEMENT')$$,
  'P0001', 'Failed to process the row: function can only be triggered for each row, not for each statement',
  'a statement-level call raises'
);
select throws_ok(
  $$select realtime.broadcast_changes('probe:x', 'e', 'TRUNCATE', 'rt_probe', 'tests', null::record, null::record)$$,
  'P0001', 'Failed to process the row: Unexpected operation type: TRUNCATE', 'an unknown operation raises'
);

-- Private channels: the project's policies on realtime.messages, using
-- realtime.topic(), decide who may send (insert) and join (select).
create policy "rt probe members send" on realtime.messages for insert to authenticated
with check (realtime.topic() = 'probe:allowed' and extension = 'broadcast');
create policy "rt probe members read" on realtime.messages for select to authenticated
using (realtime.topic() = 'probe:allowed' and extension = 'broadcast');

select set_config('role', 'authenticated', true);
select lives_ok($$select realtime.send('{"n": 1}', 'e', 'probe:allowed')$$, 'authenticated sends to its topic');
select lives_ok(
  $$select realtime.send('{"n": 2}', 'e', 'probe:denied')$$,
  'authenticated sends to another topic: refused by RLS, yet no error'
);
select set_config('realtime.topic', 'probe:allowed', true);
-- (The policy looks only at the channel, as Supabase's examples do: the
-- Realtime server asks whether the joining user may read the topic at all.)
select is(
  (select count(*)::integer from realtime.messages where topic = 'probe:allowed'), 1,
  'joining probe:allowed (realtime.topic set), authenticated reads its message'
);
select set_config('realtime.topic', 'probe:denied', true);
select is_empty($$select 1 from realtime.messages$$, 'joining probe:denied, it reads nothing');
select throws_ok(
  $$insert into realtime.messages (topic, extension) values ('probe:denied', 'broadcast')$$,
  '42501', null, 'nor may it insert there directly'
);
select tests.clear_authentication();

select tests.authenticate_as_anon();
select lives_ok($$select realtime.send('{"n": 3}', 'e', 'probe:allowed')$$, 'anon sends: refused by RLS, no error');
select tests.clear_authentication();

select tests.authenticate_as_service_role();
select lives_ok($$select realtime.send('{"n": 4}', 'e', 'probe:service')$$, 'service_role sends anywhere');
select tests.clear_authentication();

select results_eq(
  $$select topic, (payload ->> 'n')::integer from realtime.messages
    where topic in ('probe:allowed', 'probe:denied', 'probe:service') order by 2$$,
  $$values ('probe:allowed', 1), ('probe:service', 4)$$,
  'only the authorized messages were written'
);

-- The caller's transaction survived every refused send.
select is(
  (select count(*)::integer from tests.rt_probe), 0,
  'and the caller''s own work is still there to commit'
);
insert into tests.rt_probe values (2, 'c');
select is(
  (select count(*)::integer from realtime.messages where topic = 'probe:2'), 1,
  'a trigger''s broadcast after all that still goes out'
);
select is(
  (select payload -> 'record' from realtime.messages where topic = 'probe:2'), '{"id": 2, "name": "c"}'::jsonb,
  'with the new row'
);

select * from finish();
rollback;
