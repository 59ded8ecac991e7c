-- Lead status erased: a lead whose personal data was removed on request.
--
-- In a migration of its own because PostgreSQL does not let a new enum value
-- be used in the transaction that adds it; rpc/erase_lead (migration
-- 20261124008400) sets it.

alter type public.lead_status add value if not exists 'erased';

comment on type public.lead_status is
'Queued: new, retry, callback. Being called: in_call. Final: won, lost, invalid, exhausted, do_not_call, erased.';
