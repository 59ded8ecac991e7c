// The supervisor's screens (admins see them too): one lazy chunk, loaded
// only for a signed-in supervisor or admin. The live floor is the index;
// each other screen needs the permission the navigation shows it for
// (components/Shell.tsx SCREENS), asked of the database.
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, Route, Routes } from 'react-router';
import type { Permission } from '../../permissions';
import { usePermission } from '../../permissions';
import { Floor } from './Floor';
import { Recordings } from './Recordings';
import { Reports } from './Reports';
import { Validation } from './Validation';

function Gate({ permission, children }: { permission: Permission; children: ReactNode }) {
  const { t } = useTranslation();
  const allowed = usePermission(permission);
  if (allowed === undefined) return <p role="status" className="p-6 text-slate-600">{t('common.loading')}</p>;
  if (!allowed) return <Navigate to="/supervisor/floor" replace />;
  return children;
}

export function Component() {
  return (
    <Routes>
      <Route index element={<Navigate to="/supervisor/floor" replace />} />
      <Route path="floor" element={<Floor />} />
      <Route path="validation" element={<Gate permission="sales.validate"><Validation /></Gate>} />
      <Route path="reports" element={<Gate permission="reports.view"><Reports /></Gate>} />
      <Route path="recordings" element={<Gate permission="recordings.listen"><Recordings /></Gate>} />
      <Route path="*" element={<Navigate to="/supervisor/floor" replace />} />
    </Routes>
  );
}
