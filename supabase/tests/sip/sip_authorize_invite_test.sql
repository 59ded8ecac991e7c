-- private.sip_authorize_invite (migration 20261204006000): Kamailio routes an
-- INVITE to the PSTN only for a calling call of the authenticated extension,
-- to that call's number. Each refusal has its reason; bad input is a reason,
-- never an error. Only Kamailio's role crm_sip_proxy may ask.
begin;
select plan(27);

-- Fixture: a1 (extension 9101) and a2 (9102) of campaign A, and a1's calls
-- to +34600000001: 1 calling, 2 ringing, 3 ended; 4 is a2's, calling; 5 an
-- inbound call to a1 in state calling (the PBX's, from the lead's number).
select tests.create_two_campaigns();
update public.profiles set sip_extension = '9101' where id = 'f0000000-0000-4000-8000-000000000101';
update public.profiles set sip_extension = '9102' where id = 'f0000000-0000-4000-8000-000000000102';

insert into public.calls (
  id, lead_id, campaign_id, agent_id, direction, source, phone_number, status, outcome, ended_at
)
select
  ('ca000000-0000-4000-8000-00000000000' || n)::uuid as id,
  'e0000000-0000-4000-8000-0000000000a1'::uuid as lead_id,
  'c0000000-0000-4000-8000-00000000000a'::uuid as campaign_id,
  (case when n = 4 then 'f0000000-0000-4000-8000-000000000102' else 'f0000000-0000-4000-8000-000000000101' end)::uuid
    as agent_id,
  case when n = 5 then 'inbound' else 'outbound' end as direction,
  case when n = 5 then 'pbx' else 'webphone' end as source,
  '+34600000001' as phone_number,
  (array['calling', 'ringing', 'ended', 'calling', 'calling'])[n] as status,
  case when n = 3 then 'busy' end as outcome,
  case when n = 3 then now() end as ended_at
from generate_series(1, 5) as n;

-- ============================================================================
-- Allowed
-- ============================================================================

select is(
  private.sip_authorize_invite('9101', 'ca000000-0000-4000-8000-000000000001', '34600000001'),
  null, 'a1''s calling call, dialled as the webphone does (E.164 without +): routed'
);
select is(
  private.sip_authorize_invite('9101', 'ca000000-0000-4000-8000-000000000001', '+34600000001'),
  null, 'the same number with its + is the same number'
);
select is(
  private.sip_authorize_invite('9101', 'CA000000-0000-4000-8000-000000000001', '34600000001'),
  null, 'a call id in capitals is the same id'
);

-- ============================================================================
-- Refused, with the reason
-- ============================================================================

select is(
  private.sip_authorize_invite('9101', null, '34600000001'), 'no CRM call', 'no X-CRM-Call-Id'
);
select is(
  private.sip_authorize_invite('9101', '', '34600000001'), 'no CRM call', 'an empty X-CRM-Call-Id'
);
select is(
  private.sip_authorize_invite('9101', 'ca000000-0000-4000-8000-00000000ffff', '34600000001'),
  'no CRM call of yours', 'a call id no call has (the same answer as another agent''s)'
);
select is(
  private.sip_authorize_invite('9102', 'ca000000-0000-4000-8000-000000000001', '34600000001'),
  'no CRM call of yours', 'a2 cannot dial with a1''s call'
);
select is(
  private.sip_authorize_invite('9101', 'ca000000-0000-4000-8000-000000000004', '34600000001'),
  'no CRM call of yours', 'nor a1 with a2''s'
);
select is(
  private.sip_authorize_invite('9102', 'ca000000-0000-4000-8000-000000000002', '34600000001'),
  'no CRM call of yours', 'another agent''s call says nothing about its state'
);
select is(
  private.sip_authorize_invite('9101', 'ca000000-0000-4000-8000-000000000002', '34600000001'),
  'call not in calling state', 'a call already ringing is not dialled again'
);
select is(
  private.sip_authorize_invite('9101', 'ca000000-0000-4000-8000-000000000003', '34600000001'),
  'call not in calling state', 'nor an ended one'
);
select is(
  private.sip_authorize_invite('9101', 'ca000000-0000-4000-8000-000000000005', '34600000001'),
  'call not in calling state', 'an inbound call is no call to place'
);
select is(
  private.sip_authorize_invite('9101', 'ca000000-0000-4000-8000-000000000001', '34600000002'),
  'number does not match the call', 'another number with the right call'
);
select is(
  private.sip_authorize_invite('9101', 'ca000000-0000-4000-8000-000000000001', '0034600000001'),
  'malformed number', 'the 00 prefix is not E.164'
);
select is(
  private.sip_authorize_invite('9101', 'ca000000-0000-4000-8000-000000000001', '600000001'),
  'number does not match the call', 'a national number is read as E.164 digits, and is another number'
);

