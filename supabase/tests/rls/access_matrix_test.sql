-- The access matrix: for every exposed table of the CRM, every role and
-- every operation, what succeeds (r1: one row, r0: hidden by RLS) and what is
-- refused (42501; PT404 for a sale of a lead out of the caller's reach,
-- answered as an unknown lead). Each statement runs in a subtransaction that is always
-- rolled back, so the cells do not depend on each other. The other files of
-- supabase/tests/ check the details (messages, columns, RPCs).
begin;

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

-- The cells' target rows: a1's second lead with a call, a callback and a
-- pending sale; an A-only product and do-not-call entry; a disposition and a
-- campaign (E, run by supa, worked by a1) nobody depends on.
insert into public.leads (id, campaign_id, owner_id, first_name, phone, time_zone) values (
  'e0000000-0000-4000-8000-0000000000a4', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', 'Elena', '+34600000004', 'Europe/Madrid'
);
insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number) values (
  'ca000000-0000-4000-8000-0000000000a4', '2026-11-25 10:00+00', 'e0000000-0000-4000-8000-0000000000a4',
  'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', '+34600000004'
);
insert into public.callbacks (lead_id, campaign_id, agent_id, due_at) values (
  'e0000000-0000-4000-8000-0000000000a4', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', '2026-12-01 10:00+00'
);
insert into public.sales (id, lead_id, product_id, agent_id) values (
  '5a000000-0000-4000-8000-0000000000a4', 'e0000000-0000-4000-8000-0000000000a4',
  'd0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101'
);
insert into public.products (id, code, name, insurance_line, premium) values
('d0000000-0000-4000-8000-0000000000ff', 'T-MATRIX', 'Matriz', 'pet', 5);
insert into public.campaign_products (campaign_id, product_id) values
('c0000000-0000-4000-8000-00000000000a', 'd0000000-0000-4000-8000-0000000000ff');
insert into public.do_not_call (phone, campaign_id) values ('+34600000902', 'c0000000-0000-4000-8000-00000000000a');
insert into public.dispositions (code, label_es, label_en, effect) values ('matrix_code', 'm', 'm', 'closed');
insert into public.campaigns (id, name) values ('c0000000-0000-4000-8000-00000000000e', 'Test E');
insert into public.campaign_members (campaign_id, user_id, member_role) values
('c0000000-0000-4000-8000-00000000000e', 'f0000000-0000-4000-8000-000000000011', 'supervisor'),
('c0000000-0000-4000-8000-00000000000e', 'f0000000-0000-4000-8000-000000000101', 'agent');
-- Recordings and compliance: the call's recording (a1's call, campaign A),
-- a second call with none, an access log row, a link a1 asked for, a hold
-- on a1's lead and a compliance log row.
insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number) values (
  'ca000000-0000-4000-8000-0000000000a5', '2026-11-25 10:30+00', 'e0000000-0000-4000-8000-0000000000a4',
  'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', '+34600000004'
);
update public.calls set recording_file = '/var/spool/asterisk/monitor/matrix.wav'
where id = 'ca000000-0000-4000-8000-0000000000a4';
insert into public.recording_access_log (id, call_id, campaign_id, requested_by, outcome, link_id)
overriding system value values (
  -8001, 'ca000000-0000-4000-8000-0000000000a4', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', 'granted', '11000000-0000-4000-8000-0000000000a4'
);
-- The call's recording object, with a fresh grant for a1: outside a Storage
-- signing of it (storage.operation), even a grant reads nothing.
insert into storage.objects (bucket_id, name) values ('recordings', 'matrix/ca.opus');
insert into public.recording_access_log (
  id, call_id, campaign_id, requested_by, outcome, object_path, granted_until
) overriding system value values (
  -8002, 'ca000000-0000-4000-8000-0000000000a4', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000101', 'granted', 'matrix/ca.opus', '2026-11-25 10:06+00'
);
insert into public.legal_holds (id, lead_id, reason) values
('70000000-0000-4000-8000-0000000000a4', 'e0000000-0000-4000-8000-0000000000a4', 'Matrix');
insert into public.compliance_log (id, action, lead_id) overriding system value values
(-8001, 'export', 'e0000000-0000-4000-8000-0000000000a4');
select set_config('crm.now', '2026-11-25 10:05+00', true);

