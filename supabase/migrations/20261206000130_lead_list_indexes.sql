-- The leads screen's sorts at 1,000,000 leads (issue 15), measured with
-- EXPLAIN ANALYZE on bench/lead_bulk.py's data set (docs/interface.md, Leads).
--
-- - A campaign's leads newest first, and the next page by keyset: the
--   campaign's own range of (created_at, id), whatever the other campaigns
--   imported since (a scan of created_at alone filters them out row by row).
-- - Every campaign newest first (admins, supervisors without a campaign
--   filter): (created_at, id); the RLS quals filter along it.
-- - last_outcome: a partial index, empty for new leads, so imports do not
--   pay for it; a rare outcome otherwise reads the whole table.
-- Status + next call is leads_queue_idx; an owner's leads leads_owner_id_idx.
-- No index for attempts, source or the next-call range alone: they filter
-- along the created_at order at a few milliseconds per page.

create index leads_campaign_created_at_idx on public.leads (campaign_id, created_at, id);
create index leads_created_at_idx on public.leads (created_at, id);
create index leads_last_outcome_idx on public.leads (last_outcome, created_at) where last_outcome is not null;
