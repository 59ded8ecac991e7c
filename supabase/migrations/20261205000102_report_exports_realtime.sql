-- Report exports reach their requester by Realtime (issue 14): the webphone
-- listens to postgres_changes (UPDATE, filter id=eq.<export id>) on
-- public.report_exports instead of polling the row. Realtime delivers a
-- change only to subscribers whose RLS lets them select the row: the
-- requester and admins (supabase/policies/report_exports.sql), no one else.
alter publication supabase_realtime add table public.report_exports;
