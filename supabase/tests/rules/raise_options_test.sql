-- Every RAISE option of our plpgsql functions is a literal or a format()
-- call, neither of which is ever NULL. An option that evaluates to NULL
-- turns the documented error into `22004 RAISE statement option cannot be
-- null` (issue 12, item 12: `hint = case ... end` in guard_lead_columns).
begin;
select plan(2);

select is_empty(
  $$select p.oid::regprocedure::text, m[1] || ' = ' || left(m[2], 60)
    from pg_catalog.pg_proc as p
    inner join pg_catalog.pg_namespace as n on p.pronamespace = n.oid
    inner join pg_catalog.pg_language as l on p.prolang = l.oid,
      regexp_matches(p.prosrc, '\m(errcode|message|detail|hint|column|constraint|datatype|table|schema)\s*=\s*([^,;]*)', 'gi') as m
    where n.nspname in ('public', 'private') and l.lanname = 'plpgsql'
      and p.prosrc ~* '\mraise\M'
      and m[2] !~ '^(''|format\()'$$,
  'no RAISE option of a plpgsql function in public or private can be NULL'
);

-- The check finds the mistake it is about.
create function private.raise_options_test_probe(p_column text) returns void
language plpgsql
as $f$
begin
  raise exception using
    errcode = '42501',
    message = format('%s: refused', p_column),
    hint = case when p_column = 'campaign_id' then 'Import it again.' end;
end;
$f$;
select isnt_empty(
  $$select 1
    from pg_catalog.pg_proc as p,
      regexp_matches(p.prosrc, '\m(errcode|message|detail|hint|column|constraint|datatype|table|schema)\s*=\s*([^,;]*)', 'gi') as m
    where p.proname = 'raise_options_test_probe' and m[2] !~ '^(''|format\()'$$,
  'a CASE without ELSE as a RAISE option is found'
);

select * from finish();
rollback;
