// The supervisor's (and the admin's) dashboard: the campaigns they run
// added up (an admin: the whole floor) today against yesterday and the 7
// days' average, with charts of calls per hour (today and yesterday), the
// contact rate and conversion, and sales and premium; then each campaign in
// a table, with the same charts for it on demand.
// Hooks: floor-dashboard, floor-kpi-<figure> (data-value), floor-kpi-<figure>-vs-yesterday /
// -vs-week, floor-hours-chart, floor-rates-chart, floor-sales-chart,
// campaigns-table, dashboard-campaign-row (data-campaign-id, data-calls), campaign-details-<id>.

import { useQuery } from '@tanstack/react-query';
import { useMemo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import {
  Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis,
} from 'recharts';
import { fetchSupervisorDashboard, type CampaignHour, type Figures } from '../../../data/dashboard';
import { formatNumber } from '../../../i18n/format';
import { useAuth } from '../../auth/auth-context';
import { describeError } from '../../errors';
import { usePermission } from '../../permissions';
import { CELL, NUM_CELL } from '../../components/table';
import { figures, floorTotals, hourLabel, hourWindow, trend } from './dashboard-logic';
import { AsOf, CARD, COLORS, FIGURE_LABEL, formatFigure, formatPremium, Tile, type FigureKey } from './dashboard-ui';
import { REFRESH_MS, dayLabel } from './AgentDashboard';

/** The three periods a campaign is read over. */
interface Periods {
  today: Figures & { agents?: number };
  yesterday: Figures & { agents?: number };
  week: Figures;
}

function HoursChart({ test, hours, title }: { test: string; hours: readonly CampaignHour[]; title: string }) {
  const { t } = useTranslation();
  const data = useMemo(() => hourWindow(hours, (h) => h.calls > 0 || h.calls_yesterday > 0)
    .map((h) => ({ ...h, label: hourLabel(h.hour) })), [hours]);
  return (
    <figure data-test={test} className={`${CARD} min-w-0 p-3`} aria-label={title}>
      <figcaption className="mb-1 text-sm font-semibold">{title}</figcaption>
      <ResponsiveContainer width="100%" height={220} initialDimension={{ width: 480, height: 220 }}>
        <LineChart data={data} margin={{ top: 4, right: 12, bottom: 4, left: 0 }}>
          <CartesianGrid vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="label" tick={{ fontSize: 11, fill: '#475569' }} />
          <YAxis allowDecimals={false} width={44} tick={{ fontSize: 11, fill: '#475569' }} />
          <Tooltip />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line type="monotone" dataKey="calls_yesterday" name={t('dashboard.series.yesterday')} stroke={COLORS.yesterday}
            strokeWidth={2} strokeDasharray="4 3" dot={false} isAnimationActive={false} />
          <Line type="monotone" dataKey="calls" name={t('dashboard.series.today')} stroke={COLORS.today}
            strokeWidth={2.5} dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** Contact rate and conversion (percent) for yesterday, the 7 days and today. */
function RatesChart({ test, periods }: { test: string; periods: Periods }) {
  const { t, i18n } = useTranslation();
  const data = [
    { label: t('dashboard.period.week'), ...periods.week },
    { label: t('dashboard.period.yesterday'), ...periods.yesterday },
    { label: t('dashboard.period.today'), ...periods.today },
  ].map((p) => ({ label: p.label, contact: (p.contact_rate ?? 0) * 100, conversion: (p.conversion ?? 0) * 100 }));
  const pct = (v: unknown) => `${formatNumber(v, i18n.language, 1)} %`;
  const tick = (v: unknown) => `${formatNumber(v, i18n.language, 0)} %`;
  return (
    <figure data-test={test} className={`${CARD} min-w-0 p-3`} aria-label={t('dashboard.chart.rates')}>
      <figcaption className="mb-1 text-sm font-semibold">{t('dashboard.chart.rates')}</figcaption>
      <ResponsiveContainer width="100%" height={220} initialDimension={{ width: 320, height: 220 }}>
        <BarChart data={data} margin={{ top: 4, right: 8, bottom: 4, left: 0 }}>
          <CartesianGrid vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="label" tick={{ fontSize: 11, fill: '#475569' }} interval={0} />
          <YAxis tickFormatter={tick} width={56} tick={{ fontSize: 11, fill: '#475569' }} />
          <Tooltip formatter={(v) => pct(v)} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="contact" name={t('dashboard.kpi.contactRate')} fill={COLORS.today} isAnimationActive={false} radius={[3, 3, 0, 0]} />
          <Bar dataKey="conversion" name={t('dashboard.kpi.conversion')} fill={COLORS.week} isAnimationActive={false} radius={[3, 3, 0, 0]} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** Sales for yesterday, the 7 days and today; the premium of each under its bar's label. */
function SalesChart({ test, periods }: { test: string; periods: Periods }) {
  const { t, i18n } = useTranslation();
  const data = [
    { label: t('dashboard.period.week'), f: periods.week },
    { label: t('dashboard.period.yesterday'), f: periods.yesterday },
    { label: t('dashboard.period.today'), f: periods.today },
  ].map(({ label, f }) => ({ label, sales: f.sales, premium: formatPremium(f.premium, i18n.language) }));
  return (
    <figure data-test={test} className={`${CARD} min-w-0 p-3`} aria-label={t('dashboard.chart.sales')}>
      <figcaption className="mb-1 text-sm font-semibold">{t('dashboard.chart.sales')}</figcaption>
      <ResponsiveContainer width="100%" height={180} initialDimension={{ width: 320, height: 180 }}>
        <BarChart data={data} margin={{ top: 4, right: 8, bottom: 4, left: 0 }}>
          <CartesianGrid vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="label" tick={{ fontSize: 11, fill: '#475569' }} interval={0} />
          <YAxis allowDecimals={false} width={40} tick={{ fontSize: 11, fill: '#475569' }} />
          <Tooltip formatter={(v, _n, item) => [`${formatNumber(v, i18n.language, 1)} · ${(item.payload as { premium?: string }).premium ?? ''}`, t('dashboard.series.sales')]} />
          <Bar dataKey="sales" name={t('dashboard.series.sales')} fill={COLORS.today} isAnimationActive={false} radius={[3, 3, 0, 0]} />
        </BarChart>
      </ResponsiveContainer>
      <dl className="mt-1 grid grid-cols-3 gap-1 text-center text-xs">
        {data.map((d) => (
          <div key={d.label}>
            <dt className="text-slate-600">{d.label}</dt>
            <dd className="font-semibold tabular-nums">{d.premium}</dd>
          </div>
        ))}
      </dl>
    </figure>
  );
}

function Charts({ prefix, periods, hours }: { prefix: string; periods: Periods; hours: readonly CampaignHour[] }) {
  const { t } = useTranslation();
  return (
    <div className="grid min-w-0 grid-cols-1 gap-3 lg:grid-cols-2 2xl:grid-cols-3">
      <HoursChart test={`${prefix}-hours-chart`} hours={hours} title={t('dashboard.chart.hours')} />
      <RatesChart test={`${prefix}-rates-chart`} periods={periods} />
      <SalesChart test={`${prefix}-sales-chart`} periods={periods} />
    </div>
  );
}

const TABLE_FIGURES: readonly FigureKey[] = ['calls', 'contacts', 'contact_rate', 'sales', 'conversion', 'premium', 'agents'];

export function FloorDashboard({ admin }: { admin: boolean }) {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const mayRead = usePermission('reports.view');
  const query = useQuery({
    queryKey: ['dashboard', 'supervisor'],
    queryFn: () => fetchSupervisorDashboard(supabase),
    enabled: mayRead === true,
    refetchInterval: REFRESH_MS,
  });
  const campaigns = useMemo(() => query.data?.campaigns ?? [], [query.data]);
  const totals = useMemo(() => floorTotals(campaigns), [campaigns]);
  const lang = i18n.language;

  let body: ReactNode;
  if (mayRead === false) body = <p data-test="dashboard-no-reports" className="text-slate-700">{t('dashboard.noReports')}</p>;
  else if (mayRead === undefined || query.isPending) body = <p role="status" className="text-slate-600">{t('common.loading')}</p>;
  else if (query.error) body = <p role="alert" className="font-medium text-red-700">{describeError(i18n, query.error)}</p>;
  else if (!query.data.campaigns.length) body = <p data-test="dashboard-no-campaigns" className="text-slate-700">{t('dashboard.noCampaigns')}</p>;
  else {
    const floor: Periods = { today: totals.today, yesterday: totals.yesterday, week: totals.last_7_days };
    const { refreshed_at: refreshedAt } = query.data;
    body = (
      <>
        <AsOf refreshedAt={refreshedAt} busy={query.isFetching} onRefresh={() => { void query.refetch(); }} />
        <ul data-test="floor-kpis" aria-label={t('dashboard.period.today')} className="grid grid-cols-2 gap-3 sm:grid-cols-4 xl:grid-cols-7">
          {TABLE_FIGURES.map((figure) => (
            <Tile key={figure} test="floor-kpi" figure={figure} today={floor.today} yesterday={floor.yesterday}
              week={figure === 'agents' ? null : floor.week} />
          ))}
        </ul>
        <Charts prefix="floor" periods={floor} hours={totals.hours} />
        <section className={`${CARD} min-w-0 p-3`} aria-labelledby="campaigns-title">
          <h2 id="campaigns-title" className="mb-2 text-lg font-semibold">
            {t('dashboard.floor.campaigns', { count: campaigns.length })}
          </h2>
          <div className="max-w-full overflow-auto" tabIndex={0} role="region" aria-labelledby="campaigns-title">
            <table data-test="campaigns-table" className="w-full border-collapse text-sm whitespace-nowrap">
              <thead>
                <tr className="border-b border-slate-200 text-left text-xs text-slate-600">
                  <th scope="col" className={CELL}>{t('dashboard.col.campaign')}</th>
                  <th scope="col" className={CELL}>{t('dashboard.col.period')}</th>
                  {TABLE_FIGURES.map((f) => (
                    <th key={f} scope="col" className={NUM_CELL}>{t(FIGURE_LABEL[f])}</th>
                  ))}
                </tr>
              </thead>
              {campaigns.map((c) => {
                const periods: Periods = {
                  today: { ...figures(c.today), agents: c.today.agents },
                  yesterday: { ...figures(c.yesterday), agents: c.yesterday.agents },
                  week: figures(c.last_7_days),
                };
                const calls = trend(periods.today.calls, periods.yesterday.calls);
                return (
                  <tbody key={c.campaign_id} data-test="dashboard-campaign-row" data-campaign-id={c.campaign_id} data-calls={periods.today.calls}
                    data-calls-trend={calls.direction}
                    className="border-b border-slate-200">
                    {(['today', 'yesterday', 'week'] as const).map((p, i) => (
                      <tr key={p} className={p === 'today' ? 'font-semibold' : 'text-slate-700'}>
                        {i === 0 ? (
                          <th scope="rowgroup" rowSpan={3} className={`${CELL} text-left align-top`}>
                            <span className="block">{c.name}</span>
                            <span className="block text-xs font-normal text-slate-600">
                              {t('dashboard.campaign.zone', { day: dayLabel(c.day, lang), zone: c.time_zone })}
                            </span>
                          </th>
                        ) : null}
                        <th scope="row" className={`${CELL} text-left font-medium`}>{t(`dashboard.period.${p}`)}</th>
                        {TABLE_FIGURES.map((f) => (
                          <td key={f} className={NUM_CELL}>{f === 'agents' && p === 'week' ? '—' : formatFigure(f, periods[p], lang, p === 'week')}</td>
                        ))}
                      </tr>
                    ))}
                    <tr>
                      <td colSpan={TABLE_FIGURES.length + 2} className="px-3 pb-3">
                        <details data-test={`campaign-details-${c.campaign_id}`} open={campaigns.length <= 2}>
                          <summary className="cursor-pointer text-sm font-semibold text-brand">
                            {t('dashboard.campaign.details', { name: c.name })}
                          </summary>
                          <div className="mt-2 whitespace-normal">
                            <Charts prefix={`campaign-${c.campaign_id}`} periods={periods} hours={c.hours} />
                          </div>
                        </details>
                      </td>
                    </tr>
                  </tbody>
                );
              })}
            </table>
          </div>
        </section>
      </>
    );
  }

  return (
    <section data-test="floor-dashboard" className="flex min-w-0 flex-col gap-4" aria-labelledby="floor-dashboard-title">
      <h2 id="floor-dashboard-title" className="text-xl font-semibold">{admin ? t('dashboard.floor.all') : t('dashboard.floor.mine')}</h2>
      {body}
    </section>
  );
}
