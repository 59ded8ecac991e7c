-- The dialer's tables through the API: every role and operation
-- (migration 20261207000100). Nobody writes them but the functions and the
-- service role; agents read their own session; supervisors what belongs to
-- their campaigns; admins everything; anon nothing.
begin;
select plan(118);

select tests.create_two_campaigns();
insert into public.dialer_campaign_state (campaign_id, effective_mode) values
('c0000000-0000-4000-8000-00000000000a', 'progressive'), ('c0000000-0000-4000-8000-00000000000b', 'predictive');
insert into public.dialer_samples (campaign_id, at, lines) values
('c0000000-0000-4000-8000-00000000000a', '2026-11-25 10:00:00+00', 3),
('c0000000-0000-4000-8000-00000000000b', '2026-11-25 10:00:00+00', 5);
insert into public.dialer_sessions (agent_id, campaign_id, extension) values
('f0000000-0000-4000-8000-000000000101', 'c0000000-0000-4000-8000-00000000000a', '7101'),
('f0000000-0000-4000-8000-000000000201', 'c0000000-0000-4000-8000-00000000000b', '7201');
insert into public.dialer_attempts (campaign_id, lead_id, phone_number) values
('c0000000-0000-4000-8000-00000000000a', 'e0000000-0000-4000-8000-0000000000a3', '+34600000003'),
('c0000000-0000-4000-8000-00000000000b', 'e0000000-0000-4000-8000-0000000000b1', '+525512345678');

-- dialer_campaign_state

