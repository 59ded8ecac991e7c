-- The rules' toolkit: E.164 and time zone domains, the controllable clock,
-- calling hours in the lead's time zone.
begin;
select plan(18);

select lives_ok(
  $$select '+34612345678'::public.phone_e164, '+525512345678'::public.phone_e164$$,
  'Spanish and Mexican numbers in E.164 are accepted'
);
select throws_ok(
  $$select '0034612345678'::public.phone_e164$$,
  '23514', 'phone: ''0034612345678'' is not a valid E.164 number',
  'a number without + is refused, naming the field and the value'
);
select throws_ok(
  $$select '+0612345678'::public.phone_e164$$, '23514', null, 'a country code cannot start with 0'
);
select throws_ok(
  $$select '+34 612 345 678'::public.phone_e164$$, '23514', null, 'spaces are refused, not stripped'
);
select throws_ok(
  $$select '+1234567890123456'::public.phone_e164$$, '23514', null, 'more than 15 digits is refused'
);
select throws_ok(
  $$select array['+34612345678', '612']::public.phone_e164[]$$,
  '23514', 'phone: ''612'' is not a valid E.164 number',
  'every element of a phone array is checked'
);

select lives_ok(
  $$select 'Europe/Madrid'::public.time_zone_name, 'America/Tijuana'::public.time_zone_name,
    'Atlantic/Canary'::public.time_zone_name, 'UTC'::public.time_zone_name$$,
  'IANA time zone names are accepted'
);
select throws_ok(
  $$select 'Europe/Madird'::public.time_zone_name$$,
  '23514', 'time_zone: ''Europe/Madird'' is not an IANA time zone name',
  'an unknown time zone is refused, naming the field'
);
select throws_ok(
  $$select 'UTC+3'::public.time_zone_name$$, '23514', null,
  'a POSIX offset that AT TIME ZONE would accept is still not an IANA name'
);

select set_config('crm.now', '2026-01-15 12:34:56+00', true);
select is(private.now(), '2026-01-15 12:34:56+00'::timestamptz, 'crm.now pins the rules'' clock');
select set_config('crm.now', '', true);
select is(private.now(), now(), 'without crm.now the clock is the transaction''s now()');

-- 2026-11-25 is a Wednesday. 20:30 UTC = 21:30 Madrid, 20:30 Canary, 14:30 Mexico City, 12:30 Tijuana.
select ok(
  not private.in_calling_hours(
    '2026-11-25 20:30+00', 'Europe/Madrid', '09:00', '21:00', '{1,2,3,4,5}'
  ),
  '21:30 in Madrid is outside 09:00-21:00'
);
select ok(
  private.in_calling_hours(
    '2026-11-25 20:30+00', 'Atlantic/Canary', '09:00', '21:00', '{1,2,3,4,5}'
  ),
  'the same instant is 20:30 in the Canaries: inside'
);
select ok(
  private.in_calling_hours(
    '2026-11-25 20:30+00', 'America/Mexico_City', '09:00', '21:00', '{1,2,3,4,5}'
  ),
  'and 14:30 in Mexico City: inside'
);
select ok(
  not private.in_calling_hours(
    '2026-11-25 16:30+00', 'America/Tijuana', '09:00', '21:00', '{1,2,3,4,5}'
  ),
  '08:30 in Tijuana is before the window'
);
select ok(
  not private.in_calling_hours(
    '2026-11-28 12:00+00', 'Europe/Madrid', '09:00', '21:00', '{1,2,3,4,5}'
  ),
  'a Saturday is outside Monday-Friday'
);
select ok(
  not private.in_calling_hours(
    '2026-11-25 20:00+00', 'Europe/Madrid', '09:00', '21:00', '{1,2,3,4,5}'
  ),
  'the end of the window is exclusive (21:00 Madrid)'
);

select is(
  private.changed_columns('{"a": 1, "b": 2, "c": null}', '{"a": 1, "b": 3, "c": 4}'),
  array['b', 'c'],
  'changed_columns lists the keys whose values differ'
);

select * from finish();
rollback;
