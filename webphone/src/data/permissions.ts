// The permission matrix (issue 15): which role holds which permission,
// edited by inserting and deleting role_permissions rows (permissions.manage).
// The database refuses taking permissions.manage or users.manage from admins.

import type { Supabase } from '../app/config';
import type { Database } from '../types/database';
import { DataError, unwrap, unwrapRows } from './errors';

export type Role = Database['public']['Enums']['app_role'];

/** Table permissions: every permission key with its description. */
export async function listPermissionKeys(supabase: Supabase) {
  return unwrapRows(await supabase.from('permissions').select('key, description').order('key'));
}

/** Table role_permissions: every grant, as "role:permission" strings. */
export async function listGrants(supabase: Supabase): Promise<Set<string>> {
  const rows = unwrapRows(await supabase.from('role_permissions').select('role, permission'));
  return new Set(rows.map((r) => grantKey(r.role, r.permission)));
}

export const grantKey = (role: Role, permission: string) => `${role}:${permission}`;

/** Grant (insert) or revoke (delete) one permission of one role. */
export async function setGrant(supabase: Supabase, role: Role, permission: string, granted: boolean): Promise<void> {
  if (granted) {
    unwrap(await supabase.from('role_permissions').insert({ role, permission }).select('role').single());
    return;
  }
  const rows = unwrapRows(await supabase.from('role_permissions').delete().eq('role', role).eq('permission', permission).select('role'));
  if (!rows.length) throw new DataError('not_found', 'permission: not found or not yours', { code: 'PT404' });
}