select tests.authenticate_as_anon();
select throws_ok(
  'select * from public.dialer_campaign_state', '42501', null, 'anon cannot read dialer_campaign_state'
);
select throws_ok(
  $$insert into public.dialer_campaign_state (campaign_id)
    values ('c0000000-0000-4000-8000-00000000000a')$$,
  '42501', null, 'anon cannot insert dialer_campaign_state'
);
select throws_ok(
  $$update public.dialer_campaign_state set paused = true$$,
  '42501', null, 'anon cannot update dialer_campaign_state'
);
select throws_ok(
  $$delete from public.dialer_campaign_state$$,
  '42501', null, 'anon cannot delete dialer_campaign_state'
);
select tests.authenticate_as('a1@t.test');
select is(
  (
    select count(*)::integer from public.dialer_campaign_state
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')
  ),
  0, 'an agent (a1) sees 0 of the dialer_campaign_state rows'
);
select throws_ok(
  $$insert into public.dialer_campaign_state (campaign_id)
    values ('c0000000-0000-4000-8000-00000000000a')$$,
  '42501', null, 'an agent (a1) cannot insert dialer_campaign_state (functions write it)'
);
select throws_ok(
  $$update public.dialer_campaign_state set paused = true$$,
  '42501', null, 'an agent (a1) cannot update dialer_campaign_state (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_campaign_state$$,
  '42501', null, 'an agent (a1) cannot delete dialer_campaign_state (functions write it)'
);
select tests.authenticate_as('a2@t.test');
select is(
  (
    select count(*)::integer from public.dialer_campaign_state
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')
  ),
  0, 'another agent (a2) sees 0 of the dialer_campaign_state rows'
);
select throws_ok(
  $$insert into public.dialer_campaign_state (campaign_id)
    values ('c0000000-0000-4000-8000-00000000000a')$$,
  '42501', null, 'another agent (a2) cannot insert dialer_campaign_state (functions write it)'
);
select throws_ok(
  $$update public.dialer_campaign_state set paused = true$$,
  '42501', null, 'another agent (a2) cannot update dialer_campaign_state (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_campaign_state$$,
  '42501', null, 'another agent (a2) cannot delete dialer_campaign_state (functions write it)'
);
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select distinct campaign_id from public.dialer_campaign_state
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')$$,
  $$values ('c0000000-0000-4000-8000-00000000000a'::uuid)$$,
  'A''s supervisor sees only its campaign''s dialer_campaign_state'
);
select throws_ok(
  $$insert into public.dialer_campaign_state (campaign_id)
    values ('c0000000-0000-4000-8000-00000000000a')$$,
  '42501', null, 'A''s supervisor cannot insert dialer_campaign_state (functions write it)'
);
select throws_ok(
  $$update public.dialer_campaign_state set paused = true$$,
  '42501', null, 'A''s supervisor cannot update dialer_campaign_state (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_campaign_state$$,
  '42501', null, 'A''s supervisor cannot delete dialer_campaign_state (functions write it)'
);
select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select distinct campaign_id from public.dialer_campaign_state
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')$$,
  $$values ('c0000000-0000-4000-8000-00000000000b'::uuid)$$,
  'the other campaign''s supervisor (B''s) sees only its campaign''s dialer_campaign_state'
);
select throws_ok(
  $$insert into public.dialer_campaign_state (campaign_id)
    values ('c0000000-0000-4000-8000-00000000000a')$$,
  '42501', null, 'the other campaign''s supervisor (B''s) cannot insert dialer_campaign_state (functions write it)'
);
select throws_ok(
  $$update public.dialer_campaign_state set paused = true$$,
  '42501', null, 'the other campaign''s supervisor (B''s) cannot update dialer_campaign_state (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_campaign_state$$,
  '42501', null, 'the other campaign''s supervisor (B''s) cannot delete dialer_campaign_state (functions write it)'
);
select tests.authenticate_as('adm@t.test');
select is(
  (
    select count(*)::integer from public.dialer_campaign_state
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')
  ),
  2, 'an admin sees 2 of the dialer_campaign_state rows'
);
select throws_ok(
  $$insert into public.dialer_campaign_state (campaign_id)
    values ('c0000000-0000-4000-8000-00000000000a')$$,
  '42501', null, 'an admin cannot insert dialer_campaign_state (functions write it)'
);
select throws_ok(
  $$update public.dialer_campaign_state set paused = true$$,
  '42501', null, 'an admin cannot update dialer_campaign_state (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_campaign_state$$,
  '42501', null, 'an admin cannot delete dialer_campaign_state (functions write it)'
);
select tests.authenticate_as_service_role();
select is(
  (
    select count(*)::integer from public.dialer_campaign_state
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')
  ),
  2, 'the service role sees every dialer_campaign_state row'
);
select lives_ok(
  $$delete from public.dialer_campaign_state
    where campaign_id = 'c0000000-0000-4000-8000-00000000000a'$$,
  'the service role can delete dialer_campaign_state'
);
select lives_ok(
  $$insert into public.dialer_campaign_state (campaign_id)
    values ('c0000000-0000-4000-8000-00000000000a')$$,
  'the service role can insert dialer_campaign_state'
);
select lives_ok(
  $$update public.dialer_campaign_state set paused = true
    where campaign_id = 'c0000000-0000-4000-8000-00000000000a'$$,
  'the service role can update dialer_campaign_state'
);
select tests.clear_authentication();
select ok(
  not has_table_privilege('crm_dialer', 'public.dialer_campaign_state', 'select, insert, update, delete'),
  'the dialer''s role has no right on dialer_campaign_state (its functions write it)'
);
-- back to the seeded rows for the next table

-- dialer_samples

