-- Lead import batches: the trigram index's new entries wait in its pending
-- list (GIN fastupdate) up to 64 MB instead of 4 MB, and the import empties
-- the list when it ends.
--
-- leads_search_text_idx (migration 20261206000100) takes ~40 trigrams a lead; with
-- the default 4 MB list a 5,000-row batch fills it about every other batch and
-- then merges it into the index inside the batch. Merging larger lists costs
-- less a row (the entries of a trigram are merged together), and autovacuum
-- may merge them meanwhile in its own process. Measured on 5,000-row batches
-- against 1,000,000 leads with a near-full list: 610 ms CPU a batch with 4 MB,
-- 540 ms with 64 MB. The setting is the function's own (restored when it
-- returns); other sessions keep 4 MB. A larger list is read by every search
-- until merged, so lead_import_finish merges it (gin_clean_pending_list, as
-- the index's owner) before the import is done: the import pays for it, and
-- the next search or the next lead inserted through the API does not.

alter function private.lead_import_write_batch(uuid, text, bigint, bigint, jsonb, jsonb)
set gin_pending_list_limit = '64MB';

-- As in migration 20261206000200, plus the merge of the pending list.
create or replace function private.lead_import_finish(p_id uuid, p_worker text, p_error_report_path text default null)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
begin
  update public.lead_imports as i set
    status = case when i.cancel_requested then 'cancelled' else 'done' end,
    error_report_path = p_error_report_path,
    total_rows = case when i.cancel_requested then i.total_rows else i.processed_rows end,
    finished_at = v_now, heartbeat_at = v_now
  where i.id = p_id and i.worker = p_worker and i.status = 'running';
  if not found then
    return false;
  end if;
  perform pg_catalog.gin_clean_pending_list('public.leads_search_text_idx'::pg_catalog.regclass);
  return true;
end;
$$;
