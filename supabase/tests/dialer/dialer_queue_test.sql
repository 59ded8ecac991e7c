-- The dialer's queue is next_lead's (private.lead_is_callable): due
-- campaign callbacks without an agent first, then the pool by next_call_at;
-- calling hours in the lead's zone, do-not-call, consent, attempts, retry
-- delays; plus the abandon lockout of a number (migration 20261207000300).
begin;
select plan(14);

select tests.create_two_campaigns();
select set_config('crm.now', '2026-11-25 10:00:00+00', true);
update public.campaigns set dial_mode = 'predictive' where id = 'c0000000-0000-4000-8000-00000000000a';
update public.leads set next_call_at = '2026-11-26 09:00:00+00' where id = 'e0000000-0000-4000-8000-0000000000a3';

insert into public.leads (id, campaign_id, owner_id, first_name, phone, time_zone, next_call_at) values
(
  'e1000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-00000000000a', null, 'callable', '+34610000001',
  'Europe/Madrid', '2026-11-25 08:00:00+00'
),
(
  'e1000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-00000000000a', null, 'dnc', '+34610000002',
  'Europe/Madrid', '2026-11-25 08:00:00+00'
),
(
  'e1000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-00000000000a', null, 'dnc A', '+34610000003',
  'Europe/Madrid', '2026-11-25 08:00:00+00'
),
(
  'e1000000-0000-4000-8000-000000000004', 'c0000000-0000-4000-8000-00000000000a', null, 'no consent', '+34610000004',
  'Europe/Madrid', '2026-11-25 08:00:00+00'
),
(
  'e1000000-0000-4000-8000-000000000005', 'c0000000-0000-4000-8000-00000000000a', null, 'exhausted', '+34610000005',
  'Europe/Madrid', '2026-11-25 08:00:00+00'
),
(
  'e1000000-0000-4000-8000-000000000006', 'c0000000-0000-4000-8000-00000000000a', null, 'night', '+34610000006',
  'Pacific/Honolulu', '2026-11-25 08:00:00+00'
),
(
  'e1000000-0000-4000-8000-000000000007', 'c0000000-0000-4000-8000-00000000000a', null, 'not due', '+34610000007',
  'Europe/Madrid', '2026-11-25 11:00:00+00'
),
(
  'e1000000-0000-4000-8000-000000000008', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', 'a1''s', '+34610000008', 'Europe/Madrid', '2026-11-25 08:00:00+00'
),
(
  'e1000000-0000-4000-8000-000000000009', 'c0000000-0000-4000-8000-00000000000a', null, 'locked out', '+34610000009',
  'Europe/Madrid', '2026-11-25 08:00:00+00'
),
(
  'e1000000-0000-4000-8000-000000000010', 'c0000000-0000-4000-8000-00000000000a', null, 'callback', '+34610000010',
  'Europe/Madrid', '2026-11-25 09:30:00+00'
),
(
  'e1000000-0000-4000-8000-000000000011', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', 'a1''s callback',
  '+34610000011', 'Europe/Madrid', '2026-11-25 08:00:00+00'
),
(
  'e1000000-0000-4000-8000-000000000012', 'c0000000-0000-4000-8000-00000000000a', null, 'won', '+34610000012',
  'Europe/Madrid', '2026-11-25 08:00:00+00'
),
(
  'e1000000-0000-4000-8000-000000000014', 'c0000000-0000-4000-8000-00000000000a', null, 'lockout over',
  '+34610000014', 'Europe/Madrid', '2026-11-25 08:05:00+00'
);

insert into public.do_not_call (phone, campaign_id, source, reason) values
('+34610000002', null, 'lead_request', 'test'),
('+34610000003', 'c0000000-0000-4000-8000-00000000000a', 'lead_request', 'test');
update public.leads set consent_contact = false where id = 'e1000000-0000-4000-8000-000000000004';
update public.leads set attempts = 3 where id = 'e1000000-0000-4000-8000-000000000005';
update public.leads set status = 'won' where id = 'e1000000-0000-4000-8000-000000000012';
update public.leads set status = 'callback' where id in (
  'e1000000-0000-4000-8000-000000000010', 'e1000000-0000-4000-8000-000000000011'
);
insert into public.callbacks (lead_id, campaign_id, agent_id, due_at) values
('e1000000-0000-4000-8000-000000000010', 'c0000000-0000-4000-8000-00000000000a', null, '2026-11-25 09:30:00+00'),
(
  'e1000000-0000-4000-8000-000000000011', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', '2026-11-25 08:00:00+00'
);
-- The numbers of 9 and 14 were abandoned by the dialer (in campaign B):
-- 9's lockout runs until tomorrow, 14's ended a minute ago.
insert into public.dialer_attempts (
  campaign_id, status, live_answer, phone_number, placed_at, answered_at, human_at, ended_at, lockout_until
) values
(
  'c0000000-0000-4000-8000-00000000000b', 'abandoned', true, '+34610000009', '2026-11-24 10:00:00+00',
  '2026-11-24 10:00:05+00', '2026-11-24 10:00:06+00', '2026-11-24 10:00:08+00', '2026-11-26 10:00:08+00'
),
(
  'c0000000-0000-4000-8000-00000000000b', 'abandoned', true, '+34610000014', '2026-11-22 09:59:00+00',
  '2026-11-22 09:59:05+00', '2026-11-22 09:59:06+00', '2026-11-22 09:59:08+00', '2026-11-25 09:59:00+00'
);

