// What every role's chunk needs before a screen: the loading line while the
// database answers, and a gate that opens a screen only to the roles and the
// permission the shell's navigation shows it for (rpc/has_permission), and
// sends anyone else elsewhere.

import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate } from 'react-router';
import { useProfile } from '../auth/auth-context';
import type { Role } from '../auth/profile';
import { usePermissionRule, type PermissionRule } from '../permissions';

export function Loading() {
  const { t } = useTranslation();
  return <p role="status" className="p-6 text-slate-600">{t('common.loading')}</p>;
}

export interface ScreenRights {
  permission: PermissionRule;
  /** Roles the screen is for (any, when absent). */
  roles?: readonly Role[];
}

/** Whether the signed-in person may open a screen: undefined while the database answers. */
export function useMayOpen({ permission, roles }: ScreenRights): boolean | undefined {
  const { role } = useProfile();
  const allowed = usePermissionRule(permission);
  if (roles && !roles.includes(role)) return false;
  return allowed;
}

/** The screen for those who may open it; `otherwise` for everyone else. */
export function ScreenGate({ rights, otherwise, children }: { rights: ScreenRights; otherwise: string; children: ReactNode }) {
  const mayOpen = useMayOpen(rights);
  if (mayOpen === undefined) return <Loading />;
  if (!mayOpen) return <Navigate to={otherwise} replace />;
  return children;
}
