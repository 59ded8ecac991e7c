-- A lead's time zone follows its phone number (private.phone_time_zones,
-- phonenumbers' data); only the campaign's supervisors and admins override
-- it, audited; and what an agent cannot change, rpc/next_lead and
-- rpc/start_call keep reading as it was.
begin;
select plan(30);

select tests.create_two_campaigns();

-- ---------------------------------------------------------------------------
-- The prefix table
-- ---------------------------------------------------------------------------

select cmp_ok(
  (select count(*)::int from private.phone_time_zones), '>', 3000,
  'phonenumbers'' prefixes are loaded'
);
select is_empty(
  $$select p.prefix, z.zone from private.phone_time_zones as p, unnest(p.time_zones) as z (zone)
    where not exists (select 1 from pg_catalog.pg_timezone_names as n where n.name = z.zone)$$,
  'every zone in the table is one PostgreSQL knows'
);
select is(
  private.phone_time_zones_of('+12125551234'), '{America/New_York}'::text[],
  'a Manhattan number (prefix 1212) is in New York'
);
select is(
  private.phone_time_zones_of('+34928123456'), '{Atlantic/Canary}'::text[],
  'the longest prefix wins: 34928 (Las Palmas) is in the Canaries, not Spain''s two zones'
);
select cmp_ok(
  cardinality(private.phone_time_zones_of('+18005551234')), '>', 1,
  'a US toll-free number only matches the country code, in many zones'
);
select is(private.phone_time_zones_of('+88234567890'), null, 'an unlisted prefix has no zones');