-- Runs p_sql and always undoes it: 'r<n>' for n rows returned or affected,
-- otherwise the SQLSTATE it raised. (Created inside this test's transaction:
-- it disappears with the rollback.)
create function tests.try_statement(p_sql text) returns text
language plpgsql
as $$
declare
  v_rows bigint;
begin
  begin
    execute p_sql;
    get diagnostics v_rows = row_count;
    raise exception using errcode = 'RB000', message = 'r' || v_rows;
  exception
    when sqlstate 'RB000' then
      return sqlerrm;
    when others then
      return sqlstate;
  end;
end;
$$;

-- One row per table and operation; one column per role: anon; a1, the
-- agent who owns the target rows; a2, another agent of campaign A; b1, an
-- agent of campaign B; supa, A's supervisor; supb, B's supervisor; adm, an
-- admin; svc, the service role (workers).
create temporary table rls_matrix (
  ord integer primary key,
  tbl text not null,
  op text not null,
  stmt text not null,
  anon text not null,
  a1 text not null,
  a2 text not null,
  b1 text not null,
  supa text not null,
  supb text not null,
  adm text not null,
  svc text not null
);
grant select on rls_matrix to anon, authenticated, service_role;

insert into rls_matrix (ord, tbl, op, stmt, anon, a1, a2, b1, supa, supb, adm, svc) values
(
  1, 'campaigns', 'select',
  'select 1 from public.campaigns where id = ''c0000000-0000-4000-8000-00000000000a''',
  '42501', 'r1', 'r1', 'r0', 'r1', 'r0', 'r1', 'r1'
),
(
  2, 'campaigns', 'insert',
  'insert into public.campaigns (name) values (''Matrix'')',
  '42501', '42501', '42501', '42501', '42501', '42501', 'r1', 'r1'
),
(
  3, 'campaigns', 'update',
  'update public.campaigns set description = ''m'' where id = ''c0000000-0000-4000-8000-00000000000a''',
  '42501', 'r0', 'r0', 'r0', 'r0', 'r0', 'r1', 'r1'
),
(
  4, 'campaigns', 'delete',
  'delete from public.campaigns where id = ''c0000000-0000-4000-8000-00000000000e''',
  '42501', 'r0', 'r0', 'r0', 'r0', 'r0', 'r1', 'r1'
),
(
  5, 'campaign_members', 'select',
  'select 1 from public.campaign_members where campaign_id = '
  || '''c0000000-0000-4000-8000-00000000000a'' and user_id = ''f0000000-0000-4000-8000-000000000101''',
  '42501', 'r1', 'r0', 'r0', 'r1', 'r0', 'r1', 'r1'
),
(
  6, 'campaign_members', 'insert',
  'insert into public.campaign_members (campaign_id, user_id, member_role) values '
  || '(''c0000000-0000-4000-8000-00000000000a'', ''f0000000-0000-4000-8000-000000000201'', ''agent'')',
  '42501', '42501', '42501', '42501', '42501', '42501', 'r1', 'r1'
),
(
  7, 'campaign_members', 'update',
  'update public.campaign_members set member_role = ''agent'' where campaign_id = '
  || '''c0000000-0000-4000-8000-00000000000a'' and user_id = ''f0000000-0000-4000-8000-000000000101''',
  '42501', 'r0', 'r0', 'r0', 'r0', 'r0', 'r1', 'r1'
),
(
  8, 'campaign_members', 'delete',
  'delete from public.campaign_members where campaign_id = '
  || '''c0000000-0000-4000-8000-00000000000a'' and user_id = ''f0000000-0000-4000-8000-000000000102''',
  '42501', 'r0', 'r0', 'r0', 'r0', 'r0', 'r1', 'r1'
),
(
  9, 'dispositions', 'select',
  'select 1 from public.dispositions where code = ''matrix_code''',
  '42501', 'r1', 'r1', 'r1', 'r1', 'r1', 'r1', 'r1'
),
(
  10, 'dispositions', 'insert',
  'insert into public.dispositions (code, label_es, label_en, effect) values (''matrix_new'', '
  || '''m'', ''m'', ''closed'')',
  '42501', '42501', '42501', '42501', '42501', '42501', 'r1', 'r1'
),
(
  11, 'dispositions', 'update',
  'update public.dispositions set sort_order = 1 where code = ''matrix_code''',
  '42501', 'r0', 'r0', 'r0', 'r0', 'r0', 'r1', 'r1'
),
(
  12, 'dispositions', 'delete',
  'delete from public.dispositions where code = ''matrix_code''',
  '42501', 'r0', 'r0', 'r0', 'r0', 'r0', 'r1', 'r1'
),
(
  13, 'products', 'select',
  'select 1 from public.products where code = ''T-MATRIX''',
  '42501', 'r1', 'r1', 'r0', 'r1', 'r0', 'r1', 'r1'
),
(
  14, 'products', 'insert',
  'insert into public.products (code, name, insurance_line, premium) values (''T-NEW'', ''m'', ''pet'', 1)',
  '42501', '42501', '42501', '42501', '42501', '42501', 'r1', 'r1'
),
(
  15, 'products', 'update',
  'update public.products set premium = 2 where code = ''T-MATRIX''',
  '42501', 'r0', 'r0', 'r0', 'r0', 'r0', 'r1', 'r1'
),
(
  16, 'products', 'delete',
  'delete from public.products where code = ''T-MATRIX''',
  '42501', 'r0', 'r0', 'r0', 'r0', 'r0', 'r1', 'r1'
),
(
  17, 'campaign_products', 'select',
  'select 1 from public.campaign_products where campaign_id = '
  || '''c0000000-0000-4000-8000-00000000000a'' and product_id = '
  || '''d0000000-0000-4000-8000-0000000000ff''',
  '42501', 'r1', 'r1', 'r0', 'r1', 'r0', 'r1', 'r1'
),
(
  18, 'campaign_products', 'insert',
  'insert into public.campaign_products (campaign_id, product_id) values '
  || '(''c0000000-0000-4000-8000-00000000000a'', ''d0000000-0000-4000-8000-00000000000b'')',
  '42501', '42501', '42501', '42501', '42501', '42501', 'r1', 'r1'
),
(
  19, 'campaign_products', 'update',
  'update public.campaign_products set created_at = created_at where campaign_id = '
  || '''c0000000-0000-4000-8000-00000000000a''',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', 'r2'
),
(
  20, 'campaign_products', 'delete',
  'delete from public.campaign_products where campaign_id = '
  || '''c0000000-0000-4000-8000-00000000000a'' and product_id = '
  || '''d0000000-0000-4000-8000-0000000000ff''',
  '42501', 'r0', 'r0', 'r0', 'r0', 'r0', 'r1', 'r1'
),
(
  21, 'leads', 'select',
  'select 1 from public.leads where id = ''e0000000-0000-4000-8000-0000000000a1''',
  '42501', 'r1', 'r0', 'r0', 'r1', 'r0', 'r1', 'r1'
),
(
  22, 'leads', 'insert',
  'insert into public.leads (campaign_id, first_name, phone) values '
  || '(''c0000000-0000-4000-8000-00000000000a'', ''Matrix'', ''+34600000777'')',
  '42501', '42501', '42501', '42501', 'r1', '42501', 'r1', 'r1'
),
(
  23, 'leads', 'update',
  'update public.leads set notes = ''m'' where id = ''e0000000-0000-4000-8000-0000000000a1''',
  '42501', 'r1', 'r0', 'r0', 'r1', 'r0', 'r1', 'r1'
),
(
  24, 'leads', 'delete',
  'delete from public.leads where id = ''e0000000-0000-4000-8000-0000000000a1''',
  '42501', 'r0', 'r0', 'r0', 'r0', 'r0', 'r1', 'r1'
),
(
  25, 'lead_history', 'select',
  'select 1 from public.lead_history where lead_id = ''e0000000-0000-4000-8000-0000000000a1'' and '
  || 'operation = ''insert''',
  '42501', 'r1', 'r0', 'r0', 'r1', 'r0', 'r1', 'r1'
),
(
  26, 'lead_history', 'insert',
  'insert into public.lead_history (lead_id, campaign_id, operation, changed_fields, actor) values '
  || '(''e0000000-0000-4000-8000-0000000000a1'', ''c0000000-0000-4000-8000-00000000000a'', '
  || '''update'', ''{}'', ''user'')',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'
),
(
  27, 'lead_history', 'update',
  'update public.lead_history set via = ''m'' where lead_id = ''e0000000-0000-4000-8000-0000000000a1''',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'
),
(
  28, 'lead_history', 'delete',
  'delete from public.lead_history where lead_id = ''e0000000-0000-4000-8000-0000000000a1'' and operation = ''insert''',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', 'r1'
),
(
  29, 'do_not_call', 'select',
  'select 1 from public.do_not_call where phone = ''+34600000902''',
  '42501', 'r0', 'r0', 'r0', 'r1', 'r0', 'r1', 'r1'
),
(
  30, 'do_not_call', 'insert',
  'insert into public.do_not_call (phone, campaign_id) values (''+34600000777'', '
  || '''c0000000-0000-4000-8000-00000000000a'')',
  '42501', '42501', '42501', '42501', 'r1', '42501', 'r1', 'r1'
),
(
  31, 'do_not_call', 'update',
  'update public.do_not_call set reason = ''m'' where phone = ''+34600000902''',
  '42501', 'r0', 'r0', 'r0', 'r1', 'r0', 'r1', 'r1'
),
(
  32, 'do_not_call', 'delete',
  'delete from public.do_not_call where phone = ''+34600000902''',
  '42501', 'r0', 'r0', 'r0', 'r1', 'r0', 'r1', 'r1'
),
(
  33, 'callbacks', 'select',
  'select 1 from public.callbacks where lead_id = ''e0000000-0000-4000-8000-0000000000a4''',
  '42501', 'r1', 'r0', 'r0', 'r1', 'r0', 'r1', 'r1'
),
(
  34, 'callbacks', 'insert',
  'insert into public.callbacks (lead_id, campaign_id, agent_id, due_at) values '
  || '(''e0000000-0000-4000-8000-0000000000a1'', ''c0000000-0000-4000-8000-00000000000a'', '
  || '''f0000000-0000-4000-8000-000000000101'', ''2026-12-01 10:00+00'')',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', 'r1'
),
(
  35, 'callbacks', 'update',
  'update public.callbacks set notes = ''m'' where lead_id = ''e0000000-0000-4000-8000-0000000000a4''',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', 'r1'
),
(
  36, 'callbacks', 'delete',
  'delete from public.callbacks where lead_id = ''e0000000-0000-4000-8000-0000000000a4''',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', 'r1'
),
(
  37, 'calls', 'select',
  'select 1 from public.calls where id = ''ca000000-0000-4000-8000-0000000000a4''',
  '42501', 'r1', 'r0', 'r0', 'r1', 'r0', 'r1', 'r1'
),
(
  38, 'calls', 'insert',
  'insert into public.calls (lead_id, campaign_id, agent_id, phone_number) values '
  || '(''e0000000-0000-4000-8000-0000000000a1'', ''c0000000-0000-4000-8000-00000000000a'', '
  || '''f0000000-0000-4000-8000-000000000101'', ''+34600000001'')',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', 'r1'
),
(
  39, 'calls', 'update',
  'update public.calls set notes = ''m'' where id = ''ca000000-0000-4000-8000-0000000000a4''',
  '42501', 'r1', 'r0', 'r0', 'r0', 'r0', 'r0', 'r1'
),
(
  40, 'calls', 'delete',
  'delete from public.calls where id = ''ca000000-0000-4000-8000-0000000000a4''',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', 'r1'
),
(
  41, 'sales', 'select',
  'select 1 from public.sales where id = ''5a000000-0000-4000-8000-0000000000a4''',
  '42501', 'r1', 'r0', 'r0', 'r1', 'r0', 'r1', 'r1'
),
(
  42, 'sales', 'insert',
  'insert into public.sales (lead_id, product_id, agent_id) values '
  || '(''e0000000-0000-4000-8000-0000000000a4'', ''d0000000-0000-4000-8000-00000000000a'', '
  || '''f0000000-0000-4000-8000-000000000101'')',
  '42501', 'r1', 'PT404', 'PT404', 'r1', 'PT404', 'r1', 'r1'
),
(
  43, 'sales', 'update',
  'update public.sales set notes = ''m'' where id = ''5a000000-0000-4000-8000-0000000000a4''',
  '42501', 'r1', 'r0', 'r0', 'r1', 'r0', 'r1', 'r1'
),
(
  44, 'sales', 'delete',
  'delete from public.sales where id = ''5a000000-0000-4000-8000-0000000000a4''',
  '42501', 'r0', 'r0', 'r0', 'r0', 'r0', 'r1', 'r1'
),
(
  45, 'sale_status_history', 'select',
  'select 1 from public.sale_status_history where sale_id = ''5a000000-0000-4000-8000-0000000000a4''',
  '42501', 'r1', 'r0', 'r0', 'r1', 'r0', 'r1', 'r1'
),
(
  46, 'sale_status_history', 'insert',
  'insert into public.sale_status_history (sale_id, campaign_id, new_status, actor) values '
  || '(''5a000000-0000-4000-8000-0000000000a4'', ''c0000000-0000-4000-8000-00000000000a'', '
  || '''validated'', ''user'')',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'
),
(
  47, 'sale_status_history', 'update',
  'update public.sale_status_history set reason = ''m'' where sale_id = ''5a000000-0000-4000-8000-0000000000a4''',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'
),
(
  48, 'sale_status_history', 'delete',
  'delete from public.sale_status_history where sale_id = ''5a000000-0000-4000-8000-0000000000a4''',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', 'r1'
),
(
  49, 'recordings', 'select',
  'select 1 from public.recordings where call_id = ''ca000000-0000-4000-8000-0000000000a4''',
  '42501', 'r0', 'r0', 'r0', 'r1', 'r0', 'r1', 'r1'
),
(
  50, 'recordings', 'insert',
  'insert into public.recordings (call_id, campaign_id, call_started_at, source_file) values '
  || '(''ca000000-0000-4000-8000-0000000000a5'', ''c0000000-0000-4000-8000-00000000000a'', '
  || '''2026-11-25 10:30+00'', ''/m.wav'')',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', 'r1'
),
(
  51, 'recordings', 'update',
  'update public.recordings set last_error = ''m'' where call_id = ''ca000000-0000-4000-8000-0000000000a4''',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', 'r1'
),
(
  52, 'recordings', 'delete',
  'delete from public.recordings where call_id = ''ca000000-0000-4000-8000-0000000000a4''',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', 'r1'
),
(
  53, 'recording_access_log', 'select',
  'select 1 from public.recording_access_log where id = -8001',
  '42501', 'r0', 'r0', 'r0', 'r1', 'r0', 'r1', 'r1'
),
(
  54, 'recording_access_log', 'insert',
  'insert into public.recording_access_log (call_id, campaign_id, outcome) values '
  || '(''ca000000-0000-4000-8000-0000000000a4'', ''c0000000-0000-4000-8000-00000000000a'', ''granted'')',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'
),
(
  55, 'recording_access_log', 'update',
  'update public.recording_access_log set outcome = ''granted'' where id = -8001',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'
),
(
  56, 'recording_access_log', 'delete',
  'delete from public.recording_access_log where id = -8001',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', 'r1'
),
(
  57, 'storage.objects (recordings)', 'select',
  'select 1 from storage.objects where bucket_id = ''recordings'' and name = ''matrix/ca.opus''',
  'r0', 'r0', 'r0', 'r0', 'r0', 'r0', 'r0', 'r1'
),
(
  58, 'storage.objects (recordings)', 'insert',
  'insert into storage.objects (bucket_id, name) values (''recordings'', ''matrix/new.opus'')',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', 'r1'
),
(
  59, 'storage.objects (recordings)', 'update',
  'update storage.objects set metadata = ''{}'' where bucket_id = ''recordings'' and name = ''matrix/ca.opus''',
  'r0', 'r0', 'r0', 'r0', 'r0', 'r0', 'r0', 'r1'
),
(
  60, 'storage.objects (recordings)', 'delete',
  'delete from storage.objects where bucket_id = ''recordings'' and name = ''matrix/ca.opus''',
  'r0', 'r0', 'r0', 'r0', 'r0', 'r0', 'r0', 'r1'
),
(
  61, 'legal_holds', 'select',
  'select 1 from public.legal_holds where id = ''70000000-0000-4000-8000-0000000000a4''',
  '42501', 'r0', 'r0', 'r0', 'r0', 'r0', 'r1', 'r1'
),
(
  62, 'legal_holds', 'insert',
  'insert into public.legal_holds (lead_id, reason) values (''e0000000-0000-4000-8000-0000000000a2'', ''m'')',
  '42501', '42501', '42501', '42501', '42501', '42501', 'r1', 'r1'
),
(
  63, 'legal_holds', 'update',
  'update public.legal_holds set released_at = now(), released_by = ''f0000000-0000-4000-8000-000000000001'' '
  || 'where id = ''70000000-0000-4000-8000-0000000000a4''',
  '42501', 'r0', 'r0', 'r0', 'r0', 'r0', 'r1', 'r1'
),
(
  64, 'legal_holds', 'delete',
  'delete from public.legal_holds where id = ''70000000-0000-4000-8000-0000000000a4''',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'
),
(
  65, 'compliance_log', 'select',
  'select 1 from public.compliance_log where id = -8001',
  '42501', 'r0', 'r0', 'r0', 'r0', 'r0', 'r1', 'r1'
),
(
  66, 'compliance_log', 'insert',
  'insert into public.compliance_log (action, lead_id) values (''erase'', ''e0000000-0000-4000-8000-0000000000a4'')',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'
),
(
  67, 'compliance_log', 'update',
  'update public.compliance_log set summary = ''{}'' where id = -8001',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', '42501'
),
(
  68, 'compliance_log', 'delete',
  'delete from public.compliance_log where id = -8001',
  '42501', '42501', '42501', '42501', '42501', '42501', '42501', 'r1'
);

