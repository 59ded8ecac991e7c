// The dashboards: one lazy chunk for every signed-in role (routes.tsx), at
// /dashboard. The screen picks what the role sees; the database decides
// whose figures (rpc/agent_dashboard, supervisor_dashboard, system_health).
import { Navigate, Route, Routes } from 'react-router';
import { Dashboard } from './Dashboard';

export function Component() {
  return (
    <Routes>
      <Route index element={<Dashboard />} />
      <Route path="*" element={<Navigate to="/dashboard" replace />} />
    </Routes>
  );
}
