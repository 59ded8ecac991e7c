-- The queue and lead reads at scale: what bench/crm_api.py found at 1,000,000 leads.
--
-- 1. rpc/next_lead (step 2, an agent without a due callback) took 100-330 ms:
--    the planner sorted every due lead of the campaign that the agent owns or
--    that is in the pool (about 15,000 rows) to keep the first one. Two causes:
--    a. private.in_calling_hours() was inlined into the query as three
--       conditions on `now() at time zone l.time_zone`; the planner cannot
--       estimate them, multiplies default selectivities (about 0.0002) and
--       expects one row, so an ordered index scan that stops at the first
--       callable lead never looks cheaper than a sort. Not inlined, the test
--       counts as one opaque condition (selectivity 1/3).
--    b. leads_queue_idx ordered by next_call_at only, while the queue orders by
--       (next_call_at, id): an import gives all its leads the same
--       next_call_at (leads_validate sets it to the import's now()), and every
--       tie had to be read and sorted. The index now carries id too.
--    Together: an index scan in queue order that stops at the first callable
--    lead, under 1 ms.
-- 2. "My leads" as an agent paid for the supervisors' policy: the three select
--    policies of leads are OR-ed supervisors first (PostgreSQL combines
--    permissive policies in reverse name order), so every agent's read ran
--    private.supervised_campaign_ids() (a security definer SQL function,
--    planned again on each query) before its own owner check. One policy, own
--    leads first, stops at the owner check for an agent's own rows; the same
--    rows stay visible to the same users (Supabase's advisor flags several
--    permissive policies for one role and action for this reason).

-- ============================================================================
-- Section - The calling-hours test
-- ============================================================================

-- Same test as before (lead's local day and time inside the window), now in
-- plpgsql so that the planner never inlines it: called once per lead actually
-- examined, which in queue order is a handful.
create or replace function private.in_calling_hours(
  p_at timestamptz, p_time_zone text, p_start time, p_end time, p_days smallint[]
) returns boolean
language plpgsql
stable
set search_path = ''
as $$
declare
  v_local timestamp := p_at at time zone p_time_zone;
begin
  return extract(isodow from v_local)::smallint = any(p_days)
    and v_local::time >= p_start
    and v_local::time < p_end;
end;
$$;
comment on function private.in_calling_hours(timestamptz, text, time, time, smallint[]) is
'Is p_at inside [p_start, p_end) on one of p_days (ISO) in p_time_zone? Not inlinable on purpose: '
'inlined, the planner misestimates the queue query of rpc/next_lead and sorts the whole queue.';

-- ============================================================================
-- Section - Queue index
-- ============================================================================

-- The queue rpc/next_lead reads, in its exact order: queued leads of a
-- campaign by due time, then id (ties are common: one import, one next_call_at).
create index leads_queue_order_idx on public.leads (campaign_id, next_call_at, id)
where status in ('new', 'retry', 'callback');
drop index public.leads_queue_idx;
alter index public.leads_queue_order_idx rename to leads_queue_idx;

-- ============================================================================
-- Section - RLS Policies
-- ============================================================================

drop policy "Agents can view their own leads" on public.leads;
drop policy "Supervisors can view the leads of their campaigns" on public.leads;
drop policy "Admins can view every lead" on public.leads;

-- Agents see their own leads, supervisors the leads of the campaigns they run,
-- admins every lead. One policy so that the cheap owner check comes first.
create policy "Users can view own or their campaigns' leads and admins all"
on public.leads for select to authenticated
using (
  owner_id = (select auth.uid())
  or campaign_id = any(array(select private.supervised_campaign_ids()))
  or (select private.is_admin())
);
