-- rpc/request_originate(p_lead_id): click-to-call on a desk phone. The same
-- rules as start_call (it calls it), plus an extension to ring; the request
-- is queued with the call row the PBX's events will update.
begin;
select plan(17);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql). Its users have no
-- SIP extension, so this file gives a1 extension 5101 and a2 5102, and adds
-- agent x1 to campaign A without one, handing it the fixture's pool lead a3;
-- a1 gets a second lead, a4.
select tests.create_two_campaigns();

update public.profiles set sip_extension = '5101' where id = 'f0000000-0000-4000-8000-000000000101';
update public.profiles set sip_extension = '5102' where id = 'f0000000-0000-4000-8000-000000000102';

insert into auth.users (id, email, raw_app_meta_data, raw_user_meta_data) values
('f0000000-0000-4000-8000-000000000103', 'x1@t.test', '{"role": "agent"}', '{"full_name": "x1@t.test"}');
insert into public.campaign_members (campaign_id, user_id, member_role) values
('c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000103', 'agent');
update public.leads set owner_id = 'f0000000-0000-4000-8000-000000000103'
where id = 'e0000000-0000-4000-8000-0000000000a3';

insert into public.leads (id, campaign_id, owner_id, first_name, phone, time_zone) values
(
  'e0000000-0000-4000-8000-0000000000a4', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', 'Marta', '+34600000004', 'Europe/Madrid'
);

-- Wednesday 2026-11-25 10:00 UTC: 11:00 in Madrid, 10:00 in the Canaries (lead a3).
select set_config('crm.now', '2026-11-25 10:00+00', true);

select tests.authenticate_as_anon();
select throws_ok(
  $$select public.request_originate('e0000000-0000-4000-8000-0000000000a1')$$,
  '42501', null, 'anon cannot originate'
);

select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select status, phone::text, agent_extension, agent_id::text, campaign_id::text, sent_at
    from public.request_originate('e0000000-0000-4000-8000-0000000000a1')$$,
  $$values (
    'queued', '+34600000001', '5101', 'f0000000-0000-4000-8000-000000000101',
    'c0000000-0000-4000-8000-00000000000a', null::timestamptz
  )$$,
  'an agent queues a request for their own lead: their extension, the lead''s number'
);
select results_eq(
  $$select c.status, c.source, c.direction, c.lead_id::text, c.agent_id::text, c.phone_number::text
    from public.originate_requests as r
    inner join public.calls as c on r.call_id = c.id
    where r.lead_id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values (
    'calling', 'pbx', 'outbound', 'e0000000-0000-4000-8000-0000000000a1',
    'f0000000-0000-4000-8000-000000000101', '+34600000001'
  )$$,
  'the request carries the call row (source pbx) that the PBX''s events will update'
);
select results_eq(
  $$select status::text, attempts from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('in_call', 1)$$,
  'the lead is in_call with the attempt counted, as with start_call'
);
select is(
  (select count(*)::int from public.originate_requests),
  1,
  'the agent reads their request back'
);
select throws_ok(
  $$select public.request_originate('e0000000-0000-4000-8000-0000000000a1')$$,
  'PT409', null, 'a lead with a call under way cannot be requested again'
);
select throws_ok(
  $$select public.request_originate('e0000000-0000-4000-8000-0000000000a2')$$,
  'PT404', 'p_lead_id: not found or not yours',
  'an agent cannot originate a colleague''s lead'
);
select throws_ok(
  $$select public.request_originate('e0000000-0000-4000-8000-00000000ffff')$$,
  'PT404', 'p_lead_id: not found or not yours', 'an unknown lead is a 404'
);
select throws_ok(
  $$select public.request_originate(null)$$, '22023', 'p_lead_id: required', 'the lead is required'
);

select tests.clear_authentication();
insert into public.do_not_call (phone) values ('+34600000004');
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.request_originate('e0000000-0000-4000-8000-0000000000a4')$$,
  'R0001', 'p_phone_number: +34600000004 is on the do-not-call list', 'a listed number is never dialled'
);

select tests.clear_authentication();
delete from public.do_not_call where phone = '+34600000004';
select set_config('crm.now', '2026-11-25 21:15+00', true);
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.request_originate('e0000000-0000-4000-8000-0000000000a4')$$,
  'R0002', null, 'no call outside calling hours in the lead''s time zone'
);
select set_config('crm.now', '2026-11-25 10:00+00', true);

select tests.authenticate_as('x1@t.test');
select throws_ok(
  $$select public.request_originate('e0000000-0000-4000-8000-0000000000a3')$$,
  '22023', 'sip_extension: you have no SIP extension for the PBX to ring',
  'an agent without an extension has no phone to ring'
);

select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.request_originate('e0000000-0000-4000-8000-0000000000a2')$$,
  'PT404', 'p_lead_id: not found or not yours', 'a supervisor does not originate agents'' leads'
);

select tests.clear_authentication();
update public.campaigns set status = 'paused' where id = 'c0000000-0000-4000-8000-00000000000a';
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.request_originate('e0000000-0000-4000-8000-0000000000a4')$$,
  'R0004', 'p_lead_id: campaign Test A is paused, not active', 'a paused campaign places no calls'
);

select tests.clear_authentication();
select results_eq(
  $$select count(r.id)::int, count(c.id)::int, max(l.attempts), min(l.status::text)
    from public.leads as l
    left join public.originate_requests as r on l.id = r.lead_id
    left join public.calls as c on l.id = c.lead_id
    where l.id in ('e0000000-0000-4000-8000-0000000000a3', 'e0000000-0000-4000-8000-0000000000a4')$$,
  $$values (0, 0, 0, 'new')$$,
  'after the refusals nothing was written: no request, no call, no attempt'
);
select is(
  (
    select count(*)::int from public.originate_requests
    where status = 'queued' and lead_id::text like 'e0000000-0000-4000-8000-%'
  ),
  1,
  'only the accepted request is queued'
);
select isnt(
  (
    select call_id from public.originate_requests
    where lead_id = 'e0000000-0000-4000-8000-0000000000a1'
  ),
  null,
  'the queued request names its call'
);

select * from finish();
rollback;
