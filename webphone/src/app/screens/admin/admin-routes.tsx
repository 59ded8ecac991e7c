// The admin's screens: one lazy chunk (/admin/*), open to admins and to
// supervisors (a supervisor granted compliance.manage uses /admin/compliance;
// every supervisor reads their own campaigns, read-only, at /admin/campaigns).
// Each screen is gated like its link in the shell's navigation (SCREENS: role
// and the permission the database grants); /admin goes to the first screen the
// person may open, and anyone else is sent to their own home.
import type { ReactNode } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { useProfile } from '../../auth/auth-context';
import type { Role } from '../../auth/profile';
import { Loading, ScreenGate, useMayOpen, type ScreenRights } from '../../components/ScreenGate';
import { SCREENS } from '../../components/Shell';
import { AdminCampaigns } from './AdminCampaigns';
import { AdminProducts } from './AdminProducts';
import { AdminUsers } from './AdminUsers';
import { AuditLog } from './AuditLog';
import { CampaignEditor } from './CampaignEditor';
import { Compliance } from './Compliance';
import { PermissionMatrix } from './PermissionMatrix';
import { ProductEditor } from './ProductEditor';
import backofficeEn from '../../../i18n/backoffice.en';
import backofficeEs from '../../../i18n/backoffice.es';
import { addDictionaries } from '../../i18n';

// This chunk's words (the agent's bundle does not carry them).
addDictionaries({ es: backofficeEs, en: backofficeEn });

type AdminScreen = 'admin-users' | 'admin-campaigns' | 'admin-products' | 'admin-compliance' | 'admin-permissions' | 'admin-audit';

function screen(test: AdminScreen) {
  const found = SCREENS.find((s) => s.test === test);
  if (!found?.permission) throw new Error(`${test}: not an admin screen of the shell`);
  return { to: found.to, roles: found.roles, permission: found.permission };
}

const USERS = screen('admin-users');
const CAMPAIGNS = screen('admin-campaigns');
const PRODUCTS = screen('admin-products');
const COMPLIANCE = screen('admin-compliance');
const PERMISSIONS = screen('admin-permissions');
const AUDIT = screen('admin-audit');

/** Where someone goes when no admin screen is theirs (an admin's own home is /admin itself). */
function fallbackHome(role: Role): string {
  return role === 'agent' ? '/agent' : '/supervisor';
}

function Gate({ screen: s, children }: { screen: ScreenRights; children: ReactNode }) {
  const { role } = useProfile();
  return <ScreenGate rights={s} otherwise={fallbackHome(role)}>{children}</ScreenGate>;
}

/** /admin: the first screen of the navigation this person may open. */
function FirstScreen() {
  const { role } = useProfile();
  const answers = [
    [USERS.to, useMayOpen(USERS)], [CAMPAIGNS.to, useMayOpen(CAMPAIGNS)],
    [PRODUCTS.to, useMayOpen(PRODUCTS)], [COMPLIANCE.to, useMayOpen(COMPLIANCE)],
    [PERMISSIONS.to, useMayOpen(PERMISSIONS)], [AUDIT.to, useMayOpen(AUDIT)],
  ] as const;
  // In the navigation's order: an earlier screen still being asked about is waited for.
  for (const [to, mayOpen] of answers) {
    if (mayOpen === undefined) return <Loading />;
    if (mayOpen) return <Navigate to={to} replace />;
  }
  return <Navigate to={fallbackHome(role)} replace />;
}

export function Component() {
  return (
    <Routes>
      <Route index element={<FirstScreen />} />
      <Route path="users" element={<Gate screen={USERS}><AdminUsers /></Gate>} />
      {/* Campaigns: admins edit (campaigns.manage), supervisors read their own (RLS); the screens disable what they may not do. */}
      <Route path="campaigns" element={<AdminCampaigns />} />
      <Route path="campaigns/new" element={<Gate screen={CAMPAIGNS}><CampaignEditor /></Gate>} />
      <Route path="campaigns/:campaignId" element={<CampaignEditor />} />
      <Route path="products" element={<Gate screen={PRODUCTS}><AdminProducts /></Gate>} />
      <Route path="products/new" element={<Gate screen={PRODUCTS}><ProductEditor /></Gate>} />
      <Route path="products/:productId" element={<Gate screen={PRODUCTS}><ProductEditor /></Gate>} />
      <Route path="permissions" element={<Gate screen={PERMISSIONS}><PermissionMatrix /></Gate>} />
      <Route path="audit" element={<Gate screen={AUDIT}><AuditLog /></Gate>} />
      <Route path="compliance" element={<Gate screen={COMPLIANCE}><Compliance /></Gate>} />
      <Route path="*" element={<Navigate to="/admin" replace />} />
    </Routes>
  );
}
