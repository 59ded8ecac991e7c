-- public.legal_holds: placed and released by compliance managers only
-- (compliance.manage, admins by default), in their own name, on exactly
-- one call or lead; released once; never edited or deleted.
begin;
select plan(22);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();
insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number) values (
  'cc000000-0000-4000-8000-0000000000d1', '2026-11-20 10:00+00', 'e0000000-0000-4000-8000-0000000000a1',
  'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', '+34600000001'
);
select set_config('crm.now', '2026-11-25 12:00+00', true);

-- ----------------------------------------------------------------------------
-- Placing
-- ----------------------------------------------------------------------------

select tests.authenticate_as('adm@t.test');
select lives_ok(
  $$insert into public.legal_holds (id, call_id, reason, placed_by, placed_at) values (
    '70000000-0000-4000-8000-0000000000d1', 'cc000000-0000-4000-8000-0000000000d1', 'Claim 2026/118',
    'f0000000-0000-4000-8000-000000000011', '2020-01-01 00:00+00'
  )$$,
  'an admin places a hold on a call'
);
select results_eq(
  $$select h.placed_by, h.placed_at, h.released_at from public.legal_holds as h
    where h.id = '70000000-0000-4000-8000-0000000000d1'$$,
  $$values ('f0000000-0000-4000-8000-000000000001'::uuid, '2026-11-25 12:00+00'::timestamptz, null::timestamptz)$$,
  'in the caller''s name and at the time of the request, whatever the client sent'
);
select lives_ok(
  $$insert into public.legal_holds (id, lead_id, reason) values (
    '70000000-0000-4000-8000-0000000000d2', 'e0000000-0000-4000-8000-0000000000a2', 'Court order 55/2026'
  )$$,
  'and on a lead'
);
select throws_ok(
  $$insert into public.legal_holds (call_id, lead_id, reason) values (
    'cc000000-0000-4000-8000-0000000000d1', 'e0000000-0000-4000-8000-0000000000a1', 'Both'
  )$$,
  '23514', null,
  'a hold has exactly one target, not two'
);
select throws_ok(
  $$insert into public.legal_holds (reason) values ('Nothing')$$, '23514', null,
  'nor none'
);
select throws_ok(
  $$insert into public.legal_holds (lead_id, reason) values ('e0000000-0000-4000-8000-0000000000a1', '  ')$$,
  '23514', null,
  'a hold gives its reason'
);
select throws_ok(
  $$insert into public.legal_holds (lead_id, reason, released_at, released_by) values (
    'e0000000-0000-4000-8000-0000000000a1', 'Already over', '2026-11-25 12:00+00', auth.uid()
  )$$,
  '23514', 'released_at: a new hold cannot already be released',
  'a new hold is not released already'
);

select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$insert into public.legal_holds (lead_id, reason) values ('e0000000-0000-4000-8000-0000000000a1', 'Mine')$$,
  '42501', null,
  'a supervisor cannot place a hold'
);
select is_empty(
  $$select h.id from public.legal_holds as h where h.id = '70000000-0000-4000-8000-0000000000d1'$$,
  'nor see the holds'
);
select is_empty(
  $$update public.legal_holds set released_at = now() where id = '70000000-0000-4000-8000-0000000000d1' returning id$$,
  'nor release one'
);
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$insert into public.legal_holds (lead_id, reason) values ('e0000000-0000-4000-8000-0000000000a1', 'Mine')$$,
  '42501', null,
  'an agent cannot place a hold'
);

-- ----------------------------------------------------------------------------
-- Editing and releasing
-- ----------------------------------------------------------------------------

select tests.authenticate_as('adm@t.test');
select throws_ok(
  $$update public.legal_holds set reason = 'Something milder' where id = '70000000-0000-4000-8000-0000000000d1'$$,
  '42501', 'reason: a legal hold is only ever released, never edited',
  'a hold''s reason never changes'
);
select throws_ok(
  $$update public.legal_holds set call_id = null, lead_id = 'e0000000-0000-4000-8000-0000000000a3'
    where id = '70000000-0000-4000-8000-0000000000d1'$$,
  '42501', null,
  'nor its target'
);
select throws_ok(
  $$update public.legal_holds set placed_by = null where id = '70000000-0000-4000-8000-0000000000d1'$$,
  '42501', 'placed_by: a legal hold is only ever released, never edited',
  'nor who placed it'
);
select throws_ok(
  $$update public.legal_holds set released_by = auth.uid() where id = '70000000-0000-4000-8000-0000000000d1'$$,
  '23514', 'released_at: required to release a hold',
  'a release sets released_at'
);
select lives_ok(
  $$update public.legal_holds set released_at = '2030-01-01', released_by = 'f0000000-0000-4000-8000-000000000011'
    where id = '70000000-0000-4000-8000-0000000000d1'$$,
  'the admin releases the hold'
);
select results_eq(
  $$select h.released_by, h.released_at from public.legal_holds as h
    where h.id = '70000000-0000-4000-8000-0000000000d1'$$,
  $$values ('f0000000-0000-4000-8000-000000000001'::uuid, '2026-11-25 12:00+00'::timestamptz)$$,
  'in its own name, now'
);
select throws_ok(
  $$update public.legal_holds set released_at = now() where id = '70000000-0000-4000-8000-0000000000d1'$$,
  'PT409', null,
  'a hold is released once'
);
select throws_ok(
  $$delete from public.legal_holds where id = '70000000-0000-4000-8000-0000000000d2'$$, '42501', null,
  'holds are never deleted, not even by an admin'
);

-- The right follows the permission, not the role.
select tests.clear_authentication();
insert into public.role_permissions (role, permission) values ('supervisor', 'compliance.manage');
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$insert into public.legal_holds (lead_id, reason) values ('e0000000-0000-4000-8000-0000000000a1', 'Audit')
    returning placed_by$$,
  $$values ('f0000000-0000-4000-8000-000000000011'::uuid)$$,
  'a supervisor given compliance.manage places holds'
);
select results_eq(
  $$update public.legal_holds set released_at = now() where id = '70000000-0000-4000-8000-0000000000d2'
    returning released_by$$,
  $$values ('f0000000-0000-4000-8000-000000000011'::uuid)$$,
  'and releases them, in its own name'
);

select tests.authenticate_as_anon();
select throws_ok(
  $$select h.id from public.legal_holds as h$$, '42501', null,
  'anon cannot read holds'
);
select tests.clear_authentication();

select * from finish();
rollback;
