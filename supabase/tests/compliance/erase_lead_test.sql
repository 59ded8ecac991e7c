-- rpc/export_lead_data and rpc/erase_lead: a lead's rights of access and
-- erasure (GDPR/LOPD), for compliance managers only; what erasure leaves of
-- the lead, its calls, callbacks, sales, history, do-not-call entries,
-- originate requests and recordings; and the compliance log.
begin;
select plan(43);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();
select set_config('crm.now', '2026-11-25 12:00+00', true);

-- Lucía (a1's lead) with every personal field filled in.
update public.leads set
  last_name = 'Fernández Ruiz', alternate_phones = '{+34600000011}', email = 'lucia.fernandez@example.com',
  birth_date = '1980-02-29', address_line = 'Calle Mayor 1', city = 'Segovia', region = 'Castilla y León',
  postal_code = '40001', country_code = 'ES', custom = '{"dni": "12345678Z"}', notes = 'Prefers mornings',
  external_ref = 'CRM-OLD-4711', consent_recording = true, consent_marketing = true
where id = 'e0000000-0000-4000-8000-0000000000a1';

-- Her calls: e1 with a stored recording, e2 with one still pending, e3
-- with one purged long ago, e4 without recording.
insert into public.calls (
  id, started_at, answered_at, ended_at, status, outcome, talk_seconds, disposition, wrapped_up_at, lead_id,
  campaign_id, agent_id, phone_number, notes, recording_consent, recording_file
)
select
  v.id::uuid as id,
  v.started_at::timestamptz as started_at,
  v.started_at::timestamptz as answered_at,
  v.started_at::timestamptz + interval '3 minutes' as ended_at,
  'ended' as status,
  'answered' as outcome,
  170 as talk_seconds,
  'not_interested' as disposition,
  v.started_at::timestamptz + interval '4 minutes' as wrapped_up_at,
  'e0000000-0000-4000-8000-0000000000a1' as lead_id,
  'c0000000-0000-4000-8000-00000000000a' as campaign_id,
  'f0000000-0000-4000-8000-000000000101' as agent_id,
  v.phone as phone_number,
  'Lucía asked about her DNI 12345678Z' as notes,
  true as recording_consent,
  v.file as recording_file
from (
  values
  ('cc000000-0000-4000-8000-0000000000e1', '2026-11-20 10:00+00', '+34600000001', '/mon/e1-+34600000001.wav'),
  ('cc000000-0000-4000-8000-0000000000e2', '2026-11-21 10:00+00', '+34600000011', '/mon/e2-+34600000011.wav'),
  ('cc000000-0000-4000-8000-0000000000e3', '2026-08-01 10:00+00', '+34600000001', '/mon/e3-+34600000001.wav'),
  ('cc000000-0000-4000-8000-0000000000e4', '2026-11-22 10:00+00', '+34600000001', null)
) as v (id, started_at, phone, file);
update public.recordings set
  status = 'stored', object_path = 'c0000000-0000-4000-8000-00000000000a/2026/11/20/' || call_id || '.opus',
  bytes = 1000, sha256 = repeat('e', 64), format = 'opus'
where call_id in ('cc000000-0000-4000-8000-0000000000e1', 'cc000000-0000-4000-8000-0000000000e3');
update public.recordings set status = 'purged', removed_at = '2026-11-01 03:00+00'
where call_id = 'cc000000-0000-4000-8000-0000000000e3';

insert into public.callbacks (id, lead_id, campaign_id, agent_id, due_at, notes, status, completed_at) values
(
  'cb000000-0000-4000-8000-0000000000e1', 'e0000000-0000-4000-8000-0000000000a1',
  'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', '2026-11-28 10:00+00',
  'Call Lucía back on +34600000011', 'pending', null
),
(
  'cb000000-0000-4000-8000-0000000000e2', 'e0000000-0000-4000-8000-0000000000a1',
  'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', '2026-11-21 09:00+00',
  'Done', 'done', '2026-11-21 10:00+00'
);
insert into public.sales (id, lead_id, product_id, agent_id, call_id, notes) values (
  '5a000000-0000-4000-8000-0000000000e1', 'e0000000-0000-4000-8000-0000000000a1',
  'd0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101',
  'cc000000-0000-4000-8000-0000000000e1', 'Lucía pays by IBAN ES91 2100 0418 4502 0005 1332'
);
-- Rejected with a reason that names her (kept in sale_status_history too).
update public.sales set
  status = 'rejected', status_reason = 'Lucía Fernández did not sign',
  validated_by = 'f0000000-0000-4000-8000-000000000011', validated_at = '2026-11-24 10:00+00'
where id = '5a000000-0000-4000-8000-0000000000e1';
insert into public.do_not_call (id, phone, campaign_id, reason) values
('dc000000-0000-4000-8000-0000000000e1', '+34600000001', null, 'Lucía asked'),
('dc000000-0000-4000-8000-0000000000e2', '+34600000011', 'c0000000-0000-4000-8000-00000000000a', 'Work number'),
('dc000000-0000-4000-8000-0000000000e3', '+34600000099', null, 'Someone else');
insert into public.originate_requests (id, lead_id, campaign_id, agent_id, phone, agent_extension) values (
  '0e000000-0000-4000-8000-0000000000e1', 'e0000000-0000-4000-8000-0000000000a1',
  'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', '+34600000001', '1101'
);
-- supa's grant to sign the recording, still fresh when the lead is erased.
insert into public.recording_access_log (
  call_id, campaign_id, requested_by, requested_at, outcome, object_path, granted_until
) values (
  'cc000000-0000-4000-8000-0000000000e1', 'c0000000-0000-4000-8000-00000000000a',
  'f0000000-0000-4000-8000-000000000011', '2026-11-22 09:00+00', 'granted',
  'c0000000-0000-4000-8000-00000000000a/2026/11/20/cc000000-0000-4000-8000-0000000000e1.opus', 'infinity'
);

-- Javier (a2's lead) is in a call; Carmen (the pool lead) is under legal
-- hold; Diego's call (b1's lead) is under legal hold.
update public.leads set status = 'in_call' where id = 'e0000000-0000-4000-8000-0000000000a2';
insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number) values (
  'cc000000-0000-4000-8000-0000000000e5', '2026-11-20 16:00+00', 'e0000000-0000-4000-8000-0000000000b1',
  'c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000201', '+525512345678'
);
insert into public.legal_holds (id, call_id, lead_id, reason, placed_by) values
(
  '70000000-0000-4000-8000-0000000000e1', null, 'e0000000-0000-4000-8000-0000000000a3', 'Court order 55/2026',
  'f0000000-0000-4000-8000-000000000001'
),
(
  '70000000-0000-4000-8000-0000000000e2', 'cc000000-0000-4000-8000-0000000000e5', null, 'Claim 2026/118',
  'f0000000-0000-4000-8000-000000000001'
);

