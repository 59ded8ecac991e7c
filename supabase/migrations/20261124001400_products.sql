-- Insurance products and the campaigns that sell them.
--
-- Admins (products.manage) keep the catalogue; campaign managers choose what
-- each campaign sells; agents and supervisors see the products of their own
-- campaigns only, and a sale must be of one of them.

-- ============================================================================
-- Section - Products
-- ============================================================================

create type public.insurance_line as enum (
  'life', 'health', 'dental', 'auto', 'home', 'travel', 'accident', 'funeral', 'pet'
);
comment on type public.insurance_line is 'The line of business of an insurance product.';

create type public.payment_frequency as enum ('monthly', 'quarterly', 'yearly', 'single');
comment on type public.payment_frequency is 'How often a premium is paid.';

-- An insurance product (policy type) with its base premium and coverage.
create table public.products (
  id uuid primary key default gen_random_uuid(),
  code text not null unique check (code ~ '^[A-Z0-9][A-Z0-9_-]{1,31}$'),
  name text not null check (name <> ''),
  description text not null default '',
  insurance_line public.insurance_line not null,
  premium numeric(12, 2) not null check (premium > 0),
  payment_frequency public.payment_frequency not null default 'monthly',
  currency text not null default 'EUR' check (currency ~ '^[A-Z]{3}$'),
  coverage_amount numeric(14, 2) check (coverage_amount > 0),
  coverage_summary text not null default '',
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.products is 'Insurance products (policies) the call center sells.';
comment on column public.products.premium is 'Base premium per payment_frequency, in currency.';

create trigger products_set_updated_at
before update on public.products
for each row execute function private.set_updated_at();

alter table public.products enable row level security;
grant select, insert, update, delete on public.products to authenticated;
grant all on public.products to service_role;

-- ============================================================================
-- Section - Campaign products
-- ============================================================================

-- Which products each campaign sells.
create table public.campaign_products (
  campaign_id uuid not null references public.campaigns (id) on delete cascade,
  product_id uuid not null references public.products (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (campaign_id, product_id)
);
comment on table public.campaign_products is 'The products each campaign sells.';
create index campaign_products_product_id_idx on public.campaign_products (product_id);

alter table public.campaign_products enable row level security;
grant select, insert, delete on public.campaign_products to authenticated;
grant all on public.campaign_products to service_role;

-- ============================================================================
-- Section - Helpers
-- ============================================================================

-- Products sold by the campaigns the signed-in user belongs to.
create function private.my_product_ids() returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select distinct cp.product_id
  from public.campaign_products as cp
  where cp.campaign_id in (select private.my_campaign_ids())
$$;
revoke execute on function private.my_product_ids() from public;
grant execute on function private.my_product_ids() to authenticated, service_role;

-- ============================================================================
-- Section - RLS Policies: products
-- ============================================================================

create policy "Members can view the products of their campaigns"
on public.products for select to authenticated
using (id = any(array(select private.my_product_ids())));

create policy "Admins and product managers can view every product"
on public.products for select to authenticated
using ((select private.is_admin()) or (select private.has_permission('products.manage')));

create policy "Product managers can add products"
on public.products for insert to authenticated
with check ((select private.has_permission('products.manage')));

create policy "Product managers can change products"
on public.products for update to authenticated
using ((select private.has_permission('products.manage')))
with check ((select private.has_permission('products.manage')));

create policy "Product managers can remove products"
on public.products for delete to authenticated
using ((select private.has_permission('products.manage')));

-- ============================================================================
-- Section - RLS Policies: campaign_products
-- ============================================================================

create policy "Members can view what their campaigns sell"
on public.campaign_products for select to authenticated
using (campaign_id = any(array(select private.my_campaign_ids())));

create policy "Admins can view what every campaign sells"
on public.campaign_products for select to authenticated
using ((select private.is_admin()));

create policy "Campaign managers can add products to campaigns"
on public.campaign_products for insert to authenticated
with check ((select private.has_permission('campaigns.manage')));

create policy "Campaign managers can remove products from campaigns"
on public.campaign_products for delete to authenticated
using ((select private.has_permission('campaigns.manage')));
