-- public.dispositions: readable by every signed-in user, managed with campaigns.manage.
begin;
select plan(12);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

select tests.authenticate_as_anon();
select throws_ok('select * from public.dispositions', '42501', null, 'anon cannot read dispositions');

select tests.authenticate_as('a1@t.test');
select ok(
  (select count(*) from public.dispositions where code in ('no_answer', 'callback', 'sale', 'do_not_call')) = 4,
  'an agent reads the wrap-up codes'
);
select throws_ok(
  $$insert into public.dispositions (code, label_es, label_en, effect) values ('x_code', 'x', 'x', 'closed')$$,
  '42501', null, 'an agent cannot add a disposition'
);
select is_empty(
  $$update public.dispositions set effect = 'sale' where code = 'no_answer' returning code$$,
  'an agent cannot change a disposition'
);
select is_empty(
  $$delete from public.dispositions where code = 'busy' returning code$$,
  'an agent cannot remove a disposition'
);

select tests.authenticate_as('supa@t.test');
select ok((select count(*) from public.dispositions) >= 10, 'a supervisor reads the wrap-up codes');
select throws_ok(
  $$insert into public.dispositions (code, label_es, label_en, effect) values ('x_code', 'x', 'x', 'closed')$$,
  '42501', null, 'a supervisor cannot add a disposition'
);
select is_empty(
  $$update public.dispositions set active = false where code = 'busy' returning code$$,
  'a supervisor cannot change a disposition'
);

select tests.authenticate_as('adm@t.test');
select lives_ok(
  $$insert into public.dispositions (code, label_es, label_en, effect) values ('x_code', 'x', 'x', 'closed')$$,
  'an admin adds a disposition'
);
select results_eq(
  $$update public.dispositions set label_en = 'Gone' where code = 'x_code' returning label_en$$,
  $$values ('Gone')$$,
  'an admin changes a disposition'
);
select results_eq(
  $$delete from public.dispositions where code = 'x_code' returning code$$,
  $$values ('x_code')$$,
  'an admin removes a disposition'
);
select throws_ok(
  $$insert into public.dispositions (code, label_es, label_en, effect) values ('Bad Code', 'x', 'x', 'closed')$$,
  '23514', null, 'codes are lower-case identifiers'
);

select * from finish();
rollback;
