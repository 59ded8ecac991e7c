-- Length limits on every free-text column clients write (issue 12, item 6).
--
-- A 1,000,000-character name was stored, and errors echoed whole arguments.
-- Two things here:
--
-- - A CHECK constraint per free-text column, named <table>_<column>_length,
--   so a refusal (23514, HTTP 400) names the column:
--   new row for relation "leads" violates check constraint "leads_first_name_length".
--   Constraints rather than triggers: they hold for every writer (the
--   service role, the workers, a restore with triggers disabled), they are
--   declared where the columns are, and PostgreSQL quotes no failing row on
--   tables under row level security (all of these are). The limits are what
--   a call center needs, listed in docs/interface.md ("Limits"). Lengths
--   are characters (char_length), not bytes; jsonb is measured as its text.
-- - private.excerpt(text): at most the 64 first characters of a value, and
--   an ellipsis when cut, for every error message that quotes client input
--   (used by migration 20261204005010).
--
-- Rows already stored: the constraints are added NOT VALID here (a brief
-- ACCESS EXCLUSIVE lock, no scan) and validated by the next migration
-- (20261204005001) under a SHARE UPDATE EXCLUSIVE lock that lets reads and
-- writes go on. New writes are checked from this migration on. If a
-- production database holds a longer value, the validation fails and names
-- the constraint; trim those rows (`select id from <table> where
-- char_length(<column>) > N`) and run the migrations again. Nothing is cut
-- silently: a too long note is a person's words.

-- ============================================================================
-- Section - The excerpt helper
-- ============================================================================

-- A short prefix of a client-supplied value for an error message: the value
-- itself up to p_max characters, else its first p_max and '...'; null stays
-- null. Callers keep their own quoting (format's %L or %s).
create function private.excerpt(p_value text, p_max integer default 64) returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case
    when char_length(p_value) <= p_max then p_value
    else left(p_value, p_max) || '...'
  end
$$;
comment on function private.excerpt(text, integer) is
'At most p_max (64) characters of a client value, with ... when cut: what error messages quote.';
revoke execute on function private.excerpt(text, integer) from public;
-- Invoker functions and domain checks quote through it as the caller.
grant execute on function private.excerpt(text, integer) to authenticated, service_role;

-- ============================================================================
-- Section - Limits
-- ============================================================================

alter table public.profiles
add constraint profiles_full_name_length check (char_length(full_name) <= 200) not valid,
add constraint profiles_email_length check (char_length(email) <= 320) not valid;

alter table public.permissions
add constraint permissions_description_length check (char_length(description) <= 1000) not valid;

alter table public.dispositions
add constraint dispositions_label_es_length check (char_length(label_es) <= 200) not valid,
add constraint dispositions_label_en_length check (char_length(label_en) <= 200) not valid;

alter table public.campaigns
add constraint campaigns_name_length check (char_length(name) <= 200) not valid,
add constraint campaigns_description_length check (char_length(description) <= 4000) not valid,
add constraint campaigns_recording_notice_length check (char_length(recording_notice) <= 4000) not valid,
add constraint campaigns_caller_id_length check (char_length(caller_id) <= 32) not valid,
add constraint campaigns_allowed_dispositions_length check (cardinality(allowed_dispositions) <= 100) not valid;

alter table public.products
add constraint products_name_length check (char_length(name) <= 200) not valid,
add constraint products_description_length check (char_length(description) <= 4000) not valid,
add constraint products_coverage_summary_length check (char_length(coverage_summary) <= 4000) not valid;

alter table public.leads
add constraint leads_first_name_length check (char_length(first_name) <= 200) not valid,
add constraint leads_last_name_length check (char_length(last_name) <= 200) not valid,
add constraint leads_email_length check (char_length(email) <= 320) not valid,
add constraint leads_address_line_length check (char_length(address_line) <= 500) not valid,
add constraint leads_city_length check (char_length(city) <= 200) not valid,
add constraint leads_region_length check (char_length(region) <= 200) not valid,
add constraint leads_postal_code_length check (char_length(postal_code) <= 20) not valid,
add constraint leads_notes_length check (char_length(notes) <= 4000) not valid,
add constraint leads_source_length check (char_length(source) <= 200) not valid,
add constraint leads_external_ref_length check (char_length(external_ref) <= 200) not valid,
add constraint leads_alternate_phones_length check (cardinality(alternate_phones) <= 10) not valid,
add constraint leads_custom_length check (char_length(custom::text) <= 16000) not valid;

alter table public.do_not_call
add constraint do_not_call_reason_length check (char_length(reason) <= 1000) not valid;

-- calls is partitioned: the constraint goes to every partition, and a new
-- monthly partition (created like public.calls) carries it.
alter table public.calls
add constraint calls_notes_length check (char_length(notes) <= 4000) not valid,
add constraint calls_hangup_cause_text_length check (char_length(hangup_cause_text) <= 200) not valid;

alter table public.callbacks
add constraint callbacks_notes_length check (char_length(notes) <= 4000) not valid;

alter table public.sales
add constraint sales_notes_length check (char_length(notes) <= 4000) not valid,
add constraint sales_status_reason_length check (char_length(status_reason) <= 1000) not valid;

alter table public.sale_status_history
add constraint sale_status_history_reason_length check (char_length(reason) <= 1000) not valid;

alter table public.legal_holds
add constraint legal_holds_reason_length check (char_length(reason) <= 1000) not valid;

alter table public.report_exports
add constraint report_exports_params_length check (char_length(params::text) <= 4000) not valid;
