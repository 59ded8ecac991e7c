// /dashboard: each role's own. An agent sees their day; a supervisor the
// campaigns they run; an admin the whole floor and the system's health.
// Hooks: dashboard-screen (data-role).

import { useTranslation } from 'react-i18next';
import { useProfile } from '../../auth/auth-context';
import { AgentDashboard } from './AgentDashboard';
import { FloorDashboard } from './FloorDashboard';
import { SystemHealth } from './SystemHealth';

export function Dashboard() {
  const { t } = useTranslation();
  const { role } = useProfile();
  return (
    <div id="dashboard" data-test="dashboard-screen" data-role={role} className="mx-auto flex max-w-7xl min-w-0 flex-col gap-4">
      <header>
        <h1 className="text-2xl font-semibold">{t('dashboard.title')}</h1>
        <p className="text-slate-600">{t(`dashboard.subtitle.${role}`)}</p>
      </header>
      {role === 'admin' ? <SystemHealth /> : null}
      {role === 'agent' ? <AgentDashboard /> : <FloorDashboard admin={role === 'admin'} />}
    </div>
  );
}
