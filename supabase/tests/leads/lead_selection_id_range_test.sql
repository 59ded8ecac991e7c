-- private.leads_matching: the filter keys id_from (inclusive) and id_to
-- (exclusive) slice a filter by lead id, so the webphone can send a large
-- bulk action in parts that never overlap (migration 20261206000180).
begin;
select plan(6);

select tests.create_two_campaigns();

create function pg_temp.matching(p_selection jsonb) returns setof text
language sql
as $$
  select right(m.id::text, 2) || case when m.yours then '' else '!' end
  from private.leads_matching(p_selection) as m
  where m.id::text like 'e0000000-%' -- the fixture's leads, not the seed's
  order by 1
$$;

select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select pg_temp.matching('{"filter": {"id_from": "e0000000-0000-4000-8000-0000000000a2"}}')$$,
  $$values ('a2'), ('a3'), ('b1')$$,
  'id_from keeps the ids from it on (inclusive)'
);
select results_eq(
  $$select pg_temp.matching('{"filter": {"id_to": "e0000000-0000-4000-8000-0000000000a2"}}')$$,
  $$values ('a1')$$,
  'id_to keeps the ids before it (exclusive)'
);
select results_eq(
  $$select pg_temp.matching('{"filter": {"id_from": "e0000000-0000-4000-8000-0000000000a2",
    "id_to": "e0000000-0000-4000-8000-0000000000b1"}}')$$,
  $$values ('a2'), ('a3')$$,
  'both: a slice; consecutive slices partition the ids'
);
select throws_ok(
  $$select pg_temp.matching('{"filter": {"id_from": 7}}')$$, '22023',
  'p_selection.filter.id_from: a uuid string', 'id_from is a uuid string'
);

-- The slice stays inside the caller's campaigns.
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select pg_temp.matching('{"filter": {"id_from": "e0000000-0000-4000-8000-0000000000a3"}}')$$,
  $$values ('a3')$$,
  'a supervisor''s slice holds only the leads of campaigns they run'
);

-- A bulk action takes the slice as any filter.
select is(
  public.bulk_unassign_leads('{"filter": {"id_from": "e0000000-0000-4000-8000-0000000000a1",
    "id_to": "e0000000-0000-4000-8000-0000000000a2"}}') ->> 'matched',
  '1',
  'a bulk action on a slice matches the slice alone'
);

select * from finish();
rollback;
