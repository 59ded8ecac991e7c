-- Who may join which private Realtime channel: the RLS policies on
-- realtime.messages, checked as the Realtime server (and the stand-in) does,
-- as the joining user with realtime.topic set to the channel's topic: a
-- select of a message of that topic and extension to receive, an insert to
-- send. floor:<campaign> (broadcast): its supervisors and admins read;
-- presence:<campaign> (presence): its agents read and track, its supervisors
-- and admins read; agent:<user> (broadcast): that user reads. Nothing else,
-- for anyone; anon nothing; a malformed topic is a plain no.
begin;
select plan(61);

select tests.create_two_campaigns();

-- x1: an agent of campaign A, deactivated.
insert into auth.users (id, email, raw_app_meta_data, raw_user_meta_data) values
('f0000000-0000-4000-8000-000000000103', 'x1@t.test', '{"role": "agent"}', '{"full_name": "x1@t.test"}');
insert into public.campaign_members (campaign_id, user_id, member_role) values
('c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000103', 'agent');
update public.profiles set active = false where id = 'f0000000-0000-4000-8000-000000000103';

-- May p_who ('anon' or an email) receive on p_topic's p_extension? A message
-- of that topic is written first (as the server has one to check against).
create function tests.rt_reads(p_who text, p_topic text, p_extension text) returns boolean
language plpgsql
as $$
declare
  v_id uuid := gen_random_uuid();
  v_seen boolean;
begin
  perform set_config('role', 'none', true);
  insert into realtime.messages (id, topic, extension, payload) values (v_id, p_topic, p_extension, '{}');
  if p_who = 'anon' then
    perform tests.authenticate_as_anon();
  else
    perform tests.authenticate_as(p_who);
  end if;
  perform set_config('realtime.topic', p_topic, true);
  select exists (select 1 from realtime.messages as m where m.id = v_id) into v_seen;
  perform tests.clear_authentication();
  perform set_config('realtime.topic', '', true);
  return v_seen;
end;
$$;

-- May p_who send on p_topic's p_extension (an insert, refused by RLS or not)?
create function tests.rt_writes(p_who text, p_topic text, p_extension text) returns boolean
language plpgsql
as $$
declare
  v_ok boolean;
begin
  if p_who = 'anon' then
    perform tests.authenticate_as_anon();
  else
    perform tests.authenticate_as(p_who);
  end if;
  perform set_config('realtime.topic', p_topic, true);
  begin
    insert into realtime.messages (topic, extension, payload) values (p_topic, p_extension, '{}');
    v_ok := true;
  exception
    when insufficient_privilege then
      v_ok := false;
  end;
  perform tests.clear_authentication();
  perform set_config('realtime.topic', '', true);
  return v_ok;
end;
$$;

-- ============================================================================
-- The policies
-- ============================================================================

select policies_are(
  'realtime', 'messages',
  array[
    'Supervisors and admins can read the floor of their campaigns',
    'Members and admins can read the presence of their campaigns',
    'Agents can track their presence in their campaigns',
    'Users can read their own desk notices'
  ],
  'realtime.messages has the project''s four policies'
);
select is(
  (select array_agg(distinct r) from pg_policies, unnest(roles) as r where schemaname = 'realtime'),
  array['authenticated']::name[],
  'all for authenticated only (anon gets nothing)'
);
select results_eq(
  $$select cmd::text collate "default", count(*)::integer from pg_policies where schemaname = 'realtime'
    group by cmd order by cmd$$,
  $$values ('INSERT', 1), ('SELECT', 3)$$,
  'one insert policy (presence), three select policies'
);
select ok(
  (
    select bool_and(p.prosecdef and p.proconfig = array['search_path=""'] and p.provolatile = 's')
    from pg_proc as p
    where
      p.pronamespace = 'private'::regnamespace
      and p.proname in ('realtime_reads_floor', 'realtime_reads_presence', 'realtime_tracks_presence')
  ),
  'the policy helpers are stable security definer functions with an empty search_path'
);

-- ============================================================================
-- floor:<campaign_id>
-- ============================================================================

select ok(
  tests.rt_reads('supa@t.test', 'floor:c0000000-0000-4000-8000-00000000000a', 'broadcast'),
  'supervisor of A reads floor:A'
);
select ok(
  not tests.rt_reads('supa@t.test', 'floor:c0000000-0000-4000-8000-00000000000b', 'broadcast'),
  'supervisor of A cannot read floor:B'
);
select ok(
  not tests.rt_reads('supb@t.test', 'floor:c0000000-0000-4000-8000-00000000000a', 'broadcast'),
  'supervisor of B cannot read floor:A'
);
select ok(
  tests.rt_reads('adm@t.test', 'floor:c0000000-0000-4000-8000-00000000000b', 'broadcast'),
  'an admin reads floor:B'
);
select ok(
  not tests.rt_reads('a1@t.test', 'floor:c0000000-0000-4000-8000-00000000000a', 'broadcast'),
  'an agent of A cannot read floor:A'
);
select ok(
  not tests.rt_reads('anon', 'floor:c0000000-0000-4000-8000-00000000000a', 'broadcast'),
  'anon cannot read floor:A'
);
select ok(
  not tests.rt_reads('supa@t.test', 'floor:c0000000-0000-4000-8000-00000000000a', 'presence'),
  'floor:A has no presence, even for its supervisor'
);
select ok(
  not tests.rt_writes('supa@t.test', 'floor:c0000000-0000-4000-8000-00000000000a', 'broadcast'),
  'its supervisor cannot send on floor:A'
);
select ok(
  not tests.rt_writes('adm@t.test', 'floor:c0000000-0000-4000-8000-00000000000a', 'broadcast'),
  'nor can an admin'
);
select ok(
  not tests.rt_writes('a1@t.test', 'floor:c0000000-0000-4000-8000-00000000000a', 'broadcast'),
  'nor an agent'
);
select ok(
  not tests.rt_writes('anon', 'floor:c0000000-0000-4000-8000-00000000000a', 'broadcast'),
  'nor anon'
);

