-- The do-not-call list: numbers that must never be dialled.
--
-- An entry without campaign is company-wide (a person who asked not to be
-- called again: rpc/end_call adds it with the do_not_call disposition); an
-- entry with a campaign blocks the number in that campaign only. next_lead
-- never hands out a lead whose number is listed, and start_call refuses to
-- dial a listed number. Adding a number only restricts, so every supervisor
-- may add one; removing one is for the supervisors of its campaign, and for
-- admins when it is company-wide.

-- ============================================================================
-- Section - Do-not-call list
-- ============================================================================

create type public.do_not_call_source as enum ('manual', 'lead_request', 'import', 'regulator');
comment on type public.do_not_call_source is 'How a number came onto the do-not-call list.';

-- A number never to be dialled, company-wide or in one campaign.
create table public.do_not_call (
  id uuid primary key default gen_random_uuid(),
  phone public.phone_e164 not null,
  campaign_id uuid references public.campaigns (id) on delete cascade,
  source public.do_not_call_source not null default 'manual',
  reason text not null default '',
  added_by uuid default auth.uid() references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  constraint do_not_call_phone_campaign_key unique nulls not distinct (phone, campaign_id)
);
comment on table public.do_not_call is
'Numbers never to be dialled: company-wide (campaign_id null) or in one campaign.';

create index do_not_call_campaign_id_idx on public.do_not_call (campaign_id);

alter table public.do_not_call enable row level security;
grant select, insert, update, delete on public.do_not_call to authenticated;
grant all on public.do_not_call to service_role;

-- ============================================================================
-- Section - Helpers
-- ============================================================================

-- Is p_phone listed company-wide or for p_campaign_id?
create function private.is_do_not_call(p_phone text, p_campaign_id uuid) returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
    from public.do_not_call as d
    where d.phone = p_phone and (d.campaign_id is null or d.campaign_id = p_campaign_id)
  )
$$;
revoke execute on function private.is_do_not_call(text, uuid) from public;
grant execute on function private.is_do_not_call(text, uuid) to authenticated, service_role;

-- ============================================================================
-- Section - RLS Policies
-- ============================================================================

create policy "Supervisors can view the company-wide do-not-call list"
on public.do_not_call for select to authenticated
using (campaign_id is null and (select private.current_app_role()) in ('supervisor', 'admin'));

create policy "Supervisors can view the do-not-call list of their campaigns"
on public.do_not_call for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every do-not-call entry"
on public.do_not_call for select to authenticated
using ((select private.is_admin()));

create policy "Supervisors can add numbers company-wide or to their campaigns"
on public.do_not_call for insert to authenticated
with check (
  (campaign_id is null and (select private.current_app_role()) in ('supervisor', 'admin'))
  or campaign_id = any(array(select private.supervised_campaign_ids()))
  or (select private.is_admin())
);

create policy "Supervisors can change the do-not-call entries of their campaigns"
on public.do_not_call for update to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())))
with check (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can change every do-not-call entry"
on public.do_not_call for update to authenticated
using ((select private.is_admin()))
with check ((select private.is_admin()));

create policy "Supervisors can remove the do-not-call entries of their campaigns"
on public.do_not_call for delete to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can remove every do-not-call entry"
on public.do_not_call for delete to authenticated
using ((select private.is_admin()));
