-- public.profiles inside a campaign: supervisors see their agents, agents see
-- their supervisors, agents never see each other nor other campaigns.
begin;
select plan(6);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select email from public.profiles where email like '%@t.test' order by email$$,
  $$values ('a1@t.test'), ('supa@t.test')$$,
  'an agent sees itself and its campaign''s supervisor, not its colleague a2'
);

select tests.authenticate_as('b1@t.test');
select results_eq(
  $$select email from public.profiles where email like '%@t.test' order by email$$,
  $$values ('b1@t.test'), ('supb@t.test')$$,
  'an agent of campaign B sees only its own supervisor'
);

select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select email from public.profiles where email like '%@t.test' order by email$$,
  $$values ('a1@t.test'), ('a2@t.test'), ('supa@t.test')$$,
  'a supervisor sees the agents of its campaign'
);
select is_empty(
  $$update public.profiles set full_name = 'x' where email = 'a1@t.test' returning id$$,
  'seeing an agent''s profile does not let a supervisor change it'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select email from public.profiles where email like '%@t.test' order by email$$,
  $$values ('b1@t.test'), ('supb@t.test')$$,
  'the other supervisor sees only its own agents'
);

-- A deactivated supervisor no longer sees its agents.
select tests.clear_authentication();
update public.profiles set active = false where email = 'supa@t.test';
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select email from public.profiles where email like '%@t.test' order by email$$,
  $$values ('supa@t.test')$$,
  'a deactivated supervisor sees only its own profile'
);

select * from finish();
rollback;
