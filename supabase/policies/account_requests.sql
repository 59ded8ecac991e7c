-- RLS policies of public.account_requests. Source of truth; the migrations carry the same text.

-- Rows are written by rpc/invite_user... and the accounts worker only.
create policy "User managers can view account requests"
on public.account_requests for select to authenticated
using ((select private.has_permission('users.manage')));
