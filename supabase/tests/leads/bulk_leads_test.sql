-- The six bulk functions: rights per role, what each changes and skips (and
-- why), the counts they answer, the history they write, one notice per bulk
-- assignment.
begin;
select plan(50);

select tests.create_two_campaigns();

-- More leads in A: a4 won, a5 in a call (a1's), a6 erased, a7 retry in the
-- pool with an alternate number and a next call next year, a8 lost after 3
-- attempts (a1's). a1 has a pending callback.
insert into public.leads (id, campaign_id, owner_id, status, first_name, phone, alternate_phones, attempts) values
(
  'e0000000-0000-4000-8000-0000000000a4', 'c0000000-0000-4000-8000-00000000000a', null, 'won', 'Ana',
  '+34600000004', '{}', 1
),
(
  'e0000000-0000-4000-8000-0000000000a5', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', 'in_call', 'Bruno', '+34600000005', '{}', 1
),
(
  'e0000000-0000-4000-8000-0000000000a7', 'c0000000-0000-4000-8000-00000000000a', null, 'retry', 'Elena',
  '+34600000007', '{+34910000007}', 2
),
(
  'e0000000-0000-4000-8000-0000000000a8', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', 'lost', 'Félix', '+34600000008', '{}', 3
);
insert into public.leads (id, campaign_id, status, first_name, phone, time_zone, erased_at) values (
  'e0000000-0000-4000-8000-0000000000a6', 'c0000000-0000-4000-8000-00000000000a', 'erased', '[erased]', null,
  'Europe/Madrid', now()
);
update public.leads set next_call_at = '2027-01-01 10:00+00' where id = 'e0000000-0000-4000-8000-0000000000a7';
insert into public.callbacks (lead_id, campaign_id, agent_id, due_at) values (
  'e0000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', '2027-01-01 10:00+00'
);

create function pg_temp.history(p_via text) returns bigint
language sql
-- The fixture's leads only: the session's other tests run bulk actions on their own leads too.
as $$ select count(*) from public.lead_history where via = p_via and lead_id::text like 'e0000000-%' $$;

-- Rights: anon and agents are refused; deleting needs leads.delete.
select tests.authenticate_as_anon();
select throws_ok(
  $$select public.bulk_assign_leads('{"filter": {}}', 'f0000000-0000-4000-8000-000000000101')$$,
  '42501', null, 'anon cannot call a bulk function'
);
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.bulk_assign_leads('{"ids": ["e0000000-0000-4000-8000-0000000000a1"]}',
    'f0000000-0000-4000-8000-000000000101')$$,
  '42501', 'p_selection: assigning leads needs leads.assign', 'an agent cannot bulk-assign, not even its own lead'
);
select throws_ok(
  $$select public.bulk_unassign_leads('{"filter": {}}')$$,
  '42501', 'p_selection: unassigning leads needs leads.assign', 'an agent cannot bulk-unassign'
);
select throws_ok(
  $$select public.bulk_return_leads_to_pool('{"filter": {}}')$$,
  '42501', 'p_selection: returning leads to the pool needs leads.assign', 'an agent cannot return leads to the pool'
);
select throws_ok(
  $$select public.bulk_set_lead_status('{"filter": {}}', 'lost')$$,
  '42501', 'p_selection: changing the status of leads needs leads.assign', 'an agent cannot change statuses'
);
select throws_ok(
  $$select public.bulk_do_not_call('{"filter": {}}')$$,
  '42501', 'p_selection: adding leads to the do-not-call list needs leads.assign',
  'an agent cannot add leads to the do-not-call list'
);
select throws_ok(
  $$select public.bulk_delete_leads('{"filter": {}}')$$,
  '42501', 'p_selection: deleting leads needs leads.delete', 'an agent cannot delete leads'
);
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.bulk_delete_leads('{"ids": ["e0000000-0000-4000-8000-0000000000a3"]}')$$,
  '42501', 'p_selection: deleting leads needs leads.delete', 'a supervisor cannot delete leads (admins: leads.delete)'
);
select throws_ok(
  $$select public.bulk_assign_leads('{"filter": {"bogus": 1}}', 'f0000000-0000-4000-8000-000000000101')$$,
  '22023', 'p_selection.filter.bogus: unknown key', 'the selection is checked'
);
select throws_ok(
  $$select public.bulk_assign_leads('{"filter": {}}', null)$$,
  '22023', 'p_agent_id: required (rpc/bulk_unassign_leads returns leads to no one)', 'the agent is required'
);

