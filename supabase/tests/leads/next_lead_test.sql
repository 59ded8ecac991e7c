-- rpc/next_lead(p_campaign_id): due callbacks first, then own or pool leads by
-- next_call_at; never a listed number, outside calling hours in the lead's
-- time zone, past max attempts, without consent, or another agent's lead.
begin;
select plan(15);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

-- Campaign Q: 09:00-21:00 Monday-Friday, 3 attempts, worked by a1 and a2.
insert into public.campaigns (id, name, status, calling_days, max_attempts) values
('c0000000-0000-4000-8000-0000000000a9', 'Queue', 'active', '{1,2,3,4,5}', 3);
insert into public.campaign_members (campaign_id, user_id, member_role) values
('c0000000-0000-4000-8000-0000000000a9', 'f0000000-0000-4000-8000-000000000011', 'supervisor'),
('c0000000-0000-4000-8000-0000000000a9', 'f0000000-0000-4000-8000-000000000101', 'agent'),
('c0000000-0000-4000-8000-0000000000a9', 'f0000000-0000-4000-8000-000000000102', 'agent');

-- The clock of most checks: Wednesday 2026-11-25 20:30 UTC, which is 21:30 in
-- Madrid (closed), 20:30 in the Canaries, 14:30 in Mexico City, 12:30 in
-- Tijuana and 15:30 in Cancún (open). Leads earlier in the queue are the
-- ones that must be skipped.
insert into public.leads (
  id, campaign_id, owner_id, status, first_name, phone, time_zone, attempts, next_call_at, consent_contact
) values
(
  'e0000000-0000-4000-8000-000000000901', 'c0000000-0000-4000-8000-0000000000a9', null, 'new',
  'Madrid', '+34611000001', 'Europe/Madrid', 0, '2026-11-20 09:00+00', true
),
(
  'e0000000-0000-4000-8000-000000000902', 'c0000000-0000-4000-8000-0000000000a9', null, 'new',
  'Listed everywhere', '+525511000002', 'America/Mexico_City', 0, '2026-11-21 09:00+00', true
),
(
  'e0000000-0000-4000-8000-000000000903', 'c0000000-0000-4000-8000-0000000000a9', null, 'new',
  'Listed in Q', '+526641000003', 'America/Tijuana', 0, '2026-11-21 09:01+00', true
),
(
  'e0000000-0000-4000-8000-000000000904', 'c0000000-0000-4000-8000-0000000000a9', null, 'retry',
  'Out of attempts', '+529981000004', 'America/Cancun', 3, '2026-11-21 09:02+00', true
),
(
  'e0000000-0000-4000-8000-000000000905', 'c0000000-0000-4000-8000-0000000000a9', null, 'new',
  'No consent', '+525511000005', 'America/Mexico_City', 0, '2026-11-21 09:03+00', false
),
(
  'e0000000-0000-4000-8000-000000000906', 'c0000000-0000-4000-8000-0000000000a9',
  'f0000000-0000-4000-8000-000000000102', 'new',
  'Of a2', '+525511000006', 'America/Mexico_City', 0, '2026-11-21 09:04+00', true
),
(
  'e0000000-0000-4000-8000-000000000907', 'c0000000-0000-4000-8000-0000000000a9', null, 'retry',
  'Not yet due', '+525511000007', 'America/Mexico_City', 1, '2026-11-26 09:00+00', true
),
(
  'e0000000-0000-4000-8000-000000000908', 'c0000000-0000-4000-8000-0000000000a9', null, 'lost',
  'Closed', '+525511000008', 'America/Mexico_City', 1, null, true
),
(
  'e0000000-0000-4000-8000-000000000909', 'c0000000-0000-4000-8000-0000000000a9', null, 'new',
  'Canarias', '+34628000009', 'Atlantic/Canary', 0, '2026-11-22 09:00+00', true
),
(
  'e0000000-0000-4000-8000-000000000910', 'c0000000-0000-4000-8000-0000000000a9',
  'f0000000-0000-4000-8000-000000000101', 'new',
  'Mine in Mexico', '+525511000010', 'America/Mexico_City', 0, '2026-11-23 09:00+00', true
),
(
  'e0000000-0000-4000-8000-000000000911', 'c0000000-0000-4000-8000-0000000000a9',
  'f0000000-0000-4000-8000-000000000101', 'callback',
  'Callback', '+526641000011', 'America/Tijuana', 1, '2026-11-25 20:00+00', true
);
insert into public.callbacks (lead_id, campaign_id, agent_id, due_at) values (
  'e0000000-0000-4000-8000-000000000911', 'c0000000-0000-4000-8000-0000000000a9',
  'f0000000-0000-4000-8000-000000000101', '2026-11-25 20:00+00'
);
insert into public.do_not_call (phone, campaign_id) values
('+525511000002', null),
('+526641000003', 'c0000000-0000-4000-8000-0000000000a9');

