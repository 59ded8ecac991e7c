-- Lead imports (migrations 20261206000200-203): the tables and who reads
-- them, the bucket's policies, rpc/start_lead_import, confirm and cancel,
-- the worker's lease queue and its one-transaction batch write.
begin;
select plan(74);

select tests.create_two_campaigns();
-- Uploaded files: supa's and supb's own.
insert into storage.objects (bucket_id, name) values
('lead-imports', 'f0000000-0000-4000-8000-000000000011/a.csv'),
('lead-imports', 'f0000000-0000-4000-8000-000000000012/b.csv');
insert into public.do_not_call (phone, campaign_id) values
('+34611000001', null), ('+34611000002', 'c0000000-0000-4000-8000-00000000000a');
select set_config('crm.now', now()::text, true);

-- ============================================================================
-- Schema
-- ============================================================================

select has_column('public', 'campaigns', 'country_code', 'campaigns have a country');
select col_default_is('public', 'campaigns', 'country_code', 'ES', 'Spain unless told otherwise');
select throws_ok(
  $$update public.campaigns set country_code = 'Spain' where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', null, 'an ISO alpha-2 code'
);
select fk_ok('public', 'leads', 'import_id', 'public', 'lead_imports', 'id', 'leads name their import');
select has_index('public', 'leads', 'leads_import_id_idx', 'leads are found by import');
select is(
  (select c.relrowsecurity from pg_catalog.pg_class as c where c.oid = 'public.lead_imports'::regclass),
  true, 'RLS on lead_imports'
);
select is(
  (select c.relrowsecurity from pg_catalog.pg_class as c where c.oid = 'public.lead_import_errors'::regclass),
  true, 'RLS on lead_import_errors'
);
select ok(
  exists (
    select 1 from pg_catalog.pg_publication_tables as t
    where t.pubname = 'supabase_realtime' and t.schemaname = 'public' and t.tablename = 'lead_imports'
  ),
  'progress reaches the webphone by postgres_changes'
);
select results_eq(
  $$select b.public, b.file_size_limit from storage.buckets as b where b.id = 'lead-imports'$$,
  $$values (false, 209715200::bigint)$$,
  'a private bucket of up to 200 MB files'
);

-- ============================================================================
-- rpc/start_lead_import
-- ============================================================================

select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.start_lead_import('c0000000-0000-4000-8000-00000000000a',
    'f0000000-0000-4000-8000-000000000011/a.csv')$$,
  '42501', 'p_campaign_id: importing leads needs leads.import', 'an agent imports nothing'
);
select tests.authenticate_as('supb@t.test');
select throws_ok(
  $$select public.start_lead_import('c0000000-0000-4000-8000-00000000000a',
    'f0000000-0000-4000-8000-000000000012/b.csv')$$,
  'PT404', 'p_campaign_id: not found or not yours', 'a supervisor imports only into their campaigns'
);
select throws_ok(
  $$select public.start_lead_import('c0000000-0000-4000-8000-00000000000b',
    'f0000000-0000-4000-8000-000000000011/a.csv')$$,
  'PT404', null, 'nor from another user''s folder'
);
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.start_lead_import('c0000000-0000-4000-8000-00000000000a',
    'f0000000-0000-4000-8000-000000000011/none.csv')$$,
  'PT404', null, 'the file must be there'
);
select throws_ok(
  $$select public.start_lead_import('c0000000-0000-4000-8000-00000000000a',
    'f0000000-0000-4000-8000-000000000011/a.csv', '{"bogus": 1}')$$,
  '22023', 'p_options: unknown option ''bogus''', 'an unknown option is refused, named'
);
select throws_ok(
  $$select public.start_lead_import('c0000000-0000-4000-8000-00000000000a',
    'f0000000-0000-4000-8000-000000000011/a.csv', '{"duplicates": "merge"}')$$,
  '22023', 'p_options.duplicates: "merge" is neither skip nor update', 'duplicates: skip or update'
);
select throws_ok(
  $$select public.start_lead_import('c0000000-0000-4000-8000-00000000000a',
    'f0000000-0000-4000-8000-000000000011/a.csv', '{"mapping": {"Tel": "telefono"}}')$$,
  '22023', null, 'a mapping names lead fields, custom:<key> or ignore'
);
select throws_ok(
  $$select public.start_lead_import('c0000000-0000-4000-8000-00000000000a',
    'f0000000-0000-4000-8000-000000000011/a.csv', '{"default_region": "es"}')$$,
  '22023', null, 'default_region: an ISO alpha-2 code'
);
select results_eq(
  $$select i.status, i.file_name, i.requested_by::text, i.options
    from public.start_lead_import(
      'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000011/a.csv',
      '{"duplicates": "update", "mapping": {"Tel": "phone", "Poliza": "custom:poliza", "X": "ignore"}}'
    ) as i$$,
  $$values ('queued', 'a.csv', 'f0000000-0000-4000-8000-000000000011',
    '{"duplicates": "update", "mapping": {"Tel": "phone", "Poliza": "custom:poliza", "X": "ignore"}}'::jsonb)$$,
  'the supervisor queues an import of their file into their campaign'
);
select results_eq(
  $$select i.status from public.start_lead_import(
      'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000011/a.csv', '{"preview": true}'
    ) as i$$,
  $$values ('previewing')$$,
  'or asks for a preview first'
);
select tests.clear_authentication();
-- Make the two imports the oldest, so that the claims below take them.
update
  public.lead_imports set
  created_at = '2000-01-01',
  id = '1a000000-0000-4000-8000-000000000001'
