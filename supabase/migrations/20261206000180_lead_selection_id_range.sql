-- A filter selection in slices of lead ids: filter keys id_from (inclusive)
-- and id_to (exclusive).
--
-- A bulk action on 100,000 leads costs 11-13 s of CPU: past the 8 s
-- statement_timeout of the authenticated role on a PostgREST that does not
-- apply a function's own statement_timeout (the embedded stack's 12.0.2;
-- Supabase's 12.2+ does). The webphone therefore sends a large "every lead
-- the filter matches" as consecutive id ranges of about 10,000 leads each
-- (the same filter plus id_from/id_to), which also lets it show progress.
-- The ranges partition the ids, so every lead is acted on at most once.

create or replace function private.leads_matching(p_selection jsonb, p_check_only boolean default false)
returns table (id uuid, yours boolean)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  c_filter_keys constant text[] := array[
    'campaign_id', 'status', 'owner_id', 'unassigned', 'attempts_min', 'attempts_max', 'last_outcome',
    'next_call_from', 'next_call_to', 'created_from', 'created_to', 'source', 'import_id', 'search',
    'id_from', 'id_to'
  ];
  v_scope uuid[]; -- null: every campaign (admins)
  v_filter jsonb;
  v_key text;
  v_status public.lead_status[];
  v_campaign_id uuid;
  v_owner_id uuid;
  v_unassigned boolean;
  v_attempts_min integer;
  v_attempts_max integer;
  v_last_outcome text[];
  v_next_call_from timestamptz;
  v_next_call_to timestamptz;
  v_created_from timestamptz;
  v_created_to timestamptz;
  v_source text;
  v_import_id uuid;
  v_search text;
  v_id_from uuid;
  v_id_to uuid;
  v_sql text := 'select l.id, true from public.leads as l where true';
