// The supervisor's screens (admins see them too): one lazy chunk, loaded
// only for a signed-in supervisor or admin. The live floor is the index;
// each other screen needs the permission the navigation shows it for
// (components/Shell.tsx SCREENS), asked of the database.
import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { Loading, ScreenGate } from '../../components/ScreenGate';
import type { Permission } from '../../permissions';
import { Floor } from './Floor';
import { Recordings } from './Recordings';
import { Reports } from './Reports';
import { Validation } from './Validation';
import leadsEn from '../../../i18n/leads.en';
import leadsEs from '../../../i18n/leads.es';
import { addDictionaries } from '../../i18n';

// This chunk's words (the agent's bundle does not carry them).
addDictionaries({ es: leadsEs, en: leadsEn });

// The leads screens bring forms, zod and the import wizard: loaded when opened,
// so the floor (every supervisor's first screen) does not wait for them.
const Leads = lazy(() => import('./Leads').then((m) => ({ default: m.Leads })));
const LeadPage = lazy(() => import('./LeadPage').then((m) => ({ default: m.LeadPage })));
const Imports = lazy(() => import('./Imports').then((m) => ({ default: m.Imports })));
// The dialer's board (issue 16): its charts and words in a chunk of their own.
const DialerBoard = lazy(() => import('./DialerBoard').then((m) => ({ default: m.DialerBoard })));

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
      <Route path="leads" element={<Suspense fallback={<Loading />}><Leads /></Suspense>} />
      <Route path="leads/:leadId" element={<Suspense fallback={<Loading />}><LeadPage /></Suspense>} />
      <Route path="imports" element={<Gate permission="leads.import"><Suspense fallback={<Loading />}><Imports /></Suspense></Gate>} />
      <Route path="dialer" element={<Suspense fallback={<Loading />}><DialerBoard /></Suspense>} />
      <Route path="*" element={<Navigate to="/supervisor/floor" replace />} />
    </Routes>
  );
}