-- Malformed or unknown topics: a plain no, never an error.
select ok(not tests.rt_reads('adm@t.test', 'floor:not-a-uuid', 'broadcast'), 'floor:not-a-uuid: no');
select ok(not tests.rt_reads('adm@t.test', 'floor:', 'broadcast'), 'floor: (no id): no');
select ok(not tests.rt_reads('adm@t.test', 'floor', 'broadcast'), 'floor (no colon): no');
select ok(
  not tests.rt_reads('adm@t.test', 'floor:C0000000-0000-4000-8000-00000000000A', 'broadcast'),
  'an upper-case id (not the form the triggers send): no'
);
select ok(
  not tests.rt_reads('adm@t.test', 'floor:c0000000-0000-4000-8000-00000000000a:x', 'broadcast'),
  'trailing text: no'
);
select ok(
  not tests.rt_reads('adm@t.test', ' floor:c0000000-0000-4000-8000-00000000000a', 'broadcast'),
  'leading space: no'
);
select ok(
  not tests.rt_reads('adm@t.test', 'floor:c0000000-0000-4000-8000-0000000000ff', 'broadcast'),
  'a campaign that does not exist: no, even for an admin'
);
select ok(
  not tests.rt_reads('adm@t.test', 'room:c0000000-0000-4000-8000-00000000000a', 'broadcast'),
  'another kind of topic: no'
);
select ok(
  not tests.rt_reads('supa@t.test', 'Floor:c0000000-0000-4000-8000-00000000000a', 'broadcast'),
  'the kind is case-sensitive: no'
);

-- Without realtime.topic (not a channel check at all), nobody reads a floor message.
select tests.authenticate_as('adm@t.test');
select is_empty(
  $$select 1 from realtime.messages where topic like 'floor:%'$$,
  'with no realtime.topic, even an admin reads no message'
);
select tests.clear_authentication();

-- ============================================================================
-- presence:<campaign_id>
-- ============================================================================

select ok(
  tests.rt_reads('a1@t.test', 'presence:c0000000-0000-4000-8000-00000000000a', 'presence'),
  'an agent of A reads presence:A'
);
select ok(
  tests.rt_writes('a1@t.test', 'presence:c0000000-0000-4000-8000-00000000000a', 'presence'),
  'and tracks there'
);
select ok(
  tests.rt_writes('a2@t.test', 'presence:c0000000-0000-4000-8000-00000000000a', 'presence'),
  'so does a2'
);
select ok(
  not tests.rt_reads('b1@t.test', 'presence:c0000000-0000-4000-8000-00000000000a', 'presence'),
  'an agent of B cannot read presence:A'
);
select ok(
  not tests.rt_writes('b1@t.test', 'presence:c0000000-0000-4000-8000-00000000000a', 'presence'),
  'nor track there'
);
select ok(
  tests.rt_reads('supa@t.test', 'presence:c0000000-0000-4000-8000-00000000000a', 'presence'),
  'the supervisor of A reads presence:A'
);
select ok(
  not tests.rt_writes('supa@t.test', 'presence:c0000000-0000-4000-8000-00000000000a', 'presence'),
  'but does not track there'
);
select ok(
  not tests.rt_reads('supb@t.test', 'presence:c0000000-0000-4000-8000-00000000000a', 'presence'),
  'the supervisor of B cannot read presence:A'
);
select ok(
  tests.rt_reads('adm@t.test', 'presence:c0000000-0000-4000-8000-00000000000a', 'presence'),
  'an admin reads presence:A'
);
select ok(
  not tests.rt_writes('adm@t.test', 'presence:c0000000-0000-4000-8000-00000000000a', 'presence'),
  'but does not track there'
);
select ok(
  not tests.rt_reads('anon', 'presence:c0000000-0000-4000-8000-00000000000a', 'presence'),
  'anon cannot read presence:A'
);
select ok(
  not tests.rt_writes('anon', 'presence:c0000000-0000-4000-8000-00000000000a', 'presence'),
  'nor track there'
);
select ok(
  not tests.rt_reads('x1@t.test', 'presence:c0000000-0000-4000-8000-00000000000a', 'presence'),
  'a deactivated agent of A cannot read presence:A'
);
select ok(
  not tests.rt_writes('x1@t.test', 'presence:c0000000-0000-4000-8000-00000000000a', 'presence'),
  'nor track there'
);
select ok(
  not tests.rt_reads('a1@t.test', 'presence:c0000000-0000-4000-8000-00000000000a', 'broadcast'),
  'presence:A carries no broadcast for its agents'
);
select ok(
  not tests.rt_writes('a1@t.test', 'presence:c0000000-0000-4000-8000-00000000000a', 'broadcast'),
  'nor may they send broadcasts there'
);
select ok(not tests.rt_writes('a1@t.test', 'presence:not-a-uuid', 'presence'), 'presence:not-a-uuid: no');
select ok(not tests.rt_reads('adm@t.test', 'presence:not-a-uuid', 'presence'), 'not even for an admin');
select ok(
  not tests.rt_writes('a1@t.test', 'floor:c0000000-0000-4000-8000-00000000000a', 'presence'),
  'an agent cannot track on floor:A'
);

