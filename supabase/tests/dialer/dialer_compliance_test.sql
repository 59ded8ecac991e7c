-- The compliance ledger: abandoned over live answers today (the campaign's
-- time zone), 24 h and 30 days, with the AMD false-positive estimate
-- (numbers worked out by hand below); the supervisors' samples; retention.
begin;
select plan(16);

select tests.create_two_campaigns();
select set_config('crm.now', '2026-11-25 10:00:00+00', true);

-- Campaign B's attempts (Europe/Madrid: today began 2026-11-24 23:00 UTC):
--   T 2026-11-25 09:00  38 completed + 2 abandoned (40 live), 10 machine, 5 no answer
--   Z 2026-11-25 03:00  10 completed
--   Y 2026-11-24 15:00  19 completed + 1 abandoned (20 live), 10 machine
--   E 2026-10-26 10:00  1 abandoned, exactly 30 days ago (in); one a second earlier (out)
--   M 2026-11-10 12:00  40 completed
--   O 2026-10-01 12:00  50 completed + 50 abandoned (older than 30 days)
create function pg_temp.attempts(p_at timestamptz, p_status text, p_count integer) returns void
language sql
as $$
  insert into public.dialer_attempts (
    campaign_id, status, live_answer, agent_id, placed_at, answered_at, human_at, connected_at, ended_at
  )
  select
    'c0000000-0000-4000-8000-00000000000b',
    p_status,
    p_status in ('completed', 'abandoned'),
    case when p_status = 'completed' then 'f0000000-0000-4000-8000-000000000201'::uuid end,
    p_at,
    case when p_status <> 'no_answer' then p_at end,
    case when p_status in ('completed', 'abandoned') then p_at end,
    case when p_status = 'completed' then p_at end,
    p_at + interval '1 minute'
  from generate_series(1, p_count)
$$;
select pg_temp.attempts('2026-11-25 09:00:00+00', 'completed', 38);
select pg_temp.attempts('2026-11-25 09:00:00+00', 'abandoned', 2);
select pg_temp.attempts('2026-11-25 09:00:00+00', 'machine', 10);
select pg_temp.attempts('2026-11-25 09:00:00+00', 'no_answer', 5);
select pg_temp.attempts('2026-11-25 03:00:00+00', 'completed', 10);
select pg_temp.attempts('2026-11-24 15:00:00+00', 'completed', 19);
select pg_temp.attempts('2026-11-24 15:00:00+00', 'abandoned', 1);
select pg_temp.attempts('2026-11-24 15:00:00+00', 'machine', 10);
select pg_temp.attempts('2026-10-26 10:00:00+00', 'abandoned', 1);
select pg_temp.attempts('2026-10-26 09:59:59+00', 'abandoned', 1);
select pg_temp.attempts('2026-11-10 12:00:00+00', 'completed', 40);
select pg_temp.attempts('2026-10-01 12:00:00+00', 'completed', 50);
select pg_temp.attempts('2026-10-01 12:00:00+00', 'abandoned', 50);

select tests.authenticate_as('supb@t.test');
create temporary table ledger on commit drop as
select public.dialer_compliance('c0000000-0000-4000-8000-00000000000b') as l;

-- today: live 40 + 10 = 50, abandoned 2, machine 10, fp 10 * 0.05 = 0.5:
-- (2 + 0.5) / (50 + 0.5) = 0.0495049... -> 0.049505
select is(
  (select l.l -> 'today' from ledger as l),
  '{"live_answers": 50, "abandoned": 2, "machine": 10,
    "machine_false_positive_estimate": 0.500, "rate": 0.049505}'::jsonb,
  'today (Madrid): 50 live answers, 2 abandoned, 10 machines (0.5 people): 4.95 %'
);
-- 24 h: live 70, abandoned 3, machine 20, fp 1.0: 4 / 71 = 0.056338...
select is(
  (select l.l -> 'h24' from ledger as l),
  '{"live_answers": 70, "abandoned": 3, "machine": 20,
    "machine_false_positive_estimate": 1.000, "rate": 0.056338}'::jsonb,
  '24 h: 70 live answers, 3 abandoned, 20 machines (1 person): 5.63 %'
);
-- 30 days: live 70 + 40 + 1 = 111, abandoned 4, machine 20, fp 1.0: 5 / 112 = 0.044642...
select is(
  (select l.l -> 'd30' from ledger as l),
  '{"live_answers": 111, "abandoned": 4, "machine": 20,
    "machine_false_positive_estimate": 1.000, "rate": 0.044643}'::jsonb,
  '30 days: from exactly 30 days ago, 111 live answers, 4 abandoned: 4.46 %'
);
select is(
  (select l.l ->> 'cap' from ledger as l), '0.030', 'with the cap'
);

-- "Today" is the campaign's: in Mexico City the day began at 06:00 UTC, so
-- Z is yesterday: (2 + 0.5) / (40 + 0.5) = 0.061728...
select tests.clear_authentication();
update public.campaigns set default_time_zone = 'America/Mexico_City', amd_false_positive_rate = 0.1
where id = 'c0000000-0000-4000-8000-00000000000b';
select tests.authenticate_as('supb@t.test');
select is(
  public.dialer_compliance('c0000000-0000-4000-8000-00000000000b') -> 'today',
  '{"live_answers": 40, "abandoned": 2, "machine": 10,
    "machine_false_positive_estimate": 1.000, "rate": 0.073171}'::jsonb,
  'today in Mexico City, with a 10 % false-positive rate: (2 + 1) / (40 + 1) = 7.32 %'
);
select tests.authenticate_as('adm@t.test');
select is(
  public.dialer_compliance('c0000000-0000-4000-8000-00000000000a') -> 'd30',
  '{"live_answers": 0, "abandoned": 0, "machine": 0,
    "machine_false_positive_estimate": 0.000, "rate": null}'::jsonb,
  'no answers: no rate (admins read any campaign)'
);
select tests.clear_authentication();

