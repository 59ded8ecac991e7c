-- The originate queue on the lease protocol: private.originate_claim,
-- private.originate_finish, private.originate_release. A request is sent
-- once and never handed out again; a failed one's call row is closed.
begin;
select plan(17);

select tests.create_two_campaigns();
select set_config('crm.now', '2026-11-25 10:00:00+00', true);

-- The queue is this file's alone while it runs (rolled back at the end):
-- requests other tests left waiting are settled first.
update public.originate_requests set status = 'expired', finished_at = now() where status = 'queued';
update public.originate_requests set status = 'failed', finished_at = now(), worker = null where status = 'sent';

-- Five click-to-calls of a1, each with its call row (source pbx, as
-- rpc/request_originate leaves them): two queued now, one queued two minutes
-- ago, one sent ten minutes ago by a bridge that died, one sent by bridge-2.
insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number, source)
select
  ('ca000000-0000-4000-8000-00000000000' || n)::uuid as id,
  '2026-11-25 09:50:00+00'::timestamptz as started_at,
  'e0000000-0000-4000-8000-0000000000a1'::uuid as lead_id,
  'c0000000-0000-4000-8000-00000000000a'::uuid as campaign_id,
  'f0000000-0000-4000-8000-000000000101'::uuid as agent_id,
  '+34600000001' as phone_number,
  'pbx' as source
from generate_series(1, 5) as n;
insert into public.originate_requests (
  id, lead_id, campaign_id, agent_id, call_id, phone, agent_extension, status, sent_at, worker, created_at
)
select
  ('0a000000-0000-4000-8000-00000000000' || n)::uuid as id,
  'e0000000-0000-4000-8000-0000000000a1'::uuid as lead_id,
  'c0000000-0000-4000-8000-00000000000a'::uuid as campaign_id,
  'f0000000-0000-4000-8000-000000000101'::uuid as agent_id,
  ('ca000000-0000-4000-8000-00000000000' || n)::uuid as call_id,
  '+34600000001' as phone,
  '5101' as agent_extension,
  case when n >= 4 then 'sent' else 'queued' end as status,
  case
    when n = 4 then '2026-11-25 09:50:00+00'::timestamptz when n = 5 then '2026-11-25 09:59:50+00'
  end as sent_at,
  case when n = 4 then 'bridge-dead' when n = 5 then 'bridge-2' end as worker,
  case n
    when 1 then '2026-11-25 09:59:58+00'::timestamptz
    when 2 then '2026-11-25 09:59:59+00'::timestamptz
    when 3 then '2026-11-25 09:58:00+00'::timestamptz
    else '2026-11-25 09:49:00+00'::timestamptz
  end as created_at
from generate_series(1, 5) as n;

-- ============================================================================
-- Claim
-- ============================================================================