select tests.authenticate_as_anon();
select throws_ok(
  'select * from public.dialer_samples', '42501', null, 'anon cannot read dialer_samples'
);
select throws_ok(
  $$insert into public.dialer_samples (campaign_id, at)
    values ('c0000000-0000-4000-8000-00000000000a', now())$$,
  '42501', null, 'anon cannot insert dialer_samples'
);
select throws_ok(
  $$update public.dialer_samples set lines = 9$$,
  '42501', null, 'anon cannot update dialer_samples'
);
select throws_ok(
  $$delete from public.dialer_samples$$,
  '42501', null, 'anon cannot delete dialer_samples'
);
select tests.authenticate_as('a1@t.test');
select is(
  (
    select count(*)::integer from public.dialer_samples
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')
  ),
  0, 'an agent (a1) sees 0 of the dialer_samples rows'
);
select throws_ok(
  $$insert into public.dialer_samples (campaign_id, at)
    values ('c0000000-0000-4000-8000-00000000000a', now())$$,
  '42501', null, 'an agent (a1) cannot insert dialer_samples (functions write it)'
);
select throws_ok(
  $$update public.dialer_samples set lines = 9$$,
  '42501', null, 'an agent (a1) cannot update dialer_samples (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_samples$$,
  '42501', null, 'an agent (a1) cannot delete dialer_samples (functions write it)'
);
select tests.authenticate_as('a2@t.test');
select is(
  (
    select count(*)::integer from public.dialer_samples
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')
  ),
  0, 'another agent (a2) sees 0 of the dialer_samples rows'
);
select throws_ok(
  $$insert into public.dialer_samples (campaign_id, at)
    values ('c0000000-0000-4000-8000-00000000000a', now())$$,
  '42501', null, 'another agent (a2) cannot insert dialer_samples (functions write it)'
);
select throws_ok(
  $$update public.dialer_samples set lines = 9$$,
  '42501', null, 'another agent (a2) cannot update dialer_samples (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_samples$$,
  '42501', null, 'another agent (a2) cannot delete dialer_samples (functions write it)'
);
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select distinct campaign_id from public.dialer_samples
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')$$,
  $$values ('c0000000-0000-4000-8000-00000000000a'::uuid)$$,
  'A''s supervisor sees only its campaign''s dialer_samples'
);
select throws_ok(
  $$insert into public.dialer_samples (campaign_id, at)
    values ('c0000000-0000-4000-8000-00000000000a', now())$$,
  '42501', null, 'A''s supervisor cannot insert dialer_samples (functions write it)'
);
select throws_ok(
  $$update public.dialer_samples set lines = 9$$,
  '42501', null, 'A''s supervisor cannot update dialer_samples (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_samples$$,
  '42501', null, 'A''s supervisor cannot delete dialer_samples (functions write it)'
);
select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select distinct campaign_id from public.dialer_samples
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')$$,
  $$values ('c0000000-0000-4000-8000-00000000000b'::uuid)$$,
  'the other campaign''s supervisor (B''s) sees only its campaign''s dialer_samples'
);
select throws_ok(
  $$insert into public.dialer_samples (campaign_id, at)
    values ('c0000000-0000-4000-8000-00000000000a', now())$$,
  '42501', null, 'the other campaign''s supervisor (B''s) cannot insert dialer_samples (functions write it)'
);
select throws_ok(
  $$update public.dialer_samples set lines = 9$$,
  '42501', null, 'the other campaign''s supervisor (B''s) cannot update dialer_samples (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_samples$$,
  '42501', null, 'the other campaign''s supervisor (B''s) cannot delete dialer_samples (functions write it)'
);
select tests.authenticate_as('adm@t.test');
select is(
  (
    select count(*)::integer from public.dialer_samples
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')
  ),
  2, 'an admin sees 2 of the dialer_samples rows'
);
select throws_ok(
  $$insert into public.dialer_samples (campaign_id, at)
    values ('c0000000-0000-4000-8000-00000000000a', now())$$,
  '42501', null, 'an admin cannot insert dialer_samples (functions write it)'
);
select throws_ok(
  $$update public.dialer_samples set lines = 9$$,
  '42501', null, 'an admin cannot update dialer_samples (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_samples$$,
  '42501', null, 'an admin cannot delete dialer_samples (functions write it)'
);
select tests.authenticate_as_service_role();
select is(
  (
    select count(*)::integer from public.dialer_samples
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')
  ),
  2, 'the service role sees every dialer_samples row'
);
select lives_ok(
  $$delete from public.dialer_samples
    where campaign_id = 'c0000000-0000-4000-8000-00000000000a'$$,
  'the service role can delete dialer_samples'
);
select lives_ok(
  $$insert into public.dialer_samples (campaign_id, at)
    values ('c0000000-0000-4000-8000-00000000000a', now())$$,
  'the service role can insert dialer_samples'
);
select lives_ok(
  $$update public.dialer_samples set lines = 9
    where campaign_id = 'c0000000-0000-4000-8000-00000000000a'$$,
  'the service role can update dialer_samples'
);
select tests.clear_authentication();
select ok(
  not has_table_privilege('crm_dialer', 'public.dialer_samples', 'select, insert, update, delete'),
  'the dialer''s role has no right on dialer_samples (its functions write it)'
);
-- back to the seeded rows for the next table

-- dialer_sessions

