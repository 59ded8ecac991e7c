-- public.leads: agents see and edit the contact data of their own leads;
-- supervisors work inside the campaigns they run; admins everything.
begin;
select plan(31);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

select tests.authenticate_as_anon();
select throws_ok('select * from public.leads', '42501', null, 'anon cannot read leads');
select throws_ok(
  $$insert into public.leads (campaign_id, first_name, phone) values
    ('c0000000-0000-4000-8000-00000000000a', 'x', '+34600000099')$$,
  '42501', null, 'anon cannot add leads'
);

-- Agent a1: its own lead only.
select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select first_name from public.leads where campaign_id::text like 'c0000000-%' order by 1$$,
  $$values ('Lucía')$$,
  'an agent sees only the leads assigned to it (not its colleague''s nor the pool)'
);
select results_eq(
  $$update public.leads set email = 'lucia@example.es', notes = 'Prefiere mañanas', city = 'Madrid'
    where id = 'e0000000-0000-4000-8000-0000000000a1' returning email$$,
  $$values ('lucia@example.es')$$,
  'an agent edits the contact data of its own lead (lead_columns_by_role_test: which columns)'
);
select is_empty(
  $$update public.leads set notes = 'x' where id = 'e0000000-0000-4000-8000-0000000000a2' returning id$$,
  'an agent cannot edit a colleague''s lead (hidden)'
);
select is_empty(
  $$update public.leads set notes = 'x' where id = 'e0000000-0000-4000-8000-0000000000a3' returning id$$,
  'an agent cannot edit a lead of the pool (hidden)'
);
select throws_ok(
  $$update public.leads set owner_id = 'f0000000-0000-4000-8000-000000000102'
    where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501', 'owner_id: changing a lead''s owner needs leads.assign',
  'an agent cannot give its lead away'
);
select throws_ok(
  $$update public.leads set status = 'won' where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501', 'status: agents cannot change a lead''s status; it follows the calls',
  'an agent cannot set its lead''s status'
);
select throws_ok(
  $$update public.leads set attempts = 5 where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501', null, 'an agent cannot change attempts'
);
select throws_ok(
  $$update public.leads set next_call_at = now() - interval '1 day' where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501', null, 'an agent cannot jump the queue'
);
select throws_ok(
  $$update public.leads set campaign_id = 'c0000000-0000-4000-8000-00000000000b'
    where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501', null, 'an agent cannot move its lead to another campaign'
);
select throws_ok(
  $$update public.leads set phone = '612345678' where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '23514', 'phone: ''612345678'' is not a valid E.164 number',
  'an invalid phone number is refused, naming the field'
);
select throws_ok(
  $$update public.leads set time_zone = 'Europe/Madird' where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '23514', 'time_zone: ''Europe/Madird'' is not an IANA time zone name',
  'an unknown time zone is refused'
);
select throws_ok(
  $$insert into public.leads (campaign_id, first_name, phone) values
    ('c0000000-0000-4000-8000-00000000000a', 'Nuevo', '+34600000099')$$,
  '42501', null, 'an agent cannot add leads'
);
select is_empty(
  $$delete from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1' returning id$$,
  'an agent cannot delete its lead'
);

-- Agent b1 of the other campaign sees only its own lead.
select tests.authenticate_as('b1@t.test');
select results_eq(
  $$select first_name from public.leads where campaign_id::text like 'c0000000-%' order by 1$$,
  $$values ('Diego')$$,
  'an agent of campaign B sees only its own lead'
);

-- Supervisor of A: everything in A, nothing in B.
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select first_name from public.leads where campaign_id::text like 'c0000000-%' order by 1$$,
  $$values ('Carmen'), ('Javier'), ('Lucía')$$,
  'a supervisor sees every lead of its campaign and none of the other'
);
select lives_ok(
  $$insert into public.leads (campaign_id, first_name, last_name, phone, custom) values
    ('c0000000-0000-4000-8000-00000000000a', 'Importado', 'Pérez', '+34600000099', '{"age": 40}')$$,
  'a supervisor imports a lead into its campaign'
);
select results_eq(
  $$select time_zone::text, status::text, next_call_at is not null from public.leads where phone = '+34600000099'$$,
  $$values ('Europe/Madrid', 'new', true)$$,
  'an imported lead takes its campaign''s time zone and joins the queue'
);
select throws_ok(
  $$insert into public.leads (campaign_id, first_name, phone, time_zone) values
    ('c0000000-0000-4000-8000-00000000000b', 'Ajeno', '+525500000099', 'America/Mexico_City')$$,
  '42501', null, 'a supervisor cannot import into another campaign'
);
select results_eq(
  $$update public.leads set status = 'lost' where id = 'e0000000-0000-4000-8000-0000000000a2'
    returning status::text, next_call_at$$,
  $$values ('lost', null::timestamptz)$$,
  'a supervisor closes a lead of its campaign; it leaves the queue'
);
select results_eq(
  $$update public.leads set owner_id = 'f0000000-0000-4000-8000-000000000102'
    where id = 'e0000000-0000-4000-8000-0000000000a3' returning owner_id::text$$,
  $$values ('f0000000-0000-4000-8000-000000000102')$$,
  'a supervisor (leads.assign) assigns a lead of its campaign'
);
select throws_ok(
  $$update public.leads set owner_id = 'f0000000-0000-4000-8000-000000000201'
    where id = 'e0000000-0000-4000-8000-0000000000a3'$$,
  '23514',
  'owner_id: user f0000000-0000-4000-8000-000000000201 is not an agent of campaign '
  || 'c0000000-0000-4000-8000-00000000000a',
  'a lead''s owner must be an agent of its campaign'
);
select throws_ok(
  $$update public.leads set status = 'in_call' where id = 'e0000000-0000-4000-8000-0000000000a3'$$,
  '23514', 'status: in_call is set only by rpc/start_call', 'nobody sets in_call by hand'
);
select is_empty(
  $$update public.leads set notes = 'x' where id = 'e0000000-0000-4000-8000-0000000000b1' returning id$$,
  'a supervisor cannot edit a lead of another campaign'
);
select is_empty(
  $$delete from public.leads where id = 'e0000000-0000-4000-8000-0000000000a3' returning id$$,
  'a supervisor cannot delete leads (leads.delete)'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select first_name from public.leads where campaign_id::text like 'c0000000-%' order by 1$$,
  $$values ('Diego')$$,
  'the other supervisor sees only its campaign''s leads'
);
select is_empty(
  $$update public.leads set owner_id = null where id = 'e0000000-0000-4000-8000-0000000000a1' returning id$$,
  'the other supervisor cannot touch campaign A''s leads'
);

-- Admin: everything, including delete (leads.delete).
select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select count(*)::int from public.leads where campaign_id::text like 'c0000000-%'$$,
  $$values (5)$$,
  'an admin sees every lead'
);
select lives_ok(
  $$update public.leads set attempts = 0, status = 'retry' where id = 'e0000000-0000-4000-8000-0000000000b1'$$,
  'an admin changes any lead''s dialler state'
);
select results_eq(
  $$delete from public.leads where phone = '+34600000099' returning first_name$$,
  $$values ('Importado')$$,
  'an admin deletes a lead'
);

select * from finish();
rollback;