select results_eq(
  $$select c.id, c.action from private.originate_claim('bridge-1', 100, 60, 150) as c
    where c.id::text like '0a000000-%' -- other files' requests may be in the database
    order by c.action, c.created_at$$,
  $$values
    ('0a000000-0000-4000-8000-000000000004'::uuid, 'abandoned'),
    ('0a000000-0000-4000-8000-000000000003'::uuid, 'expired'),
    ('0a000000-0000-4000-8000-000000000001'::uuid, 'originate'),
    ('0a000000-0000-4000-8000-000000000002'::uuid, 'originate')$$,
  'the due requests are claimed, the old one expires, the one a dead bridge left is abandoned'
);
select results_eq(
  $$select id, status, worker, sent_at is not null from public.originate_requests
    where id::text like '0a000000-%' order by id$$,
  $$values
    ('0a000000-0000-4000-8000-000000000001'::uuid, 'sent', 'bridge-1', true),
    ('0a000000-0000-4000-8000-000000000002'::uuid, 'sent', 'bridge-1', true),
    ('0a000000-0000-4000-8000-000000000003'::uuid, 'expired', null, false),
    ('0a000000-0000-4000-8000-000000000004'::uuid, 'failed', null, true),
    ('0a000000-0000-4000-8000-000000000005'::uuid, 'sent', 'bridge-2', true)$$,
  'claimed ones are sent and held by bridge-1; another live bridge''s claim is left alone'
);
select results_eq(
  $$select id, status, outcome, hangup_by from public.calls where id in (
      'ca000000-0000-4000-8000-000000000003', 'ca000000-0000-4000-8000-000000000004'
    ) order by id$$,
  $$values
    ('ca000000-0000-4000-8000-000000000003'::uuid, 'ended', 'failed', 'system'),
    ('ca000000-0000-4000-8000-000000000004'::uuid, 'ended', 'failed', 'system')$$,
  'the calls of requests that never reached the PBX are closed as failed'
);
select is_empty(
  $$select * from private.originate_claim('bridge-1', 100, 60, 150) where id::text like '0a000000-%'$$,
  'nothing is handed out twice'
);
select throws_ok(
  $$select * from private.originate_claim(' ', 10, 60, 150)$$, '22023', 'p_worker: required',
  'a claim names its worker'
);
select throws_ok(
  $$select * from private.originate_claim('bridge-1', 0, 60, 150)$$, '22023', 'p_limit: 0 is not a positive number',
  'a claim takes at least one'
);

-- ============================================================================
-- Finish
-- ============================================================================

select is(
  private.originate_finish('0a000000-0000-4000-8000-000000000001', 'bridge-2', 'answered'), false,
  'another bridge cannot finish bridge-1''s request'
);
select is(
  private.originate_finish(
    '0a000000-0000-4000-8000-000000000001', 'bridge-1', 'answered', 4, 'answered', 'PJSIP/5101-01', '171.1'
  ),
  true,
  'the holder writes the result'
);
select results_eq(
  $$select r.status, r.result_reason, r.pbx_channel, r.worker, c.status
    from public.originate_requests as r inner join public.calls as c on r.call_id = c.id
    where r.id = '0a000000-0000-4000-8000-000000000001'$$,
  $$values ('answered', 4, 'PJSIP/5101-01', null::text, 'calling')$$,
  'answered: the call goes on (the PBX''s events will follow it)'
);
select is(
  private.originate_finish('0a000000-0000-4000-8000-000000000001', 'bridge-1', 'failed'), false,
  'a finished request cannot be finished again'
);
update public.calls set pbx_linkedid = '1764064700.2' where id = 'ca000000-0000-4000-8000-000000000002';
select is(
  private.originate_finish('0a000000-0000-4000-8000-000000000002', 'bridge-1', 'failed', 5, 'busy'), true,
  'a failed result is written'
);
select results_eq(
  $$select status from public.calls where id = 'ca000000-0000-4000-8000-000000000002'$$,
  $$values ('calling')$$,
  'a call the PBX already mirrors is left to the PBX''s own view'
);
select throws_ok(
  $$select private.originate_finish('0a000000-0000-4000-8000-000000000005', 'bridge-2', 'maybe')$$,
  '22023', 'p_status: ''maybe'' is not answered or failed', 'the result is answered or failed'
);

-- ============================================================================
-- Release: a restarted bridge fails what it sent and never finished
-- ============================================================================

select is(private.originate_release('bridge-1'), 0, 'bridge-1 holds nothing any more');
select is(private.originate_release('bridge-2'), 1, 'bridge-2''s unfinished request is failed, not queued again');
select results_eq(
  $$select r.status, c.status, c.outcome
    from public.originate_requests as r inner join public.calls as c on r.call_id = c.id
    where r.id = '0a000000-0000-4000-8000-000000000005'$$,
  $$values ('failed', 'ended', 'failed')$$,
  'and its call is closed'
);

-- ============================================================================
-- Only the AMI bridge's role calls them
-- ============================================================================

select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select * from private.originate_claim('me', 10, 60, 150)$$, '42501', null, 'an agent cannot claim originates'
);
select tests.clear_authentication();

select * from finish();
rollback;
