// The supervisor's screens (admins see them too): one lazy chunk, loaded
// only for a signed-in supervisor or admin. The live floor is the index;
// each other screen needs the permission the navigation shows it for
// (components/Shell.tsx SCREENS), asked of the database.
import type { ReactNode } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { ScreenGate } from '../../components/ScreenGate';
import type { Permission } from '../../permissions';
import { Floor } from './Floor';
import { Imports } from './Imports';
import { LeadPage } from './LeadPage';
import { Leads } from './Leads';
import { Recordings } from './Recordings';
import { Reports } from './Reports';
import { Validation } from './Validation';

/** A screen behind its permission; without it, the floor. */
function Gate({ permission, children }: { permission: Permission; children: ReactNode }) {
  return <ScreenGate rights={{ permission }} otherwise="/supervisor/floor">{children}</ScreenGate>;
}

export function Component() {
  return (
    <Routes>
      <Route index element={<Navigate to="/supervisor/floor" replace />} />
      <Route path="floor" element={<Floor />} />
      <Route path="validation" element={<Gate permission="sales.validate"><Validation /></Gate>} />
      <Route path="reports" element={<Gate permission="reports.view"><Reports /></Gate>} />
      <Route path="recordings" element={<Gate permission="recordings.listen"><Recordings /></Gate>} />
      <Route path="leads" element={<Leads />} />
      <Route path="leads/:leadId" element={<LeadPage />} />
      <Route path="imports" element={<Gate permission="leads.import"><Imports /></Gate>} />
      <Route path="*" element={<Navigate to="/supervisor/floor" replace />} />
    </Routes>
  );
}