-- Another campaign's supervisor reaches nothing in A.
select tests.authenticate_as('supb@t.test');
select is(
  public.bulk_assign_leads(
    '{"ids": ["e0000000-0000-4000-8000-0000000000a1", "e0000000-0000-4000-8000-0000000000a3"]}',
    'f0000000-0000-4000-8000-000000000201'
  ),
  '{"matched": 2, "changed": 0, "skipped": {"not_found_or_not_yours": 2}}',
  'supervisor of B: A''s leads are out of reach'
);
select is(
  public.bulk_assign_leads('{"filter": {}}', 'f0000000-0000-4000-8000-000000000101'),
  '{"matched": 1, "changed": 0, "skipped": {"agent_not_in_campaign": 1}}',
  'supervisor of B: a filter matches B''s lead only; a1 is no agent of B'
);
select is(
  public.bulk_set_lead_status('{"ids": ["e0000000-0000-4000-8000-0000000000a3"]}', 'lost'),
  '{"matched": 1, "changed": 0, "skipped": {"not_found_or_not_yours": 1}}',
  'supervisor of B cannot change A''s statuses'
);
select tests.clear_authentication();
select results_eq(
  $$select owner_id::text, status::text from public.leads where id = 'e0000000-0000-4000-8000-0000000000a3'$$,
  $$values (null::text, 'new')$$, 'A''s pool lead is untouched'
);

-- One assignment still notifies per lead; a bulk one once per call.
select tests.authenticate_as('supa@t.test');
select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000101');
select is(
  public.bulk_assign_leads(
    '{"ids": ["e0000000-0000-4000-8000-0000000000a1", "e0000000-0000-4000-8000-0000000000a2",
      "e0000000-0000-4000-8000-0000000000a3", "e0000000-0000-4000-8000-0000000000a4",
      "e0000000-0000-4000-8000-0000000000a5", "e0000000-0000-4000-8000-0000000000a6",
      "e0000000-0000-4000-8000-0000000000b1", "e0000000-0000-4000-8000-0000000000ff"]}',
    'f0000000-0000-4000-8000-000000000102'
  ),
  '{"matched": 8, "changed": 2, "skipped": {"erased": 1, "in_call": 1, "unchanged": 1, "final_status": 1,
    "not_found_or_not_yours": 2}}',
  'bulk assign: queued leads change; owned already, final, in a call, erased, out of reach are skipped'
);
select tests.clear_authentication();
select results_eq(
  $$select right(id::text, 2), owner_id::text from public.leads
    where campaign_id = 'c0000000-0000-4000-8000-00000000000a' order by id$$,
  $$values ('a1', 'f0000000-0000-4000-8000-000000000102'), ('a2', 'f0000000-0000-4000-8000-000000000102'),
    ('a3', 'f0000000-0000-4000-8000-000000000102'), ('a4', null), ('a5', 'f0000000-0000-4000-8000-000000000101'),
    ('a6', null), ('a7', null), ('a8', 'f0000000-0000-4000-8000-000000000101')$$,
  'the owners after the bulk assignment'
);
select is(pg_temp.history('rpc/bulk_assign_leads'), 2::bigint, 'one history row per changed lead');
select results_eq(
  $$select distinct changed_fields, changed_by::text from public.lead_history
    where via = 'rpc/bulk_assign_leads' and lead_id::text like 'e0000000-%'$$,
  $$values (array['owner_id'], 'f0000000-0000-4000-8000-000000000011')$$,
  'the history names the owner and the supervisor'
);
select is(
  (select agent_id::text from public.callbacks where lead_id = 'e0000000-0000-4000-8000-0000000000a1'),
  'f0000000-0000-4000-8000-000000000102', 'the pending callback follows its lead'
);
select is(
  (
    select count(*)
    from realtime.messages where
      topic = 'agent:f0000000-0000-4000-8000-000000000101'
      and event = 'lead_assigned'
  ),
  1::bigint, 'rpc/assign_lead still notifies the agent'
);
select results_eq(
  $$select count(*), min(payload ->> 'count'), min(payload ->> 'campaign_id') from realtime.messages
    where topic = 'agent:f0000000-0000-4000-8000-000000000102' and event = 'lead_assigned'$$,
  $$values (1::bigint, '2', 'c0000000-0000-4000-8000-00000000000a')$$,
  'the bulk assignment notifies its agent once, with the count'
);
select tests.authenticate_as('supa@t.test');
select is(
  public.bulk_assign_leads('{"ids": ["e0000000-0000-4000-8000-0000000000a7"]}', 'f0000000-0000-4000-8000-000000000201'),
  '{"matched": 1, "changed": 0, "skipped": {"agent_not_in_campaign": 1}}',
  'an agent of another campaign is skipped per lead'
);

