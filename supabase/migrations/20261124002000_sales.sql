-- Sales: the policies agents sell, and their validation by supervisors.
--
-- An agent registers a sale of one of their leads with a plain insert (it is
-- born pending); the campaign, premium, frequency and currency default from
-- the lead and the product. Only rpc/validate_sale (sales.validate, inside
-- the supervisor's campaigns) moves it to validated or rejected; every status
-- change is kept in sale_status_history, written by trigger only.

-- ============================================================================
-- Section - Sales
-- ============================================================================

create type public.sale_status as enum ('pending', 'validated', 'rejected', 'cancelled');
comment on type public.sale_status is
'pending until a supervisor validates or rejects it; cancelled by the service role.';

-- A sold policy: lead, product, premium and its validation.
create table public.sales (
  id uuid primary key default gen_random_uuid(),
  lead_id uuid not null references public.leads (id) on delete restrict,
  campaign_id uuid not null references public.campaigns (id) on delete restrict,
  product_id uuid not null references public.products (id) on delete restrict,
  agent_id uuid not null default auth.uid() references public.profiles (id) on delete restrict,
  call_id uuid references private.call_index (call_id) on delete set null,
  policy_number text unique check (policy_number ~ '^[A-Za-z0-9][A-Za-z0-9/-]{2,39}$'),
  premium numeric(12, 2) not null check (premium > 0),
  payment_frequency public.payment_frequency not null,
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  status public.sale_status not null default 'pending',
  status_reason text,
  validated_by uuid references public.profiles (id) on delete set null,
  validated_at timestamptz,
  notes text not null default '',
  sold_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint sales_decided_when_validated check (
    (status in ('validated', 'rejected')) = (validated_at is not null) or status = 'cancelled'
  ),
  constraint sales_rejection_has_reason check (status <> 'rejected' or coalesce(btrim(status_reason), '') <> '')
);
comment on table public.sales is 'Policies sold by agents; status changes through rpc/validate_sale only.';
comment on column public.sales.status_reason is 'Why the sale was rejected (required) or any validation note.';
comment on column public.sales.validated_by is 'The supervisor or admin who validated or rejected the sale.';

create index sales_agent_id_idx on public.sales (agent_id, sold_at);
create index sales_campaign_id_idx on public.sales (campaign_id, status, sold_at);
create index sales_lead_id_idx on public.sales (lead_id);
create index sales_product_id_idx on public.sales (product_id);
create index sales_call_id_idx on public.sales (call_id);

create trigger sales_set_updated_at
before update on public.sales
for each row execute function private.set_updated_at();

alter table public.sales enable row level security;
grant select, insert, update, delete on public.sales to authenticated;
grant all on public.sales to service_role;

-- ============================================================================
-- Section - Protected columns
-- ============================================================================

-- What a signed-in user may write directly: a new sale is pending; its
-- status and validation change only through rpc/validate_sale; its lead and
-- campaign never change; an agent sells only their own leads, in their name.
create function private.guard_sale_columns() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_column text;
  v_manager boolean;
begin
  if current_user <> 'authenticated' then
    return new;
  end if;
  -- On insert the campaign may still be empty (sales_validate fills it from
  -- the lead); the caller sees the lead if it is theirs or in their campaigns.
  v_manager := private.manages_campaign(
    coalesce(new.campaign_id, (select l.campaign_id from public.leads as l where l.id = new.lead_id))
  );

  if tg_op = 'INSERT' then
    if new.status <> 'pending' or new.validated_by is not null or new.validated_at is not null then
      raise exception using
        errcode = '42501',
        message = 'status: a new sale is pending; rpc/validate_sale validates or rejects it';
    end if;
    if not v_manager and new.agent_id is distinct from (select auth.uid()) then
      raise exception using
        errcode = '42501',
        message = 'agent_id: agents register sales in their own name';
    end if;
    if not v_manager and not exists (
      select 1 from public.leads as l
      where l.id = new.lead_id and l.owner_id = (select auth.uid())
    ) then
      raise exception using
        errcode = '42501',
        message = format('lead_id: lead %s is not yours', new.lead_id);
    end if;
    return new;
  end if;

  foreach v_column in array array_remove(private.changed_columns(to_jsonb(old), to_jsonb(new)), 'updated_at') loop
    if v_column in ('status', 'status_reason', 'validated_by', 'validated_at') then
      raise exception using
        errcode = '42501',
        message = format('%s: a sale''s status changes only through rpc/validate_sale', v_column);
    end if;
    if v_column in ('id', 'lead_id', 'campaign_id', 'created_at') then
      raise exception using
        errcode = '42501',
        message = format('%s: a sale''s %s never changes', v_column, v_column);
    end if;
    if v_column = 'agent_id' and not v_manager then
      raise exception using
        errcode = '42501',
        message = 'agent_id: only the campaign''s supervisors can credit a sale to another agent';
    end if;
  end loop;
  return new;
end;
$$;

create trigger sales_guard_columns
before insert or update on public.sales
for each row execute function private.guard_sale_columns();

-- ============================================================================
-- Section - Consistency
-- ============================================================================

-- For every writer: the campaign is the lead's; the product is sold by that
-- campaign; the seller is one of its agents; the call, if any, was to this
-- lead; premium, frequency and currency default from the product.
create function private.validate_sale_row() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_lead_campaign uuid;
  v_product public.products;
  v_call_lead uuid;
begin
  select l.campaign_id into v_lead_campaign from public.leads as l where l.id = new.lead_id;
  if not found then
    raise exception using
      errcode = '23503',
      message = format('lead_id: no lead %s', new.lead_id);
  end if;
  new.campaign_id := coalesce(new.campaign_id, v_lead_campaign);
  if new.campaign_id <> v_lead_campaign then
    raise exception using
      errcode = '23514',
      message = format('campaign_id: lead %s belongs to campaign %s', new.lead_id, v_lead_campaign);
  end if;

  select p.* into v_product from public.products as p where p.id = new.product_id;
  if not found then
    raise exception using
      errcode = '23503',
      message = format('product_id: no product %s', new.product_id);
  end if;
  if (tg_op = 'INSERT' or new.product_id <> old.product_id)
    and not exists (
      select 1 from public.campaign_products as cp
      where cp.campaign_id = new.campaign_id and cp.product_id = new.product_id
    ) then
    raise exception using
      errcode = '23514',
      message = format('product_id: product %s is not sold in campaign %s', v_product.code, new.campaign_id);
  end if;
  new.premium := coalesce(new.premium, v_product.premium);
  new.payment_frequency := coalesce(new.payment_frequency, v_product.payment_frequency);
  new.currency := coalesce(new.currency, v_product.currency);

  if (tg_op = 'INSERT' or new.agent_id <> old.agent_id)
    and not private.is_campaign_agent(new.campaign_id, new.agent_id) then
    raise exception using
      errcode = '23514',
      message = format('agent_id: user %s is not an agent of campaign %s', new.agent_id, new.campaign_id);
  end if;

  if new.call_id is not null and (tg_op = 'INSERT' or new.call_id is distinct from old.call_id) then
    select c.lead_id into v_call_lead from private.find_call(new.call_id) as c;
    if v_call_lead is distinct from new.lead_id then
      raise exception using
        errcode = '23514',
        message = format('call_id: call %s is not a call to lead %s', new.call_id, new.lead_id);
    end if;
  end if;
  return new;
end;
$$;

create trigger sales_validate
before insert or update on public.sales
for each row execute function private.validate_sale_row();

-- ============================================================================
-- Section - Sale status history
-- ============================================================================

-- One row per status a sale takes (its first, pending, included).
create table public.sale_status_history (
  id bigint generated always as identity primary key,
  sale_id uuid not null,
  campaign_id uuid not null,
  old_status public.sale_status,
  new_status public.sale_status not null,
  reason text,
  changed_by uuid,
  actor text not null check (actor in ('user', 'service_role', 'system')),
  db_role text not null default session_user,
  via text,
  changed_at timestamptz not null default now()
);
comment on table public.sale_status_history is
'Audit trail of sale statuses, written by trigger only; append-only for every API role.';

create index sale_status_history_sale_id_idx on public.sale_status_history (sale_id, changed_at);
create index sale_status_history_campaign_id_idx on public.sale_status_history (campaign_id, changed_at);

alter table public.sale_status_history enable row level security;
grant select on public.sale_status_history to authenticated;
grant select, delete on public.sale_status_history to service_role;

create trigger sale_status_history_append_only
before update on public.sale_status_history
for each row execute function private.forbid_audit_update();

-- Writes sale_status_history when a sale is created and when its status changes.
create function private.write_sale_status_history() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.status is not distinct from old.status then
    return null;
  end if;
  insert into public.sale_status_history (
    sale_id, campaign_id, old_status, new_status, reason, changed_by, actor, via
  ) values (
    new.id,
    new.campaign_id,
    case when tg_op = 'UPDATE' then old.status end,
    new.status,
    new.status_reason,
    (select auth.uid()),
    private.current_actor(),
    nullif(current_setting('crm.via', true), '')
  );
  return null;
end;
$$;

create trigger sales_write_status_history
after insert or update of status on public.sales
for each row execute function private.write_sale_status_history();

-- ============================================================================
-- Section - RLS Policies: sales
-- ============================================================================

create policy "Agents can view their own sales"
on public.sales for select to authenticated
using (agent_id = (select auth.uid()));

create policy "Supervisors can view the sales of their campaigns"
on public.sales for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every sale"
on public.sales for select to authenticated
using ((select private.is_admin()));

-- The lead must be the agent's own: checked by trigger sales_guard_columns.
create policy "Agents can register sales in their campaigns"
on public.sales for insert to authenticated
with check (
  agent_id = (select auth.uid())
  and campaign_id = any(array(select private.my_campaign_ids()))
);

create policy "Supervisors can register sales in their campaigns"
on public.sales for insert to authenticated
with check (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can register any sale"
on public.sales for insert to authenticated
with check ((select private.is_admin()));

-- Which columns may change is guarded by trigger sales_guard_columns.
create policy "Agents can correct their own pending sales"
on public.sales for update to authenticated
using (agent_id = (select auth.uid()) and status = 'pending')
with check (agent_id = (select auth.uid()) and status = 'pending');

create policy "Supervisors can correct the sales of their campaigns"
on public.sales for update to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())))
with check (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can correct every sale"
on public.sales for update to authenticated
using ((select private.is_admin()))
with check ((select private.is_admin()));

create policy "Admins can remove sales"
on public.sales for delete to authenticated
using ((select private.is_admin()));

-- ============================================================================
-- Section - RLS Policies: sale_status_history
-- ============================================================================

create policy "Agents can view the status history of their own sales"
on public.sale_status_history for select to authenticated
using (
  exists (
    select 1
    from public.sales as s
    where s.id = sale_status_history.sale_id and s.agent_id = (select auth.uid())
  )
);

create policy "Supervisors can view the sale status history of their campaigns"
on public.sale_status_history for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view all sale status history"
on public.sale_status_history for select to authenticated
using ((select private.is_admin()));