-- ----------------------------------------------------------------------------
-- Who may export or erase
-- ----------------------------------------------------------------------------

select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select public.export_lead_data('e0000000-0000-4000-8000-0000000000a1')$$, '42501',
  'export_lead_data: needs the compliance.manage permission',
  'the lead''s supervisor cannot export its personal data'
);
select throws_ok(
  $$select public.erase_lead('e0000000-0000-4000-8000-0000000000a1')$$, '42501',
  'erase_lead: needs the compliance.manage permission',
  'nor erase it'
);
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$select public.export_lead_data('e0000000-0000-4000-8000-0000000000a1')$$, '42501', null,
  'the lead''s agent cannot export it'
);
select throws_ok(
  $$select public.erase_lead('e0000000-0000-4000-8000-0000000000a1')$$, '42501', null,
  'nor erase it'
);
select tests.authenticate_as_anon();
select throws_ok(
  $$select public.export_lead_data('e0000000-0000-4000-8000-0000000000a1')$$, '42501', null,
  'anon cannot export'
);
select throws_ok(
  $$select public.erase_lead('e0000000-0000-4000-8000-0000000000a1')$$, '42501', null,
  'nor erase'
);

select tests.authenticate_as('adm@t.test');
select throws_ok(
  $$select public.export_lead_data(null)$$, '22023', 'p_lead_id: required', 'export: a lead is required'
);
select throws_ok($$select public.erase_lead(null)$$, '22023', 'p_lead_id: required', 'erase: a lead is required');
select throws_ok(
  $$select public.export_lead_data('e0000000-0000-4000-8000-0000000000ff')$$, 'PT404',
  'p_lead_id: no lead e0000000-0000-4000-8000-0000000000ff',
  'export: an unknown lead is PT404'
);
select throws_ok(
  $$select public.erase_lead('e0000000-0000-4000-8000-0000000000ff')$$, 'PT404',
  'p_lead_id: no lead e0000000-0000-4000-8000-0000000000ff',
  'erase: an unknown lead is PT404'
);
select throws_ok(
  $$select public.erase_lead('e0000000-0000-4000-8000-0000000000a2')$$, 'PT409',
  'p_lead_id: lead e0000000-0000-4000-8000-0000000000a2 is in a call; erase it once the call is over',
  'a lead in a call is not erased'
);
select throws_ok(
  $$select public.erase_lead('e0000000-0000-4000-8000-0000000000a3')$$, 'PT409',
  'p_lead_id: lead e0000000-0000-4000-8000-0000000000a3 is under legal hold 70000000-0000-4000-8000-0000000000e1 '
  || '(Court order 55/2026); release it first',
  'a lead under legal hold is not erased'
);
select throws_ok(
  $$select public.erase_lead('e0000000-0000-4000-8000-0000000000b1')$$, 'PT409', null,
  'nor a lead one of whose calls is under legal hold'
);

