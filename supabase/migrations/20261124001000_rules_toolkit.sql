-- The rules' toolkit: the clock, phone numbers and time zones, changed columns.
--
-- Everything later migrations share to state a rule once: a controllable
-- clock for tests, the E.164 and IANA time zone domains (with errors that name
-- the field), the calling-hours test, and the list of columns an update
-- changed (for column guards and the audit trail). Errors are documented in
-- supabase/ERRORS.md.

-- ============================================================================
-- Section - The clock
-- ============================================================================

-- The time every rule uses (calling hours, due callbacks, retry delays). Tests
-- pin it with `set local crm.now = '...'`; PostgREST never sets crm.*, so in
-- production it is the transaction's now().
create function private.now() returns timestamptz
language sql
stable
set search_path = ''
as $$
  select coalesce(nullif(current_setting('crm.now', true), '')::timestamptz, now())
$$;
revoke execute on function private.now() from public;
grant execute on function private.now() to authenticated, service_role;

-- ============================================================================
-- Section - Phone numbers
-- ============================================================================

-- Is this an E.164 number (+, country code, subscriber number; 8 to 16 characters)?
create function private.is_e164(p_value text) returns boolean
language sql
immutable
set search_path = ''
as $$
  select p_value ~ '^\+[1-9][0-9]{6,14}$'
$$;
revoke execute on function private.is_e164(text) from public;
grant execute on function private.is_e164(text) to authenticated, service_role;

-- The check of domain phone_e164. It raises its own error so that the client
-- reads which value was wrong instead of a bare constraint name.
create function private.assert_e164(p_value text) returns boolean
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_value is not null and not private.is_e164(p_value) then
    raise exception using
      errcode = '23514',
      message = format('phone: %L is not a valid E.164 number', p_value),
      hint = 'Write + then the country code and the number, digits only: +34612345678, +525512345678.';
  end if;
  return true;
end;
$$;
revoke execute on function private.assert_e164(text) from public;
grant execute on function private.assert_e164(text) to authenticated, service_role;

-- A phone number in E.164, the only form the database stores.
create domain public.phone_e164 as text
constraint phone_e164_format check (private.assert_e164(value));
comment on domain public.phone_e164 is 'A phone number in E.164: + then 7 to 15 digits, no leading zero.';

-- ============================================================================
-- Section - Time zones
-- ============================================================================

-- pg_timezone_names reads the whole tz database on each query (about 30 ms);
-- this snapshot answers in microseconds. Names added by a later tzdata are
-- still accepted through the fallback in private.is_time_zone().
create table private.time_zone_names (
  name text primary key
);
comment on table private.time_zone_names is 'Snapshot of pg_timezone_names, for fast time zone checks.';

insert into private.time_zone_names (name)
select tz.name from pg_catalog.pg_timezone_names as tz;

-- Is this an IANA time zone name PostgreSQL knows (Europe/Madrid, America/Tijuana...)?
create function private.is_time_zone(p_value text) returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select
    exists (select 1 from private.time_zone_names as t where t.name = p_value)
    or exists (select 1 from pg_catalog.pg_timezone_names as tz where tz.name = p_value)
$$;
revoke execute on function private.is_time_zone(text) from public;
grant execute on function private.is_time_zone(text) to authenticated, service_role;

-- The check of domain time_zone_name, raising an error that names the field.
create function private.assert_time_zone(p_value text) returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_value is not null and not private.is_time_zone(p_value) then
    raise exception using
      errcode = '23514',
      message = format('time_zone: %L is not an IANA time zone name', p_value),
      hint = 'Use a name from pg_timezone_names, such as Europe/Madrid or America/Mexico_City.';
  end if;
  return true;
end;
$$;
revoke execute on function private.assert_time_zone(text) from public;
grant execute on function private.assert_time_zone(text) to authenticated, service_role;

-- An IANA time zone name, so that local calling hours can be computed.
create domain public.time_zone_name as text
constraint time_zone_name_known check (private.assert_time_zone(value));
comment on domain public.time_zone_name is 'An IANA time zone name known to PostgreSQL (pg_timezone_names).';

-- ============================================================================
-- Section - Rule helpers
-- ============================================================================

-- Is p_at inside a daily calling window [p_start, p_end) on one of p_days
-- (ISO days, 1 = Monday), in the local time of p_time_zone? No SET clause:
-- it only uses built-ins, and without one the planner inlines it into the
-- queue query of rpc/next_lead instead of calling it per row.
create function private.in_calling_hours(
  p_at timestamptz, p_time_zone text, p_start time, p_end time, p_days smallint[]
) returns boolean
language sql
stable
as $$
  select
    extract(isodow from (p_at at time zone p_time_zone))::smallint = any(p_days)
    and (p_at at time zone p_time_zone)::time >= p_start
    and (p_at at time zone p_time_zone)::time < p_end
$$;
revoke execute on function private.in_calling_hours(timestamptz, text, time, time, smallint[]) from public;
grant execute on function private.in_calling_hours(timestamptz, text, time, time, smallint[])
to authenticated, service_role;

-- The keys whose values differ between two row images (to_jsonb(old), to_jsonb(new)).
create function private.changed_columns(p_old jsonb, p_new jsonb) returns text[]
language sql
immutable
set search_path = ''
as $$
  select coalesce(array_agg(n.key order by n.key), '{}')
  from jsonb_each(p_new) as n
  where n.value is distinct from (p_old -> n.key)
$$;
revoke execute on function private.changed_columns(jsonb, jsonb) from public;
grant execute on function private.changed_columns(jsonb, jsonb) to authenticated, service_role;

-- Who is acting, for audit rows: a signed-in user, the service role (a worker
-- through the API), or the system (a direct database connection: the seed, a
-- worker with DATABASE_URL, pg_cron).
create function private.current_actor() returns text
language sql
stable
set search_path = ''
as $$
  select case
    when (select auth.uid()) is not null then 'user'
    when (select auth.role()) = 'service_role' then 'service_role'
    else 'system'
  end
$$;
revoke execute on function private.current_actor() from public;
grant execute on function private.current_actor() to authenticated, service_role;
