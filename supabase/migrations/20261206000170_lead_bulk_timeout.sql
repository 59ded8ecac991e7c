-- A bulk action on 100,000 leads takes longer than the 8 s statement_timeout of
-- the authenticated role (about 12 s of CPU for an assignment, bench/lead_bulk.py).
-- PostgREST 12.2 and later (Supabase) apply a function's statement_timeout to the
-- request's transaction ("hoisted" settings); the embedded stack's PostgREST 12.0
-- does not, so there the role's 8 s still applies (docs/interface.md, Bulk actions).
alter function public.bulk_assign_leads(jsonb, uuid) set statement_timeout = '120s';
alter function public.bulk_unassign_leads(jsonb) set statement_timeout = '120s';
alter function public.bulk_return_leads_to_pool(jsonb) set statement_timeout = '120s';
alter function public.bulk_set_lead_status(jsonb, public.lead_status) set statement_timeout = '120s';
alter function public.bulk_do_not_call(jsonb, text, text) set statement_timeout = '120s';
alter function public.bulk_delete_leads(jsonb) set statement_timeout = '120s';
