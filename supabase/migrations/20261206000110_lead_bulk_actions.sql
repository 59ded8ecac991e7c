-- Bulk actions on leads (issue 15): a selection (ids or a filter) and six
-- functions, each one set-based statement over the selection.
--
-- The selection, p_selection jsonb, is `{"ids": [uuid, ...]}` or
-- `{"filter": {...}}` (keys in private.leads_matching); it matches only leads
-- of the campaigns the caller runs (private.manages_campaign: supervisors
-- their campaigns, admins all). Every function returns
-- `{"matched": n, "changed": n, "skipped": {"<reason>": n}}` with
-- matched = changed + the skipped counts; ids out of reach (unknown or not
-- the caller's, one answer) are skipped as not_found_or_not_yours.
--
-- The leads' triggers run for each row as for any update (guards, validation,
-- history with via = the function's name). The lead_assigned notice is not
-- sent per lead by a bulk assignment (100,000 broadcasts to one agent):
-- rpc/bulk_assign_leads sends one notice to the agent with the count.

-- ============================================================================
-- Section - The selection
-- ============================================================================

create function private.selection_error(p_key text, p_expected text) returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  raise exception using
    errcode = '22023',
    message = format('p_selection.%s: %s', p_key, p_expected);
end;
$$;
comment on function private.selection_error(text, text) is 'Raise 22023 naming a key of a lead selection.';
revoke execute on function private.selection_error(text, text) from public;

-- One value of a filter, typed; 22023 naming the key when it is not that type.
create function private.selection_value(p_filter jsonb, p_key text, p_type text) returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_value jsonb := p_filter -> p_key;
begin
  if v_value is null or v_value = 'null'::jsonb then
    return null;
  end if;
  if p_type in ('uuid', 'timestamptz', 'text') and jsonb_typeof(v_value) <> 'string' then
    perform private.selection_error('filter.' || p_key, format('a %s string', p_type));
  elsif p_type = 'integer' and (jsonb_typeof(v_value) <> 'number' or v_value::text !~ '^-?\d{1,9}$') then
    perform private.selection_error('filter.' || p_key, 'an integer');
  elsif p_type = 'boolean' and jsonb_typeof(v_value) <> 'boolean' then
    perform private.selection_error('filter.' || p_key, 'true or false');
  end if;
  begin
    case p_type
      when 'uuid' then perform (v_value ->> 0)::uuid;
      when 'timestamptz' then perform (v_value #>> '{}')::timestamptz;
      else null;
    end case;
  exception when others then
    perform private.selection_error('filter.' || p_key, format('a %s, not %s', p_type, private.excerpt(v_value #>> '{}')));
  end;
  return v_value #>> '{}';
end;
$$;
comment on function private.selection_value(jsonb, text, text) is
'A lead filter''s value as text after checking its type (22023 naming the key).';
revoke execute on function private.selection_value(jsonb, text, text) from public;

-- An array of strings of a filter (status, last_outcome).
create function private.selection_texts(p_filter jsonb, p_key text) returns text[]
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_value jsonb := p_filter -> p_key;
begin
  if v_value is null or v_value = 'null'::jsonb then
    return null;
  end if;
  if jsonb_typeof(v_value) <> 'array'
    or exists (select 1 from jsonb_array_elements(v_value) as e (v) where jsonb_typeof(e.v) <> 'string') then
    perform private.selection_error('filter.' || p_key, 'an array of strings');
  end if;
  return array(select jsonb_array_elements_text(v_value));
end;
$$;
comment on function private.selection_texts(jsonb, text) is 'A lead filter''s array of strings (22023 naming the key).';
revoke execute on function private.selection_texts(jsonb, text) from public;

-- The search term as leads.search_text holds it: lower-case, accent-free; a
-- term that looks like a phone number (digits and - . ( ) + / spaces) as its
-- digits (a leading 00 dropped, as E.164 without '+'). As a LIKE pattern.
create function private.lead_search_pattern(p_term text) returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_term text := btrim(lower(private.immutable_unaccent(p_term)));
begin
  if v_term is null or v_term = '' then
    return null;
  end if;
  if v_term ~ '^[0-9 ().+/-]+$' and v_term ~ '[0-9]' then
    v_term := regexp_replace(v_term, '[^0-9]', '', 'g');
    if v_term like '00%' then
      v_term := substr(v_term, 3);
    end if;
  end if;
  return '%' || replace(replace(replace(v_term, '\', '\\'), '%', '\%'), '_', '\_') || '%';
end;
$$;
comment on function private.lead_search_pattern(text) is
'A lead search term as a LIKE pattern on leads.search_text (lower-case, accent-free, phone digits).';
revoke execute on function private.lead_search_pattern(text) from public;
grant execute on function private.lead_search_pattern(text) to authenticated, service_role;

-- The leads a selection names. Filter: every lead of the caller's campaigns
-- that passes all the given keys (yours = true). Ids: each distinct id, yours
-- when it is a lead of a campaign the caller runs. Security definer so the
-- answer is the same from a bulk function and from the export, read as the
-- requester: the caller's reach is applied here, not by RLS.
create function private.leads_matching(p_selection jsonb, p_check_only boolean default false)
returns table (id uuid, yours boolean)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  c_filter_keys constant text[] := array[
    'campaign_id', 'status', 'owner_id', 'unassigned', 'attempts_min', 'attempts_max', 'last_outcome',
    'next_call_from', 'next_call_to', 'created_from', 'created_to', 'source', 'import_id', 'search'
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

  return query execute v_sql using
    v_scope, v_campaign_id, v_status, v_owner_id, v_unassigned, v_attempts_min, v_attempts_max, v_last_outcome,
    v_next_call_from, v_next_call_to, v_created_from, v_created_to, v_source, v_import_id, v_search;
end;
$$;
comment on function private.leads_matching(jsonb, boolean) is
'The leads a bulk action or lead export selects: {"ids": [...]} or {"filter": {...}}, within the caller''s campaigns '
'(p_check_only: only check the selection).';
revoke execute on function private.leads_matching(jsonb, boolean) from public;
grant execute on function private.leads_matching(jsonb, boolean) to authenticated, service_role;

-- The answer of a bulk function from (reason, n) rows: reason null = changed.
create function private.bulk_result(p_counts jsonb) returns jsonb
language sql
immutable
set search_path = ''
as $$
  select jsonb_build_object(
    'matched', coalesce((select sum(e.value::bigint) from jsonb_each_text(p_counts) as e), 0),
    'changed', coalesce((p_counts ->> 'changed')::bigint, 0),
    'skipped', coalesce(p_counts - 'changed', '{}'::jsonb)
  )
$$;
comment on function private.bulk_result(jsonb) is
'{"matched", "changed", "skipped": {reason: n}} from {"changed": n, "<reason>": n, ...}.';
revoke execute on function private.bulk_result(jsonb) from public;

create function private.require_lead_permission(p_permission text, p_doing text) returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if not private.has_permission(p_permission) then
    raise exception using
      errcode = '42501',
      message = format('p_selection: %s needs %s', p_doing, p_permission);
  end if;
end;
$$;
comment on function private.require_lead_permission(text, text) is 'A bulk action''s permission check (42501).';
revoke execute on function private.require_lead_permission(text, text) from public;

-- ============================================================================
-- Section - The bulk functions
-- ============================================================================

-- Shape of each: the selection with a reason per lead (null: to change), the
-- update restricted to those (its WHERE repeats the conditions, so a lead
-- that changed meanwhile is re-checked on its latest version and counted as
-- changed_meanwhile), then {reason: n} into private.bulk_result.

create function public.bulk_assign_leads(p_selection jsonb, p_agent_id uuid) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true);
  v_agent_campaigns uuid[];
  v_counts jsonb;
  v_first uuid;
  v_campaign uuid;
begin
  perform set_config('crm.via', 'rpc/bulk_assign_leads', true);
  perform private.require_lead_permission('leads.assign', 'assigning leads');
  if p_agent_id is null then
    raise exception using
      errcode = '22023',
      message = 'p_agent_id: required (rpc/bulk_unassign_leads returns leads to no one)';
  end if;
  -- Where p_agent_id is an active agent; an unknown user is in none.
  v_agent_campaigns := array(
    select c.id from public.campaigns as c where private.is_campaign_agent(c.id, p_agent_id)
  );

  with selected as (
    select
      m.id,
      case
        when not m.yours then 'not_found_or_not_yours'
        when l.status = 'erased' then 'erased'
        when l.status in ('won', 'lost', 'invalid', 'exhausted', 'do_not_call') then 'final_status'
        when l.status = 'in_call' then 'in_call'
        when not l.campaign_id = any(v_agent_campaigns) then 'agent_not_in_campaign'
        when l.owner_id = p_agent_id then 'unchanged'
      end as reason
    from private.leads_matching(p_selection) as m
    left join public.leads as l on m.id = l.id
  ),

  changed as (
    update public.leads as l set owner_id = p_agent_id
    from selected as s
    where
      s.reason is null and l.id = s.id
      and l.status in ('new', 'retry', 'callback')
      and l.owner_id is distinct from p_agent_id
    returning l.id, l.campaign_id
  ),

  callbacks as (
    update public.callbacks as cb set agent_id = p_agent_id
    from changed as ch
    where cb.lead_id = ch.id and cb.status = 'pending'
  )

  select
    jsonb_object_agg(r.reason, r.n),
    (select min(ch.id::text)::uuid from changed as ch),
    (select case when count(distinct ch.campaign_id) = 1 then min(ch.campaign_id::text)::uuid end from changed as ch)
  into v_counts, v_first, v_campaign
  from (
    select coalesce(s.reason, 'changed_meanwhile') as reason, count(*) as n
    from selected as s
    where s.reason is not null or not exists (select 1 from changed as ch where ch.id = s.id)
    group by 1
    union all
    select 'changed', count(*) from changed
  ) as r;

  -- One notice for the whole assignment (the trigger skips bulk changes):
  -- lead_id is one of the leads, count how many.
  if v_first is not null and p_agent_id is distinct from (select auth.uid()) then
    perform realtime.send(
      jsonb_build_object(
        'lead_id', v_first, 'campaign_id', v_campaign, 'assigned_by', (select auth.uid()),
        'count', (v_counts ->> 'changed')::bigint
      ),
      'lead_assigned', 'agent:' || p_agent_id, true
    );
  end if;

  perform set_config('crm.via', coalesce(v_via, ''), true);
  return private.bulk_result(v_counts);
end;
$$;
comment on function public.bulk_assign_leads(jsonb, uuid) is
'Assign the selected leads to an agent of their campaign (leads.assign); queued leads only.';
revoke execute on function public.bulk_assign_leads(jsonb, uuid) from public;
grant execute on function public.bulk_assign_leads(jsonb, uuid) to authenticated, service_role;

create function public.bulk_unassign_leads(p_selection jsonb) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true);
  v_counts jsonb;
begin
  perform set_config('crm.via', 'rpc/bulk_unassign_leads', true);
  perform private.require_lead_permission('leads.assign', 'unassigning leads');

  with selected as (
    select
      m.id,
      case
        when not m.yours then 'not_found_or_not_yours'
        when l.status = 'erased' then 'erased'
        when l.status = 'in_call' then 'in_call'
        when l.owner_id is null then 'unchanged'
      end as reason
    from private.leads_matching(p_selection) as m
    left join public.leads as l on m.id = l.id
  ),

  changed as (
    update public.leads as l set owner_id = null
    from selected as s
    where
      s.reason is null and l.id = s.id
      and l.status not in ('erased', 'in_call') and l.owner_id is not null
    returning l.id
  ),

  callbacks as (
    update public.callbacks as cb set agent_id = null
    from changed as ch
    where cb.lead_id = ch.id and cb.status = 'pending'
  )

  select jsonb_object_agg(r.reason, r.n) into v_counts
  from (
    select coalesce(s.reason, 'changed_meanwhile') as reason, count(*) as n
    from selected as s
    where s.reason is not null or not exists (select 1 from changed as ch where ch.id = s.id)
    group by 1
    union all
    select 'changed', count(*) from changed
  ) as r;

  perform set_config('crm.via', coalesce(v_via, ''), true);
  return private.bulk_result(v_counts);
end;
$$;
comment on function public.bulk_unassign_leads(jsonb) is
'Clear the owner of the selected leads, status kept (leads.assign).';
revoke execute on function public.bulk_unassign_leads(jsonb) from public;
grant execute on function public.bulk_unassign_leads(jsonb) to authenticated, service_role;

create function public.bulk_return_leads_to_pool(p_selection jsonb) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true);
  v_now timestamptz := private.now();
  v_counts jsonb;
begin
  perform set_config('crm.via', 'rpc/bulk_return_leads_to_pool', true);
  perform private.require_lead_permission('leads.assign', 'returning leads to the pool');

  with selected as (
    select
      m.id,
      case
        when not m.yours then 'not_found_or_not_yours'
        when l.status in ('erased', 'won', 'do_not_call', 'in_call') then l.status::text
        when l.owner_id is null and l.status in ('new', 'retry') and l.next_call_at <= v_now then 'unchanged'
      end as reason
    from private.leads_matching(p_selection) as m
    left join public.leads as l on m.id = l.id
  ),

  changed as (
    update public.leads as l set
      owner_id = null,
      status = case when l.attempts > 0 then 'retry'::public.lead_status else 'new' end,
      next_call_at = v_now
    from selected as s
    where
      s.reason is null and l.id = s.id
      and l.status not in ('erased', 'won', 'do_not_call', 'in_call')
    returning l.id
  ),

  -- Queued again now: a scheduled callback no longer stands.
  callbacks as (
    update public.callbacks as cb set status = 'cancelled', completed_at = v_now
    from changed as ch
    where cb.lead_id = ch.id and cb.status = 'pending'
  )

  select jsonb_object_agg(r.reason, r.n) into v_counts
  from (
    select coalesce(s.reason, 'changed_meanwhile') as reason, count(*) as n
    from selected as s
    where s.reason is not null or not exists (select 1 from changed as ch where ch.id = s.id)
    group by 1
    union all
    select 'changed', count(*) from changed
  ) as r;

  perform set_config('crm.via', coalesce(v_via, ''), true);
  return private.bulk_result(v_counts);
end;
$$;
comment on function public.bulk_return_leads_to_pool(jsonb) is
'Unassign the selected leads and queue them again now (retry if called before, else new) (leads.assign).';
revoke execute on function public.bulk_return_leads_to_pool(jsonb) from public;
grant execute on function public.bulk_return_leads_to_pool(jsonb) to authenticated, service_role;

create function public.bulk_set_lead_status(p_selection jsonb, p_status public.lead_status) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true);
  v_now timestamptz := private.now();
  v_counts jsonb;
begin
  perform set_config('crm.via', 'rpc/bulk_set_lead_status', true);
  perform private.require_lead_permission('leads.assign', 'changing the status of leads');
  if p_status is null then
    raise exception using
      errcode = '22023',
      message = 'p_status: required';
  end if;
  -- The statuses other functions own: a call (in_call), a scheduled callback,
  -- the do-not-call list (numbers too), the erasure.
  if p_status in ('in_call', 'callback', 'do_not_call', 'erased') then
    raise exception using
      errcode = '22023',
      message = format('p_status: %s is not set by a status change', p_status),
      hint = 'new, retry, won, lost, invalid or exhausted; rpc/bulk_do_not_call adds to the do-not-call list.';
  end if;

  with selected as (
    select
      m.id,
      case
        when not m.yours then 'not_found_or_not_yours'
        when l.status = 'erased' then 'erased'
        when l.status = 'in_call' then 'in_call'
        when l.status = p_status then 'unchanged'
      end as reason
    from private.leads_matching(p_selection) as m
    left join public.leads as l on m.id = l.id
  ),

  changed as (
    update public.leads as l set
      status = p_status,
      next_call_at = case when p_status in ('new', 'retry') then v_now end
    from selected as s
    where
      s.reason is null and l.id = s.id
      and l.status not in ('erased', 'in_call') and l.status <> p_status
    returning l.id
  ),

  callbacks as (
    update public.callbacks as cb set status = 'cancelled', completed_at = v_now
    from changed as ch
    where cb.lead_id = ch.id and cb.status = 'pending'
  )

  select jsonb_object_agg(r.reason, r.n) into v_counts
  from (
    select coalesce(s.reason, 'changed_meanwhile') as reason, count(*) as n
    from selected as s
    where s.reason is not null or not exists (select 1 from changed as ch where ch.id = s.id)
    group by 1
    union all
    select 'changed', count(*) from changed
  ) as r;

  perform set_config('crm.via', coalesce(v_via, ''), true);
  return private.bulk_result(v_counts);
end;
$$;
comment on function public.bulk_set_lead_status(jsonb, public.lead_status) is
'Set the status of the selected leads (leads.assign); new/retry queue them now, pending callbacks are cancelled.';
revoke execute on function public.bulk_set_lead_status(jsonb, public.lead_status) from public;
grant execute on function public.bulk_set_lead_status(jsonb, public.lead_status) to authenticated, service_role;

create function public.bulk_do_not_call(
  p_selection jsonb,
  p_scope text default 'campaign',
  p_reason text default ''
) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true);
  v_now timestamptz := private.now();
  v_me uuid := (select auth.uid());
  v_counts jsonb;
begin
  perform set_config('crm.via', 'rpc/bulk_do_not_call', true);
  perform private.require_lead_permission('leads.assign', 'adding leads to the do-not-call list');
  if p_scope is null or p_scope not in ('campaign', 'company') then
    raise exception using
      errcode = '22023',
      message = format('p_scope: campaign or company, not %s', coalesce(private.excerpt(p_scope), 'null'));
  end if;
  -- What the do_not_call insert policy asks for a company-wide entry.
  if p_scope = 'company' and private.current_app_role() not in ('supervisor', 'admin') then
    raise exception using
      errcode = '42501',
      message = 'p_scope: a company-wide do-not-call entry needs a supervisor or admin';
  end if;
  if p_reason is null or char_length(p_reason) > 1000 then
    raise exception using
      errcode = '22023',
      message = 'p_reason: a text of at most 1000 characters';
  end if;

  with selected as (
    select
      m.id,
      l.campaign_id,
      array[l.phone::text] || l.alternate_phones::text[] as phones,
      case
        when not m.yours then 'not_found_or_not_yours'
        when l.status = 'erased' then 'erased'
        when l.status = 'in_call' then 'in_call'
        when l.status = 'do_not_call' then 'unchanged'
      end as reason
    from private.leads_matching(p_selection) as m
    left join public.leads as l on m.id = l.id
  ),

  -- Every number of the leads reached, also those already do_not_call.
  numbers as (
    insert into public.do_not_call (phone, campaign_id, source, reason, added_by)
    select distinct n.phone, case when p_scope = 'campaign' then s.campaign_id end, 'manual'::public.do_not_call_source,
      p_reason, v_me
    from selected as s
    cross join lateral unnest(s.phones) as n (phone)
    where (s.reason is null or s.reason = 'unchanged') and n.phone is not null
    on conflict (phone, campaign_id) do nothing
    returning 1
  ),

  changed as (
    update public.leads as l set status = 'do_not_call'
    from selected as s
    where
      s.reason is null and l.id = s.id
      and l.status not in ('erased', 'in_call', 'do_not_call')
    returning l.id
  ),

  callbacks as (
    update public.callbacks as cb set status = 'cancelled', completed_at = v_now
    from changed as ch
    where cb.lead_id = ch.id and cb.status = 'pending'
  )

  select jsonb_object_agg(r.reason, r.n) || jsonb_build_object('numbers_added', (select count(*) from numbers))
  into v_counts
  from (
    select coalesce(s.reason, 'changed_meanwhile') as reason, count(*) as n
    from selected as s
    where s.reason is not null or not exists (select 1 from changed as ch where ch.id = s.id)
    group by 1
    union all
    select 'changed', count(*) from changed
  ) as r;

  perform set_config('crm.via', coalesce(v_via, ''), true);
  return private.bulk_result(v_counts - 'numbers_added')
    || jsonb_build_object('numbers_added', (v_counts ->> 'numbers_added')::bigint);
end;
$$;
comment on function public.bulk_do_not_call(jsonb, text, text) is
'Add the selected leads'' numbers to the do-not-call list (campaign or company) and close them as do_not_call '
'(leads.assign).';
revoke execute on function public.bulk_do_not_call(jsonb, text, text) from public;
grant execute on function public.bulk_do_not_call(jsonb, text, text) to authenticated, service_role;

create function public.bulk_delete_leads(p_selection jsonb) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true);
  v_counts jsonb;
begin
  perform set_config('crm.via', 'rpc/bulk_delete_leads', true);
  perform private.require_lead_permission('leads.delete', 'deleting leads');

  -- Kept: a lead with sales (sales.lead_id restricts), one under a legal
  -- hold, an erased lead (its erasure is still being carried out on
  -- recordings), a lead in a call.
  with selected as (
    select
      m.id,
      case
        when not m.yours then 'not_found_or_not_yours'
        when l.status = 'erased' then 'erased'
        when l.status = 'in_call' then 'in_call'
        when exists (select 1 from public.sales as sa where sa.lead_id = l.id) then 'has_sales'
        when exists (
          select 1 from public.legal_holds as h where h.lead_id = l.id and h.released_at is null
        ) then 'legal_hold'
      end as reason
    from private.leads_matching(p_selection) as m
    left join public.leads as l on m.id = l.id
  ),

  changed as (
    delete from public.leads as l
    using selected as s
    where s.reason is null and l.id = s.id and l.status not in ('erased', 'in_call')
    returning l.id
  )

  select jsonb_object_agg(r.reason, r.n) into v_counts
  from (
    select coalesce(s.reason, 'changed_meanwhile') as reason, count(*) as n
    from selected as s
    where s.reason is not null or not exists (select 1 from changed as ch where ch.id = s.id)
    group by 1
    union all
    select 'changed', count(*) from changed
  ) as r;

  perform set_config('crm.via', coalesce(v_via, ''), true);
  return private.bulk_result(v_counts);
end;
$$;
comment on function public.bulk_delete_leads(jsonb) is
'Delete the selected leads (leads.delete); leads with sales, on legal hold, erased or in a call are kept.';
revoke execute on function public.bulk_delete_leads(jsonb) from public;
grant execute on function public.bulk_delete_leads(jsonb) to authenticated, service_role;

-- ============================================================================
-- Section - No broadcast per lead from a bulk assignment
-- ============================================================================

drop trigger leads_notify_assigned on public.leads;
create trigger leads_notify_assigned
after update of owner_id on public.leads
for each row
when (
  new.owner_id is not null and new.owner_id is distinct from old.owner_id
  and coalesce(current_setting('crm.via', true), '') not like 'rpc/bulk\_%'
)
execute function private.notify_lead_assigned();
