-- reports.best_time_rates: which calls count, by the lead's local weekday and
-- hour and segment, and the smoothing, checked by hand on a tiny history.
begin;
select plan(17);

select tests.create_two_campaigns();

-- Segments: a1 65+, a2 under 35, a3 (Canary, UTC+0 in winter) no birth date.
update public.leads set birth_date = '1950-03-01' where id = 'e0000000-0000-4000-8000-0000000000a1';
update public.leads set birth_date = '1995-06-01' where id = 'e0000000-0000-4000-8000-0000000000a2';

select is(private.best_time_segment(null, '2026-12-01'), 'age_unknown', 'no birth date: age_unknown');
select results_eq(
  $$select private.best_time_segment(b, '2026-12-01') from unnest(array[
      date '1991-12-02', '1991-12-01', '1976-12-02', '1976-12-01', '1961-12-02', '1961-12-01'
    ]) as b$$,
  $$values ('age_under_35'), ('age_35_49'), ('age_35_49'), ('age_50_64'), ('age_50_64'), ('age_65_plus')$$,
  'age bands change on the 35th, 50th and 65th birthday'
);

-- Last week's Monday, local dates in the leads' zones: inside the 180 days.
create temporary table fixture_day on commit drop as
select (date_trunc('week', now() at time zone 'Europe/Madrid')::date - 7) as monday;

-- (n, lead, local time, zone, outcome, disposition)
insert into public.calls (
  id, started_at, lead_id, campaign_id, agent_id, phone_number, status, outcome, answered_at, ended_at,
  disposition, wrapped_up_at
)
select
  ('ca000000-0000-4000-8000-0000000000' || lpad(v.n::text, 2, '0'))::uuid as id,
  v.started_at,
  v.lead_id::uuid as lead_id,
  'c0000000-0000-4000-8000-00000000000a'::uuid as campaign_id,
  'f0000000-0000-4000-8000-000000000101'::uuid as agent_id,
  '+34600000001' as phone_number,
  v.status,
  v.outcome,
  case when v.outcome = 'answered' then v.started_at end as answered_at,
  case when v.status = 'ended' then v.started_at + interval '1 minute' end as ended_at,
  v.disposition,
  case when v.disposition is not null then v.started_at + interval '2 minutes' end as wrapped_up_at
from (
  select
    c.n,
    c.lead_id,
    c.status,
    c.outcome,
    c.disposition,
    coalesce(c.at, (f.monday + c.local_time) at time zone c.zone) as started_at
  from fixture_day as f
  cross join (
    values
    -- Monday 10h: 4 attempts, 1 live answer (the sale).
    (1, 'e0000000-0000-4000-8000-0000000000a1', time '10:15', 'Europe/Madrid', 'ended', 'answered', 'sale', null),
    (2, 'e0000000-0000-4000-8000-0000000000a1', '10:40', 'Europe/Madrid', 'ended', 'no_answer', 'no_answer', null),
    (3, 'e0000000-0000-4000-8000-0000000000a2', '10:30', 'Europe/Madrid', 'ended', 'answered', 'voicemail', null),
    -- 10:10 in the Canaries is 11:10 in Madrid: the lead's own hour counts.
    (4, 'e0000000-0000-4000-8000-0000000000a3', '10:10', 'Atlantic/Canary', 'ended', 'busy', null, null),
    -- Monday 19h: 2 attempts, 1 live answer; a wrong number is not the lead.
    (5, 'e0000000-0000-4000-8000-0000000000a2', '19:05', 'Europe/Madrid', 'ended', 'answered', 'not_interested', null),
    (6, 'e0000000-0000-4000-8000-0000000000a2', '19:30', 'Europe/Madrid', 'ended', 'answered', 'wrong_number', null),
    -- Not attempts: a failed call, an answered one not wrapped up yet, one
    -- under way, and one older than 180 days.
    (7, 'e0000000-0000-4000-8000-0000000000a3', '12:00', 'Atlantic/Canary', 'ended', 'failed', 'call_failed', null),
    (8, 'e0000000-0000-4000-8000-0000000000a1', '10:50', 'Europe/Madrid', 'ended', 'answered', null, null),
    (9, 'e0000000-0000-4000-8000-0000000000a1', '10:55', 'Europe/Madrid', 'calling', null, null, null),
    (
      10, 'e0000000-0000-4000-8000-0000000000a1', '10:00', 'Europe/Madrid', 'ended', 'answered', 'sale',
      now() - interval '200 days'
    )
  ) as c (n, lead_id, local_time, zone, status, outcome, disposition, at)
) as v;