select tests.authenticate_as_anon();
select throws_ok(
  'select * from public.dialer_sessions', '42501', null, 'anon cannot read dialer_sessions'
);
select throws_ok(
  $$insert into public.dialer_sessions (agent_id, campaign_id, extension)
    values ('f0000000-0000-4000-8000-000000000102', 'c0000000-0000-4000-8000-00000000000a', '7102')$$,
  '42501', null, 'anon cannot insert dialer_sessions'
);
select throws_ok(
  $$update public.dialer_sessions set status = 'ended', ended_at = now()$$,
  '42501', null, 'anon cannot update dialer_sessions'
);
select throws_ok(
  $$delete from public.dialer_sessions$$,
  '42501', null, 'anon cannot delete dialer_sessions'
);
select tests.authenticate_as('a1@t.test');
select is(
  (
    select count(*)::integer from public.dialer_sessions
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')
  ),
  1, 'an agent (a1) sees 1 of the dialer_sessions rows'
);
select throws_ok(
  $$insert into public.dialer_sessions (agent_id, campaign_id, extension)
    values ('f0000000-0000-4000-8000-000000000102', 'c0000000-0000-4000-8000-00000000000a', '7102')$$,
  '42501', null, 'an agent (a1) cannot insert dialer_sessions (functions write it)'
);
select throws_ok(
  $$update public.dialer_sessions set status = 'ended', ended_at = now()$$,
  '42501', null, 'an agent (a1) cannot update dialer_sessions (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_sessions$$,
  '42501', null, 'an agent (a1) cannot delete dialer_sessions (functions write it)'
);
select tests.authenticate_as('a2@t.test');
select is(
  (
    select count(*)::integer from public.dialer_sessions
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')
  ),
  0, 'another agent (a2) sees 0 of the dialer_sessions rows'
);
select throws_ok(
  $$insert into public.dialer_sessions (agent_id, campaign_id, extension)
    values ('f0000000-0000-4000-8000-000000000102', 'c0000000-0000-4000-8000-00000000000a', '7102')$$,
  '42501', null, 'another agent (a2) cannot insert dialer_sessions (functions write it)'
);
select throws_ok(
  $$update public.dialer_sessions set status = 'ended', ended_at = now()$$,
  '42501', null, 'another agent (a2) cannot update dialer_sessions (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_sessions$$,
  '42501', null, 'another agent (a2) cannot delete dialer_sessions (functions write it)'
);
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select distinct campaign_id from public.dialer_sessions
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')$$,
  $$values ('c0000000-0000-4000-8000-00000000000a'::uuid)$$,
  'A''s supervisor sees only its campaign''s dialer_sessions'
);
select throws_ok(
  $$insert into public.dialer_sessions (agent_id, campaign_id, extension)
    values ('f0000000-0000-4000-8000-000000000102', 'c0000000-0000-4000-8000-00000000000a', '7102')$$,
  '42501', null, 'A''s supervisor cannot insert dialer_sessions (functions write it)'
);
select throws_ok(
  $$update public.dialer_sessions set status = 'ended', ended_at = now()$$,
  '42501', null, 'A''s supervisor cannot update dialer_sessions (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_sessions$$,
  '42501', null, 'A''s supervisor cannot delete dialer_sessions (functions write it)'
);
select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select distinct campaign_id from public.dialer_sessions
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')$$,
  $$values ('c0000000-0000-4000-8000-00000000000b'::uuid)$$,
  'the other campaign''s supervisor (B''s) sees only its campaign''s dialer_sessions'
);
select throws_ok(
  $$insert into public.dialer_sessions (agent_id, campaign_id, extension)
    values ('f0000000-0000-4000-8000-000000000102', 'c0000000-0000-4000-8000-00000000000a', '7102')$$,
  '42501', null, 'the other campaign''s supervisor (B''s) cannot insert dialer_sessions (functions write it)'
);
select throws_ok(
  $$update public.dialer_sessions set status = 'ended', ended_at = now()$$,
  '42501', null, 'the other campaign''s supervisor (B''s) cannot update dialer_sessions (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_sessions$$,
  '42501', null, 'the other campaign''s supervisor (B''s) cannot delete dialer_sessions (functions write it)'
);
select tests.authenticate_as('adm@t.test');
select is(
  (
    select count(*)::integer from public.dialer_sessions
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')
  ),
  2, 'an admin sees 2 of the dialer_sessions rows'
);
select throws_ok(
  $$insert into public.dialer_sessions (agent_id, campaign_id, extension)
    values ('f0000000-0000-4000-8000-000000000102', 'c0000000-0000-4000-8000-00000000000a', '7102')$$,
  '42501', null, 'an admin cannot insert dialer_sessions (functions write it)'
);
select throws_ok(
  $$update public.dialer_sessions set status = 'ended', ended_at = now()$$,
  '42501', null, 'an admin cannot update dialer_sessions (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_sessions$$,
  '42501', null, 'an admin cannot delete dialer_sessions (functions write it)'
);
select tests.authenticate_as_service_role();
select is(
  (
    select count(*)::integer from public.dialer_sessions
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')
  ),
  2, 'the service role sees every dialer_sessions row'
);
select lives_ok(
  $$delete from public.dialer_sessions
    where campaign_id = 'c0000000-0000-4000-8000-00000000000a'$$,
  'the service role can delete dialer_sessions'
);
select lives_ok(
  $$insert into public.dialer_sessions (agent_id, campaign_id, extension)
    values ('f0000000-0000-4000-8000-000000000102', 'c0000000-0000-4000-8000-00000000000a', '7102')$$,
  'the service role can insert dialer_sessions'
);
select lives_ok(
  $$update public.dialer_sessions set status = 'ended', ended_at = now()
    where campaign_id = 'c0000000-0000-4000-8000-00000000000a'$$,
  'the service role can update dialer_sessions'
);
select tests.clear_authentication();
select ok(
  not has_table_privilege('crm_dialer', 'public.dialer_sessions', 'select, insert, update, delete'),
  'the dialer''s role has no right on dialer_sessions (its functions write it)'
);
-- back to the seeded rows for the next table

