-- rpc/request_report_export and public.report_exports: checked like the
-- report itself, visible to the requester (and admins) only, written by the
-- RPC and the worker only; the exports bucket is private. (Rows of this test
-- are the ones requested at now(): the transaction's start.)
begin;
select plan(18);

select tests.authenticate_as('supervisor1@demo.test');
select lives_ok(
  $$select public.request_report_export(
    'agent_performance',
    '{"p_from": "2026-11-01", "p_to": "2026-11-30", "p_campaign_id": "00000000-0000-4000-b000-000000000001"}',
    'xlsx'
  )$$,
  'a supervisor queues an export of their campaign'
);
select is(
  (select e.status from public.report_exports as e where e.requested_at = now()),
  'queued',
  'the request is queued'
);
select is(
  (select e.params from public.report_exports as e where e.requested_at = now()),
  jsonb_build_object(
    'p_from', '2026-11-01', 'p_to', '2026-11-30',
    'p_campaign_id', '00000000-0000-4000-b000-000000000001', 'p_agent_id', null
  ),
  'its arguments are stored normalised, every one of them named'
);
select is(
  (select e.requested_by from public.report_exports as e where e.requested_at = now()),
  '00000000-0000-4000-a000-000000000011'::uuid,
  'in the requester''s name'
);

select throws_ok(
  $$select public.request_report_export('sales_forecast', '{}', 'csv')$$, '22023',
  'p_report: unknown report ''sales_forecast''',
  'an unknown report is refused'
);
select throws_ok(
  $$select public.request_report_export('campaign_stats', '{"p_from": "2026-11-01", "p_to": "2026-11-30"}', 'pdf')$$,
  '22023', 'p_format: unknown format ''pdf''',
  'an unknown format is refused'
);
select throws_ok(
  $$select public.request_report_export('campaign_stats', '{"p_form": "2026-11-01", "p_to": "2026-11-30"}', 'csv')$$,
  '22023', 'p_params: unknown argument ''p_form'' for report campaign_stats',
  'an unknown argument is refused'
);
select throws_ok(
  $$select public.request_report_export('campaign_stats', '{"p_from": "01/11/2026", "p_to": "2026-11-30"}', 'csv')$$,
  '22023', 'p_params.p_from: "01/11/2026" is not a date (YYYY-MM-DD)',
  'a malformed date is refused'
);
select throws_ok(
  $$select public.request_report_export('campaign_stats', '{"p_from": "2026-11-30", "p_to": "2026-11-01"}', 'csv')$$,
  '22023', 'p_to: 2026-11-01 is before p_from 2026-11-30',
  'the range is checked as the report checks it'
);
select throws_ok(
  $$select public.request_report_export('daily_summary', '{}', 'csv')$$,
  '22023', 'p_params.p_day: required (the day of the summary, YYYY-MM-DD)',
  'the daily summary needs its day'
);
select throws_ok(
  $$select public.request_report_export(
    'call_detail', '{"p_from": "2026-11-01", "p_to": "2026-11-30", "p_campaign_id": "00000000-0000-4000-b000-000000000003"}', 'csv'
  )$$,
  'PT404', 'p_campaign_id: not found or not yours',
  'a supervisor cannot export another supervisor''s campaign'
);

select tests.authenticate_as('agent1@demo.test');
select throws_ok(
  $$select public.request_report_export('agent_performance', '{"p_from": "2026-11-01", "p_to": "2026-11-30"}', 'csv')$$,
  '42501', 'reports.view: reading reports needs the reports.view permission',
  'an agent cannot export reports'
);

select tests.authenticate_as_anon();
select throws_ok(
  $$select public.request_report_export('agent_performance', '{"p_from": "2026-11-01", "p_to": "2026-11-30"}', 'csv')$$,
  '42501', null,
  'anon cannot request exports'
);

select tests.authenticate_as('supervisor2@demo.test');
select is(
  (select count(*)::integer from public.report_exports as e where e.requested_at = now()),
  0,
  'another supervisor does not see the export'
);

select tests.authenticate_as('admin@demo.test');
select is(
  (select count(*)::integer from public.report_exports as e where e.requested_at = now()),
  1,
  'the admin sees every export'
);

select tests.authenticate_as('supervisor1@demo.test');
select throws_ok(
  $$insert into public.report_exports (requested_by, report, format) values (auth.uid(), 'campaign_stats', 'csv')$$,
  '42501', null,
  'exports are not inserted directly'
);
select throws_ok(
  $$update public.report_exports set status = 'done', storage_path = 'x'$$,
  '42501', null,
  'nor updated by their requester'
);
select tests.clear_authentication();

select results_eq(
  $$select b.public from storage.buckets as b where b.id = 'exports'$$,
  $$values (false)$$,
  'the exports bucket exists and is private'
);

select * from finish();
rollback;
