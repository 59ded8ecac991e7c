// The dashboards: one lazy chunk for every signed-in role (routes.tsx), at
// /dashboard. The screen picks what the role sees; the database decides
// whose figures (rpc/agent_dashboard, supervisor_dashboard, system_health).
import { Navigate, Route, Routes } from 'react-router';
import { Dashboard } from './Dashboard';
import dashboardEn from '../../../i18n/dashboard.en';
import dashboardEs from '../../../i18n/dashboard.es';
import { addDictionaries } from '../../i18n';

// This chunk's words (the agent's bundle does not carry them).
addDictionaries({ es: dashboardEs, en: dashboardEn });

export function Component() {
  return (
    <Routes>
      <Route index element={<Dashboard />} />
      <Route path="*" element={<Navigate to="/dashboard" replace />} />
    </Routes>
  );
}
