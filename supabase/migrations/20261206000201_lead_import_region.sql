-- Lead import: the default region of an import's national phone numbers,
-- for the worker (p_options.default_region, else the campaign's country).

create function private.lead_import_region(p_id uuid, p_worker text) returns text
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(i.options ->> 'default_region', c.country_code)
  from public.lead_imports as i
  inner join public.campaigns as c on i.campaign_id = c.id
  where i.id = p_id and i.worker = p_worker
$$;
comment on function private.lead_import_region(uuid, text) is
'Lead import worker: the default phone region of import p_id it holds (option, else the campaign''s).';
revoke execute on function private.lead_import_region(uuid, text) from public;
grant execute on function private.lead_import_region(uuid, text) to crm_lead_import;