begin
  if p_selection is null or jsonb_typeof(p_selection) <> 'object' then
    raise exception using
      errcode = '22023',
      message = 'p_selection: an object, {"ids": [...]} or {"filter": {...}}';
  end if;
  select k.key into v_key from jsonb_object_keys(p_selection) as k (key) where k.key not in ('ids', 'filter') limit 1;
  if v_key is not null then
    perform private.selection_error(private.excerpt(v_key), 'unknown key (ids or filter)');
  end if;
  if (p_selection ? 'ids') = (p_selection ? 'filter') then
    raise exception using
      errcode = '22023',
      message = 'p_selection: give either ids or filter';
  end if;

  if not private.is_admin() then
    v_scope := array(select private.supervised_campaign_ids());
  end if;

  if p_selection ? 'ids' then
    if jsonb_typeof(p_selection -> 'ids') <> 'array'
      or exists (
        select 1 from jsonb_array_elements(p_selection -> 'ids') as e (v)
        where jsonb_typeof(e.v) <> 'string'
          or e.v #>> '{}' !~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$'
      ) then
      perform private.selection_error('ids', 'an array of lead ids (uuid strings)');
    end if;
    if p_check_only then
      return;
    end if;
    return query
    select s.id, l.id is not null
    from (select distinct (e.v #>> '{}')::uuid as id from jsonb_array_elements(p_selection -> 'ids') as e (v)) as s
    left join public.leads as l on s.id = l.id and (v_scope is null or l.campaign_id = any(v_scope));
    return;
  end if;

  v_filter := p_selection -> 'filter';
  if jsonb_typeof(v_filter) <> 'object' then
    perform private.selection_error('filter', 'an object of filter keys');
  end if;
  select k.key into v_key from jsonb_object_keys(v_filter) as k (key) where k.key <> all(c_filter_keys) limit 1;
  if v_key is not null then
    perform private.selection_error('filter.' || private.excerpt(v_key), 'unknown key');
  end if;
  begin
    v_status := private.selection_texts(v_filter, 'status')::public.lead_status[];
  exception when invalid_text_representation then
    perform private.selection_error('filter.status', 'an array of lead statuses (new, retry, callback, ...)');
  end;
  v_campaign_id := private.selection_value(v_filter, 'campaign_id', 'uuid')::uuid;
  v_owner_id := private.selection_value(v_filter, 'owner_id', 'uuid')::uuid;
  v_unassigned := private.selection_value(v_filter, 'unassigned', 'boolean')::boolean;
  v_attempts_min := private.selection_value(v_filter, 'attempts_min', 'integer')::integer;
  v_attempts_max := private.selection_value(v_filter, 'attempts_max', 'integer')::integer;
  v_last_outcome := private.selection_texts(v_filter, 'last_outcome');
  v_next_call_from := private.selection_value(v_filter, 'next_call_from', 'timestamptz')::timestamptz;
  v_next_call_to := private.selection_value(v_filter, 'next_call_to', 'timestamptz')::timestamptz;
  v_created_from := private.selection_value(v_filter, 'created_from', 'timestamptz')::timestamptz;
  v_created_to := private.selection_value(v_filter, 'created_to', 'timestamptz')::timestamptz;
  v_source := private.selection_value(v_filter, 'source', 'text');
  v_import_id := private.selection_value(v_filter, 'import_id', 'uuid')::uuid;
  v_search := private.lead_search_pattern(private.selection_value(v_filter, 'search', 'text'));
  v_id_from := private.selection_value(v_filter, 'id_from', 'uuid')::uuid;
  v_id_to := private.selection_value(v_filter, 'id_to', 'uuid')::uuid;
  if p_check_only then
    return;
  end if;

  -- Only the given keys become predicates: each query is planned for its own
  -- filter (indexes on campaign, owner, dates, the trigram index on search).
  if v_scope is not null then
    v_sql := v_sql || ' and l.campaign_id = any($1)';
  end if;
  if v_campaign_id is not null then
    v_sql := v_sql || ' and l.campaign_id = $2';
  end if;
  if v_status is not null then
    v_sql := v_sql || ' and l.status = any($3)';
  end if;
  if v_owner_id is not null then
    v_sql := v_sql || ' and l.owner_id = $4';
  end if;
  if v_unassigned is not null then
    v_sql := v_sql || ' and (l.owner_id is null) = $5';
  end if;
  if v_attempts_min is not null then
    v_sql := v_sql || ' and l.attempts >= $6';
  end if;
  if v_attempts_max is not null then
    v_sql := v_sql || ' and l.attempts <= $7';
  end if;
  if v_last_outcome is not null then
    v_sql := v_sql || ' and l.last_outcome = any($8)';
  end if;
  if v_next_call_from is not null then
    v_sql := v_sql || ' and l.next_call_at >= $9';
  end if;
  if v_next_call_to is not null then
    v_sql := v_sql || ' and l.next_call_at < $10';
  end if;
  if v_created_from is not null then
    v_sql := v_sql || ' and l.created_at >= $11';
  end if;
  if v_created_to is not null then
    v_sql := v_sql || ' and l.created_at < $12';
  end if;
  if v_source is not null then
    v_sql := v_sql || ' and l.source = $13';
  end if;
  if v_import_id is not null then
    -- leads.import_id comes with the lead import (migrations 20261206000200...).
    v_sql := v_sql || ' and l.import_id = $14';
  end if;
  if v_search is not null then
    v_sql := v_sql || ' and l.search_text like $15';
  end if;
  if v_id_from is not null then
    v_sql := v_sql || ' and l.id >= $16';
  end if;
  if v_id_to is not null then
    v_sql := v_sql || ' and l.id < $17';
  end if;

  return query execute v_sql using
    v_scope, v_campaign_id, v_status, v_owner_id, v_unassigned, v_attempts_min, v_attempts_max, v_last_outcome,
    v_next_call_from, v_next_call_to, v_created_from, v_created_to, v_source, v_import_id, v_search,
    v_id_from, v_id_to;
end;
$$;
