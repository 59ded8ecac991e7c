-- The abandon rules hold in the database too, whatever the pacer asks
-- (private.dialer_take_leads): progressive never places more lines than
-- ready agents (no abandons by design); predictive does, until the 24-hour
-- or 30-day abandon rate reaches the cap: then as progressive.
begin;
select plan(10);

select tests.create_two_campaigns();
select set_config('crm.now', '2026-11-25 09:58:00+00', true);
update public.campaigns set dial_mode = 'progressive' where id = 'c0000000-0000-4000-8000-00000000000a';
update public.profiles set sip_extension = '7101' where id = 'f0000000-0000-4000-8000-000000000101';
update public.profiles set sip_extension = '7102' where id = 'f0000000-0000-4000-8000-000000000102';
insert into public.leads (id, campaign_id, first_name, phone, time_zone, next_call_at)
select
  ('e4000000-0000-4000-8000-0000000000' || lpad(n::text, 2, '0'))::uuid as id,
  'c0000000-0000-4000-8000-00000000000a'::uuid as campaign_id,
  'L' || n as first_name,
  '+346400000' || lpad(n::text, 2, '0') as phone,
  'Europe/Madrid' as time_zone,
  '2026-11-25 08:00:00+00'::timestamptz + make_interval(mins => n) as next_call_at
from generate_series(1, 14) as n;

select tests.authenticate_as('a1@t.test');
select public.dialer_join('c0000000-0000-4000-8000-00000000000a');
select set_agent_state('available');
select set_config('crm.now', '2026-11-25 09:59:00+00', true);
select tests.authenticate_as('a2@t.test');
select public.dialer_join('c0000000-0000-4000-8000-00000000000a');
select set_agent_state('available');
select tests.clear_authentication();
select private.dialer_session_requests('w1');
select private.dialer_session_connected(s.id, 'w1', 'PJSIP/' || s.extension || '-1')
from public.dialer_sessions as s where s.campaign_id = 'c0000000-0000-4000-8000-00000000000a';
select set_config('crm.now', '2026-11-25 10:00:00+00', true);

create temporary table taken (attempt_id uuid, lead_id uuid, step integer) on commit drop;
create function pg_temp.take(p_count integer, p_step integer) returns integer
language sql
as $$
  with t as (
    insert into taken (attempt_id, lead_id, step)
    select t.attempt_id, t.lead_id, p_step
    from private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w1', p_count) as t
    returning 1
  )

  select count(*)::integer from t
$$;

-- ============================================================================
-- Progressive: one line per ready agent
-- ============================================================================

select is(pg_temp.take(5, 1), 2, 'progressive, two ready agents, asked for 5: two lines');
select is(pg_temp.take(5, 2), 0, 'two lines under way for two agents: none more');
select private.dialer_attempt_answered(t.attempt_id, 'w1', 'HUMAN', null, '2026-11-25 10:00:04+00')
from taken as t where t.lead_id = 'e4000000-0000-4000-8000-000000000001';
select private.dialer_claim_agent(t.attempt_id, 'w1') from taken as t
where t.lead_id = 'e4000000-0000-4000-8000-000000000001';
select is(pg_temp.take(5, 3), 0, 'a1 talking, a2 ready, one line ringing: none more');
select private.dialer_attempt_ended(t.attempt_id, 'w1', 'busy', '2026-11-25 10:00:10+00') from taken as t
where t.lead_id = 'e4000000-0000-4000-8000-000000000002';
select is(pg_temp.take(5, 4), 1, 'that line was busy: one more for a2');

-- ============================================================================
-- Predictive: more lines than agents while under the cap
-- ============================================================================

update public.campaigns set dial_mode = 'predictive' where id = 'c0000000-0000-4000-8000-00000000000a';
select is(pg_temp.take(3, 5), 3, 'predictive under the cap: as many as asked');

-- One abandoned live answer today: 1 of 2 live answers in 24 h, over the 3 % cap.
insert into public.dialer_attempts (
  campaign_id, status, live_answer, placed_at, answered_at, human_at, ended_at
) values (
  'c0000000-0000-4000-8000-00000000000a', 'abandoned', true, '2026-11-25 02:00:00+00', '2026-11-25 02:00:05+00',
  '2026-11-25 02:00:06+00', '2026-11-25 02:00:09+00'
);
select is(pg_temp.take(5, 6), 0, 'at the cap: no more lines than ready agents (a2) minus lines under way (4)');
-- The same abandon 10 days ago: the 24 h rate is 0, the 30-day one over the cap.
update public.dialer_attempts set
  placed_at = placed_at - interval '10 days', answered_at = answered_at - interval '10 days',
  human_at = human_at - interval '10 days', ended_at = ended_at - interval '10 days'
where campaign_id = 'c0000000-0000-4000-8000-00000000000a' and status = 'abandoned';
select is(pg_temp.take(5, 7), 0, 'the 30-day rate at the cap holds it too');
select private.dialer_attempt_ended(t.attempt_id, 'w1', 'no_answer', '2026-11-25 10:00:30+00') from taken as t
where t.step in (4, 5);
select is(pg_temp.take(5, 8), 1, 'the lines gone: one line for the one ready agent');
select is(
  (
    select
      (f -> 'ready')::integer || ' ' || (f #> '{lines,dialing}')::integer || ' '
      || (f #>> '{ledger,d30,rate}')
    from private.dialer_floor('c0000000-0000-4000-8000-00000000000a') as f
  ),
  '1 1 0.500000', 'the floor says why: one ready agent, one line, 30-day rate 50 %'
);
delete from public.dialer_attempts
where campaign_id = 'c0000000-0000-4000-8000-00000000000a' and status = 'abandoned';
select is(pg_temp.take(5, 9), 5, 'under the cap again: predictive as asked');

select * from finish();
rollback;