where status = 'queued' and file_name = 'a.csv';
update
  public.lead_imports set
  created_at = '2000-01-02',
  id = '1a000000-0000-4000-8000-000000000002'
where status = 'previewing' and file_name = 'a.csv';

-- ============================================================================
-- Who reads imports and their errors; nobody writes them
-- ============================================================================

insert into public.lead_import_errors (import_id, line, field, code, message)
values ('1a000000-0000-4000-8000-000000000001', 3, 'phone', 'phone_invalid', 'x');

select tests.authenticate_as('supa@t.test');
select is((select count(*)::integer from public.lead_imports), 2, 'the requester sees their imports');
select is((select count(*)::integer from public.lead_import_errors), 1, 'and their errors');
select throws_ok(
  $$update public.lead_imports set status = 'done'$$, '42501', null, 'but cannot change them'
);
select throws_ok(
  $$insert into public.lead_imports (campaign_id, file_path,
    file_name) values ('c0000000-0000-4000-8000-00000000000a', 'x', 'x')$$,
  '42501', null, 'nor create them but through the rpc'
);
select throws_ok(
  $$delete from public.lead_import_errors$$, '42501', null, 'nor delete errors'
);
select tests.authenticate_as('adm@t.test');
select
  is(
    (select count(*)::integer from public.lead_imports where campaign_id = 'c0000000-0000-4000-8000-00000000000a'),
    2,
    'an admin sees every campaign''s imports'
  );
select tests.authenticate_as('supb@t.test');
select is((select count(*)::integer from public.lead_imports), 0, 'another campaign''s supervisor sees none');
select is((select count(*)::integer from public.lead_import_errors), 0, 'nor their errors');
select tests.authenticate_as('a1@t.test');
select is((select count(*)::integer from public.lead_imports), 0, 'an agent sees none, even in their campaign');
select tests.authenticate_as_anon();
select throws_ok($$select count(*) from public.lead_imports$$, '42501', null, 'anon reads nothing');

-- ============================================================================
-- Storage policies of the bucket lead-imports
-- ============================================================================

