-- recording_access_log and compliance_log are audit rows: append-only for
-- every role, the table owner included; only the service role deletes
-- (purges under the retention policy). Their readers are in
-- rls/access_matrix_test.sql.
begin;
select plan(14);

select tests.create_two_campaigns();
insert into public.recording_access_log (id, call_id, campaign_id, requested_by, outcome, reason_code)
overriding system value values
(-7001, null, 'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000011', 'refused', '22023');
insert into public.compliance_log (id, action, lead_id, performed_by)
overriding system value values
(-7001, 'export', 'e0000000-0000-4000-8000-0000000000a1', 'f0000000-0000-4000-8000-000000000001');

select throws_ok(
  $$update public.recording_access_log set outcome = 'granted', reason_code = null where id = -7001$$,
  '42501', 'recording_access_log: audit rows are append-only',
  'not even the table owner edits the recording access log'
);
select throws_ok(
  $$update public.compliance_log set performed_by = null where id = -7001$$,
  '42501', 'compliance_log: audit rows are append-only',
  'nor the compliance log'
);
select throws_ok(
  $$insert into public.recording_access_log (outcome) values ('granted'), ('refused')$$,
  '23514', null,
  'a refusal always says why, a grant never'
);
select throws_ok(
  $$insert into public.compliance_log (action, lead_id) values ('forget', 'e0000000-0000-4000-8000-0000000000a1')$$,
  '23514', null,
  'the compliance log knows export and erase only'
);

select tests.authenticate_as_service_role();
select throws_ok(
  $$update public.recording_access_log set reason = 'x' where id = -7001$$, '42501', null,
  'the service role cannot edit the recording access log'
);
select throws_ok(
  $$update public.compliance_log set summary = '{}' where id = -7001$$, '42501', null,
  'nor the compliance log'
);
select throws_ok(
  $$insert into public.recording_access_log (outcome) values ('granted')$$, '42501', null,
  'nor write access log rows (rpc/recording_url does)'
);
select throws_ok(
  $$insert into public.compliance_log (action, lead_id) values ('erase', 'e0000000-0000-4000-8000-0000000000a1')$$,
  '42501', null,
  'nor compliance log rows (the RPCs do)'
);
select results_eq(
  $$delete from public.recording_access_log where id = -7001 returning id$$, $$values (-7001::bigint)$$,
  'the service role purges access log rows'
);
select results_eq(
  $$delete from public.compliance_log where id = -7001 returning id$$, $$values (-7001::bigint)$$,
  'and compliance log rows'
);
select tests.clear_authentication();

insert into public.recording_access_log (id, outcome) overriding system value values (-7002, 'granted');
insert into public.compliance_log (id, action, lead_id) overriding system value
values (-7002, 'erase', 'e0000000-0000-4000-8000-0000000000a1');
select tests.authenticate_as('adm@t.test');
select throws_ok(
  $$delete from public.recording_access_log where id = -7002$$, '42501', null,
  'an admin cannot delete access log rows'
);
select throws_ok(
  $$delete from public.compliance_log where id = -7002$$, '42501', null,
  'nor compliance log rows'
);
select throws_ok(
  $$update public.compliance_log set lead_id = lead_id where id = -7002$$, '42501', null,
  'nor edit them'
);
select throws_ok(
  $$insert into public.compliance_log (action, lead_id) values ('erase', 'e0000000-0000-4000-8000-0000000000a1')$$,
  '42501', null,
  'nor forge them'
);
select tests.clear_authentication();

select * from finish();
rollback;
