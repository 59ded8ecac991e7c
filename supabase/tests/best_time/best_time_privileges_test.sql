-- Nobody but the database reads the learned rates or schedules with them:
-- reports.best_time_rates is a materialized view (no RLS), so no API or
-- worker role may select it; best_retry_at and best_time_segment are the
-- state machine's (rpc/end_call's owner), executed by no role.
begin;

select plan(33);

select tests.create_two_campaigns();

select tests.authenticate_as_anon();
select throws_ok(
  $$select count(*) from reports.best_time_rates$$, '42501', null,
  'anon: cannot read the learned rates'
);
select throws_ok(
  $$select private.best_retry_at(null::public.leads, null::public.campaigns, now())$$,
  '42501', null, 'anon: cannot call best_retry_at'
);
select throws_ok(
  $$select private.best_time_segment('1980-01-01', '2026-12-01')$$, '42501', null,
  'anon: cannot call best_time_segment'
);

select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select count(*) from reports.best_time_rates$$, '42501', null,
  'an agent: cannot read the learned rates'
);
select throws_ok(
  $$select private.best_retry_at(null::public.leads, null::public.campaigns, now())$$,
  '42501', null, 'an agent: cannot call best_retry_at'
);
select throws_ok(
  $$select private.best_time_segment('1980-01-01', '2026-12-01')$$, '42501', null,
  'an agent: cannot call best_time_segment'
);

select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select count(*) from reports.best_time_rates$$, '42501', null,
  'the campaign''s supervisor: cannot read the learned rates'
);
select throws_ok(
  $$select private.best_retry_at(null::public.leads, null::public.campaigns, now())$$,
  '42501', null, 'the campaign''s supervisor: cannot call best_retry_at'
);
select throws_ok(
  $$select private.best_time_segment('1980-01-01', '2026-12-01')$$, '42501', null,
  'the campaign''s supervisor: cannot call best_time_segment'
);

select tests.authenticate_as('adm@t.test');
select throws_ok(
  $$select count(*) from reports.best_time_rates$$, '42501', null,
  'an admin: cannot read the learned rates'
);
select throws_ok(
  $$select private.best_retry_at(null::public.leads, null::public.campaigns, now())$$,
  '42501', null, 'an admin: cannot call best_retry_at'
);
select throws_ok(
  $$select private.best_time_segment('1980-01-01', '2026-12-01')$$, '42501', null,
  'an admin: cannot call best_time_segment'
);

select tests.authenticate_as_service_role();
select throws_ok(
  $$select count(*) from reports.best_time_rates$$, '42501', null,
  'the service role: cannot read the learned rates'
);
select throws_ok(
  $$select private.best_retry_at(null::public.leads, null::public.campaigns, now())$$,
  '42501', null, 'the service role: cannot call best_retry_at'
);
select throws_ok(
  $$select private.best_time_segment('1980-01-01', '2026-12-01')$$, '42501', null,
  'the service role: cannot call best_time_segment'
);

select tests.authenticate_as_worker('crm_ami_bridge');
select throws_ok(
  $$select count(*) from reports.best_time_rates$$, '42501', null,
  'crm_ami_bridge: cannot read the learned rates'
);
select throws_ok(
  $$select private.best_retry_at(null::public.leads, null::public.campaigns, now())$$,
  '42501', null, 'crm_ami_bridge: cannot call best_retry_at'
);
select throws_ok(
  $$select private.best_time_segment('1980-01-01', '2026-12-01')$$, '42501', null,
  'crm_ami_bridge: cannot call best_time_segment'
);

select tests.authenticate_as_worker('crm_reporting');
select throws_ok(
  $$select count(*) from reports.best_time_rates$$, '42501', null,
  'crm_reporting: cannot read the learned rates'
);
select throws_ok(
  $$select private.best_retry_at(null::public.leads, null::public.campaigns, now())$$,
  '42501', null, 'crm_reporting: cannot call best_retry_at'
);
select throws_ok(
  $$select private.best_time_segment('1980-01-01', '2026-12-01')$$, '42501', null,
  'crm_reporting: cannot call best_time_segment'
);

select tests.authenticate_as_worker('crm_recordings');
select throws_ok(
  $$select count(*) from reports.best_time_rates$$, '42501', null,
  'crm_recordings: cannot read the learned rates'
);
select throws_ok(
  $$select private.best_retry_at(null::public.leads, null::public.campaigns, now())$$,
  '42501', null, 'crm_recordings: cannot call best_retry_at'
);
select throws_ok(
  $$select private.best_time_segment('1980-01-01', '2026-12-01')$$, '42501', null,
  'crm_recordings: cannot call best_time_segment'
);

select tests.authenticate_as_worker('crm_presence');
select throws_ok(
  $$select count(*) from reports.best_time_rates$$, '42501', null,
  'crm_presence: cannot read the learned rates'
);
select throws_ok(
  $$select private.best_retry_at(null::public.leads, null::public.campaigns, now())$$,
  '42501', null, 'crm_presence: cannot call best_retry_at'
);
select throws_ok(
  $$select private.best_time_segment('1980-01-01', '2026-12-01')$$, '42501', null,
  'crm_presence: cannot call best_time_segment'
);

select tests.authenticate_as_worker('crm_accounts');
select throws_ok(
  $$select count(*) from reports.best_time_rates$$, '42501', null,
  'crm_accounts: cannot read the learned rates'
);
select throws_ok(
  $$select private.best_retry_at(null::public.leads, null::public.campaigns, now())$$,
  '42501', null, 'crm_accounts: cannot call best_retry_at'
);
select throws_ok(
  $$select private.best_time_segment('1980-01-01', '2026-12-01')$$, '42501', null,
  'crm_accounts: cannot call best_time_segment'
);

select tests.authenticate_as_worker('crm_lead_import');
select throws_ok(
  $$select count(*) from reports.best_time_rates$$, '42501', null,
  'crm_lead_import: cannot read the learned rates'
);
select throws_ok(
  $$select private.best_retry_at(null::public.leads, null::public.campaigns, now())$$,
  '42501', null, 'crm_lead_import: cannot call best_retry_at'
);
select throws_ok(
  $$select private.best_time_segment('1980-01-01', '2026-12-01')$$, '42501', null,
  'crm_lead_import: cannot call best_time_segment'
);

select * from finish();
rollback;