select results_eq(
  $$select t.lead_id from private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w1', 20) as t$$,
  $$values ('e1000000-0000-4000-8000-000000000010'::uuid), ('e1000000-0000-4000-8000-000000000001'::uuid),
    ('e1000000-0000-4000-8000-000000000014'::uuid)$$,
  'the campaign''s callback first, then the pool; nothing on do-not-call (company or campaign), without '
  || 'consent, out of attempts, out of calling hours, not due, an agent''s, closed, or locked out'
);
select is(
  (select l.attempts from public.leads as l where l.id = 'e1000000-0000-4000-8000-000000000001'), 1,
  'the attempt is counted when the call is placed'
);
select is(
  (
    select count(*)::integer from private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w1', 20)
  ),
  0, 'taken leads are not taken again'
);

-- The lockout ends; the do-not-call entry goes; the lead gets consent back.
select set_config('crm.now', '2026-11-26 10:00:09+00', true);
select is(
  (
    select count(*)::integer
    from private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w1', 20) as t
    where t.lead_id = 'e1000000-0000-4000-8000-000000000009'
  ),
  1, 'once the lockout is over the number is dialled again'
);
select set_config('crm.now', '2026-11-25 10:00:00+00', true);

-- rpc/next_lead applies the same rule (an agent's view of the same pool).
delete from public.dialer_attempts where
  lead_id is not null and campaign_id = 'c0000000-0000-4000-8000-00000000000a'
  and status = 'dialing' and lead_id <> 'e1000000-0000-4000-8000-000000000001';
update public.leads set status = 'retry', next_call_at = '2026-11-25 07:00:00+00', owner_id = null
where id in ('e1000000-0000-4000-8000-000000000001', 'e1000000-0000-4000-8000-000000000014');
select tests.authenticate_as('a2@t.test');
select is(
  (select l.id from public.next_lead('c0000000-0000-4000-8000-00000000000a') as l),
  'e1000000-0000-4000-8000-000000000014'::uuid,
  'next_lead skips the lead with an open dialer attempt (due first) and takes the next'
);
select tests.clear_authentication();

-- Nothing for a campaign the dialer does not run, nor for nothing.
update public.leads set status = 'retry', next_call_at = '2026-11-25 07:00:00+00', owner_id = null
where id = 'e1000000-0000-4000-8000-000000000014';
select is(
  (
    select count(*)::integer from private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w1', 0)
  ),
  0, 'p_count 0: nothing'
);
update public.campaigns set dial_mode = 'preview' where id = 'c0000000-0000-4000-8000-00000000000a';
select is(
  (
    select count(*)::integer from private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w1', 5)
  ),
  0, 'a campaign in preview mode: nothing'
);
update public.campaigns set dial_mode = 'predictive', status = 'paused'
where id = 'c0000000-0000-4000-8000-00000000000a';
select is(
  (
    select count(*)::integer from private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w1', 5)
  ),
  0, 'a campaign that is not active: nothing'
);
select is(
  (
    select count(*)::integer from private.dialer_campaigns() as c
    where c ->> 'id' = 'c0000000-0000-4000-8000-00000000000a'
  ),
  0, 'and the worker does not list it'
);
update public.campaigns set status = 'active' where id = 'c0000000-0000-4000-8000-00000000000a';
select is(
  (
    select
      c ->> 'dial_mode' || ' ' || (c ->> 'ring_timeout_s') || ' ' || (c ->> 'amd_false_positive_rate') || ' '
      || (c ->> 'time_zone')
    from private.dialer_campaigns() as c
    where c ->> 'id' = 'c0000000-0000-4000-8000-00000000000a'
  ),
  'predictive 25 0.050 Europe/Madrid', 'an active predictive campaign is listed with its settings'
);
select is(
  (
    select count(*)::integer from private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w1', 5)
  ),
  1, 'and dialled'
);
select throws_ok(
  $$select private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', 'w1', -1)$$,
  '22023', 'p_count: -1 is not between 0 and 1000', 'a negative count is refused'
);
select throws_ok(
  $$select private.dialer_take_leads('c0000000-0000-4000-8000-00000000000a', '', 1)$$,
  '22023', 'p_worker: required', 'the worker is named'
);

-- The campaign settings are checked.
select throws_ok(
  $$update public.campaigns set ring_timeout_s = 10 where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', null, 'a ring shorter than 15 s is refused'
);

select * from finish();
rollback;
