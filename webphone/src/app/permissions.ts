// What the signed-in person may do, as the database says (rpc/has_permission):
// admins edit role permissions at run time, so screens follow the database,
// never a list in the bundle. One cached query per permission.

import { useQuery } from '@tanstack/react-query';
import { hasPermission } from '../data/auth';
import { useAuth } from './auth/auth-context';

/** The permissions screens are gated on (the role_permissions codes). */
export type Permission =
  | 'sales.validate' | 'reports.view' | 'recordings.listen' | 'users.manage'
  | 'campaigns.manage' | 'products.manage' | 'compliance.manage' | 'permissions.manage'
  | 'leads.assign' | 'leads.import' | 'leads.export' | 'leads.delete';

/** A screen's rights: one permission, or any of several (the audit log: users.manage or permissions.manage). */
export type PermissionRule = Permission | readonly Permission[];

/** Whether the signed-in person has `permission` (none needed: true); undefined while asking. */
export function usePermission(permission: Permission | undefined): boolean | undefined {
  const { supabase, state } = useAuth();
  const userId = state.status === 'signed_in' ? state.profile.id : null;
  const { data } = useQuery({
    queryKey: ['permission', userId, permission],
    queryFn: () => (permission ? hasPermission(supabase, permission) : Promise.resolve(true)),
    enabled: userId !== null && permission !== undefined,
    staleTime: 60_000,
  });
  return permission === undefined ? true : data;
}

/** Whether the signed-in person holds the rule's permission (any of a list); undefined while asking. */
export function usePermissionRule(rule: PermissionRule | undefined): boolean | undefined {
  const list: readonly (Permission | undefined)[] = rule === undefined ? [undefined] : typeof rule === 'string' ? [rule] : rule;
  // At most two permissions per rule: hooks in a fixed order.
  const first = usePermission(list[0]);
  const second = usePermission(list[1] ?? list[0]);
  if (first === true || second === true) return true;
  if (first === undefined || second === undefined) return undefined;
  return false;
}
