// What the dashboards share: a figure's tile with its comparisons, the
// formatting of figures (counts, seconds, rates, premiums per currency) and
// the "as of" line with its refresh button.

import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Figures, Premium } from '../../../data/dashboard';
import { formatCurrency, formatDuration, formatNumber, formatTime } from '../../../i18n/format';
import { CARD } from '../../components/table';
import { samePremiumCurrency, trend, type Trend } from './dashboard-logic';

export { CARD };

/** The figures a tile can show. */
export type FigureKey = 'calls' | 'talk_seconds' | 'contacts' | 'contact_rate' | 'sales' | 'conversion' | 'premium' | 'agents';

export const FIGURE_LABEL = {
  calls: 'dashboard.kpi.calls',
  talk_seconds: 'dashboard.kpi.talk',
  contacts: 'dashboard.kpi.contacts',
  contact_rate: 'dashboard.kpi.contactRate',
  sales: 'dashboard.kpi.sales',
  conversion: 'dashboard.kpi.conversion',
  premium: 'dashboard.kpi.premium',
  agents: 'dashboard.kpi.agents',
} as const;

/** Colours of the charts: today strong, the references muted (contrast checked on white). */
export const COLORS = { today: '#1f5fbf', yesterday: '#94a3b8', week: '#0f766e', contacts: '#b45309' } as const;

export function formatRate(rate: number | null | undefined, language: string): string {
  return rate === null || rate === undefined ? '—' : `${formatNumber(rate * 100, language, 1)} %`;
}

export function formatPremium(premium: Premium | undefined, language: string): string {
  const entries = Object.entries(premium ?? {}).filter(([, v]) => v !== 0);
  if (!entries.length) return formatCurrency(0, 'EUR', language);
  return entries.map(([currency, amount]) => formatCurrency(amount, currency, language)).join(' · ');
}

/** One figure, formatted for its kind (averages keep one decimal). */
export function formatFigure(key: FigureKey, f: Figures & { agents?: number }, language: string, average = false): string {
  switch (key) {
    case 'talk_seconds': return formatDuration(f.talk_seconds);
    case 'contact_rate': return formatRate(f.contact_rate, language);
    case 'conversion': return formatRate(f.conversion, language);
    case 'premium': return formatPremium(f.premium, language);
    case 'agents': return formatNumber(f.agents ?? 0, language);
    default: return formatNumber(f[key], language, average && !Number.isInteger(f[key]) ? 1 : 0);
  }
}

/** The number a comparison is made on (premium: the sum of its currencies' amounts, one currency in practice). */
export function figureValue(key: FigureKey, f: Figures & { agents?: number }): number | null {
  if (key === 'premium') return Object.values(f.premium).reduce((s, v) => s + v, 0);
  if (key === 'agents') return f.agents ?? 0;
  return f[key];
}

function TrendText({ value, label, test }: { value: Trend; label: 'dashboard.vsYesterday' | 'dashboard.vsWeek' | 'dashboard.vsWeekFloor'; test: string }) {
  const { t, i18n } = useTranslation();
  const arrow = { up: '▲', down: '▼', same: '=', none: '·' }[value.direction];
  const change = value.direction === 'none'
    ? t('dashboard.noReference')
    : value.direction === 'same' ? t('dashboard.same')
      : `${value.direction === 'up' ? '+' : '−'}${formatNumber(Math.abs(value.change ?? 0) * 100, i18n.language, 0)} %`;
  const color = value.direction === 'up' ? 'text-green-800' : value.direction === 'down' ? 'text-red-800' : 'text-slate-600';
  return (
    <span data-test={test} data-direction={value.direction} className={`block text-xs ${color}`}>
      <span aria-hidden="true">{arrow} </span>{t(label, { change })}
    </span>
  );
}

interface TileProps {
  test: string;
  figure: FigureKey;
  today: Figures & { agents?: number };
  yesterday?: (Figures & { agents?: number }) | null;
  week?: Figures | null;
  weekLabel?: 'dashboard.vsWeek' | 'dashboard.vsWeekFloor';
}

/** A figure of the day, against yesterday and the 7 days' average when given. */
export function Tile({ test, figure, today, yesterday, week, weekLabel = 'dashboard.vsWeekFloor' }: TileProps) {
  const { t, i18n } = useTranslation();
  const value = figureValue(figure, today);
  const against = (other: Figures & { agents?: number }): Trend => (
    figure === 'premium' && !samePremiumCurrency(today.premium, other.premium)
      ? { change: null, direction: 'none' }
      : trend(value, figureValue(figure, other)));
  return (
    <li data-test={`${test}-${figure}`} data-value={value ?? ''} className={`${CARD} flex min-w-0 flex-col gap-0.5 px-3 py-2`}>
      <span className="text-xs font-medium text-slate-600">{t(FIGURE_LABEL[figure])}</span>
      <span className="truncate text-2xl font-semibold tabular-nums">{formatFigure(figure, today, i18n.language)}</span>
      {yesterday ? (
        <TrendText test={`${test}-${figure}-vs-yesterday`} label="dashboard.vsYesterday"
          value={against(yesterday)} />
      ) : null}
      {week ? (
        <TrendText test={`${test}-${figure}-vs-week`} label={weekLabel} value={against(week)} />
      ) : null}
    </li>
  );
}

/** "Figures as of 10:42" (the report views' refresh) and a refresh button. */
export function AsOf({ refreshedAt, onRefresh, busy, extra }: {
  refreshedAt: string | null | undefined; onRefresh: () => void; busy: boolean; extra?: ReactNode;
}) {
  const { t, i18n } = useTranslation();
  return (
    <p className="flex flex-wrap items-center gap-2 text-xs text-slate-600">
      {extra}
      <span data-test="dashboard-refreshed">
        {refreshedAt ? t('dashboard.refreshed', { time: formatTime(refreshedAt, i18n.language) }) : t('dashboard.refreshedNever')}
      </span>
      <button type="button" data-test="dashboard-refresh" onClick={onRefresh} disabled={busy}
        className="rounded-md border border-slate-300 bg-white px-2 py-0.5 font-semibold text-slate-800 hover:bg-slate-50 disabled:opacity-60">
        ↻ {t('dashboard.refresh')}
      </button>
    </p>
  );
}
