// What the signed-in person may do, as the database says (rpc/has_permission):
// admins edit role permissions at run time, so screens follow the database,
// never a list in the bundle. One cached query per permission.

import { useQuery } from '@tanstack/react-query';
import { hasPermission } from '../data/auth';
import { useAuth } from './auth/auth-context';

/** The permissions screens are gated on (the role_permissions codes). */
export type Permission =
  | 'sales.validate' | 'reports.view' | 'recordings.listen' | 'users.manage'
  | 'campaigns.manage' | 'products.manage' | 'compliance.manage'
  | 'leads.assign' | 'leads.import' | 'leads.export' | 'leads.delete';

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
