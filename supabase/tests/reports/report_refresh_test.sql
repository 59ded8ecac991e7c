-- Refresh requests: triggers on calls and sales append them per view and
-- day (the campaign's day), only for changes the reports read; a refresh
-- clears the requests its snapshot saw and logs itself.
begin;
select plan(15);

-- Start from a clean slate: everything so far is refreshed.
select reports.refresh_view(v.view_name) from reports.views as v;
select is(
  (select count(*)::integer from reports.refresh_requests),
  0,
  'a refresh of every view clears every request'
);

-- A call of campaign ...b003 (America/Mexico_City) at 03:30 UTC on
-- 2026-11-20: still the 19th there.
insert into public.calls (
  id, started_at, lead_id, campaign_id, agent_id, phone_number, status, outcome, answered_at, ended_at,
  ring_seconds, talk_seconds, duration_seconds, disposition, wrapped_up_at
)
select
  'ca110000-0000-4000-8000-000000000001' as id,
  timestamptz '2026-11-20 03:30:00+00' as started_at,
  l.id as lead_id,
  l.campaign_id,
  '00000000-0000-4000-a000-000000000106' as agent_id,
  l.phone as phone_number,
  'ended' as status,
  'answered' as outcome,
  timestamptz '2026-11-20 03:30:10+00' as answered_at,
  timestamptz '2026-11-20 03:32:10+00' as ended_at,
  10 as ring_seconds,
  120 as talk_seconds,
  130 as duration_seconds,
  'not_interested' as disposition,
  timestamptz '2026-11-20 03:32:40+00' as wrapped_up_at
from public.leads as l
where l.campaign_id = '00000000-0000-4000-b000-000000000003'
order by l.id
limit 1;

select results_eq(
  $$select r.view_name, r.day from reports.refresh_requests as r order by r.view_name$$,
  $$values ('agent_daily_stats', date '2026-11-19'), ('hourly_stats', date '2026-11-19')$$,
  'a new call asks for the call views, on the campaign''s own day'
);
select is(
  (select count(*)::integer from reports.refresh_requests as r where r.xid = pg_current_xact_id()),
  2,
  'each request names the transaction that wrote it'
);

select throws_ok(
  $$select reports.refresh_view('agent_daily_stat')$$, '22023',
  'p_view: unknown report view ''agent_daily_stat''',
  'an unknown view is refused'
);

select results_eq(
  $$select r.refreshed, r.requests_cleared from reports.refresh_view('agent_daily_stats') as r$$,
  $$values (true, 1)$$,
  'a refresh clears the requests its snapshot includes'
);
select is(
  (
    select a.calls from reports.agent_daily_stats as a
    where
      a.day = '2026-11-19' and a.campaign_id = '00000000-0000-4000-b000-000000000003'
      and a.agent_id = '00000000-0000-4000-a000-000000000106'
  ),
  (
    select count(*)::integer from public.calls as c
    where
      c.campaign_id = '00000000-0000-4000-b000-000000000003'
      and c.agent_id = '00000000-0000-4000-a000-000000000106'
      and (c.started_at at time zone 'America/Mexico_City')::date = '2026-11-19'
  ),
  'and the view now counts the call'
);
select isnt(
  (select v.last_duration_ms from reports.views as v where v.view_name = 'agent_daily_stats'),
  null,
  'the view records how long its refresh took'
);
select ok(
  exists (select 1 from reports.refresh_log as l where l.view_name = 'agent_daily_stats' and l.error is null),
  'and the refresh log has it, with its duration'
);
select is(
  (select count(*)::integer from reports.refresh_requests where view_name = 'agent_daily_stats'),
  0,
  'no request is left for the refreshed view'
);
select is(
  (select count(*)::integer from reports.refresh_requests where view_name = 'hourly_stats'),
  1,
  'the other view''s request waits for its own refresh'
);

-- Notes are not in any report: changing them asks for nothing.
update public.calls set notes = 'Llamar en diciembre.' where id = 'ca110000-0000-4000-8000-000000000001';
select is(
  (select count(*)::integer from reports.refresh_requests where view_name = 'agent_daily_stats'),
  0,
  'a change of notes asks for no refresh'
);
update public.calls set disposition = 'already_insured' where id = 'ca110000-0000-4000-8000-000000000001';
select is(
  (select count(*)::integer from reports.refresh_requests where view_name = 'agent_daily_stats'),
  1,
  'a change of disposition does'
);

-- A sale asks for the sales views, on its day of sale.
insert into public.sales (lead_id, product_id, agent_id, premium, sold_at)
select
  l.id as lead_id,
  '00000000-0000-4000-c000-000000000005' as product_id,
  '00000000-0000-4000-a000-000000000106' as agent_id,
  1450 as premium,
  timestamptz '2026-11-18 12:00:00+00' as sold_at
from public.leads as l
where l.campaign_id = '00000000-0000-4000-b000-000000000003'
order by l.id
limit 1;
select results_eq(
  $$select r.view_name, r.day from reports.refresh_requests as r where r.day = '2026-11-18' order by 1$$,
  $$values
    ('agent_daily_stats', date '2026-11-18'),
    ('hourly_stats', date '2026-11-18'),
    ('sales_daily_stats', date '2026-11-18')$$,
  'a new sale asks for every view, on its day of sale'
);

-- A campaign's time zone moves every day boundary: every day of every view.
update public.campaigns set default_time_zone = 'America/Monterrey'
where id = '00000000-0000-4000-b000-000000000003';
select results_eq(
  $$select r.view_name from reports.refresh_requests as r where r.day is null order by 1$$,
  $$values ('agent_daily_stats'), ('hourly_stats'), ('sales_daily_stats')$$,
  'a new time zone asks for a whole refresh of every view'
);

select reports.refresh_view(v.view_name) from reports.views as v;
select is(
  (select count(*)::integer from reports.refresh_requests),
  0,
  'and refreshing every view clears them all'
);

select * from finish();
rollback;
