-- Bulk actions write the leads' history in one insert per call.
--
-- At 100,000 leads, leads_write_history (a plpgsql trigger: two row-to-jsonb
-- conversions, a key-by-key diff and one insert per row) was about half of a
-- bulk action's time. The trigger now skips a change made inside a bulk
-- function (crm.via = 'rpc/bulk_...', set by the function for its own
-- statement and restored after), and each bulk function inserts the same rows
-- from its update's (or delete's) old and new values: the same lead_id,
-- campaign_id, operation, changed_fields (sorted), old_values and new_values
-- (the changed columns only; a delete: every non-null column but updated_at
-- and search_text), changed_by, actor, via and db_role. The columns a bulk
-- update may change are listed per function: the other columns do not change
-- (leads_validate only moves next_call_at with the status, and set_updated_at
-- only updated_at, which the history leaves out). The old values are read in
-- the statement's snapshot: a lead changed meanwhile is re-checked by the
-- update, and its history then shows the snapshot's old value.

drop trigger leads_write_history on public.leads;
create trigger leads_write_history
after insert or delete or update on public.leads
for each row
when (coalesce(current_setting('crm.via', true), '') not like 'rpc/bulk\_%')
execute function private.write_lead_history();

create or replace function public.bulk_assign_leads(p_selection jsonb, p_agent_id uuid) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true);
  v_actor text := private.current_actor();
  v_me uuid := (select auth.uid());
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
      jsonb_build_object('owner_id', l.owner_id) as old_values,
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
    returning l.id, l.campaign_id, jsonb_build_object('owner_id', l.owner_id) as new_values
  ),

  -- The history rows leads_write_history would write, in one insert (the trigger
  -- skips bulk changes: migration 20261206000160).
  history as (
    insert into public.lead_history (
      lead_id, campaign_id, operation, changed_fields, old_values, new_values, changed_by, actor, via
    )
    select
      ch.id,
      ch.campaign_id,
      'update',
      d.fields,
      (select jsonb_object_agg(o.key, o.value) from jsonb_each(s.old_values) as o where o.key = any(d.fields)),
      (select jsonb_object_agg(n.key, n.value) from jsonb_each(ch.new_values) as n where n.key = any(d.fields)),
      v_me,
      v_actor,
      'rpc/bulk_assign_leads'
    from changed as ch
    inner join selected as s on ch.id = s.id
    cross join lateral (select private.changed_columns(s.old_values, ch.new_values) as fields) as d
    where cardinality(d.fields) > 0
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

create or replace function public.bulk_unassign_leads(p_selection jsonb) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true);
  v_actor text := private.current_actor();
  v_me uuid := (select auth.uid());
  v_counts jsonb;
begin
  perform set_config('crm.via', 'rpc/bulk_unassign_leads', true);
  perform private.require_lead_permission('leads.assign', 'unassigning leads');

  with selected as (
    select
      m.id,
      jsonb_build_object('owner_id', l.owner_id) as old_values,
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
    returning l.id, l.campaign_id, jsonb_build_object('owner_id', l.owner_id) as new_values
  ),

  -- The history rows leads_write_history would write, in one insert (the trigger
  -- skips bulk changes: migration 20261206000160).
  history as (
    insert into public.lead_history (
      lead_id, campaign_id, operation, changed_fields, old_values, new_values, changed_by, actor, via
    )
    select
      ch.id,
      ch.campaign_id,
      'update',
      d.fields,
      (select jsonb_object_agg(o.key, o.value) from jsonb_each(s.old_values) as o where o.key = any(d.fields)),
      (select jsonb_object_agg(n.key, n.value) from jsonb_each(ch.new_values) as n where n.key = any(d.fields)),
      v_me,
      v_actor,
      'rpc/bulk_unassign_leads'
    from changed as ch
    inner join selected as s on ch.id = s.id
    cross join lateral (select private.changed_columns(s.old_values, ch.new_values) as fields) as d
    where cardinality(d.fields) > 0
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

create or replace function public.bulk_return_leads_to_pool(p_selection jsonb) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true);
  v_actor text := private.current_actor();
  v_me uuid := (select auth.uid());
  v_now timestamptz := private.now();
  v_counts jsonb;
