// The agent's dashboard: their day (calls, talk time, contacts, sales,
// conversion, premium) against their own last 7 days, a chart of the days
// and one of today's hours, and the days as a table.
// Hooks: agent-dashboard, dashboard-day, agent-kpi-<figure> (data-value),
// agent-kpi-<figure>-vs-week, agent-days-chart, agent-hours-chart, agent-days-table.

import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { fetchAgentDashboard } from '../../../data/dashboard';
import { formatDuration, formatNumber } from '../../../i18n/format';
import { useAuth } from '../../auth/auth-context';
import { describeError } from '../../errors';
import { CELL, NUM_CELL } from '../../components/table';
import { agentDaySeries, figures, hourLabel, hourWindow } from './dashboard-logic';
import { AsOf, CARD, COLORS, formatPremium, formatRate, Tile } from './dashboard-ui';

export const REFRESH_MS = 60_000;

/** 2026-12-05 -> "vie 05/12" (es) / "Fri 05/12" (en): the chart's and table's day. */
export function dayLabel(day: string, language: string): string {
  const d = new Date(`${day}T12:00:00Z`);
  return new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : 'es-ES', {
    weekday: 'short', day: '2-digit', month: '2-digit', timeZone: 'UTC',
  }).format(d);
}

export function AgentDashboard() {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const query = useQuery({
    queryKey: ['dashboard', 'agent'],
    queryFn: () => fetchAgentDashboard(supabase),
    refetchInterval: REFRESH_MS,
  });
  const data = query.data;
  const series = useMemo(() => (data ? agentDaySeries(data).map((p) => ({
    ...p, label: dayLabel(p.day, i18n.language),
  })) : []), [data, i18n.language]);
  const hours = useMemo(() => (data ? hourWindow(data.hours, (h) => h.calls > 0)
    .map((h) => ({ ...h, label: hourLabel(h.hour) })) : []), [data]);

  if (query.isPending) return <p role="status" className="text-slate-600">{t('common.loading')}</p>;
  if (query.error) return <p role="alert" className="font-medium text-red-700">{describeError(i18n, query.error)}</p>;
  if (!data) return null;
  const today = figures(data.today);
  const week = figures(data.last_7_days);
  const lang = i18n.language;

  return (
    <div data-test="agent-dashboard" className="flex flex-col gap-4">
      <AsOf refreshedAt={data.refreshed_at} busy={query.isFetching} onRefresh={() => { void query.refetch(); }}
        extra={<span data-test="dashboard-day">{t('dashboard.day', { day: dayLabel(data.day, lang), zone: data.time_zone })}</span>} />
      <ul data-test="agent-kpis" aria-label={t('dashboard.period.today')} className="grid grid-cols-2 gap-3 sm:grid-cols-3 xl:grid-cols-6">
        {(['calls', 'talk_seconds', 'contacts', 'sales', 'conversion', 'premium'] as const).map((figure) => (
          <Tile key={figure} test="agent-kpi" figure={figure} today={today} week={week} weekLabel="dashboard.vsWeek" />
        ))}
      </ul>
      <div className="grid min-w-0 grid-cols-1 gap-4 xl:grid-cols-2">
        <figure data-test="agent-days-chart" className={`${CARD} min-w-0 p-3`} aria-label={t('dashboard.agent.chart')}>
          <figcaption className="mb-1 text-sm font-semibold">{t('dashboard.agent.chart')}</figcaption>
          <ResponsiveContainer width="100%" height={200} initialDimension={{ width: 480, height: 200 }}>
            <BarChart data={series} margin={{ top: 4, right: 8, bottom: 4, left: 0 }}>
              <CartesianGrid vertical={false} stroke="#e2e8f0" />
              <XAxis dataKey="label" tick={{ fontSize: 11, fill: '#475569' }} interval={0} />
              <YAxis allowDecimals={false} width={40} tick={{ fontSize: 11, fill: '#475569' }} />
              <Tooltip />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              <Bar dataKey="calls" name={t('dashboard.series.calls')} fill={COLORS.today} isAnimationActive={false} radius={[3, 3, 0, 0]} />
              <Bar dataKey="contacts" name={t('dashboard.series.contacts')} fill={COLORS.contacts} isAnimationActive={false} radius={[3, 3, 0, 0]} />
            </BarChart>
          </ResponsiveContainer>
        </figure>
        <figure data-test="agent-hours-chart" className={`${CARD} min-w-0 p-3`} aria-label={t('dashboard.agent.hours')}>
          <figcaption className="mb-1 text-sm font-semibold">{t('dashboard.agent.hours')}</figcaption>
          <ResponsiveContainer width="100%" height={200} initialDimension={{ width: 480, height: 200 }}>
            <BarChart data={hours} margin={{ top: 4, right: 8, bottom: 4, left: 0 }}>
              <CartesianGrid vertical={false} stroke="#e2e8f0" />
              <XAxis dataKey="label" tick={{ fontSize: 11, fill: '#475569' }} />
              <YAxis allowDecimals={false} width={40} tick={{ fontSize: 11, fill: '#475569' }} />
              <Tooltip />
              <Bar dataKey="calls" name={t('dashboard.series.calls')} fill={COLORS.today} isAnimationActive={false} radius={[3, 3, 0, 0]} />
            </BarChart>
          </ResponsiveContainer>
        </figure>
      </div>
      <section className={`${CARD} min-w-0 p-3`} aria-labelledby="agent-week-title">
        <h2 id="agent-week-title" className="mb-1 text-lg font-semibold">{t('dashboard.agent.week')}</h2>
        <p className="mb-2 text-xs text-slate-600">{t('dashboard.agent.activeDays', { days: data.last_7_days.active_days })}</p>
        <div className="max-w-full overflow-auto" tabIndex={0} role="region" aria-labelledby="agent-week-title">
          <table data-test="agent-days-table" className="w-full border-collapse text-sm whitespace-nowrap">
            <thead>
              <tr className="border-b border-slate-200 text-left text-xs text-slate-600">
                <th scope="col" className={CELL}>{t('dashboard.col.day')}</th>
                <th scope="col" className={NUM_CELL}>{t('dashboard.kpi.calls')}</th>
                <th scope="col" className={NUM_CELL}>{t('dashboard.kpi.talk')}</th>
                <th scope="col" className={NUM_CELL}>{t('dashboard.kpi.contacts')}</th>
                <th scope="col" className={NUM_CELL}>{t('dashboard.kpi.sales')}</th>
                <th scope="col" className={NUM_CELL}>{t('dashboard.kpi.conversion')}</th>
                <th scope="col" className={NUM_CELL}>{t('dashboard.kpi.premium')}</th>
              </tr>
            </thead>
            <tbody>
              {[...data.days, { ...data.today, day: data.day }].map((d) => {
                const f = figures(d);
                const isToday = d.day === data.day;
                return (
                  <tr key={d.day} data-test="agent-day-row" data-day={d.day} className={`border-b border-slate-100 ${isToday ? 'bg-blue-50 font-semibold' : ''}`}>
                    <th scope="row" className={`${CELL} text-left font-medium`}>{isToday ? t('dashboard.period.today') : dayLabel(d.day, lang)}</th>
                    <td className={NUM_CELL}>{formatNumber(f.calls, lang)}</td>
                    <td className={NUM_CELL}>{formatDuration(f.talk_seconds)}</td>
                    <td className={NUM_CELL}>{formatNumber(f.contacts, lang)}</td>
                    <td className={NUM_CELL}>{formatNumber(f.sales, lang)}</td>
                    <td className={NUM_CELL}>{formatRate(f.conversion, lang)}</td>
                    <td className={NUM_CELL}>{formatPremium(f.premium, lang)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