-- The worker sees the same ledger in the floor.
select is(
  private.dialer_floor('c0000000-0000-4000-8000-00000000000b') -> 'ledger' -> 'h24' ->> 'rate',
  '0.069444',
  'dialer_floor carries the same ledger: 24 h at 10 %: (3 + 2) / (70 + 2) = 6.94 %'
);

-- ============================================================================
-- Samples: at most one per 15 s
-- ============================================================================

select private.dialer_publish_state(
  'c0000000-0000-4000-8000-00000000000b', 'w1',
  '{"effective_mode": "predictive", "fallback_reason": null, "dial_ratio": 1.8367, "lines_in_progress": 9,
    "ready_agents": 2, "talking_agents": 3, "wrap_up_agents": 1, "paused_agents": 1, "live_answer_rate": 0.31234}'
);
select is(
  (
    select
      s.effective_mode || ' ' || s.dial_ratio || ' ' || s.lines_in_progress || ' ' || s.live_answer_rate
      || ' ' || s.worker || ' ' || s.paused
    from public.dialer_campaign_state as s where s.campaign_id = 'c0000000-0000-4000-8000-00000000000b'
  ),
  'predictive 1.84 9 0.3123 w1 false', 'the state is published'
);
select set_config('crm.now', '2026-11-25 10:00:14+00', true);
select private.dialer_publish_state(
  'c0000000-0000-4000-8000-00000000000b', 'w1', '{"effective_mode": "progressive", "lines_in_progress": 4}'
);
select set_config('crm.now', '2026-11-25 10:00:15+00', true);
select private.dialer_publish_state(
  'c0000000-0000-4000-8000-00000000000b', 'w1',
  '{"effective_mode": "progressive", "fallback_reason": "rate_shift", "lines_in_progress": 5}'
);
select results_eq(
  $$select s.at, s.lines, s.abandon_rate_24h from public.dialer_samples as s
    where s.campaign_id = 'c0000000-0000-4000-8000-00000000000b' order by s.at$$,
  $$values ('2026-11-25 10:00:00+00'::timestamptz, 9, 0.06944), ('2026-11-25 10:00:15+00', 5, 0.06944)$$,
  'a sample at most every 15 s, with the 24 h abandon rate'
);
select is(
  (
    select s.effective_mode || ' ' || s.fallback_reason from public.dialer_campaign_state as s
    where s.campaign_id = 'c0000000-0000-4000-8000-00000000000b'
  ),
  'progressive rate_shift', 'the state follows every publication'
);
select throws_ok(
  $$select private.dialer_publish_state('c0000000-0000-4000-8000-00000000000b', 'w1', '{"effective_mode": "fast"}')$$,
  '23514', null, 'an unknown mode is refused'
);

-- ============================================================================
-- History for the pacer
-- ============================================================================

select set_config('crm.now', '2026-11-25 10:30:00+00', true);
select is(
  jsonb_array_length(private.dialer_history('c0000000-0000-4000-8000-00000000000b', null) -> 'outcomes'),
  55, 'history: the outcomes of the last 2 hours at most (T)'
);
select is(
  (
    select array_agg(distinct o ->> 'result' order by o ->> 'result')
    from jsonb_array_elements(private.dialer_history('c0000000-0000-4000-8000-00000000000b', null) -> 'outcomes') as o
  ),
  array['human', 'machine', 'no_answer'], 'as human, machine, no_answer'
);

-- ============================================================================
-- Retention: attempts 5 years, samples 7 days
-- ============================================================================

select pg_temp.attempts('2021-11-25 09:00:00+00', 'no_answer', 1);
select pg_temp.attempts('2021-11-25 11:00:00+00', 'no_answer', 1);
insert into public.dialer_samples (campaign_id, at) values
('c0000000-0000-4000-8000-00000000000b', '2026-11-18 10:29:00+00'),
('c0000000-0000-4000-8000-00000000000b', '2026-11-18 10:31:00+00');
select private.purge_dialer_records();
select results_eq(
  $$select a.placed_at from public.dialer_attempts as a
    where a.campaign_id = 'c0000000-0000-4000-8000-00000000000b' and a.placed_at < '2022-01-01'$$,
  $$values ('2021-11-25 11:00:00+00'::timestamptz)$$,
  'attempts older than 5 years are purged, younger ones kept'
);
select results_eq(
  $$select s.at from public.dialer_samples as s
    where s.campaign_id = 'c0000000-0000-4000-8000-00000000000b' and s.at < '2026-11-20'$$,
  $$values ('2026-11-18 10:31:00+00'::timestamptz)$$,
  'samples older than 7 days are purged'
);
select is(
  (select j.schedule from cron.job as j where j.jobname = 'crm-purge-dialer-records'),
  '41 3 * * *', 'pg_cron runs the purge every night'
);

select * from finish();
rollback;