select plan((select count(*)::integer * 8 from rls_matrix));

select tests.authenticate_as_anon();
select is(tests.try_statement(m.stmt), m.anon, format('anon: %s %s', m.op, m.tbl))
from rls_matrix as m order by m.ord;

select tests.authenticate_as('a1@t.test');
select is(tests.try_statement(m.stmt), m.a1, format('the leads agent (a1): %s %s', m.op, m.tbl))
from rls_matrix as m order by m.ord;

select tests.authenticate_as('a2@t.test');
select is(tests.try_statement(m.stmt), m.a2, format('another agent of the campaign (a2): %s %s', m.op, m.tbl))
from rls_matrix as m order by m.ord;

select tests.authenticate_as('b1@t.test');
select is(tests.try_statement(m.stmt), m.b1, format('an agent of another campaign (b1): %s %s', m.op, m.tbl))
from rls_matrix as m order by m.ord;

select tests.authenticate_as('supa@t.test');
select is(tests.try_statement(m.stmt), m.supa, format('the campaigns supervisor: %s %s', m.op, m.tbl))
from rls_matrix as m order by m.ord;

select tests.authenticate_as('supb@t.test');
select is(tests.try_statement(m.stmt), m.supb, format('the supervisor of another campaign: %s %s', m.op, m.tbl))
from rls_matrix as m order by m.ord;

select tests.authenticate_as('adm@t.test');
select is(tests.try_statement(m.stmt), m.adm, format('an admin: %s %s', m.op, m.tbl))
from rls_matrix as m order by m.ord;

select tests.authenticate_as_service_role();
select is(tests.try_statement(m.stmt), m.svc, format('the service role: %s %s', m.op, m.tbl))
from rls_matrix as m order by m.ord;

select * from finish();
rollback;