-- ---------------------------------------------------------------------------
-- Derived on insert (campaign A's default is Mexico City for these tests)
-- ---------------------------------------------------------------------------

update public.campaigns set default_time_zone = 'America/Mexico_City'
where id = 'c0000000-0000-4000-8000-00000000000a';

select tests.authenticate_as('supa@t.test');
insert into public.leads (campaign_id, first_name, phone, external_ref) values
('c0000000-0000-4000-8000-00000000000a', 'Nueva York', '+12125551234', 'tz-ny'),
('c0000000-0000-4000-8000-00000000000a', 'Móvil', '+34612345678', 'tz-es'),
('c0000000-0000-4000-8000-00000000000a', 'Las Palmas', '+34928123456', 'tz-canary'),
('c0000000-0000-4000-8000-00000000000a', 'Gratuito', '+18005551234', 'tz-tollfree'),
('c0000000-0000-4000-8000-00000000000a', 'Dublín', '+35312345678', 'tz-several'),
('c0000000-0000-4000-8000-00000000000a', 'Satélite', '+88234567890', 'tz-unknown');
insert into public.leads (campaign_id, first_name, phone, time_zone, external_ref) values
('c0000000-0000-4000-8000-00000000000a', 'Elegida', '+34612345679', 'Europe/Lisbon', 'tz-explicit');

select results_eq(
  $$select external_ref, time_zone::text from public.leads where external_ref like 'tz-%' order by external_ref$$,
  $$values
    ('tz-canary', 'Atlantic/Canary'),
    ('tz-es', 'Europe/Madrid'),
    ('tz-explicit', 'Europe/Lisbon'),
    ('tz-ny', 'America/New_York'),
    ('tz-several', 'America/Mexico_City'),
    ('tz-tollfree', 'America/Mexico_City'),
    ('tz-unknown', 'America/Mexico_City')$$,
  'one zone: that zone; several or none: the campaign''s default; an importer''s explicit zone is kept'
);

select tests.clear_authentication();
update public.campaigns set default_time_zone = 'Europe/London'
where id = 'c0000000-0000-4000-8000-00000000000a';
select tests.authenticate_as('supa@t.test');
insert into public.leads (campaign_id, first_name, phone, external_ref) values
('c0000000-0000-4000-8000-00000000000a', 'Londres', '+35312345670', 'tz-default-among');
select is(
  (select time_zone::text from public.leads where external_ref = 'tz-default-among'),
  'Europe/London',
  'several zones, the campaign''s default one of them: the campaign''s default'
);

-- ---------------------------------------------------------------------------
-- The agent cannot move its lead into daylight
-- ---------------------------------------------------------------------------

-- Wednesday 2026-11-25 23:30 UTC: 00:30 in Madrid and the Canaries (outside
-- 09:00-21:00), 15:30 in Los Angeles (inside).
select tests.clear_authentication();
select set_config('crm.now', '2026-11-25 23:30+00', true);
update public.leads set next_call_at = '2026-11-25 08:00+00' where id = 'e0000000-0000-4000-8000-0000000000a1';

select tests.authenticate_as('a1@t.test');
select is_empty(
  $$select id from public.next_lead('c0000000-0000-4000-8000-00000000000a')
    where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  'at 00:30 Madrid time the lead is not handed out'
);
select throws_ok(
  $$update public.leads set time_zone = 'America/Los_Angeles' where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501',
  'time_zone: follows the phone number; only the campaign''s supervisors and admins override it',
  'the agent cannot move its lead to a zone where it is daytime'
);
select is(
  (select time_zone::text from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'),
  'Europe/Madrid',
  'the time zone is unchanged'
);
select is_empty(
  $$select id from public.next_lead('c0000000-0000-4000-8000-00000000000a')
    where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  'next_lead still keeps the lead for calling hours'
);
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000a1')$$,
  'R0002', null, 'start_call still refuses it: outside calling hours'
);

-- ---------------------------------------------------------------------------
-- The supervisor may, audited; the dialling rules follow; the override sticks
-- ---------------------------------------------------------------------------

select tests.authenticate_as('supa@t.test');
select lives_ok(
  $$update public.leads set time_zone = 'America/Los_Angeles' where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  'the campaign''s supervisor overrides the time zone'
);
select tests.clear_authentication();
select results_eq(
  $$select operation, changed_fields, old_values, new_values, changed_by::text, actor, via
    from public.lead_history where lead_id = 'e0000000-0000-4000-8000-0000000000a1'
    order by id desc limit 1$$,
  $$values (
    'update', '{time_zone}'::text[], '{"time_zone": "Europe/Madrid"}'::jsonb,
    '{"time_zone": "America/Los_Angeles"}'::jsonb, 'f0000000-0000-4000-8000-000000000011', 'user', null::text
  )$$,
  'lead_history records the change, its old and new zone, and the supervisor who made it'
);

select tests.authenticate_as('a1@t.test');
select lives_ok(
  $$update public.leads set notes = 'Vive en California' where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  'the agent still edits the contact data'
);
select is(
  (select time_zone::text from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'),
  'America/Los_Angeles',
  'the supervisor''s zone sticks while the phone stays'
);
select results_eq(
  $$select id::text from public.next_lead('c0000000-0000-4000-8000-00000000000a')$$,
  $$values ('e0000000-0000-4000-8000-0000000000a1')$$,
  'next_lead follows the supervisor''s zone: 15:30 in Los Angeles'
);

select tests.authenticate_as('supa@t.test');
select results_eq(
  $$update public.leads set phone = '+34600000091' where id = 'e0000000-0000-4000-8000-0000000000a1'
    returning time_zone::text$$,
  $$values ('Europe/Madrid')$$,
  'a new phone number brings its own zone back'
);
select results_eq(
  $$update public.leads set phone = '+12125551234', time_zone = 'America/Chicago'
    where id = 'e0000000-0000-4000-8000-0000000000a1' returning time_zone::text$$,
  $$values ('America/Chicago')$$,
  'a phone and a zone set together: the explicit zone wins'
);
select tests.clear_authentication();
select results_eq(
  $$select changed_fields, changed_by::text from public.lead_history
    where lead_id = 'e0000000-0000-4000-8000-0000000000a1' and operation = 'update' and 'phone' = any(changed_fields)
    order by id$$,
  $$values
    ('{phone,time_zone}'::text[], 'f0000000-0000-4000-8000-000000000011'),
    ('{phone,time_zone}'::text[], 'f0000000-0000-4000-8000-000000000011')$$,
  'both phone changes are audited with the zone they brought'
);

-- ---------------------------------------------------------------------------
-- The agent cannot undo a lead's "do not call me"
-- ---------------------------------------------------------------------------

-- 11:00 in Madrid; the lead back on its number and zone, and it asked not to
-- be called.
select set_config('crm.now', '2026-11-25 10:00+00', true);
update public.leads set
  phone = '+34600000001', time_zone = 'Europe/Madrid', consent_contact = false,
  owner_id = 'f0000000-0000-4000-8000-000000000101'
where id = 'e0000000-0000-4000-8000-0000000000a1';

select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$update public.leads set consent_contact = true where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501',
  'consent_contact: only the campaign''s supervisors and admins change a lead''s consent to be called',
  'the agent cannot set consent_contact back to true'
);
select is(
  (select consent_contact from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'),
  false,
  'consent_contact is unchanged'
);
select is_empty(
  $$select id from public.next_lead('c0000000-0000-4000-8000-00000000000a')
    where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  'next_lead does not hand the lead out'
);
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000a1')$$,
  'R0001', null, 'start_call refuses it: the lead asked not to be called'
);

-- Nor dial a number on the do-not-call list by putting it in its lead.
select tests.clear_authentication();
update public.leads set consent_contact = true where id = 'e0000000-0000-4000-8000-0000000000a1';
insert into public.do_not_call (phone, source) values ('+34600000001', 'lead_request');
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$update public.leads set alternate_phones = '{+34600000077}' where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501', null,
  'the agent cannot add a number to dial around the do-not-call list'
);
select throws_ok(
  $$update public.leads set phone = '+34600000077' where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501', null,
  'nor replace the listed number'
);
select throws_ok(
  $$select public.start_call('e0000000-0000-4000-8000-0000000000a1')$$,
  'R0001', null, 'the listed number stays undiallable'
);

-- The supervisor of the campaign may restore the consent (audited like any change).
select tests.authenticate_as('supa@t.test');
select lives_ok(
  $$update public.leads set consent_contact = false where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  'the campaign''s supervisor changes consent_contact'
);
select tests.clear_authentication();
select results_eq(
  $$select changed_fields, changed_by::text, actor from public.lead_history
    where lead_id = 'e0000000-0000-4000-8000-0000000000a1' order by id desc limit 1$$,
  $$values ('{consent_contact}'::text[], 'f0000000-0000-4000-8000-000000000011', 'user')$$,
  'and lead_history names the supervisor'
);

select * from finish();
rollback;
