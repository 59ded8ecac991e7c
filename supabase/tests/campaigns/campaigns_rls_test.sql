-- public.campaigns: members see their campaigns, admins see and manage all.
begin;
select plan(22);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

select tests.authenticate_as_anon();
select throws_ok('select * from public.campaigns', '42501', null, 'anon cannot read campaigns');
select throws_ok(
  $$insert into public.campaigns (name) values ('anon')$$, '42501', null, 'anon cannot create campaigns'
);

-- An agent sees the campaigns it works, nothing else, and changes nothing.
select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select name from public.campaigns where name like 'Test _' order by name$$,
  $$values ('Test A')$$,
  'an agent sees only its own campaign'
);
select throws_ok(
  $$insert into public.campaigns (name) values ('Agent campaign')$$,
  '42501', null, 'an agent cannot create a campaign'
);
select is_empty(
  $$update public.campaigns set max_attempts = 50 where name = 'Test A' returning id$$,
  'an agent cannot change its campaign'
);
select is_empty(
  $$delete from public.campaigns where name = 'Test A' returning id$$,
  'an agent cannot remove its campaign'
);

select tests.authenticate_as('b1@t.test');
select results_eq(
  $$select name from public.campaigns where name like 'Test _' order by name$$,
  $$values ('Test B')$$,
  'another campaign''s agent sees only that campaign'
);

-- A supervisor sees the campaigns it runs; campaigns.manage is the admin's.
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select name from public.campaigns where name like 'Test _' order by name$$,
  $$values ('Test A')$$,
  'a supervisor sees the campaign it runs, not the other'
);
select throws_ok(
  $$insert into public.campaigns (name) values ('Supervisor campaign')$$,
  '42501', null, 'a supervisor cannot create a campaign'
);
select is_empty(
  $$update public.campaigns set status = 'paused' where name = 'Test A' returning id$$,
  'a supervisor cannot change a campaign (campaigns.manage)'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select name from public.campaigns where name like 'Test _' order by name$$,
  $$values ('Test B')$$,
  'the other supervisor sees only its campaign'
);
select is_empty(
  $$delete from public.campaigns where name = 'Test A' returning id$$,
  'a supervisor cannot remove another campaign'
);

-- An admin sees and manages everything.
select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select name from public.campaigns where name like 'Test _' order by name$$,
  $$values ('Test A'), ('Test B')$$,
  'an admin sees every campaign'
);
select lives_ok(
  $$insert into public.campaigns (name, calling_hours_start, calling_hours_end)
    values ('Test C', '10:00', '20:00')$$,
  'an admin creates a campaign'
);
select results_eq(
  $$update public.campaigns set status = 'paused' where name = 'Test C' returning status::text$$,
  $$values ('paused')$$,
  'an admin changes a campaign'
);
select results_eq(
  $$delete from public.campaigns where name = 'Test C' returning name$$,
  $$values ('Test C')$$,
  'an admin removes a campaign'
);

-- Bad values are refused with the field named.
select throws_ok(
  $$insert into public.campaigns (name, allowed_dispositions) values ('Bad', '{no_answer,maybe}')$$,
  '23514', 'allowed_dispositions: unknown disposition ''maybe''',
  'an unknown allowed disposition is refused'
);
select throws_ok(
  $$insert into public.campaigns (name, calling_hours_start, calling_hours_end) values ('Bad', '21:00', '09:00')$$,
  '23514', null, 'a calling window that ends before it starts is refused'
);
select throws_ok(
  $$insert into public.campaigns (name, calling_days) values ('Bad', '{0,8}')$$,
  '23514', null, 'calling days are ISO days 1-7'
);
select throws_ok(
  $$insert into public.campaigns (name, retry_delays) values ('Bad', '{-01:00:00}')$$,
  '23514', null, 'retry delays must be positive'
);
select throws_ok(
  $$insert into public.campaigns (name, caller_id) values ('Bad', '912345678')$$,
  '23514', 'phone: ''912345678'' is not a valid E.164 number',
  'the caller ID must be E.164'
);
select throws_ok(
  $$insert into public.campaigns (name, default_time_zone) values ('Bad', 'Madrid')$$,
  '23514', 'time_zone: ''Madrid'' is not an IANA time zone name',
  'the default time zone must be an IANA name'
);

select * from finish();
rollback;