-- ----------------------------------------------------------------------------
-- Export
-- ----------------------------------------------------------------------------

create temporary table documents (label text primary key, body jsonb);
grant all on documents to authenticated;
insert into documents values ('before', public.export_lead_data('e0000000-0000-4000-8000-0000000000a1'));

select is(
  (select array_agg(k order by k) from documents as d, jsonb_object_keys(d.body) as k where d.label = 'before'),
  array[
    'callbacks', 'calls', 'campaign', 'do_not_call', 'exported_at', 'history', 'lead', 'recording_accesses', 'sales'
  ],
  'the export holds the lead, campaign, history, calls, sales, callbacks, do-not-call entries and recording accesses'
);
select results_eq(
  $$select d.body -> 'lead' ->> 'email', d.body -> 'lead' ->> 'last_name', d.body -> 'campaign' ->> 'name',
      d.body ->> 'exported_at'
    from documents as d where d.label = 'before'$$,
  $$values ('lucia.fernandez@example.com', 'Fernández Ruiz', 'Test A', '2026-11-25T12:00:00+00:00')$$,
  'with the lead''s own fields'
);
select results_eq(
  $$select
      jsonb_array_length(d.body -> 'calls'), jsonb_array_length(d.body -> 'sales'),
      jsonb_array_length(d.body -> 'callbacks'), jsonb_array_length(d.body -> 'do_not_call'),
      jsonb_array_length(d.body -> 'recording_accesses'), jsonb_array_length(d.body -> 'history') > 0
    from documents as d where d.label = 'before'$$,
  $$values (4, 1, 2, 2, 1, true)$$,
  'every call, sale and callback, the do-not-call entries of both its numbers, and who listened'
);
select results_eq(
  $$select c ->> 'id', c -> 'recording' ->> 'status', (c -> 'recording' ->> 'bytes')::integer
    from documents as d, jsonb_array_elements(d.body -> 'calls') as c
    where d.label = 'before'
    order by c ->> 'started_at'$$,
  $$values
    ('cc000000-0000-4000-8000-0000000000e3', 'purged', 1000),
    ('cc000000-0000-4000-8000-0000000000e1', 'stored', 1000),
    ('cc000000-0000-4000-8000-0000000000e2', 'pending', null),
    ('cc000000-0000-4000-8000-0000000000e4', null, null)$$,
  'each call says what became of its recording'
);
select results_eq(
  $$select g.action, g.performed_by, g.performed_at, g.summary
    from public.compliance_log as g
    where g.lead_id = 'e0000000-0000-4000-8000-0000000000a1' and g.action = 'export'$$,
  $$values (
    'export', 'f0000000-0000-4000-8000-000000000001'::uuid, '2026-11-25 12:00+00'::timestamptz,
    (select jsonb_build_object(
      'history', jsonb_array_length(d.body -> 'history'), 'calls', 4, 'sales', 1, 'callbacks', 2
    ) from documents as d where d.label = 'before')
  )$$,
  'the export is logged: who, when, which lead, how many rows'
);

-- ----------------------------------------------------------------------------
-- Erasure
-- ----------------------------------------------------------------------------

