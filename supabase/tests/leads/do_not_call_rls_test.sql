-- public.do_not_call: supervisors see the company-wide list and their
-- campaigns' entries and may add numbers; removing is for the entry's
-- campaign supervisors, or admins; agents never read it (the RPCs check it).
begin;
select plan(17);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

insert into public.do_not_call (phone, campaign_id, source) values
('+34600000901', null, 'regulator'),
('+34600000902', 'c0000000-0000-4000-8000-00000000000a', 'manual'),
('+525500000903', 'c0000000-0000-4000-8000-00000000000b', 'manual');

select tests.authenticate_as_anon();
select throws_ok('select * from public.do_not_call', '42501', null, 'anon cannot read the do-not-call list');

select tests.authenticate_as('a1@t.test');
select is_empty('select phone from public.do_not_call', 'an agent does not read the do-not-call list');
select throws_ok(
  $$insert into public.do_not_call (phone) values ('+34600000904')$$,
  '42501', null, 'an agent cannot add numbers directly (end_call does, with do_not_call)'
);
select is_empty(
  $$delete from public.do_not_call where phone = '+34600000902' returning id$$,
  'an agent cannot remove a number'
);

select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select phone::text from public.do_not_call where phone::text like '+%0090%' order by 1$$,
  $$values ('+34600000901'), ('+34600000902')$$,
  'a supervisor sees the company-wide list and its campaign''s entries'
);
select lives_ok(
  $$insert into public.do_not_call (phone, reason) values ('+34600000904', 'Queja por teléfono')$$,
  'a supervisor adds a number company-wide'
);
select lives_ok(
  $$insert into public.do_not_call (phone, campaign_id)
    values ('+34600000905', 'c0000000-0000-4000-8000-00000000000a')$$,
  'a supervisor adds a number to its campaign'
);
select throws_ok(
  $$insert into public.do_not_call (phone, campaign_id)
    values ('+34600000906', 'c0000000-0000-4000-8000-00000000000b')$$,
  '42501', null, 'a supervisor cannot add to another campaign''s list'
);
select throws_ok(
  $$insert into public.do_not_call (phone) values ('+34600000901')$$,
  '23505', null, 'a number is listed once per scope'
);
select throws_ok(
  $$insert into public.do_not_call (phone) values ('600000907')$$,
  '23514', 'phone: ''600000907'' is not a valid E.164 number', 'numbers are E.164'
);
select results_eq(
  $$update public.do_not_call set reason = 'Solicitud' where phone = '+34600000902' returning reason$$,
  $$values ('Solicitud')$$,
  'a supervisor changes its campaign''s entry'
);
select results_eq(
  $$delete from public.do_not_call where phone = '+34600000902' returning phone::text$$,
  $$values ('+34600000902')$$,
  'a supervisor removes its campaign''s entry'
);
select is_empty(
  $$delete from public.do_not_call where phone = '+34600000901' returning id$$,
  'a supervisor cannot remove a company-wide entry'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select phone::text from public.do_not_call where phone::text like '+%0090%' order by 1$$,
  $$values ('+34600000901'), ('+34600000904'), ('+525500000903')$$,
  'the other supervisor sees the company-wide list and its own campaign''s entries'
);
select is_empty(
  $$delete from public.do_not_call where phone = '+34600000905' returning id$$,
  'the other supervisor cannot remove campaign A''s entry'
);

select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select count(*)::int from public.do_not_call where phone::text like '+%0090%'$$,
  $$values (4)$$,
  'an admin sees every entry'
);
select results_eq(
  $$delete from public.do_not_call where phone = '+34600000901' returning phone::text$$,
  $$values ('+34600000901')$$,
  'an admin removes a company-wide entry'
);

select * from finish();
rollback;
