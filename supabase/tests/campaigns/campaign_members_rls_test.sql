-- public.campaign_members: own memberships, the supervisors of one's
-- campaigns, all members of a supervised campaign; campaigns.manage writes.
begin;
select plan(14);

-- Fixture: two campaigns, their people, products and leads (see
-- tests.create_two_campaigns in 000-setup-test-helpers.sql).
select tests.create_two_campaigns();

select tests.authenticate_as_anon();
select throws_ok('select * from public.campaign_members', '42501', null, 'anon cannot read memberships');

-- An agent sees its own membership and who supervises its campaign, not its colleagues.
select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select user_id::text, member_role::text from public.campaign_members
    where user_id::text like 'f0000000-%' order by 1$$,
  $$values ('f0000000-0000-4000-8000-000000000011', 'supervisor'), ('f0000000-0000-4000-8000-000000000101', 'agent')$$,
  'an agent sees itself and its campaign''s supervisor'
);
select throws_ok(
  $$insert into public.campaign_members (campaign_id, user_id, member_role) values
    ('c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000101', 'agent')$$,
  '42501', null, 'an agent cannot join another campaign'
);
select is_empty(
  $$update public.campaign_members set member_role = 'supervisor'
    where user_id = 'f0000000-0000-4000-8000-000000000101' returning user_id$$,
  'an agent cannot make itself supervisor'
);
select is_empty(
  $$delete from public.campaign_members where user_id = 'f0000000-0000-4000-8000-000000000011' returning user_id$$,
  'an agent cannot remove its supervisor'
);

-- A supervisor sees every member of its campaign, none of the other.
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select user_id::text from public.campaign_members where user_id::text like 'f0000000-%' order by 1$$,
  $$values
    ('f0000000-0000-4000-8000-000000000011'),
    ('f0000000-0000-4000-8000-000000000101'),
    ('f0000000-0000-4000-8000-000000000102')$$,
  'a supervisor sees the members of its campaign only'
);
select throws_ok(
  $$insert into public.campaign_members (campaign_id, user_id, member_role) values
    ('c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000201', 'agent')$$,
  '42501', null, 'a supervisor cannot add members (campaigns.manage)'
);
select is_empty(
  $$delete from public.campaign_members where user_id = 'f0000000-0000-4000-8000-000000000102' returning user_id$$,
  'a supervisor cannot remove members'
);

select tests.authenticate_as('supb@t.test');
select results_eq(
  $$select user_id::text from public.campaign_members where user_id::text like 'f0000000-%' order by 1$$,
  $$values ('f0000000-0000-4000-8000-000000000012'), ('f0000000-0000-4000-8000-000000000201')$$,
  'the other supervisor sees only its own campaign''s members'
);

-- An admin manages memberships; member roles must fit user roles.
select tests.authenticate_as('adm@t.test');
select ok(
  (select count(*) from public.campaign_members where campaign_id in (
    'c0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-00000000000b'
  )) = 5,
  'an admin sees every membership'
);
select lives_ok(
  $$insert into public.campaign_members (campaign_id, user_id, member_role) values
    ('c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000101', 'agent')$$,
  'an admin adds an agent to a campaign'
);
select throws_ok(
  $$insert into public.campaign_members (campaign_id, user_id, member_role) values
    ('c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000102', 'supervisor')$$,
  '23514',
  'member_role: user f0000000-0000-4000-8000-000000000102 is an agent; only supervisors and admins run a campaign',
  'an agent cannot be made a campaign''s supervisor'
);
select throws_ok(
  $$insert into public.campaign_members (campaign_id, user_id, member_role) values
    ('c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000011', 'agent')$$,
  '23514', null, 'a supervisor cannot join as agent'
);
select results_eq(
  $$delete from public.campaign_members
    where campaign_id = 'c0000000-0000-4000-8000-00000000000b' and user_id = 'f0000000-0000-4000-8000-000000000101'
    returning member_role::text$$,
  $$values ('agent')$$,
  'an admin removes a member'
);

select * from finish();
rollback;
