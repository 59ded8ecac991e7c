-- The leads row triggers' WHEN conditions (migration 20261206000600): each
-- trigger still runs wherever its function would change the row, refuse it
-- or write history, and the import batch keeps its 64 MB pending list
-- (migration 20261206000610).
begin;
select plan(11);

select tests.create_two_campaigns();

-- As postgres (guard_lead_columns lets it through): time zone and next_call_at
-- are still filled in, and the history written.
insert into public.leads (campaign_id, first_name, phone, external_ref) values
('c0000000-0000-4000-8000-00000000000a', 'Madrid', '+34612345678', 'when-tz');
select is(
  (select time_zone::text from public.leads where external_ref = 'when-tz'), 'Europe/Madrid',
  'an insert without time_zone still gets it from the phone'
);
select isnt(
  (select next_call_at from public.leads where external_ref = 'when-tz'), null,
  'a new lead without next_call_at is still queued (validate_lead)'
);
select is(
  (
    select count(*)::int from public.lead_history as h
    inner join public.leads as l on h.lead_id = l.id
    where l.external_ref = 'when-tz' and h.operation = 'insert'
  ),
  1,
  'an insert still writes its history'
);

insert into public.leads (campaign_id, first_name, phone, external_ref, status, next_call_at) values
('c0000000-0000-4000-8000-00000000000a', 'Ganado', '+34612345677', 'when-won', 'won', now());
select is(
  (select next_call_at from public.leads where external_ref = 'when-won'), null,
  'a lead inserted as won has its next_call_at cleared'
);

select throws_ok(
  $$insert into public.leads (campaign_id, first_name, phone, owner_id) values
    ('c0000000-0000-4000-8000-00000000000a', 'Ajeno', '+34612345676', 'f0000000-0000-4000-8000-000000000201')$$,
  '23514', null,
  'an owner who is not an agent of the campaign is still refused'
);

update public.leads set phone = '+12125551234' where external_ref = 'when-tz';
select is(
  (select time_zone::text from public.leads where external_ref = 'when-tz'), 'America/New_York',
  'a new phone still brings its time zone'
);
select is(
  (
    select count(*)::int from public.lead_history as h
    inner join public.leads as l on h.lead_id = l.id
    where l.external_ref = 'when-tz' and h.operation = 'update'
  ),
  1,
  'an update still writes its history'
);

-- The batch's marker skips only the insert's history.
select set_config('crm.lead_history_written_by', 'lead_import_write_batch', true);
insert into public.leads (campaign_id, first_name, phone, external_ref) values
('c0000000-0000-4000-8000-00000000000a', 'Lote', '+34612345675', 'when-batch');
update public.leads set first_name = 'Lote 2' where external_ref = 'when-batch';
select set_config('crm.lead_history_written_by', '', true);
select results_eq(
  $$select h.operation from public.lead_history as h
    inner join public.leads as l on l.id = h.lead_id
    where l.external_ref = 'when-batch' order by h.operation$$,
  $$values ('update')$$,
  'under the batch''s marker an insert writes no history, an update does'
);

-- As a signed-in user, guard_lead_columns still runs.
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$insert into public.leads (campaign_id, first_name, phone, created_by) values
    ('c0000000-0000-4000-8000-00000000000a', 'Otro', '+34612345674', 'f0000000-0000-4000-8000-000000000012')$$,
  '42501', 'created_by: set by the database to the signed-in user',
  'a signed-in user still cannot insert a lead as someone else'
);
select throws_ok(
  $$update public.leads set created_at = now() - interval '1 day' where external_ref = 'when-tz'$$,
  '42501', 'created_at: a lead''s created_at never changes through the API',
  'a signed-in user still cannot change a lead''s created_at'
);
select tests.clear_authentication();

select ok(
  (
    select 'gin_pending_list_limit=64MB' = any(p.proconfig) from pg_catalog.pg_proc as p
    where p.oid = 'private.lead_import_write_batch(uuid, text, bigint, bigint, jsonb, jsonb)'::regprocedure
  ),
  'the import batch keeps its own 64 MB GIN pending list limit'
);

select * from finish();
rollback;
