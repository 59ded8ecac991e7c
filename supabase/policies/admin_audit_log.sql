-- RLS policies of public.admin_audit_log. Source of truth; the migrations carry the same text.

-- Written by trigger only (private.write_admin_audit); append-only.
create policy "User and permission managers can view the admin audit log"
on public.admin_audit_log for select to authenticated
using (
  (select private.has_permission('users.manage'))
  or (select private.has_permission('permissions.manage'))
);