select tests.authenticate_as('supa@t.test');
select lives_ok(
  $$insert into storage.objects (bucket_id, name, owner_id) values ('lead-imports',
    'f0000000-0000-4000-8000-000000000011/new.csv', 'f0000000-0000-4000-8000-000000000011')$$,
  'an importer uploads into their own folder'
);
select throws_ok(
  $$insert into storage.objects (bucket_id, name) values ('lead-imports',
    'f0000000-0000-4000-8000-000000000012/new.csv')$$,
  '42501', null, 'not into someone else''s'
);
select throws_ok(
  $$insert into storage.objects (bucket_id, name) values ('lead-imports',
    'f0000000-0000-4000-8000-000000000011/errors/x.csv')$$,
  '42501', null, 'nor into errors/, the worker''s'
);
select is(
  (select count(*)::integer from storage.objects where bucket_id = 'lead-imports'), 2,
  'and sees only their own files'
);
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$insert into storage.objects (bucket_id, name) values ('lead-imports',
    'f0000000-0000-4000-8000-000000000101/x.csv')$$,
  '42501', null, 'an agent uploads nothing, even to their own folder'
);
select tests.clear_authentication();
insert into storage.objects (bucket_id, name) values
('lead-imports', 'f0000000-0000-4000-8000-000000000011/errors/report.csv');
update public.lead_imports set error_report_path = 'f0000000-0000-4000-8000-000000000011/errors/report.csv'
where id = '1a000000-0000-4000-8000-000000000001';
select tests.authenticate_as('adm@t.test');
select is(
  (
    select count(*)::integer from storage.objects
    where bucket_id = 'lead-imports' and name like 'f0000000-0000-4000-8000-000000000011/errors/%'
  ), 1,
  'whoever sees the import reads its error report'
);
select tests.authenticate_as('supb@t.test');
select is(
  (
    select count(*)::integer
    from storage.objects
    where bucket_id = 'lead-imports' and name like 'f0000000-0000-4000-8000-000000000011/%'
  ),
  0, 'nobody else'
);
select tests.clear_authentication();
update public.lead_imports set error_report_path = null where id = '1a000000-0000-4000-8000-000000000001';

-- ============================================================================
-- The worker's queue
-- ============================================================================

select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select * from private.lead_import_claim('w1')$$, '42501', null, 'only the worker claims imports'
);
select tests.authenticate_as_worker('crm_lead_import');
select throws_ok($$select count(*) from public.leads$$, '42501', null, 'the worker reads no table');
select throws_ok(
  $$select * from private.lead_import_claim(' ')$$, '22023', 'p_worker: required',
  'a claim names its worker'
);
select results_eq(
  $$select i.id, i.status, i.worker, i.attempts from private.lead_import_claim('w1', 2) as i order by i.created_at$$,
  $$values ('1a000000-0000-4000-8000-000000000001'::uuid, 'running', 'w1', 1),
    ('1a000000-0000-4000-8000-000000000002'::uuid, 'previewing', 'w1', 1)$$,
  'the oldest waiting imports are claimed: a queued one runs, a preview stays previewing'
);
select is_empty($$select * from private.lead_import_claim('w2')$$, 'a held import is not claimed again');
select is(
  private.lead_import_region('1a000000-0000-4000-8000-000000000001', 'w1'), 'ES',
  'the default region: the campaign''s country'
);
select is(
  private.lead_import_renew('1a000000-0000-4000-8000-000000000001', 'w2'), false,
  'another worker cannot renew the claim'
);
select is(
  private.lead_import_renew('1a000000-0000-4000-8000-000000000001', 'w1', 10), true,
  'the holder renews it (with the row count)'
);

-- A preview, then confirm.
select is(private.lead_import_preview(
  '1a000000-0000-4000-8000-000000000002', 'w1',
  '{"rows": [], "total_rows_estimate": 3}'
), true, 'the preview is written');
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.confirm_lead_import('1a000000-0000-4000-8000-000000000001')$$, 'PT409', null,
  'only a previewed import is confirmed'
);
select results_eq(
  $$select i.status, i.options,
    i.total_rows from public.confirm_lead_import('1a000000-0000-4000-8000-000000000002',
    '{"default_region": "MX"}') as i$$,
  $$values ('queued', '{"default_region": "MX"}'::jsonb, 3::bigint)$$,
  'confirming queues it, with the new options'
);
select tests.authenticate_as('supb@t.test');
select throws_ok(
  $$select public.cancel_lead_import('1a000000-0000-4000-8000-000000000002')$$, 'PT404',
  'p_import_id: not found or not yours',
  'another supervisor cannot cancel it'
);