create temporary table erasures (label text primary key, summary jsonb);
grant all on erasures to authenticated;
insert into erasures values ('a1', public.erase_lead('e0000000-0000-4000-8000-0000000000a1'));
select tests.clear_authentication();

select results_eq(
  $$select e.summary - 'history_rows', (e.summary ->> 'history_rows')::integer > 0 from erasures as e
    where e.label = 'a1'$$,
  $$values (jsonb_build_object(
    'lead_id', 'e0000000-0000-4000-8000-0000000000a1', 'erased_at', '2026-11-25T12:00:00+00:00',
    'calls', 4, 'recordings', 2, 'callbacks', 2, 'sales', 1, 'do_not_call', 2, 'originate_requests', 1
  ), true)$$,
  'erase_lead says how many rows of each kind it changed'
);

select results_eq(
  $$select
      l.first_name, l.last_name, l.phone::text, l.alternate_phones::text[], l.email, l.birth_date, l.address_line,
      l.city, l.region, l.postal_code, l.custom, l.notes, l.external_ref
    from public.leads as l where l.id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values (
    '[erased]', '', null::text, '{}'::text[], null::text, null::date, '', '', '', '', '{}'::jsonb, '', null::text
  )$$,
  'no personal field of the lead remains'
);
select results_eq(
  $$select
      l.status::text, l.erased_at, l.owner_id, l.next_call_at, l.consent_contact, l.consent_recording,
      l.consent_marketing, l.campaign_id, l.attempts
    from public.leads as l where l.id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values (
    'erased', '2026-11-25 12:00+00'::timestamptz, null::uuid, null::timestamptz, false, false, false,
    'c0000000-0000-4000-8000-00000000000a'::uuid, 0
  )$$,
  'the lead is erased, out of every queue, never to be called or recorded, still counted in its campaign'
);

select results_eq(
  $$select c.id::text, c.phone_number::text, c.notes, c.recording_file, c.recording_path, c.erased_at
    from public.calls as c where c.lead_id = 'e0000000-0000-4000-8000-0000000000a1' order by c.started_at$$,
  $$values
    ('cc000000-0000-4000-8000-0000000000e3', null::text, '', null::text, null::text, '2026-11-25 12:00+00'::timestamptz),
    ('cc000000-0000-4000-8000-0000000000e1', null, '', null, null, '2026-11-25 12:00+00'),
    ('cc000000-0000-4000-8000-0000000000e2', null, '', null, null, '2026-11-25 12:00+00'),
    ('cc000000-0000-4000-8000-0000000000e4', null, '', null, null, '2026-11-25 12:00+00')$$,
  'its calls lose number, notes and file names'
);
select results_eq(
  $$select c.status, c.outcome, c.talk_seconds, c.disposition, c.campaign_id, c.agent_id, c.started_at
    from public.calls as c where c.id = 'cc000000-0000-4000-8000-0000000000e1'$$,
  $$values (
    'ended', 'answered', 170, 'not_interested', 'c0000000-0000-4000-8000-00000000000a'::uuid,
    'f0000000-0000-4000-8000-000000000101'::uuid, '2026-11-20 10:00+00'::timestamptz
  )$$,
  'but keep what the reports count'
);

select results_eq(
  $$select r.call_id::text, r.status, r.erase_requested_at from public.recordings as r
    where r.call_id in (
      'cc000000-0000-4000-8000-0000000000e1', 'cc000000-0000-4000-8000-0000000000e2',
      'cc000000-0000-4000-8000-0000000000e3'
    )
    order by r.call_id$$,
  $$values
    ('cc000000-0000-4000-8000-0000000000e1', 'stored', '2026-11-25 12:00+00'::timestamptz),
    ('cc000000-0000-4000-8000-0000000000e2', 'pending', '2026-11-25 12:00+00'::timestamptz),
    ('cc000000-0000-4000-8000-0000000000e3', 'purged', null::timestamptz)$$,
  'its recordings still in Storage or on disk are marked for the worker to delete; a purged one is gone already'
);
select is(
  (
    select array_agg(r.source_file order by r.call_id) from public.recordings as r
    where r.call_id = 'cc000000-0000-4000-8000-0000000000e3'
  ),
  array['[erased]'],
  'a purged recording loses its file name (it carried the number) at once'
);