-- Unassign: owners cleared, statuses kept, the lead in a call left alone.
select is(
  public.bulk_unassign_leads('{"filter": {"unassigned": false}}'),
  '{"matched": 5, "changed": 4, "skipped": {"in_call": 1}}',
  'bulk unassign: every owned lead of A but the one in a call'
);
select tests.clear_authentication();
select results_eq(
  $$select right(id::text, 2), status::text from public.leads
    where campaign_id = 'c0000000-0000-4000-8000-00000000000a' and owner_id is not null$$,
  $$values ('a5', 'in_call')$$, 'only the lead in a call keeps its owner'
);
select is(
  (select status::text from public.leads where id = 'e0000000-0000-4000-8000-0000000000a8'), 'lost',
  'unassigning keeps the status'
);
select is(
  (select agent_id from public.callbacks where lead_id = 'e0000000-0000-4000-8000-0000000000a1'), null,
  'the pending callback goes back to the pool with its lead'
);

-- Return to the pool: queued again now, retry when called before.
select tests.authenticate_as('supa@t.test');
select is(
  public.bulk_return_leads_to_pool('{"filter": {}}'),
  '{"matched": 8, "changed": 2, "skipped": {"won": 1, "erased": 1, "in_call": 1, "unchanged": 3}}',
  'bulk return to pool: the lost and the later retry are queued now; won, erased, in a call kept'
);
select tests.clear_authentication();
select results_eq(
  $$select right(id::text, 2), status::text, owner_id::text, next_call_at = now() from public.leads
    where id in ('e0000000-0000-4000-8000-0000000000a7', 'e0000000-0000-4000-8000-0000000000a8') order by id$$,
  $$values ('a7', 'retry', null::text, true), ('a8', 'retry', null, true)$$,
  'returned leads: retry (called before), no owner, due now'
);
select is(pg_temp.history('rpc/bulk_return_leads_to_pool'), 2::bigint, 'history per returned lead');
select results_eq(
  $$select changed_fields, old_values ->> 'owner_id', old_values ->> 'status', new_values ->> 'status',
      new_values ? 'next_call_at', actor, db_role = session_user, changed_by::text
    from public.lead_history
    where via = 'rpc/bulk_return_leads_to_pool' and lead_id = 'e0000000-0000-4000-8000-0000000000a8'$$,
  $$values (array['next_call_at', 'status'], null::text, 'lost', 'retry',
    true, 'user', true, 'f0000000-0000-4000-8000-000000000011')$$,
  'a bulk history row is the trigger''s: only the changed columns (a8 was unassigned already), sorted, who and how'
);

