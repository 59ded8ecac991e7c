-- public.calls partitions: monthly partitions in schema private, a default
-- partition, private.ensure_call_partitions() (pg_cron daily, the only thing
-- that creates them: the reporting worker only watches), and the call index
-- that keeps ids unique across partitions.
begin;
select plan(22);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

select ok(
  (
    select bool_and(to_regclass('private.calls_p' || to_char(now() + make_interval(months => m), 'YYYYMM')) is not null)
    from generate_series(0, 3) as m
  ),
  'this month and the next three have partitions'
);
select ok(to_regclass('private.calls_default') is not null, 'a default partition catches everything else');
select results_eq(
  $$select schedule, command from cron.job where jobname = 'crm-ensure-call-partitions'$$,
  $$values ('17 3 * * *', 'select private.ensure_call_partitions(3)')$$,
  'pg_cron creates the coming partitions every night'
);
select results_eq(
  $$select j.active, j.database = current_database(),
      has_function_privilege(j.username, 'private.ensure_call_partitions(integer, date)', 'execute')
    from cron.job as j where j.jobname = 'crm-ensure-call-partitions'$$,
  $$values (true, true, true)$$,
  'the job is active, in this database, as a role that may create partitions'
);
select is(
  (select count(*)::integer from cron.job as j where j.command like '%ensure_call_partitions%'),
  1,
  'and it is the only scheduled creator of partitions'
);
select is(private.ensure_call_partitions(3), 0, 'running it again creates nothing');

-- A call older than every partition lands in the default partition ...
insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number) values (
  'ca000000-0000-4000-8000-000000000001', date_trunc('month', now()) - interval '14 months' + interval '3 days',
  'e0000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', '+34600000001'
);
select is(
  (select tableoid::regclass::text from public.calls where id = 'ca000000-0000-4000-8000-000000000001'),
  'private.calls_default', 'a call outside every monthly partition goes to the default one'
);
insert into public.sales (lead_id, product_id, agent_id, call_id) values (
  'e0000000-0000-4000-8000-0000000000a1', 'd0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', 'ca000000-0000-4000-8000-000000000001'
);

-- ... and moves into its month's partition when that is created.
select ok(
  private.ensure_call_partitions(3, (date_trunc('month', now()) - interval '14 months')::date) > 0,
  'ensure_call_partitions creates missing past months'
);
select ok(
  (
    select bool_and(to_regclass('private.calls_p' || to_char(now() + make_interval(months => m), 'YYYYMM')) is not null)
    from generate_series(-14, 3) as m
  ),
  'every month from 14 months back to 3 ahead now has its partition'
);
select is(
  (select tableoid::regclass::text from public.calls where id = 'ca000000-0000-4000-8000-000000000001'),
  format('private.calls_p%s', to_char(now() - interval '14 months', 'YYYYMM')),
  'the waiting call moved from the default partition into its month'
);
select is(
  (select count(*)::int from private.call_index where call_id = 'ca000000-0000-4000-8000-000000000001'),
  1, 'the call index kept the moved call'
);
select is(
  (select count(*)::int from public.sales where call_id = 'ca000000-0000-4000-8000-000000000001'),
  1, 'a sale still points at the moved call'
);

-- Ids are unique across partitions.
select throws_ok(
  $$insert into public.calls (id, started_at, phone_number)
    values ('ca000000-0000-4000-8000-000000000001', now(), '+34600000001')$$,
  '23505', 'id: a call with id ca000000-0000-4000-8000-000000000001 already exists',
  'a call id cannot be reused in another month'
);

-- The PBX corrects started_at across a month boundary: the row moves, the index follows.
update public.calls set started_at = date_trunc('month', now()) + interval '1 hour'
where id = 'ca000000-0000-4000-8000-000000000001';
select is(
  (select started_at from private.call_index where call_id = 'ca000000-0000-4000-8000-000000000001'),
  date_trunc('month', now()) + interval '1 hour', 'the index follows a corrected started_at'
);
select is(
  (private.find_call('ca000000-0000-4000-8000-000000000001')).started_at,
  date_trunc('month', now()) + interval '1 hour', 'find_call finds the call by id alone'
);
select is(
  (select count(*)::int from public.calls where id = 'ca000000-0000-4000-8000-000000000001'),
  1, 'the call exists once'
);
select throws_ok(
  $$update public.calls set id = gen_random_uuid() where id = 'ca000000-0000-4000-8000-000000000001'$$,
  '23514', 'id: a call''s id never changes', 'call ids never change'
);
select throws_ok(
  $$select private.ensure_call_partitions(-1)$$,
  '22023', 'p_months_ahead: -1 is not between 0 and 120', 'a negative horizon is refused'
);

-- The horizon is the argument: a longer one creates the months missing ahead,
-- and no run drops a partition, however old.
select lives_ok($$select private.ensure_call_partitions(5)$$, 'a longer horizon runs');
select ok(
  (
    select bool_and(to_regclass('private.calls_p' || to_char(now() + make_interval(months => m), 'YYYYMM')) is not null)
    from generate_series(0, 5) as m
  ),
  'and creates the months missing up to 5 ahead'
);
select ok(
  to_regclass(format('private.calls_p%s', to_char(now() - interval '14 months', 'YYYYMM'))) is not null,
  'a partition older than the window it keeps is never dropped'
);

select tests.authenticate_as('adm@t.test');
select throws_ok(
  $$select private.ensure_call_partitions(3)$$, '42501', null, 'the API cannot create partitions'
);

select * from finish();
rollback;