refresh materialized view concurrently reports.best_time_rates;

select results_eq(
  $$select r.segment, r.isodow::integer, r.hour::integer, r.attempts, r.live_answers
    from reports.best_time_rates as r
    where r.campaign_id = 'c0000000-0000-4000-8000-00000000000a' and r.attempts > 0
    order by 1, 2, 3$$,
  $$values
    ('age_65_plus', 1, 10, 2, 1),
    ('age_under_35', 1, 10, 1, 0),
    ('age_under_35', 1, 19, 2, 1),
    ('age_unknown', 1, 10, 1, 0),
    ('all', 1, 10, 4, 1),
    ('all', 1, 19, 2, 1)$$,
  'attempts and live answers per segment, local weekday and hour; only the calls that count'
);
select results_eq(
  $$select r.segment, count(*)::integer from reports.best_time_rates as r
    where r.campaign_id = 'c0000000-0000-4000-8000-00000000000a' group by 1 order by 1$$,
  $$values ('age_65_plus', 168), ('age_under_35', 168), ('age_unknown', 168), ('all', 168)$$,
  'every weekday x hour of each segment with calls, and all'
);
select is(
  (
    select count(*)::integer
    from reports.best_time_rates as r
    where r.campaign_id = 'c0000000-0000-4000-8000-00000000000b'
  ),
  0,
  'a campaign without calls has no rates'
);

-- By hand. Campaign: 6 attempts, 2 live: p = (2 + 1) / (6 + 2) = 0.375.
-- Hour 10: (1 + 20 p) / (4 + 20) = 0.3541667; hour 19: (1 + 20 p) / (2 + 20)
-- = 0.3863636; other hours: p. Monday: (2 + 20 p) / (6 + 20) = 0.3653846;
-- other days: p. Segment levels: 65+ (1 + 20 p) / (2 + 20) / p = 1.0303030;
-- under 35 (1 + 20 p) / (3 + 20) / p = 0.9855072; all 1.
select is(
  (
    select round(r.prior_rate::numeric, 6) from reports.best_time_rates as r
    where r.campaign_id = 'c0000000-0000-4000-8000-00000000000a' and r.segment = 'all' and r.isodow = 1 and r.hour = 10
  ),
  0.345085,
  'all, Monday 10h: the prior is hour rate x weekday rate / campaign rate = 0.3541667 x 0.3653846 / 0.375'
);
select is(
  (
    select round(r.rate::numeric, 6) from reports.best_time_rates as r
    where r.campaign_id = 'c0000000-0000-4000-8000-00000000000a' and r.segment = 'all' and r.isodow = 1 and r.hour = 10
  ),
  0.329238,
  'all, Monday 10h: (1 live + 20 x 0.345085) / (4 attempts + 20)'
);
select is(
  (
    select round(r.rate::numeric, 6) from reports.best_time_rates as r
    where
      r.campaign_id = 'c0000000-0000-4000-8000-00000000000a' and r.segment = 'age_65_plus'
      and r.isodow = 1 and r.hour = 10
  ),
  0.368675,
  '65+, Monday 10h: prior 0.345085 x 1.030303 = 0.355543; (1 + 20 x 0.355543) / (2 + 20)'
);
select is(
  (
    select round(r.rate::numeric, 6) from reports.best_time_rates as r
    where
      r.campaign_id = 'c0000000-0000-4000-8000-00000000000a' and r.segment = 'age_under_35'
      and r.isodow = 1 and r.hour = 19
  ),
  0.382728,
  'under 35, Monday 19h: prior 0.3863636 x 0.3653846 / 0.375 x 0.9855072 = 0.371001; (1 + 20 x it) / 22'
);
select is(
  (
    select round(r.rate::numeric, 6) from reports.best_time_rates as r
    where
      r.campaign_id = 'c0000000-0000-4000-8000-00000000000a' and r.segment = 'age_65_plus'
      and r.isodow = 2 and r.hour = 12
  ),
  0.386364,
  'a cell without calls reads its prior: p x p / p x 1.030303 (65+, Tuesday 12h)'
);
select is(
  (
    select round(r.rate::numeric, 6) from reports.best_time_rates as r
    where r.campaign_id = 'c0000000-0000-4000-8000-00000000000a' and r.segment = 'all' and r.isodow = 7 and r.hour = 3
  ),
  0.375000,
  'all, a cell without calls on a day and hour without calls: the campaign rate'
);
select ok(
  (
    select r.rate < 0.5 from reports.best_time_rates as r
    where
      r.campaign_id = 'c0000000-0000-4000-8000-00000000000a' and r.segment = 'age_under_35'
      and r.isodow = 1 and r.hour = 19
  ),
  'one live answer in two attempts does not read as 50 %: the sparse cell stays near its prior'
);