-- After a1's profile loses its extension, its calls belong to no extension.
update public.profiles set sip_extension = null where id = 'f0000000-0000-4000-8000-000000000101';
select is(
  private.sip_authorize_invite('9101', 'ca000000-0000-4000-8000-000000000001', '34600000001'),
  'no CRM call of yours', 'an extension taken from its agent dials nothing'
);
update public.profiles set sip_extension = '9101' where id = 'f0000000-0000-4000-8000-000000000101';

-- ============================================================================
-- Malformed input: a reason, never an error
-- ============================================================================

select is(
  private.sip_authorize_invite(null, 'ca000000-0000-4000-8000-000000000001', '34600000001'),
  'no authenticated extension', 'no extension'
);
select is(
  private.sip_authorize_invite('9101', 'not-a-uuid', '34600000001'), 'malformed CRM call id', 'not a uuid'
);
select is(
  private.sip_authorize_invite('9101', 'ca000000400040008000000000000001', '34600000001'),
  'malformed CRM call id', 'only the canonical form of a uuid'
);
select is(
  private.sip_authorize_invite('9101', 'ca000000-0000-4000-8000-000000000001'' or ''1''=''1', '34600000001'),
  'malformed CRM call id', 'quotes are only characters'
);
select is(
  private.sip_authorize_invite('9101', 'ca000000-0000-4000-8000-000000000001', null),
  'malformed number', 'no number'
);
select is(
  private.sip_authorize_invite('9101', 'ca000000-0000-4000-8000-000000000001', 'pstn'),
  'malformed number', 'a name is no number'
);
select is(
  private.sip_authorize_invite('9101', 'ca000000-0000-4000-8000-000000000001', repeat('9', 5000)),
  'malformed number', 'nor a very long one'
);

-- ============================================================================
-- Who may ask
-- ============================================================================

select ok(
  has_function_privilege('crm_sip_proxy', 'private.sip_authorize_invite(text, text, text)', 'execute')
  and has_schema_privilege('crm_sip_proxy', 'private', 'usage'),
  'Kamailio''s role may ask'
);
select is(
  (
    select array_agg(r.rolname order by r.rolname)
    from pg_catalog.pg_roles as r
    where
      r.rolname in ('anon', 'authenticated', 'service_role', 'crm_ami_bridge', 'crm_reporting', 'crm_recordings')
      and has_function_privilege(r.oid, 'private.sip_authorize_invite(text, text, text)', 'execute')
  ),
  null, 'no API role and no worker may'
);
select results_eq(
  $$select r.rolcanlogin, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolinherit
    from pg_catalog.pg_roles as r where r.rolname = 'crm_sip_proxy'$$,
  $$values (true, false, false, false, false, false, false)$$,
  'crm_sip_proxy logs in and is nothing more: no superuser, no RLS bypass, nothing inherited'
);
select is(
  (
    select count(*)::integer
    from information_schema.role_table_grants as g
    where g.grantee = 'crm_sip_proxy'
  )
  + (select count(*)::integer from pg_catalog.pg_auth_members as am where am.member = 'crm_sip_proxy'::regrole),
  0, 'it has no table and may become no other role'
);

select * from finish();
rollback;