-- The batch: new leads, every kind of refusal, and the checkpoint.
select tests.authenticate_as_worker('crm_lead_import');
select is(
  private.lead_import_write_batch('1a000000-0000-4000-8000-000000000001', 'w2', 0, 2, '[]'), null,
  'another worker cannot write a batch'
);
select is(
  private.lead_import_write_batch(
    '1a000000-0000-4000-8000-000000000001', 'w1', 0, 8,
    '[{"line": 2, "first_name": "Ana", "phone": "+34612000001", "custom": {"poliza": "P1"}},
      {"line": 3, "first_name": "Bea", "phone": "+34612000001"},
      {"line": 4, "first_name": "Cai", "phone": "+34611000001"},
      {"line": 5, "first_name": "Dan", "phone": "+34611000002"},
      {"line": 6, "first_name": "Eva", "phone": "+34600000003", "city": "Telde"},
      {"line": 7, "first_name": "Fer", "phone": "+34928000001", "external_ref": "R1"},
      {"line": 8, "first_name": "Gil", "phone": "+34612000009", "external_ref": "R1"}]',
    '[{"line": 9, "field": "phone", "code": "phone_invalid", "message": "bad", "raw": {"Tel": "1"}}]'
  ),
  '{"processed_rows": 8, "imported": 2, "updated": 1, "duplicates": 2, "do_not_call": 2, "invalid": 1,
    "cancel_requested": false}'::jsonb,
  'a batch: 2 new, 1 updated (duplicates: update), 2 duplicates in the file, 2 on do-not-call, 1 invalid'
);
select is(
  private.lead_import_write_batch('1a000000-0000-4000-8000-000000000001', 'w1', 0, 8, '[]'), null,
  'the same batch again (a checkpoint already past it) writes nothing'
);
select tests.clear_authentication();
select results_eq(
  $$select e.line, e.field,
    e.code from public.lead_import_errors as e where e.import_id = '1a000000-0000-4000-8000-000000000001' order by e.line, e.code$$,
  $$values (3, 'phone', 'duplicate_in_file'), (3, 'phone', 'phone_invalid'), (4, 'phone', 'do_not_call'),
    (5, 'phone', 'do_not_call'), (8, 'external_ref', 'duplicate_in_file'), (9, 'phone', 'phone_invalid')$$,
  'every refused row is recorded with its line, field and code'
);
select results_eq(
  $$select l.first_name, l.time_zone::text, l.custom, l.created_by::text, l.status::text
      from public.leads as l where l.import_id = '1a000000-0000-4000-8000-000000000001' order by l.phone$$,
  $$values ('Ana', 'Europe/Madrid', '{"poliza": "P1"}'::jsonb, 'f0000000-0000-4000-8000-000000000011', 'new'),
    ('Fer', 'Atlantic/Canary', '{}'::jsonb, 'f0000000-0000-4000-8000-000000000011', 'new')$$,
  'new leads: the time zone from the number, made by the importer, queued'
);
select is(
  (select l.time_zone::text from public.leads as l where l.phone = '+34928000001'),
  private.lead_time_zone('+34928000001', 'c0000000-0000-4000-8000-00000000000a'),
  'the time zone the leads trigger would have set'
);
select results_eq(
  $$select h.operation, h.via, h.changed_by::text, h.actor, h.changed_fields = array(
        select k.key from jsonb_each(h.new_values) as k where k.value <> 'null' order by k.key
      ), h.new_values ->> 'first_name'
      from public.lead_history as h inner join public.leads as l on h.lead_id = l.id
      where l.import_id = '1a000000-0000-4000-8000-000000000001' order by l.phone$$,
  $$values ('insert', 'lead_import', 'f0000000-0000-4000-8000-000000000011', 'user', true, 'Ana'),
    ('insert', 'lead_import', 'f0000000-0000-4000-8000-000000000011', 'user', true, 'Fer')$$,
  'one history row per new lead, as the trigger writes it'
);
select results_eq(
  $$select l.city, h.via, h.changed_fields from public.leads as l
    inner join public.lead_history as h on h.lead_id = l.id and h.operation = 'update'
    where l.id = 'e0000000-0000-4000-8000-0000000000a3'$$,
  $$values ('Telde', 'lead_import', '{city,first_name}'::text[])$$,
  'duplicates: update writes over the existing lead, with its history'
);
select results_eq(
  $$select i.processed_rows, i.imported, i.updated, i.duplicates, i.do_not_call,
    i.invalid from public.lead_imports as i where i.id = '1a000000-0000-4000-8000-000000000001'$$,
  $$values (8::bigint, 2::bigint, 1::bigint, 2::bigint, 2::bigint, 1::bigint)$$,
  'the checkpoint and the counts moved with the batch'
);