-- More calls in the same cell move it away from the prior: 20 more live answers
-- of 20 attempts on Monday 19h for the under 35.
insert into public.calls (
  id, started_at, lead_id, campaign_id, agent_id, phone_number, status, outcome, answered_at, ended_at,
  disposition, wrapped_up_at
)
select
  ('ca000000-0000-4000-8000-0000000001' || lpad(g.n::text, 2, '0'))::uuid as id,
  (f.monday + time '19:00' + g.n * interval '1 minute') at time zone 'Europe/Madrid' as started_at,
  'e0000000-0000-4000-8000-0000000000a2'::uuid as lead_id,
  'c0000000-0000-4000-8000-00000000000a'::uuid as campaign_id,
  'f0000000-0000-4000-8000-000000000102'::uuid as agent_id,
  '+34600000002' as phone_number,
  'ended' as status,
  'answered' as outcome,
  (f.monday + time '19:00' + g.n * interval '1 minute') at time zone 'Europe/Madrid' as answered_at,
  (f.monday + time '19:01' + g.n * interval '1 minute') at time zone 'Europe/Madrid' as ended_at,
  'callback' as disposition,
  (f.monday + time '19:02' + g.n * interval '1 minute') at time zone 'Europe/Madrid' as wrapped_up_at
from fixture_day as f
cross join generate_series(1, 20) as g (n);
refresh materialized view concurrently reports.best_time_rates;
select results_eq(
  $$select r.attempts, r.live_answers from reports.best_time_rates as r
    where
      r.campaign_id = 'c0000000-0000-4000-8000-00000000000a' and r.segment = 'age_under_35'
      and r.isodow = 1 and r.hour = 19$$,
  $$values (22, 21)$$,
  'the new calls are counted after a refresh'
);
select ok(
  (
    select r.rate > 0.75 from reports.best_time_rates as r
    where
      r.campaign_id = 'c0000000-0000-4000-8000-00000000000a' and r.segment = 'age_under_35'
      and r.isodow = 1 and r.hour = 19
  ),
  'with 21 live answers in 22 attempts the cell follows its own data'
);

-- The refresh is pg_cron's, hourly, and concurrent (readers keep the old rates).
select results_eq(
  $$select j.schedule, j.command from cron.job as j where j.jobname = 'crm-refresh-best-time-rates'$$,
  $$values ('41 * * * *'::text, 'refresh materialized view concurrently reports.best_time_rates'::text)$$,
  'pg_cron refreshes the rates every hour'
);
select ok(
  exists (
    select 1 from pg_indexes as i
    where i.schemaname = 'reports' and i.tablename = 'best_time_rates' and i.indexdef like 'CREATE UNIQUE INDEX%'
  ),
  'a unique index lets it refresh concurrently'
);
select is(
  (select count(*)::integer from reports.views as v where v.view_name = 'best_time_rates'),
  0,
  'it is not one of the report views (their freshness and the health page list those)'
);

select * from finish();
rollback;