-- dialer_attempts

select tests.authenticate_as_anon();
select throws_ok(
  'select * from public.dialer_attempts', '42501', null, 'anon cannot read dialer_attempts'
);
select throws_ok(
  $$insert into public.dialer_attempts (campaign_id)
    values ('c0000000-0000-4000-8000-00000000000a')$$,
  '42501', null, 'anon cannot insert dialer_attempts'
);
select throws_ok(
  $$update public.dialer_attempts set status = 'abandoned', ended_at = now()$$,
  '42501', null, 'anon cannot update dialer_attempts'
);
select throws_ok(
  $$delete from public.dialer_attempts$$,
  '42501', null, 'anon cannot delete dialer_attempts'
);
select tests.authenticate_as('a1@t.test');
select is(
  (
    select count(*)::integer from public.dialer_attempts
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')
  ),
  0, 'an agent (a1) sees 0 of the dialer_attempts rows'
);
select throws_ok(
  $$insert into public.dialer_attempts (campaign_id)
    values ('c0000000-0000-4000-8000-00000000000a')$$,
  '42501', null, 'an agent (a1) cannot insert dialer_attempts (functions write it)'
);
select throws_ok(
  $$update public.dialer_attempts set status = 'abandoned', ended_at = now()$$,
  '42501', null, 'an agent (a1) cannot update dialer_attempts (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_attempts$$,
  '42501', null, 'an agent (a1) cannot delete dialer_attempts (functions write it)'
);
select tests.authenticate_as('a2@t.test');
select is(
  (
    select count(*)::integer from public.dialer_attempts
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')
  ),
  0, 'another agent (a2) sees 0 of the dialer_attempts rows'
);
select throws_ok(
  $$insert into public.dialer_attempts (campaign_id)
    values ('c0000000-0000-4000-8000-00000000000a')$$,
  '42501', null, 'another agent (a2) cannot insert dialer_attempts (functions write it)'
);
select throws_ok(
  $$update public.dialer_attempts set status = 'abandoned', ended_at = now()$$,
  '42501', null, 'another agent (a2) cannot update dialer_attempts (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_attempts$$,
  '42501', null, 'another agent (a2) cannot delete dialer_attempts (functions write it)'
);
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select distinct campaign_id from public.dialer_attempts
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')$$,
  $$values ('c0000000-0000-4000-8000-00000000000a'::uuid)$$,
  'A''s supervisor sees only its campaign''s dialer_attempts'
);
select throws_ok(
  $$insert into public.dialer_attempts (campaign_id)
    values ('c0000000-0000-4000-8000-00000000000a')$$,
  '42501', null, 'A''s supervisor cannot insert dialer_attempts (functions write it)'
);
select throws_ok(
  $$update public.dialer_attempts set status = 'abandoned', ended_at = now()$$,
  '42501', null, 'A''s supervisor cannot update dialer_attempts (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_attempts$$,
  '42501', null, 'A''s supervisor cannot delete dialer_attempts (functions write it)'
);
select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select distinct campaign_id from public.dialer_attempts
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')$$,
  $$values ('c0000000-0000-4000-8000-00000000000b'::uuid)$$,
  'the other campaign''s supervisor (B''s) sees only its campaign''s dialer_attempts'
);
select throws_ok(
  $$insert into public.dialer_attempts (campaign_id)
    values ('c0000000-0000-4000-8000-00000000000a')$$,
  '42501', null, 'the other campaign''s supervisor (B''s) cannot insert dialer_attempts (functions write it)'
);
select throws_ok(
  $$update public.dialer_attempts set status = 'abandoned', ended_at = now()$$,
  '42501', null, 'the other campaign''s supervisor (B''s) cannot update dialer_attempts (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_attempts$$,
  '42501', null, 'the other campaign''s supervisor (B''s) cannot delete dialer_attempts (functions write it)'
);
select tests.authenticate_as('adm@t.test');
select is(
  (
    select count(*)::integer from public.dialer_attempts
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')
  ),
  2, 'an admin sees 2 of the dialer_attempts rows'
);
select throws_ok(
  $$insert into public.dialer_attempts (campaign_id)
    values ('c0000000-0000-4000-8000-00000000000a')$$,
  '42501', null, 'an admin cannot insert dialer_attempts (functions write it)'
);
select throws_ok(
  $$update public.dialer_attempts set status = 'abandoned', ended_at = now()$$,
  '42501', null, 'an admin cannot update dialer_attempts (functions write it)'
);
select throws_ok(
  $$delete from public.dialer_attempts$$,
  '42501', null, 'an admin cannot delete dialer_attempts (functions write it)'
);
select tests.authenticate_as_service_role();
select is(
  (
    select count(*)::integer from public.dialer_attempts
    where campaign_id in ('c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b')
  ),
  2, 'the service role sees every dialer_attempts row'
);
select lives_ok(
  $$delete from public.dialer_attempts
    where campaign_id = 'c0000000-0000-4000-8000-00000000000a'$$,
  'the service role can delete dialer_attempts'
);
select lives_ok(
  $$insert into public.dialer_attempts (campaign_id)
    values ('c0000000-0000-4000-8000-00000000000a')$$,
  'the service role can insert dialer_attempts'
);
select lives_ok(
  $$update public.dialer_attempts set status = 'abandoned', ended_at = now()
    where campaign_id = 'c0000000-0000-4000-8000-00000000000a'$$,
  'the service role can update dialer_attempts'
);
select tests.clear_authentication();
select ok(
  not has_table_privilege('crm_dialer', 'public.dialer_attempts', 'select, insert, update, delete'),
  'the dialer''s role has no right on dialer_attempts (its functions write it)'
);
-- back to the seeded rows for the next table
-- Realtime: the supervisors' state and the agent's session are published.
select is(
  (
    select array_agg(p.tablename::text order by p.tablename) from pg_catalog.pg_publication_tables as p
    where p.pubname = 'supabase_realtime' and p.tablename like 'dialer%'
  ),
  array['dialer_campaign_state', 'dialer_sessions'],
  'dialer_campaign_state and dialer_sessions are in the Realtime publication'
);
select is(
  (
    select count(*)::integer from pg_catalog.pg_class as c
    where
      c.relnamespace = 'public'::regnamespace and c.relname like 'dialer%' and c.relkind = 'r'
      and c.relrowsecurity
  ),
  4, 'RLS is on for the four dialer tables'
);

select * from finish();
rollback;
