// The admin's system health: each worker alive or not, the last report
// refresh, the recording upload backlog and failed uploads, exports, lead
// imports and account requests, each "OK" or "Warning" in words (not only
// colour), refreshed every minute.
// Hooks: system-health (data-status), health-<key> (data-status), health-checked.

import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { fetchSystemHealth } from '../../../data/dashboard';
import { formatTime } from '../../../i18n/format';
import { useAuth } from '../../auth/auth-context';
import { describeError } from '../../errors';
import { tMaybe } from '../../i18n';
import { healthLines, type HealthLine } from './dashboard-logic';
import { CARD } from './dashboard-ui';
import { REFRESH_MS } from './AgentDashboard';

const STATE_STYLE: Readonly<Record<HealthLine['status'], string>> = {
  ok: 'bg-green-50 text-green-900 border-green-200',
  warning: 'bg-amber-50 text-amber-950 border-amber-300',
  off: 'bg-slate-50 text-slate-700 border-slate-200',
};
const STATE_ICON: Readonly<Record<HealthLine['status'], string>> = { ok: '✓', warning: '!', off: '–' };

export function SystemHealth() {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const query = useQuery({ queryKey: ['dashboard', 'health'], queryFn: () => fetchSystemHealth(supabase), refetchInterval: REFRESH_MS });
  const health = query.data;
  // Ages are told against the database's own clock, not the browser's.
  const lines = health ? healthLines(health, Date.parse(health.checked_at)) : [];

  return (
    <section data-test="system-health" data-status={health?.status ?? ''} className={`${CARD} min-w-0 p-4`} aria-labelledby="health-title">
      <header className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <h2 id="health-title" className="text-xl font-semibold">{t('dashboard.health.title')}</h2>
        {health ? (
          <p className="flex items-center gap-2 text-sm">
            <span data-test="health-overall" role="status"
              className={`rounded-full border px-2.5 py-0.5 font-semibold ${STATE_STYLE[health.status]}`}>
              <span aria-hidden="true">{STATE_ICON[health.status]} </span>
              {health.status === 'ok' ? t('dashboard.health.ok') : t('dashboard.health.warning')}
            </span>
            <span data-test="health-checked" className="text-xs text-slate-600">
              {t('dashboard.health.checked', { time: formatTime(health.checked_at, i18n.language) })}
            </span>
          </p>
        ) : null}
      </header>
      {query.isPending ? <p role="status" className="text-slate-600">{t('common.loading')}</p> : null}
      {query.error ? <p role="alert" className="font-medium text-red-700">{describeError(i18n, query.error)}</p> : null}
      {lines.length ? (
        <ul className="grid grid-cols-1 gap-2 md:grid-cols-2 xl:grid-cols-3">
          {lines.map((line) => (
            <li key={line.key} data-test={`health-${line.key}`} data-status={line.status}
              className={`flex items-start gap-2 rounded-lg border px-3 py-2 ${STATE_STYLE[line.status]}`}>
              <span aria-hidden="true" className="mt-0.5 grid size-5 shrink-0 place-items-center rounded-full bg-white/70 text-xs font-bold">
                {STATE_ICON[line.status]}
              </span>
              <span className="min-w-0">
                <strong className="block text-sm">{tMaybe(i18n, line.label, line.params) ?? line.label}</strong>
                <span className="block text-xs">
                  <span className="font-semibold">{t(`dashboard.health.state.${line.status}`)}</span>
                  {' · '}
                  {tMaybe(i18n, line.detail, line.params) ?? line.detail}
                </span>
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
