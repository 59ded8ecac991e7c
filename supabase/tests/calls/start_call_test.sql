-- rpc/start_call(p_lead_id, p_phone_number, p_source): the agent dials its
-- own lead; refused on the do-not-call list, outside calling hours, with no
-- attempts left; the attempt is counted and the lead marked in_call.
begin;
select plan(23);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

update public.leads set alternate_phones = '{+34911000001}' where id = 'e0000000-0000-4000-8000-0000000000a1';

-- Wednesday 2026-11-25 10:00 UTC: 11:00 in Madrid, 04:00 in Mexico City.
select set_config('crm.now', '2026-11-25 10:00+00', true);

select tests.authenticate_as_anon();
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000a1')$$, '42501', null, 'anon cannot call'
);

select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select status, direction, source, phone_number::text, agent_id::text, started_at
    from public.start_call('e0000000-0000-4000-8000-0000000000a1')$$,
  $$values (
    'calling', 'outbound', 'webphone', '+34600000001', 'f0000000-0000-4000-8000-000000000101',
    '2026-11-25 10:00+00'::timestamptz
  )$$,
  'an agent dials its own lead and gets the new call'
);
select results_eq(
  $$select status::text, attempts, last_called_at, next_call_at from public.leads
    where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('in_call', 1, '2026-11-25 10:00+00'::timestamptz, null::timestamptz)$$,
  'the lead is in_call with the attempt counted'
);
select results_eq(
  $$select via from public.lead_history where lead_id = 'e0000000-0000-4000-8000-0000000000a1'
    order by id desc limit 1$$,
  $$values ('rpc/start_call')$$,
  'the lead''s history records the call'
);
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000a1')$$,
  'PT409', null, 'a lead with a call under way cannot be dialled again'
);

-- Refusals, each with nothing written.
select tests.clear_authentication();
update public.leads set status = 'new', attempts = 0 where id = 'e0000000-0000-4000-8000-0000000000a1';
delete from public.calls where lead_id = 'e0000000-0000-4000-8000-0000000000a1';
select tests.authenticate_as('a1@t.test');

select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000a2')$$,
  'PT404', 'p_lead_id: not found or not yours',
  'an agent cannot dial a colleague''s lead'
);
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000a3')$$,
  'PT404', 'p_lead_id: not found or not yours', 'an agent cannot dial a pool lead it was not handed'
);
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-00000000ffff')$$,
  'PT404', 'p_lead_id: not found or not yours', 'an unknown lead is a 404'
);
select throws_ok(
  $$select public.start_call(null)$$, '22023', 'p_lead_id: required', 'the lead is required'
);
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000a1', '600000001')$$,
  '22023', 'p_phone_number: ''600000001'' is not a valid E.164 number', 'the number must be E.164'
);
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000a1', '+34699999999')$$,
  '22023',
  'p_phone_number: +34699999999 is not one of the numbers of lead e0000000-0000-4000-8000-0000000000a1',
  'an agent dials only the lead''s own numbers'
);
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000a1', null, 'fax')$$,
  '22023', 'p_source: ''fax'' is not webphone or pbx', 'the source is webphone or pbx'
);

select tests.clear_authentication();
insert into public.do_not_call (phone) values ('+34600000001');
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000a1')$$,
  'R0001', 'p_phone_number: +34600000001 is on the do-not-call list', 'a listed number is never dialled'
);
select results_eq(
  $$select status, phone_number::text from public.start_call('e0000000-0000-4000-8000-0000000000a1', '+34911000001')$$,
  $$values ('calling', '+34911000001')$$,
  'an alternate number that is not listed can be dialled'
);

select tests.clear_authentication();
delete from public.calls where lead_id = 'e0000000-0000-4000-8000-0000000000a1';
update public.leads set status = 'new', attempts = 0 where id = 'e0000000-0000-4000-8000-0000000000a1';
delete from public.do_not_call where phone = '+34600000001';
insert into public.do_not_call (phone, campaign_id) values ('+34600000001', 'c0000000-0000-4000-8000-00000000000a');
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000a1')$$,
  'R0001', null, 'a number listed for the campaign is not dialled in it'
);

select tests.clear_authentication();
delete from public.do_not_call where phone = '+34600000001';
update public.leads set consent_contact = false where id = 'e0000000-0000-4000-8000-0000000000a1';
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000a1')$$,
  'R0001', 'p_lead_id: lead e0000000-0000-4000-8000-0000000000a1 asked not to be called',
  'a lead that withdrew consent is not dialled'
);

select tests.clear_authentication();
update public.leads set consent_contact = true, attempts = 3, status = 'retry'
where id = 'e0000000-0000-4000-8000-0000000000a1';
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000a1')$$,
  'R0003', 'p_lead_id: lead e0000000-0000-4000-8000-0000000000a1 has used all 3 attempts of campaign Test A',
  'a lead out of attempts is not dialled'
);

select tests.clear_authentication();
update public.leads set attempts = 0 where id = 'e0000000-0000-4000-8000-0000000000a1';
select set_config('crm.now', '2026-11-25 21:15+00', true);
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000a1')$$,
  'R0002',
  'p_lead_id: it is Wednesday 22:15 in Europe/Madrid, outside the calling hours of campaign Test A '
  || '(09:00-21:00 on ISO days 1,2,3,4,5,6,7)',
  'no call outside calling hours in the lead''s time zone'
);

-- 04:00 in Mexico City for b1's lead at 10:00 UTC; 10:00 there at 16:00 UTC.
select set_config('crm.now', '2026-11-25 10:00+00', true);
select tests.authenticate_as('b1@t.test');
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000b1')$$,
  'R0002', null, 'the hours are the lead''s: 04:00 in Mexico City is closed'
);
select set_config('crm.now', '2026-11-25 16:00+00', true);
select lives_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000b1')$$,
  'at 10:00 in Mexico City the same lead can be dialled'
);

select tests.clear_authentication();
update public.campaigns set status = 'paused' where id = 'c0000000-0000-4000-8000-00000000000a';
select set_config('crm.now', '2026-11-25 10:00+00', true);
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000a1')$$,
  'R0004', 'p_lead_id: campaign Test A is paused, not active', 'a paused campaign places no calls'
);

select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000a1')$$,
  'PT404', 'p_lead_id: not found or not yours', 'a supervisor does not dial agents'' leads'
);

select tests.clear_authentication();
select results_eq(
  $$select count(c.id)::int, max(l.attempts) from public.leads as l
    left join public.calls as c on l.id = c.lead_id
    where l.id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values (0, 0)$$,
  'after all the refusals the lead has no call and no attempt counted'
);

select * from finish();
rollback;
