-- private.best_retry_at(lead, campaign, earliest): the best callable hour in
-- the day after `earliest`, in the lead's zone; `earliest` without data.
begin;
select plan(17);

select tests.create_two_campaigns();

-- Campaign A calls Monday to Friday, 09:00-21:00 in the lead's zone.
update public.campaigns set calling_days = '{1,2,3,4,5}' where id = 'c0000000-0000-4000-8000-00000000000a';
-- a2 is 65+ (Madrid); a1 (Madrid) and a3 (Canary) have no birth date.
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

-- best(lead, earliest) for campaign A (or the lead's campaign).
create function pg_temp.best(p_lead uuid, p_earliest timestamptz) returns timestamptz
language sql
as $$
  select private.best_retry_at(l, c, p_earliest)
  from public.leads as l
  inner join public.campaigns as c on l.campaign_id = c.id
  where l.id = p_lead
$$;

-- December: Madrid is UTC+1, the Canaries UTC+0. 2026-12-09 is a Wednesday.
select is(
  pg_temp.best('e0000000-0000-4000-8000-0000000000a1', '2026-12-09 09:20+00'),
  '2026-12-09 18:00+00',
  'from 10:20 Madrid the unknown-age lead is called at 19:00 Madrid, its segment''s best hour'
);
select is(
  pg_temp.best('e0000000-0000-4000-8000-0000000000a3', '2026-12-09 10:20+00'),
  '2026-12-09 19:00+00',
  'the same lead in the Canaries: 19:00 in its own zone'
);
select is(
  pg_temp.best('e0000000-0000-4000-8000-0000000000a2', '2026-12-09 09:20+00'),
  '2026-12-09 10:00+00',
  'the 65+ lead: 11:00 Madrid, its segment''s best hour'
);
select is(
  pg_temp.best('e0000000-0000-4000-8000-0000000000a2', '2026-12-09 11:20+00'),
  '2026-12-10 10:00+00',
  'past its best hour, the 65+ lead waits for 11:00 the next day'
);
select is(
  pg_temp.best('e0000000-0000-4000-8000-0000000000a1', '2026-12-09 18:30+00'),
  '2026-12-09 18:30+00',
  'already inside the best hour: earliest itself, never before it'
);
select is(
  pg_temp.best('e0000000-0000-4000-8000-0000000000a1', '2026-12-09 19:30+00'),
  '2026-12-10 18:00+00',
  'after it: the best hour of the next day, within the day''s window'
);
select is(
  pg_temp.best('e0000000-0000-4000-8000-0000000000a1', '2026-12-09 21:00+00'),
  '2026-12-10 18:00+00',
  'from outside the calling hours (22:00): the next day''s best hour'
);
select is(
  pg_temp.best('e0000000-0000-4000-8000-0000000000a1', '2026-12-11 20:30+00'),
  '2026-12-14 18:00+00',
  'Friday 21:30: not on the weekend, Monday at 19:00'
);
select is(
  pg_temp.best('e0000000-0000-4000-8000-0000000000a1', '2026-12-11 19:30+00'),
  '2026-12-11 19:30+00',
  'Friday 20:30 is callable: the day after it has no other calling hour, so it is now'
);

-- A segment without calls (35-49) follows the campaign: 11h.
update public.leads set birth_date = '1985-03-01' where id = 'e0000000-0000-4000-8000-0000000000a1';
select is(
  pg_temp.best('e0000000-0000-4000-8000-0000000000a1', '2026-12-09 09:20+00'),
  '2026-12-09 10:00+00',
  'a segment without calls reads the campaign''s rates (all): 11:00 Madrid'
);
update public.leads set birth_date = null where id = 'e0000000-0000-4000-8000-0000000000a1';

-- Calling hours 12:30-19:00: 19h is out of hours, and every hour left is
-- equal for this lead: the earliest callable instant wins the tie.
update public.campaigns set calling_hours_start = '12:30', calling_hours_end = '19:00'
where id = 'c0000000-0000-4000-8000-00000000000a';
select is(
  pg_temp.best('e0000000-0000-4000-8000-0000000000a1', '2026-12-09 06:00+00'),
  '2026-12-09 11:30+00',
  'the best hour out of calling hours is never chosen; on a tie the earliest, 12:30 Madrid'
);
update public.campaigns set calling_hours_start = '09:00', calling_hours_end = '21:00'
where id = 'c0000000-0000-4000-8000-00000000000a';

-- Any earliest over a week: never before it, always inside calling hours
-- and days in the lead's zone, at most a day after the first callable instant.
select ok(
  (
    select
      bool_and(
        b.at >= e.at
        and private.in_calling_hours(b.at, l.time_zone, c.calling_hours_start, c.calling_hours_end, c.calling_days)
      )
    from generate_series(timestamptz '2026-12-07 00:07+00', '2026-12-14 00:00+00', interval '37 minutes') as e (at)
    cross join public.leads as l
    inner join public.campaigns as c on l.campaign_id = c.id
    cross join lateral (select private.best_retry_at(l, c, e.at) as at) as b
    where l.campaign_id = 'c0000000-0000-4000-8000-00000000000a'
  ),
  'for every earliest over a week and every lead: not before it, inside calling hours and days'
);
select ok(
  (
    select bool_and(b.at < e.at + interval '3 days 12 hours' and b.at is not null)
    from generate_series(timestamptz '2026-12-07 00:07+00', '2026-12-14 00:00+00', interval '37 minutes') as e (at)
    cross join public.leads as l
    inner join public.campaigns as c on l.campaign_id = c.id
    cross join lateral (select private.best_retry_at(l, c, e.at) as at) as b
    where l.campaign_id = 'c0000000-0000-4000-8000-00000000000a'
  ),
  'and never more than a weekend plus a day later'
);

-- No data: earliest unchanged, even out of calling hours (the queue waits).
select is(
  pg_temp.best('e0000000-0000-4000-8000-0000000000b1', '2026-12-09 03:00+00'),
  '2026-12-09 03:00+00',
  'a campaign without learned rates: earliest as it is'
);
select is(
  pg_temp.best('e0000000-0000-4000-8000-0000000000a1', null),
  null,
  'no earliest, no time'
);

-- Cheap enough for every wrap-up.
select ok(
  (
    select clock_timestamp() - s.t0 < interval '1 second'
    from (select clock_timestamp() as t0) as s
    cross join lateral (
      select
        count(
          pg_temp.best(
            'e0000000-0000-4000-8000-0000000000a1', timestamptz '2026-12-09 09:20+00' + g.n * interval '1 minute'
          )
        )
      from generate_series(1, 100) as g (n)
    ) as b
  ),
  '100 calls take under a second'
);
select is(
  (
    select p.prosecdef and p.proconfig = array['search_path=""']
    from pg_proc as p
    where p.oid = 'private.best_retry_at(public.leads, public.campaigns, timestamptz)'::regprocedure
  ),
  true,
  'security definer (it reads schema reports) with search_path pinned'
);

select * from finish();
rollback;