begin
  perform set_config('crm.via', 'rpc/bulk_return_leads_to_pool', true);
  perform private.require_lead_permission('leads.assign', 'returning leads to the pool');

  with selected as (
    select
      m.id,
      jsonb_build_object('owner_id', l.owner_id, 'status', l.status, 'next_call_at', l.next_call_at) as old_values,
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
    returning l.id, l.campaign_id, jsonb_build_object('owner_id', l.owner_id, 'status', l.status, 'next_call_at', l.next_call_at) as new_values
  ),

  -- Queued again now: a scheduled callback no longer stands.
  -- The history rows leads_write_history would write, in one insert (the trigger
  -- skips bulk changes: migration 20261206000160).
  history as (
    insert into public.lead_history (
      lead_id, campaign_id, operation, changed_fields, old_values, new_values, changed_by, actor, via
    )
    select
      ch.id,
      ch.campaign_id,
      'update',
      d.fields,
      (select jsonb_object_agg(o.key, o.value) from jsonb_each(s.old_values) as o where o.key = any(d.fields)),
      (select jsonb_object_agg(n.key, n.value) from jsonb_each(ch.new_values) as n where n.key = any(d.fields)),
      v_me,
      v_actor,
      'rpc/bulk_return_leads_to_pool'
    from changed as ch
    inner join selected as s on ch.id = s.id
    cross join lateral (select private.changed_columns(s.old_values, ch.new_values) as fields) as d
    where cardinality(d.fields) > 0
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

create or replace function public.bulk_set_lead_status(p_selection jsonb, p_status public.lead_status) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true);
  v_actor text := private.current_actor();
  v_me uuid := (select auth.uid());
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
      jsonb_build_object('status', l.status, 'next_call_at', l.next_call_at) as old_values,
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
    returning l.id, l.campaign_id, jsonb_build_object('status', l.status, 'next_call_at', l.next_call_at) as new_values
  ),

  -- The history rows leads_write_history would write, in one insert (the trigger
  -- skips bulk changes: migration 20261206000160).
  history as (
    insert into public.lead_history (
      lead_id, campaign_id, operation, changed_fields, old_values, new_values, changed_by, actor, via
    )
    select
      ch.id,
      ch.campaign_id,
      'update',
      d.fields,
      (select jsonb_object_agg(o.key, o.value) from jsonb_each(s.old_values) as o where o.key = any(d.fields)),
      (select jsonb_object_agg(n.key, n.value) from jsonb_each(ch.new_values) as n where n.key = any(d.fields)),
      v_me,
      v_actor,
      'rpc/bulk_set_lead_status'
    from changed as ch
    inner join selected as s on ch.id = s.id
    cross join lateral (select private.changed_columns(s.old_values, ch.new_values) as fields) as d
    where cardinality(d.fields) > 0
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

create or replace function public.bulk_do_not_call(
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
  v_actor text := private.current_actor();
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
      jsonb_build_object('status', l.status, 'next_call_at', l.next_call_at) as old_values,
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
    returning l.id, l.campaign_id, jsonb_build_object('status', l.status, 'next_call_at', l.next_call_at) as new_values
  ),

  -- The history rows leads_write_history would write, in one insert (the trigger
  -- skips bulk changes: migration 20261206000160).
  history as (
    insert into public.lead_history (
      lead_id, campaign_id, operation, changed_fields, old_values, new_values, changed_by, actor, via
    )
    select
      ch.id,
      ch.campaign_id,
      'update',
      d.fields,
      (select jsonb_object_agg(o.key, o.value) from jsonb_each(s.old_values) as o where o.key = any(d.fields)),
      (select jsonb_object_agg(n.key, n.value) from jsonb_each(ch.new_values) as n where n.key = any(d.fields)),
      v_me,
      v_actor,
      'rpc/bulk_do_not_call'
    from changed as ch
    inner join selected as s on ch.id = s.id
    cross join lateral (select private.changed_columns(s.old_values, ch.new_values) as fields) as d
    where cardinality(d.fields) > 0
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

create or replace function public.bulk_delete_leads(p_selection jsonb) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true);
  v_me uuid := (select auth.uid());
  v_actor text := private.current_actor();
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
    returning l.id, l.campaign_id, to_jsonb(l) - 'updated_at' - 'search_text' as old_values
  ),

  -- As leads_write_history: the deleted row's non-null columns.
  history as (
    insert into public.lead_history (
      lead_id, campaign_id, operation, changed_fields, old_values, new_values, changed_by, actor, via
    )
    select
      ch.id,
      ch.campaign_id,
      'delete',
      (select coalesce(array_agg(o.key order by o.key), '{}') from jsonb_each(ch.old_values) as o
        where o.value <> 'null'::jsonb),
      ch.old_values,
      null,
      v_me,
      v_actor,
      'rpc/bulk_delete_leads'
    from changed as ch
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
