// The admin audit log (issue 15): every change to campaigns, products,
// memberships, users and permissions, newest first, keyset paginated on
// (changed_at, id) so a page costs the same at any depth. users.manage or
// permissions.manage (RLS).

import type { Supabase } from '../app/config';
import { unwrapRows } from './errors';

export interface AuditFilter {
  table?: string;
  changedBy?: string;
  from?: string;
  to?: string;
}

export interface AuditCursor {
  changedAt: string;
  id: number;
}

export const AUDIT_PAGE = 50;

/** One page of admin_audit_log rows older than `after` (the last row of the previous page). */
export async function listAudit(supabase: Supabase, filter: AuditFilter, after: AuditCursor | null) {
  let q = supabase.from('admin_audit_log')
    .select('id, table_name, record_key, operation, changed_fields, old_values, new_values, changed_by, actor, db_role, changed_at')
    .order('changed_at', { ascending: false })
    .order('id', { ascending: false })
    .limit(AUDIT_PAGE);
  if (filter.table) q = q.eq('table_name', filter.table);
  if (filter.changedBy) q = q.eq('changed_by', filter.changedBy);
  if (filter.from) q = q.gte('changed_at', filter.from);
  if (filter.to) q = q.lt('changed_at', filter.to);
  if (after) q = q.or(`changed_at.lt."${after.changedAt}",and(changed_at.eq."${after.changedAt}",id.lt.${String(after.id)})`);
  return unwrapRows(await q);
}

export type AuditRow = Awaited<ReturnType<typeof listAudit>>[number];
