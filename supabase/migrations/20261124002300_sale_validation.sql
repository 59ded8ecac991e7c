-- Sale validation: rpc/validate_sale.
--
-- A supervisor (sales.validate, inside the campaigns they run) or an admin
-- validates or rejects a pending sale, once: a rejection needs a reason.
-- The status change lands in sale_status_history through its trigger.
-- Errors: supabase/ERRORS.md.

-- ============================================================================
-- Section - Public functions
-- ============================================================================

-- rpc/validate_sale: p_approved true validates sale p_sale_id, false rejects
-- it (p_reason required). Returns the sale.
create function public.validate_sale(p_sale_id uuid, p_approved boolean, p_reason text default null)
returns public.sales
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_via text := current_setting('crm.via', true); -- the audit tag of the caller, restored on return
  v_sale public.sales;
  v_campaign_name text;
begin
  perform set_config('crm.via', 'rpc/validate_sale', true);
  if not private.has_permission('sales.validate') then
    raise exception using
      errcode = '42501',
      message = 'p_sale_id: validating sales needs sales.validate';
  end if;
  if p_sale_id is null then
    raise exception using
      errcode = '22023',
      message = 'p_sale_id: required';
  end if;
  if p_approved is null then
    raise exception using
      errcode = '22023',
      message = 'p_approved: required (true validates the sale, false rejects it)';
  end if;
  if not p_approved and coalesce(btrim(p_reason), '') = '' then
    raise exception using
      errcode = '22023',
      message = 'p_reason: a reason is required to reject a sale';
  end if;

  select s.* into v_sale from public.sales as s where s.id = p_sale_id for update;
  if not found then
    raise exception using
      errcode = 'PT404',
      message = format('p_sale_id: no sale %s', p_sale_id);
  end if;
  if not private.manages_campaign(v_sale.campaign_id) then
    select c.name into v_campaign_name from public.campaigns as c where c.id = v_sale.campaign_id;
    raise exception using
      errcode = '42501',
      message = format('p_sale_id: sale %s is in campaign %s, which you do not run', p_sale_id, v_campaign_name);
  end if;
  if v_sale.status <> 'pending' then
    raise exception using
      errcode = 'PT409',
      message = format('p_sale_id: sale %s is already %s', p_sale_id, v_sale.status);
  end if;

  update public.sales as s set
    status = case when p_approved then 'validated'::public.sale_status else 'rejected'::public.sale_status end,
    status_reason = nullif(btrim(p_reason), ''),
    validated_by = (select auth.uid()),
    validated_at = private.now()
  where s.id = p_sale_id
  returning s.* into v_sale;
  perform set_config('crm.via', coalesce(v_via, ''), true);
  return v_sale;
end;
$$;
comment on function public.validate_sale(uuid, boolean, text) is
'Validate (true) or reject (false, with a reason) a pending sale.';
revoke execute on function public.validate_sale(uuid, boolean, text) from public, anon;
grant execute on function public.validate_sale(uuid, boolean, text) to authenticated, service_role;