-- Status: the statuses a status change may set, next call now when queued.
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.bulk_set_lead_status('{"filter": {}}', 'callback')$$,
  '22023', 'p_status: callback is not set by a status change', 'callback needs a scheduled callback'
);
select throws_ok(
  $$select public.bulk_set_lead_status('{"filter": {}}', 'in_call')$$,
  '22023', 'p_status: in_call is not set by a status change', 'in_call is set by a call'
);
select throws_ok(
  $$select public.bulk_set_lead_status('{"filter": {}}', null)$$, '22023', 'p_status: required', 'a status is required'
);
select is(
  public.bulk_set_lead_status(
    '{"ids": ["e0000000-0000-4000-8000-0000000000a1", "e0000000-0000-4000-8000-0000000000a2",
      "e0000000-0000-4000-8000-0000000000a5", "e0000000-0000-4000-8000-0000000000a6",
      "e0000000-0000-4000-8000-0000000000a8"]}',
    'lost'
  ),
  '{"matched": 5, "changed": 3, "skipped": {"erased": 1, "in_call": 1}}',
  'bulk status lost: three leads closed; the erased one and the one in a call kept'
);
select tests.clear_authentication();
select results_eq(
  $$select status::text, next_call_at, (select cb.status::text from public.callbacks as cb where cb.lead_id = l.id)
    from public.leads as l where l.id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('lost', null::timestamptz, 'cancelled')$$,
  'a closed lead has no next call and its pending callback is cancelled'
);
select tests.authenticate_as('supa@t.test');
select lives_ok(
  $$select public.bulk_set_lead_status(
    '{"ids": ["e0000000-0000-4000-8000-0000000000a1", "e0000000-0000-4000-8000-0000000000a2"]}', 'new'
  )$$,
  'two leads set new again'
);
select is(
  public.bulk_set_lead_status('{"ids": ["e0000000-0000-4000-8000-0000000000a2"]}', 'new'),
  '{"matched": 1, "changed": 0, "skipped": {"unchanged": 1}}',
  'a lead already in the status is unchanged'
);
select tests.clear_authentication();
select is(
  (select next_call_at from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'), now(),
  'a lead set new is due now'
);

-- Do not call: the numbers (alternate ones too) onto the list, the leads closed.
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.bulk_do_not_call('{"filter": {}}', 'world')$$,
  '22023', 'p_scope: campaign or company, not world', 'the scope is campaign or company'
);
select is(
  public.bulk_do_not_call(
    '{"ids": ["e0000000-0000-4000-8000-0000000000a3", "e0000000-0000-4000-8000-0000000000a7",
      "e0000000-0000-4000-8000-0000000000a6", "e0000000-0000-4000-8000-0000000000a5"]}',
    'campaign', 'Lista de bajas'
  ),
  '{"matched": 4, "changed": 2, "skipped": {"erased": 1, "in_call": 1}, "numbers_added": 3}',
  'bulk do-not-call: two leads closed, their three numbers listed'
);
select tests.clear_authentication();
select results_eq(
  $$select phone::text, campaign_id::text, source::text, reason, added_by::text from public.do_not_call
    where added_by = 'f0000000-0000-4000-8000-000000000011' and campaign_id is not null order by phone$$,
  $$values
    ('+34600000003', 'c0000000-0000-4000-8000-00000000000a', 'manual', 'Lista de bajas', 'f0000000-0000-4000-8000-000000000011'),
    ('+34600000007', 'c0000000-0000-4000-8000-00000000000a', 'manual', 'Lista de bajas', 'f0000000-0000-4000-8000-000000000011'),
    ('+34910000007', 'c0000000-0000-4000-8000-00000000000a', 'manual', 'Lista de bajas', 'f0000000-0000-4000-8000-000000000011')$$,
  'the campaign''s do-not-call list holds both numbers of a7 and a3''s'
);
select results_eq(
  $$select status::text, next_call_at from public.leads where id = 'e0000000-0000-4000-8000-0000000000a7'$$,
  $$values ('do_not_call', null::timestamptz)$$, 'the lead is closed as do_not_call'
);
select tests.authenticate_as('supa@t.test');
select is(
  public.bulk_do_not_call(
    '{"ids": ["e0000000-0000-4000-8000-0000000000a7", "e0000000-0000-4000-8000-0000000000a2"]}',
    'company'
  ),
  '{"matched": 2, "changed": 1, "skipped": {"unchanged": 1}, "numbers_added": 3}',
  'company-wide: a supervisor may (as the do_not_call policy allows); a lead already closed still lists its numbers'
);
select tests.clear_authentication();
select is(
  (
    select count(*)
    from public.do_not_call
    where campaign_id is null and added_by = 'f0000000-0000-4000-8000-000000000011'
  ),
  3::bigint,
  'three company-wide entries'
);
select is(pg_temp.history('rpc/bulk_do_not_call'), 3::bigint, 'history per closed lead');

