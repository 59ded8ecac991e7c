-- Validates the length limits migration 20261204005000 added NOT VALID (see
-- there): a scan of the stored rows under SHARE UPDATE EXCLUSIVE, so reads and
-- writes go on meanwhile. A stored value over a limit stops the migration here,
-- naming the constraint; trim those rows and run it again.

alter table public.profiles validate constraint profiles_full_name_length;
alter table public.profiles validate constraint profiles_email_length;
alter table public.permissions validate constraint permissions_description_length;
alter table public.dispositions validate constraint dispositions_label_es_length;
alter table public.dispositions validate constraint dispositions_label_en_length;
alter table public.campaigns validate constraint campaigns_name_length;
alter table public.campaigns validate constraint campaigns_description_length;
alter table public.campaigns validate constraint campaigns_recording_notice_length;
alter table public.campaigns validate constraint campaigns_caller_id_length;
alter table public.campaigns validate constraint campaigns_allowed_dispositions_length;
alter table public.products validate constraint products_name_length;
alter table public.products validate constraint products_description_length;
alter table public.products validate constraint products_coverage_summary_length;
alter table public.leads validate constraint leads_first_name_length;
alter table public.leads validate constraint leads_last_name_length;
alter table public.leads validate constraint leads_email_length;
alter table public.leads validate constraint leads_address_line_length;
alter table public.leads validate constraint leads_city_length;
alter table public.leads validate constraint leads_region_length;
alter table public.leads validate constraint leads_postal_code_length;
alter table public.leads validate constraint leads_notes_length;
alter table public.leads validate constraint leads_source_length;
alter table public.leads validate constraint leads_external_ref_length;
alter table public.leads validate constraint leads_alternate_phones_length;
alter table public.leads validate constraint leads_custom_length;
alter table public.do_not_call validate constraint do_not_call_reason_length;
alter table public.calls validate constraint calls_notes_length;
alter table public.calls validate constraint calls_hangup_cause_text_length;
alter table public.callbacks validate constraint callbacks_notes_length;
alter table public.sales validate constraint sales_notes_length;
alter table public.sales validate constraint sales_status_reason_length;
alter table public.sale_status_history validate constraint sale_status_history_reason_length;
alter table public.legal_holds validate constraint legal_holds_reason_length;
alter table public.report_exports validate constraint report_exports_params_length;
