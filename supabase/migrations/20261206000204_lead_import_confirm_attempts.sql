-- rpc/confirm_lead_import starts the import's attempts from zero: the
-- preview's claim counted one, and an import must get all of
-- LEAD_IMPORT_MAX_ATTEMPTS. Otherwise as in migration 20261206000200.

-- rpc/confirm_lead_import: a previewed import is queued (options replaced
-- when p_options is given).
create or replace function public.confirm_lead_import(p_import_id uuid, p_options jsonb default null)
returns public.lead_imports
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_import public.lead_imports := private.lead_import_of_caller(p_import_id);
  v_options jsonb := v_import.options;
begin
  if v_import.status <> 'previewed' then
    raise exception using
      errcode = 'PT409',
      message = format('p_import_id: import %s is %s, not previewed', p_import_id, v_import.status);
  end if;
  if p_options is not null then
    v_options := private.lead_import_options(p_options);
  end if;
  update public.lead_imports as i set
    status = 'queued', options = v_options - 'preview', worker = null, heartbeat_at = null, attempts = 0
  where i.id = p_import_id
  returning * into v_import;
  perform pg_notify('lead_imports', v_import.id::text);
  return v_import;
end;
$$;
comment on function public.confirm_lead_import(uuid, jsonb) is
'Queue a previewed import (with new options when given); returns the import row.';
revoke execute on function public.confirm_lead_import(uuid, jsonb) from public, anon;
grant execute on function public.confirm_lead_import(uuid, jsonb) to authenticated;
