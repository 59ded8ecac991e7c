-- private.advance_lead (rpc/end_call's state machine): a retry goes to the
-- best hour at or after now + the retry delay; every other effect as before.
begin;
select plan(15);

select tests.create_two_campaigns();

update public.campaigns set calling_days = '{1,2,3,4,5}' where id = 'c0000000-0000-4000-8000-00000000000a';
update public.leads set birth_date = '1950-03-01' where id = 'e0000000-0000-4000-8000-0000000000a2';

-- Last week, Monday to Friday, 12 calls per hour 09-20 in each lead's zone:
-- the unknown-age segment (a3) answers 9 of 12 at 19h and 3 of 12 at other
-- hours; the 65+ (a2) 9 of 12 at 11h, none at 19h, 3 of 12 otherwise. So
-- the unknown-age segment is best at 19h, the 65+ and the campaign at 11h.
insert into public.calls (
  started_at, lead_id, campaign_id, agent_id, phone_number, status, outcome, answered_at, ended_at,
  disposition, wrapped_up_at
)
select
  h.at as started_at,
  h.lead_id,
  'c0000000-0000-4000-8000-00000000000a'::uuid as campaign_id,
  'f0000000-0000-4000-8000-000000000101'::uuid as agent_id,
  '+34600000003' as phone_number,
  'ended' as status,
  case when h.live then 'answered' else 'no_answer' end as outcome,
  case when h.live then h.at end as answered_at,
  h.at + interval '1 minute' as ended_at,
  case when h.live then 'not_interested' else 'no_answer' end as disposition,
  h.at + interval '2 minutes' as wrapped_up_at
from (
  select
    l.id as lead_id,
    (date_trunc('week', now() at time zone l.time_zone)::date - 7 + d.n + make_time(hr.n, i.n, 0))
    at time zone l.time_zone as at,
    i.n <= case
      when l.birth_date is null then case when hr.n = 19 then 9 else 3 end
      else case hr.n when 11 then 9 when 19 then 0 else 3 end
    end as live
  from public.leads as l
  cross join generate_series(0, 4) as d (n)
  cross join generate_series(9, 20) as hr (n)
  cross join generate_series(1, 12) as i (n)
  where l.id in ('e0000000-0000-4000-8000-0000000000a2', 'e0000000-0000-4000-8000-0000000000a3')
) as h;

refresh materialized view concurrently reports.best_time_rates;

-- a1 (Madrid, no birth date: the segment best at 19h) is called six times on
-- Wednesday 2026-12-09 at 10:20 Madrid (09:20 UTC); b1 (campaign B, no
-- learned rates) once. Each test below ends one of them.
update public.leads set status = 'in_call', attempts = 1, last_called_at = '2026-12-09 09:20+00'
where id in ('e0000000-0000-4000-8000-0000000000a1', 'e0000000-0000-4000-8000-0000000000b1');
insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number, status)
select
  ('cb000000-0000-4000-8000-00000000000' || g.n)::uuid as id,
  '2026-12-09 09:20+00'::timestamptz as started_at,
  'e0000000-0000-4000-8000-0000000000a1'::uuid as lead_id,
  'c0000000-0000-4000-8000-00000000000a'::uuid as campaign_id,
  'f0000000-0000-4000-8000-000000000101'::uuid as agent_id,
  '+34600000001' as phone_number,
  'calling' as status
from generate_series(1, 6) as g (n);
insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number, status) values (
  'cb000000-0000-4000-8000-0000000000b1', '2026-12-09 09:20+00', 'e0000000-0000-4000-8000-0000000000b1',
  'c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000201', '+525512345678', 'calling'
);

select set_config('crm.now', '2026-12-09 09:22+00', true) is not null as clock_pinned;
select tests.authenticate_as('a1@t.test');

-- First retry delay (1 hour): from 11:22 Madrid, the best hour is 19:00.
select lives_ok(
  $$select public.end_call('cb000000-0000-4000-8000-000000000001', 'no_answer')$$,
  'a no-answer call ends'
);
select results_eq(
  $$select status::text, next_call_at, last_outcome from public.leads
    where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('retry', '2026-12-09 18:00+00'::timestamptz, 'no_answer')$$,
  'the retry goes to 19:00 Madrid, not to now + 1 hour (10:22 UTC)'
);

-- Second delay (1 day): from Thursday 10:22 Madrid, Thursday 19:00.
select tests.clear_authentication();
update public.leads set attempts = 2 where id = 'e0000000-0000-4000-8000-0000000000a1';
select tests.authenticate_as('a1@t.test');
select lives_ok(
  $$select public.end_call('cb000000-0000-4000-8000-000000000002', 'busy')$$,
  'a busy call ends'
);
select results_eq(
  $$select status::text, next_call_at from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('retry', '2026-12-10 18:00+00'::timestamptz)$$,
  'the second retry delay (1 day) counts, then the best hour of that day'
);

-- A callback keeps the agreed time.
select lives_ok(
  $$select public.end_call('cb000000-0000-4000-8000-000000000003', 'callback', null, '2026-12-09 15:00+00')$$,
  'a callback is agreed for 16:00 Madrid'
);
select results_eq(
  $$select status::text, next_call_at from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('callback', '2026-12-09 15:00+00'::timestamptz)$$,
  'the lead waits for the agreed time, not the best hour'
);
select results_eq(
  $$select due_at, status::text from public.callbacks where lead_id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('2026-12-09 15:00+00'::timestamptz, 'pending')$$,
  'and the callback is scheduled'
);

-- The retry after the callback's call cancels the pending callback, as before.
select lives_ok(
  $$select public.end_call('cb000000-0000-4000-8000-000000000004', 'voicemail')$$,
  'a voicemail ends'
);
select results_eq(
  $$select l.status::text, l.next_call_at, cb.status::text
    from public.leads as l inner join public.callbacks as cb on l.id = cb.lead_id
    where l.id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('retry', '2026-12-10 18:00+00'::timestamptz, 'cancelled')$$,
  'a voicemail is a retry at the best hour; the callback not yet due is cancelled'
);

-- No attempts left: exhausted, whatever the best hour.
select tests.clear_authentication();
update public.leads set attempts = 3 where id = 'e0000000-0000-4000-8000-0000000000a1';
select tests.authenticate_as('a1@t.test');
select lives_ok(
  $$select public.end_call('cb000000-0000-4000-8000-000000000005', 'no_answer')$$,
  'the last attempt ends'
);
select results_eq(
  $$select status::text, next_call_at from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('exhausted', null::timestamptz)$$,
  'with no attempts left the lead is exhausted'
);

-- A sale wins the lead: no next call.
select lives_ok($$select public.end_call('cb000000-0000-4000-8000-000000000006', 'sale')$$, 'a sale ends');
select results_eq(
  $$select status::text, next_call_at from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('won', null::timestamptz)$$,
  'a sale wins the lead'
);

-- A campaign without learned rates: now + the retry delay, as before.
select tests.authenticate_as('b1@t.test');
select lives_ok(
  $$select public.end_call('cb000000-0000-4000-8000-0000000000b1', 'no_answer')$$, 'b1''s call ends'
);
select results_eq(
  $$select status::text, next_call_at from public.leads where id = 'e0000000-0000-4000-8000-0000000000b1'$$,
  $$values ('retry', '2026-12-09 10:22+00'::timestamptz)$$,
  'without learned rates the retry is now + 1 hour'
);

select * from finish();
rollback;