select set_config('crm.now', '2026-11-25 20:30+00', true);

-- Errors first: who may ask, and for which campaign.
select tests.authenticate_as_anon();
select throws_ok(
  $$select * from public.next_lead('c0000000-0000-4000-8000-0000000000a9')$$,
  '42501', null, 'anon cannot ask for leads'
);
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select * from public.next_lead('c0000000-0000-4000-8000-0000000000a9')$$,
  'PT404', 'p_campaign_id: not found or not yours',
  'a supervisor does not take leads'
);
select tests.authenticate_as('b1@t.test');
select throws_ok(
  $$select * from public.next_lead('c0000000-0000-4000-8000-0000000000a9')$$,
  'PT404', 'p_campaign_id: not found or not yours', 'an agent of another campaign gets nothing from this one'
);
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select * from public.next_lead('c0000000-0000-4000-8000-00000000ffff')$$,
  'PT404', 'p_campaign_id: not found or not yours', 'an unknown campaign is a 404'
);
select throws_ok(
  $$select * from public.next_lead(null)$$, '22023', 'p_campaign_id: required', 'the campaign is required'
);

-- 1. The due callback comes first, although other leads were due earlier.
select results_eq(
  $$select first_name from public.next_lead('c0000000-0000-4000-8000-0000000000a9')$$,
  $$values ('Callback')$$,
  'an agent''s due callback comes before the queue'
);
select results_eq(
  $$select first_name from public.next_lead('c0000000-0000-4000-8000-0000000000a9')$$,
  $$values ('Callback')$$,
  'until it is called, the same lead comes back'
);

-- 2. Once the callback is honoured, the queue: Madrid is closed at 21:30,
-- the two listed numbers, the lead out of attempts, the one without consent
-- and a2's lead are skipped; the pool lead in the Canaries (20:30) is next.
select tests.clear_authentication();
update public.callbacks set status = 'done', completed_at = '2026-11-25 20:10+00'
where lead_id = 'e0000000-0000-4000-8000-000000000911';
update public.leads set status = 'retry', next_call_at = '2026-11-26 20:00+00'
where id = 'e0000000-0000-4000-8000-000000000911';
select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select first_name, owner_id::text from public.next_lead('c0000000-0000-4000-8000-0000000000a9')$$,
  $$values ('Canarias', 'f0000000-0000-4000-8000-000000000101')$$,
  'the earliest callable pool lead is handed out and becomes the agent''s'
);
select results_eq(
  $$select via, changed_by::text from public.lead_history
    where lead_id = 'e0000000-0000-4000-8000-000000000909' order by id desc limit 1$$,
  $$values ('rpc/next_lead', 'f0000000-0000-4000-8000-000000000101')$$,
  'handing out a lead is in its history'
);

select tests.authenticate_as('a2@t.test');
select results_eq(
  $$select first_name from public.next_lead('c0000000-0000-4000-8000-0000000000a9')$$,
  $$values ('Of a2')$$,
  'another agent gets its own lead first'
);
select tests.clear_authentication();
update public.leads set status = 'lost' where id = 'e0000000-0000-4000-8000-000000000906';
select tests.authenticate_as('a2@t.test');
select is_empty(
  $$select * from public.next_lead('c0000000-0000-4000-8000-0000000000a9')$$,
  'and never the lead just handed to a1, nor a1''s own leads'
);

-- 3. The same queue at 10:00 UTC: 11:00 in Madrid (open), 04:00 in Mexico
-- City and 02:00 in Tijuana (closed).
select set_config('crm.now', '2026-11-25 10:00+00', true);
select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select first_name from public.next_lead('c0000000-0000-4000-8000-0000000000a9')$$,
  $$values ('Madrid')$$,
  'in the morning the Madrid lead is callable and comes first'
);

-- 4. Saturday: nobody is called.
select set_config('crm.now', '2026-11-28 12:00+00', true);
select is_empty(
  $$select * from public.next_lead('c0000000-0000-4000-8000-0000000000a9')$$,
  'outside the campaign''s calling days there is no lead'
);

-- 5. Nothing callable left: no row, not an error.
select set_config('crm.now', '2026-11-25 20:30+00', true);
select tests.clear_authentication();
update public.leads set status = 'lost' where campaign_id = 'c0000000-0000-4000-8000-0000000000a9';
select tests.authenticate_as('a1@t.test');
select is_empty(
  $$select * from public.next_lead('c0000000-0000-4000-8000-0000000000a9')$$,
  'with nothing callable next_lead returns no row'
);

-- 6. A paused campaign hands out nothing, with a clear error.
select tests.clear_authentication();
update public.campaigns set status = 'paused' where id = 'c0000000-0000-4000-8000-0000000000a9';
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select * from public.next_lead('c0000000-0000-4000-8000-0000000000a9')$$,
  'R0004', 'p_campaign_id: campaign Queue is paused, not active', 'a paused campaign is refused'
);

select * from finish();
rollback;