select results_eq(
  $$select cb.id::text, cb.notes, cb.status::text, cb.completed_at
    from public.callbacks as cb where cb.lead_id = 'e0000000-0000-4000-8000-0000000000a1' order by cb.id$$,
  $$values
    ('cb000000-0000-4000-8000-0000000000e1', '', 'cancelled', '2026-11-25 12:00+00'::timestamptz),
    ('cb000000-0000-4000-8000-0000000000e2', '', 'done', '2026-11-21 10:00+00'::timestamptz)$$,
  'its callbacks lose their notes, and a pending one is cancelled'
);
select results_eq(
  $$select s.notes, s.status_reason, s.premium, s.status::text, s.agent_id from public.sales as s
    where s.id = '5a000000-0000-4000-8000-0000000000e1'$$,
  $$values ('', '[erased]', 20.00::numeric(12, 2), 'rejected', 'f0000000-0000-4000-8000-000000000101'::uuid)$$,
  'its sale loses its notes and reason and keeps its figures'
);
select results_eq(
  $$select h.old_status::text, h.new_status::text, h.reason from public.sale_status_history as h
    where h.sale_id = '5a000000-0000-4000-8000-0000000000e1' order by h.id$$,
  $$values (null, 'pending', null), ('pending', 'rejected', '[erased]')$$,
  'its sale''s status history keeps the change and loses the reason'
);
select throws_ok(
  $$update public.sale_status_history set new_status = 'validated', reason = '[erased]'
    where sale_id = '5a000000-0000-4000-8000-0000000000e1'$$,
  '42501', 'sale_status_history: audit rows are append-only',
  'blanking a reason is the only change the owner may make to a status history row'
);

select results_eq(
  $$select h.operation, h.changed_by, h.via, h.old_values, h.new_values, h.changed_at,
      'first_name' = any(h.changed_fields) and 'phone' = any(h.changed_fields) and 'email' = any(h.changed_fields)
    from public.lead_history as h where h.lead_id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values (
    'update', 'f0000000-0000-4000-8000-000000000001'::uuid, 'rpc/erase_lead', null::jsonb,
    jsonb_build_object('status', 'erased', 'erased_at', '2026-11-25T12:00:00+00:00'),
    '2026-11-25 12:00+00'::timestamptz, true
  )$$,
  'its history, which held the old values, is replaced by one row naming what was erased'
);

select results_eq(
  $$select d.id::text from public.do_not_call as d
    where d.id in (
      'dc000000-0000-4000-8000-0000000000e1', 'dc000000-0000-4000-8000-0000000000e2',
      'dc000000-0000-4000-8000-0000000000e3'
    )$$,
  $$values ('dc000000-0000-4000-8000-0000000000e3')$$,
  'its numbers leave the do-not-call list; other numbers stay'
);
select is_empty(
  $$select o.id from public.originate_requests as o where o.id = '0e000000-0000-4000-8000-0000000000e1'$$,
  'its originate requests are removed'
);
select tests.authenticate_as('supa@t.test');
select set_config('storage.operation', 'storage.object.sign', true);
select set_config(
  'request.path',
  '/object/sign/recordings/c0000000-0000-4000-8000-00000000000a/2026/11/20/cc000000-0000-4000-8000-0000000000e1.opus',
  true
);
select is(
  private.use_recording_grant(
    'recordings', 'c0000000-0000-4000-8000-00000000000a/2026/11/20/cc000000-0000-4000-8000-0000000000e1.opus'
  ),
  false,
  'and a grant to sign one of its recordings no longer lets Storage sign it'
);
select set_config('storage.operation', '', true);
select set_config('request.path', '', true);
select tests.clear_authentication();
select results_eq(
  $$select g.outcome, g.requested_by from public.recording_access_log as g
    where g.call_id = 'cc000000-0000-4000-8000-0000000000e1'$$,
  $$values ('granted', 'f0000000-0000-4000-8000-000000000011'::uuid)$$,
  'the access log keeps who listened (it names no personal data of the lead)'
);