-- ============================================================================
-- agent:<user_id>
-- ============================================================================

select ok(
  tests.rt_reads('a1@t.test', 'agent:f0000000-0000-4000-8000-000000000101', 'broadcast'),
  'a1 reads agent:<a1>'
);
select ok(
  not tests.rt_reads('a2@t.test', 'agent:f0000000-0000-4000-8000-000000000101', 'broadcast'),
  'a2 cannot read agent:<a1>'
);
select ok(
  not tests.rt_reads('a1@t.test', 'agent:f0000000-0000-4000-8000-000000000102', 'broadcast'),
  'a1 cannot read agent:<a2>'
);
select ok(
  not tests.rt_reads('supa@t.test', 'agent:f0000000-0000-4000-8000-000000000101', 'broadcast'),
  'a1''s supervisor cannot read agent:<a1>'
);
select ok(
  not tests.rt_reads('adm@t.test', 'agent:f0000000-0000-4000-8000-000000000101', 'broadcast'),
  'nor can an admin'
);
select ok(
  not tests.rt_reads('anon', 'agent:f0000000-0000-4000-8000-000000000101', 'broadcast'),
  'nor anon'
);
select ok(
  not tests.rt_writes('a1@t.test', 'agent:f0000000-0000-4000-8000-000000000101', 'broadcast'),
  'a1 cannot send on its own topic'
);
select ok(
  not tests.rt_writes('supa@t.test', 'agent:f0000000-0000-4000-8000-000000000101', 'broadcast'),
  'nor can its supervisor'
);
select ok(
  not tests.rt_reads('a1@t.test', 'agent:f0000000-0000-4000-8000-000000000101', 'presence'),
  'agent:<a1> has no presence'
);
select ok(
  not tests.rt_reads('a1@t.test', 'agent:F0000000-0000-4000-8000-000000000101', 'broadcast'),
  'an upper-case id: no'
);
select ok(not tests.rt_reads('a1@t.test', 'agent:', 'broadcast'), 'agent: (no id): no');

-- ============================================================================
-- After a change of role or membership
-- ============================================================================

delete from public.campaign_members
where campaign_id = 'c0000000-0000-4000-8000-00000000000a' and user_id = 'f0000000-0000-4000-8000-000000000011';
select ok(
  not tests.rt_reads('supa@t.test', 'floor:c0000000-0000-4000-8000-00000000000a', 'broadcast'),
  'a supervisor removed from A no longer reads floor:A'
);
select ok(
  not tests.rt_reads('supa@t.test', 'presence:c0000000-0000-4000-8000-00000000000a', 'presence'),
  'nor presence:A'
);
delete from public.campaign_members
where campaign_id = 'c0000000-0000-4000-8000-00000000000a' and user_id = 'f0000000-0000-4000-8000-000000000102';
select ok(
  not tests.rt_writes('a2@t.test', 'presence:c0000000-0000-4000-8000-00000000000a', 'presence'),
  'an agent removed from A no longer tracks on presence:A'
);
update public.profiles set active = false where id = 'f0000000-0000-4000-8000-000000000001';
select ok(
  not tests.rt_reads('adm@t.test', 'floor:c0000000-0000-4000-8000-00000000000b', 'broadcast'),
  'a deactivated admin no longer reads floor:B'
);
update public.profiles set role = 'supervisor', active = true where id = 'f0000000-0000-4000-8000-000000000001';
select ok(
  not tests.rt_reads('adm@t.test', 'floor:c0000000-0000-4000-8000-00000000000b', 'broadcast'),
  'an admin made supervisor (of nothing) no longer reads floor:B'
);

-- The service role (the presence worker) bypasses RLS, as on Supabase.
select tests.authenticate_as_service_role();
select set_config('realtime.topic', 'presence:c0000000-0000-4000-8000-00000000000a', true);
select lives_ok(
  $$insert into realtime.messages (topic, extension) values ('presence:c0000000-0000-4000-8000-00000000000a',
    'presence')$$,
  'the service role tracks anywhere'
);
select tests.clear_authentication();

select * from finish();
rollback;
