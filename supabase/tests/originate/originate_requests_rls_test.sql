-- public.originate_requests: agents see their own requests, supervisors those
-- of the campaigns they run, admins all; nobody writes them through the API
-- (rpc/request_originate queues them, the AMI bridge updates them).
begin;
select plan(12);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql), and one request
-- each for a1, a2 and b1, on their own leads.
select tests.create_two_campaigns();

insert into public.originate_requests (id, lead_id, campaign_id, agent_id, phone, agent_extension) values
(
  'b0000000-0000-4000-8000-0000000000a1', 'e0000000-0000-4000-8000-0000000000a1',
  'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', '+34600000001', '5101'
),
(
  'b0000000-0000-4000-8000-0000000000a2', 'e0000000-0000-4000-8000-0000000000a2',
  'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000102', '+34600000002', '5102'
),
(
  'b0000000-0000-4000-8000-0000000000b1', 'e0000000-0000-4000-8000-0000000000b1',
  'c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000201', '+525512345678', '5201'
);

select tests.authenticate_as_anon();
select throws_ok(
  $$select count(*) from public.originate_requests$$, '42501', null, 'anon reads no request'
);

select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select id::text from public.originate_requests$$,
  $$values ('b0000000-0000-4000-8000-0000000000a1')$$,
  'an agent sees only their own requests'
);
select throws_ok(
  $$insert into public.originate_requests (lead_id, campaign_id, agent_id, phone, agent_extension)
    values ('e0000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-00000000000a',
      'f0000000-0000-4000-8000-000000000101', '+34600000001', '5101')$$,
  '42501', null, 'an agent cannot queue a request around rpc/request_originate'
);
select throws_ok(
  $$update public.originate_requests set status = 'answered'$$,
  '42501', null, 'an agent cannot change a request'
);
select throws_ok(
  $$delete from public.originate_requests$$,
  '42501', null, 'an agent cannot remove a request'
);

select tests.authenticate_as('b1@t.test');
select results_eq(
  $$select id::text from public.originate_requests$$,
  $$values ('b0000000-0000-4000-8000-0000000000b1')$$,
  'an agent of another campaign sees only theirs'
);

select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select id::text from public.originate_requests order by id$$,
  $$values ('b0000000-0000-4000-8000-0000000000a1'), ('b0000000-0000-4000-8000-0000000000a2')$$,
  'a supervisor sees the requests of the campaigns they run'
);
select throws_ok(
  $$update public.originate_requests set status = 'failed'$$,
  '42501', null, 'a supervisor cannot change a request'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select id::text from public.originate_requests$$,
  $$values ('b0000000-0000-4000-8000-0000000000b1')$$,
  'the other supervisor sees only their campaign''s'
);

select tests.authenticate_as('adm@t.test');
select is(
  (
    select count(*)::int from public.originate_requests
    where id::text like 'b0000000-0000-4000-8000-%'
  ),
  3,
  'an admin sees every request (of this test; other tests may have left theirs)'
);

select tests.authenticate_as_service_role();
select lives_ok(
  $$update public.originate_requests set status = 'sent', sent_at = now()
    where id = 'b0000000-0000-4000-8000-0000000000a1'$$,
  'the service role (the bridge) writes results'
);

select tests.clear_authentication();
select throws_ok(
  $$update public.originate_requests set status = 'answered'
    where id = 'b0000000-0000-4000-8000-0000000000a2'$$,
  '23514', null, 'an answered request must have been sent and finished'
);

select * from finish();
rollback;