select results_eq(
  $$select g.performed_by, g.performed_at, g.summary
    from public.compliance_log as g
    where g.lead_id = 'e0000000-0000-4000-8000-0000000000a1' and g.action = 'erase'$$,
  $$select 'f0000000-0000-4000-8000-000000000001'::uuid, '2026-11-25 12:00+00'::timestamptz,
      e.summary - 'lead_id' from erasures as e where e.label = 'a1'$$,
  'the erasure is logged: who, when, the lead''s id and the counts'
);
select is(
  (
    select count(*)::integer from public.compliance_log as g, jsonb_each_text(g.summary) as s
    where
      g.lead_id = 'e0000000-0000-4000-8000-0000000000a1'
      and (s.value like '%Lucía%' or s.value like '%+346%' or s.value like '%example.com%')
  ),
  0,
  'the compliance log holds no personal data'
);

-- Nothing personal is left in the text of the rows that stay.
select is(
  (
    select array_agg(t.what)
    from (
      select
        'lead' as what,
        to_jsonb(l)::text as body
      from public.leads as l
      where l.id = 'e0000000-0000-4000-8000-0000000000a1'
      union all
      select
        'call' as what,
        to_jsonb(c)::text as body
      from public.calls as c where c.lead_id = 'e0000000-0000-4000-8000-0000000000a1'
      union all
      select
        'callback' as what,
        to_jsonb(cb)::text as body
      from public.callbacks as cb
      where cb.lead_id = 'e0000000-0000-4000-8000-0000000000a1'
      union all
      select
        'sale' as what,
        to_jsonb(s)::text as body
      from public.sales as s where s.lead_id = 'e0000000-0000-4000-8000-0000000000a1'
      union all
      select
        'history' as what,
        to_jsonb(h)::text as body
      from public.lead_history as h
      where h.lead_id = 'e0000000-0000-4000-8000-0000000000a1'
      union all
      select
        'sale history' as what,
        to_jsonb(h)::text as body
      from public.sale_status_history as h
      where h.sale_id = '5a000000-0000-4000-8000-0000000000e1'
      union all
      select
        'recording' as what,
        to_jsonb(r)::text as body
      from public.recordings as r
      where
        r.call_id in (select c.id from public.calls as c where c.lead_id = 'e0000000-0000-4000-8000-0000000000a1')
        and r.status in ('purged', 'erased')
    ) as t
    where
      t.body ~* 'Lucía|Fernández|600000001|600000011|lucia\.fernandez|Segovia|12345678Z|CRM-OLD-4711|IBAN|Mayor'
  ),
  null,
  'no row of the lead, its calls, callbacks, sales, history or removed recordings names her'
);

select tests.authenticate_as('adm@t.test');
select throws_ok(
  $$select public.erase_lead('e0000000-0000-4000-8000-0000000000a1')$$, 'PT409',
  'p_lead_id: lead e0000000-0000-4000-8000-0000000000a1 was already erased at 2026-11-25 12:00:00+00',
  'a lead is erased once'
);
insert into documents values ('after', public.export_lead_data('e0000000-0000-4000-8000-0000000000a1'));
select results_eq(
  $$select d.body -> 'lead' ->> 'status', d.body -> 'lead' ->> 'phone', jsonb_array_length(d.body -> 'history'),
      jsonb_array_length(d.body -> 'do_not_call')
    from documents as d where d.label = 'after'$$,
  $$values ('erased', null::text, 1, 0)$$,
  'an export after erasure shows what is left'
);

-- The lead's agent no longer has it.
select tests.authenticate_as('a1@t.test');
select is_empty(
  $$select l.id from public.leads as l where l.id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  'the erased lead leaves its agent''s list'
);
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000a1')$$, 'PT404',
  'p_lead_id: not found or not yours', 'and cannot be called'
);

-- A released hold no longer stops an erasure.
select tests.authenticate_as('adm@t.test');
update public.legal_holds set released_at = now() where id = '70000000-0000-4000-8000-0000000000e2';
select lives_ok(
  $$select public.erase_lead('e0000000-0000-4000-8000-0000000000b1')$$,
  'once its call''s hold is released, the lead can be erased'
);

-- A supervisor given compliance.manage at run time may export.
select tests.clear_authentication();
insert into public.role_permissions (role, permission) values ('supervisor', 'compliance.manage');
select tests.authenticate_as('supa@t.test');
select lives_ok(
  $$select public.export_lead_data('e0000000-0000-4000-8000-0000000000a3')$$,
  'compliance.manage, not the role, is what lets a user export'
);
select tests.clear_authentication();

select * from finish();
rollback;