-- A second batch: the first batch's number is a duplicate in the file, not in the campaign.
select tests.authenticate_as_worker('crm_lead_import');
select is(
  private.lead_import_write_batch(
    '1a000000-0000-4000-8000-000000000001', 'w1', 8, 9,
    '[{"line": 10, "first_name": "Ana2", "phone": "+34612000001"}]'
  )
  ->> 'duplicates',
  '3', 'a number an earlier batch imported is a duplicate in the file'
);
select is(
  (select e.code from
    private.lead_import_error_rows(
      '1a000000-0000-4000-8000-000000000001',
      'w1'
    ) as e
  where e.line = 10),
  'duplicate_in_file', 'as the error rows say'
);

-- Cancel while running: the next batch says so; finish makes it cancelled.
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select i.status, i.cancel_requested from public.cancel_lead_import('1a000000-0000-4000-8000-000000000001') as i$$,
  $$values ('running', true)$$,
  'a running import is asked to stop'
);
select tests.authenticate_as_worker('crm_lead_import');
select is(
  private.lead_import_write_batch(
    '1a000000-0000-4000-8000-000000000001', 'w1', 9, 9,
    '[]'
  ) ->> 'cancel_requested', 'true',
  'the worker learns it with its next batch'
);
select is(
  private.lead_import_finish('1a000000-0000-4000-8000-000000000001', 'w2', null), false,
  'another worker cannot finish it'
);
select is(
  private.lead_import_finish('1a000000-0000-4000-8000-000000000001', 'w1', 'x/errors/y.csv'), true,
  'the holder finishes it'
);
select tests.clear_authentication();
select results_eq(
  $$select i.status,
    i.error_report_path from public.lead_imports as i where i.id = '1a000000-0000-4000-8000-000000000001'$$,
  $$values ('cancelled', 'x/errors/y.csv')$$,
  'cancelled, with its error report'
);
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.cancel_lead_import('1a000000-0000-4000-8000-000000000001')$$, 'PT409', null,
  'an ended import is not cancelled again'
);

-- The confirmed preview: claimed, failed once, then stale and taken over, then released.
select tests.authenticate_as_worker('crm_lead_import');
select results_eq(
  $$select i.id, i.status, i.attempts from private.lead_import_claim('w1') as i$$,
  $$values ('1a000000-0000-4000-8000-000000000002'::uuid, 'running', 1)$$,
  'a confirmed import is claimed and runs'
);
select is(
  private.lead_import_region('1a000000-0000-4000-8000-000000000002', 'w1'), 'MX',
  'with its default_region option'
);
select is(
  private.lead_import_fail('1a000000-0000-4000-8000-000000000002', 'w1', 'storage down', false), true,
  'a failure that may pass'
);
select tests.clear_authentication();
select results_eq(
  $$select i.status, i.worker,
    i.error from public.lead_imports as i where i.id = '1a000000-0000-4000-8000-000000000002'$$,
  $$values ('queued', null::text, 'storage down')$$,
  'goes back to the queue'
);
select tests.authenticate_as_worker('crm_lead_import');
select is((select count(*)::integer from private.lead_import_claim('w1')), 1, 'claimed again');
select set_config('crm.now', (now() + interval '5 minutes')::text, true);
select results_eq(
  $$select i.worker, i.attempts from private.lead_import_claim('w2', 1, 120) as i$$,
  $$values ('w2', 3)$$,
  'a stale lease is taken over by another worker'
);
select is(
  private.lead_import_renew('1a000000-0000-4000-8000-000000000002', 'w1'), false,
  'the first worker''s claim is lost'
);
select is(private.lead_import_release('w1'), 0, 'release gives back only the releasing worker''s claims');
select is(private.lead_import_release('w2'), 1, 'its own');
select tests.clear_authentication();

select * from finish();
rollback;
