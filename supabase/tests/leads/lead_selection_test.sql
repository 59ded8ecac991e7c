-- private.leads_matching(p_selection): the selection every bulk action and
-- the lead export take. Keys and types checked (22023 naming the key), only
-- the caller's campaigns matched, ids out of reach flagged.
begin;
select plan(34);

select tests.create_two_campaigns();

-- More leads in campaign A: a won one called twice, one called once with its
-- last outcome, and one from another source created last year.
insert into public.leads (
  id, campaign_id, status, first_name, last_name, phone, email, attempts, source, created_at
) values
(
  'e0000000-0000-4000-8000-0000000000a4', 'c0000000-0000-4000-8000-00000000000a', 'won', 'Íñigo', 'Muñoz',
  '+34611222333', 'inigo@example.com', 2, 'feria', '2025-06-01 10:00+00'
),
(
  'e0000000-0000-4000-8000-0000000000a5', 'c0000000-0000-4000-8000-00000000000a', 'retry', 'Begoña', 'Ibáñez',
  '+34699888777', null, 1, 'web', '2026-11-20 10:00+00'
);
update public.leads set last_outcome = 'busy' where id = 'e0000000-0000-4000-8000-0000000000a5';

create function pg_temp.matching(p_selection jsonb) returns setof text
language sql
as $$
  select right(m.id::text, 2) || case when m.yours then '' else '!' end
  from private.leads_matching(p_selection) as m
  where m.id::text like 'e0000000-%' -- the fixture's leads, not the seed's
  order by 1
$$;

-- The shape of the selection.
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$select pg_temp.matching(null)$$, '22023', 'p_selection: an object, {"ids": [...]} or {"filter": {...}}',
  'a selection is required'
);
select throws_ok(
  $$select pg_temp.matching('[]')$$, '22023', 'p_selection: an object, {"ids": [...]} or {"filter": {...}}',
  'a selection is an object'
);
select throws_ok(
  $$select pg_temp.matching('{"idz": []}')$$, '22023', 'p_selection.idz: unknown key (ids or filter)',
  'an unknown top-level key is named'
);
select throws_ok(
  $$select pg_temp.matching('{"ids": [], "filter": {}}')$$, '22023', 'p_selection: give either ids or filter',
  'ids and filter together are refused'
);
select throws_ok(
  $$select pg_temp.matching('{}')$$, '22023', 'p_selection: give either ids or filter',
  'neither ids nor filter is refused'
);
select throws_ok(
  $$select pg_temp.matching('{"ids": "e0000000-0000-4000-8000-0000000000a1"}')$$, '22023',
  'p_selection.ids: an array of lead ids (uuid strings)', 'ids is an array'
);
select throws_ok(
  $$select pg_temp.matching('{"ids": ["e0000000-0000-4000-8000-0000000000a1", "nope"]}')$$, '22023',
  'p_selection.ids: an array of lead ids (uuid strings)', 'every id is a uuid'
);
select throws_ok(
  $$select pg_temp.matching('{"filter": []}')$$, '22023', 'p_selection.filter: an object of filter keys',
  'filter is an object'
);
select throws_ok(
  $$select pg_temp.matching('{"filter": {"statu": ["new"]}}')$$, '22023', 'p_selection.filter.statu: unknown key',
  'an unknown filter key is named'
);
select throws_ok(
  $$select pg_temp.matching('{"filter": {"status": "new"}}')$$, '22023',
  'p_selection.filter.status: an array of strings', 'status is an array'
);
select throws_ok(
  $$select pg_temp.matching('{"filter": {"status": ["nuevo"]}}')$$, '22023',
  'p_selection.filter.status: an array of lead statuses (new, retry, callback, ...)', 'statuses are lead statuses'
);
select throws_ok(
  $$select pg_temp.matching('{"filter": {"campaign_id": "c0000000"}}')$$, '22023',
  'p_selection.filter.campaign_id: a uuid, not c0000000', 'campaign_id is a uuid'
);
select throws_ok(
  $$select pg_temp.matching('{"filter": {"owner_id": 7}}')$$, '22023',
  'p_selection.filter.owner_id: a uuid string', 'owner_id is a uuid string'
);
select throws_ok(
  $$select pg_temp.matching('{"filter": {"attempts_min": "2"}}')$$, '22023',
  'p_selection.filter.attempts_min: an integer', 'attempts_min is a number'
);
select throws_ok(
  $$select pg_temp.matching('{"filter": {"attempts_max": 1.5}}')$$, '22023',
  'p_selection.filter.attempts_max: an integer', 'attempts_max is an integer'
);
select throws_ok(
  $$select pg_temp.matching('{"filter": {"unassigned": "yes"}}')$$, '22023',
  'p_selection.filter.unassigned: true or false', 'unassigned is a boolean'
);
select throws_ok(
  $$select pg_temp.matching('{"filter": {"created_from": "yesterday-ish"}}')$$, '22023',
  'p_selection.filter.created_from: a timestamptz, not yesterday-ish', 'created_from is a timestamp'
);
select throws_ok(
  $$select pg_temp.matching('{"filter": {"last_outcome": [1]}}')$$, '22023',
  'p_selection.filter.last_outcome: an array of strings', 'last_outcome is an array of strings'
);
select lives_ok(
  $$select private.leads_matching('{"filter": {"status": ["new"], "search": "x"}}', p_check_only => true)$$,
  'p_check_only checks without matching'
);