-- Delete: admins (leads.delete), everywhere; sales, legal holds, erasures,
-- calls under way keep their lead.
insert into public.sales (lead_id, product_id, agent_id) values (
  'e0000000-0000-4000-8000-0000000000a2', 'd0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101'
);
insert into public.legal_holds (lead_id, reason) values ('e0000000-0000-4000-8000-0000000000a3', 'Reclamación');
select tests.authenticate_as('adm@t.test');
select is(
  public.bulk_delete_leads(
    '{"ids": ["e0000000-0000-4000-8000-0000000000a1", "e0000000-0000-4000-8000-0000000000a2",
      "e0000000-0000-4000-8000-0000000000a3", "e0000000-0000-4000-8000-0000000000a5",
      "e0000000-0000-4000-8000-0000000000a6", "e0000000-0000-4000-8000-0000000000b1",
      "e0000000-0000-4000-8000-0000000000ff"]}'
  ),
  '{"matched": 7, "changed": 2, "skipped": {"erased": 1, "in_call": 1, "has_sales": 1, "legal_hold": 1,
    "not_found_or_not_yours": 1}}',
  'bulk delete by an admin: a lead of each campaign deleted, the protected ones kept'
);
select tests.clear_authentication();
select results_eq(
  $$select right(lead_id::text, 2), operation, changed_by::text from public.lead_history
    where via = 'rpc/bulk_delete_leads' and lead_id::text like 'e0000000-%' order by 1$$,
  $$values ('a1', 'delete', 'f0000000-0000-4000-8000-000000000001'),
    ('b1', 'delete', 'f0000000-0000-4000-8000-000000000001')$$,
  'each deleted lead leaves its delete row in the history'
);
select results_eq(
  $$select old_values ->> 'first_name', 'first_name' = any(changed_fields), 'email' = any(changed_fields), new_values
    from public.lead_history where via = 'rpc/bulk_delete_leads' and lead_id = 'e0000000-0000-4000-8000-0000000000b1'$$,
  $$values ('Diego', true, false, null::jsonb)$$,
  'a delete row keeps the deleted lead''s non-null columns, as the trigger does'
);
select is(
  (
    select count(*)
    from public.leads
    where id in ('e0000000-0000-4000-8000-0000000000a1', 'e0000000-0000-4000-8000-0000000000b1')
  ),
  0::bigint, 'the deleted leads are gone'
);
select is(
  (select count(*) from public.lead_history where via like 'rpc/bulk%' and changed_fields && array['search_text']),
  0::bigint, 'no bulk history row carries search_text'
);

select * from finish();
rollback;