-- What a filter matches: the caller's campaigns only.
select results_eq(
  $$select pg_temp.matching('{"filter": {}}')$$, $$values ('a1'), ('a2'), ('a3'), ('a4'), ('a5')$$,
  'a supervisor''s empty filter: every lead of its campaign, none of B'
);
select tests.authenticate_as('adm@t.test');
select results_eq(
  $$select pg_temp.matching('{"filter": {}}')$$, $$values ('a1'), ('a2'), ('a3'), ('a4'), ('a5'), ('b1')$$,
  'an admin''s empty filter: every lead'
);
select results_eq(
  $$select pg_temp.matching('{"filter": {"campaign_id": "c0000000-0000-4000-8000-00000000000b"}}')$$,
  $$values ('b1')$$, 'campaign_id'
);
select results_eq(
  $$select pg_temp.matching('{"filter": {"status": ["won", "retry"]}}')$$, $$values ('a4'), ('a5')$$, 'status'
);
select results_eq(
  $$select pg_temp.matching('{"filter": {"owner_id": "f0000000-0000-4000-8000-000000000101"}}')$$,
  $$values ('a1')$$, 'owner_id'
);
select results_eq(
  $$select pg_temp.matching('{"filter": {"unassigned": true, "attempts_min": 1, "attempts_max": 1}}')$$,
  $$values ('a5')$$, 'unassigned and an attempts range'
);
select results_eq(
  $$select pg_temp.matching('{"filter": {"last_outcome": ["busy", "sale"], "source": "web"}}')$$,
  $$values ('a5')$$, 'last_outcome and source'
);
select results_eq(
  $$select pg_temp.matching('{"filter": {"created_to": "2026-01-01T00:00:00Z"}}')$$, $$values ('a4')$$,
  'created_to (exclusive end)'
);
select results_eq(
  $$select pg_temp.matching('{"filter": {"next_call_from": "2000-01-01", "next_call_to": "2100-01-01"}}')$$,
  $$values ('a1'), ('a2'), ('a3'), ('a5'), ('b1')$$, 'a next call range: queued leads only'
);
select results_eq(
  $$select pg_temp.matching('{"filter": {"search": "MUÑOZ"}}')$$, $$values ('a4')$$,
  'search: a name in any case and accents'
);
select results_eq(
  $$select pg_temp.matching('{"filter": {"search": "699 888"}}')$$, $$values ('a5')$$,
  'search: part of a phone number written with a space'
);
select results_eq(
  $$select pg_temp.matching('{"filter": {"search": "inigo@"}}')$$, $$values ('a4')$$, 'search: the e-mail'
);

-- Ids: each distinct id once; those out of reach flagged (!), unknown ones alike.
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select pg_temp.matching('{"ids": ["e0000000-0000-4000-8000-0000000000a1", "e0000000-0000-4000-8000-0000000000a1",
    "e0000000-0000-4000-8000-0000000000b1", "e0000000-0000-4000-8000-0000000000ff"]}')$$,
  $$values ('a1'), ('b1!'), ('ff!')$$,
  'ids: the caller''s leads, then another campaign''s and an unknown id as out of reach'
);
select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select pg_temp.matching('{"filter": {}}')$$, $$select 'x' where false$$,
  'an agent manages no campaign: a filter matches nothing, not even its own leads'
);
select results_eq(
  $$select pg_temp.matching('{"ids": ["e0000000-0000-4000-8000-0000000000a1"]}')$$, $$values ('a1!')$$,
  'an agent''s own lead is out of a selection''s reach'
);

select * from finish();
rollback;
