// Reports: agent performance, campaign statistics and the day's summary by
// hour, each a Recharts chart of a chosen figure and a sortable table that
// scrolls inside its card (the page never grows wider than the window), and
// an export of each (CSV or Excel) that the reporting worker writes: the
// request row is followed by Realtime until it is done (its signed link) or
// failed.
// Hooks: reports-screen, report-from, report-to, report-day, report-run,
// report-<key> (agents, campaigns, daily), report-<key>-body,
// report-<key>-metric, report-<key>-chart, report-<key>-table,
// report-daily-kpis, report-<key>-export-csv / -xlsx, report-<key>-export
// (data-status), report-<key>-export-progress, report-<key>-download.

import { useQuery } from '@tanstack/react-query';
import { flexRender, getCoreRowModel, getSortedRowModel, useReactTable, type ColumnDef, type SortingState } from '@tanstack/react-table';
import { useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { reportAgentPerformance, reportCampaignStats, reportDailySummary } from '../../../data/reports';
import { toDateValue } from '../../../i18n/format';
import { useAuth } from '../../auth/auth-context';
import { describeError } from '../../errors';
import { ExportControls } from './ExportControls';
import { columnTitle, describeColumns, formatCell, isNumericColumn, tableColumns, type ReportRow } from './report-columns';
import { CARD, CELL, NUM_CELL, TableHead } from '../../components/table';

type PanelKey = 'agents' | 'campaigns' | 'daily';
const CHART_COLORS = { bars: '#1f5fbf', hourly: '#0f766e' } as const;
/** Figures the day's summary adds up over its hours (agents: the busiest hour). */
const DAILY_TOTALS = ['calls', 'answered_calls', 'contacts', 'sale_calls', 'sales', 'validated_sales', 'talk_seconds'] as const;

function truncate(text: string, n: number): string {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

/** The table of a report: every column but ids, sortable, scrolling inside its card. */
function ReportTable({ panel, rows }: { panel: PanelKey; rows: readonly ReportRow[] }) {
  const { i18n } = useTranslation();
  const [sorting, setSorting] = useState<SortingState>([]);
  const names = useMemo(() => tableColumns(rows), [rows]);
  const numeric = useMemo(() => names.filter((n) => isNumericColumn(rows, n)), [names, rows]);
  const columns = useMemo<ColumnDef<ReportRow>[]>(() => names.map((name) => ({
    id: name,
    accessorFn: (r) => {
      const v = r[name];
      return numeric.includes(name) ? Number(v ?? 0) : formatCell(i18n, name, v);
    },
    header: () => columnTitle(i18n, name),
    cell: ({ row }) => {
      const value = row.original[name];
      if (name === 'sales_by_product' && Array.isArray(value) && value.length) {
        return (
          <ul data-test="sales-by-product" className="min-w-48 list-none">
            {formatCell(i18n, name, value).split('; ').map((line) => <li key={line}>{line}</li>)}
          </ul>
        );
      }
      return formatCell(i18n, name, value);
    },
    enableSorting: name !== 'sales_by_product',
  })), [names, numeric, i18n]);
  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Table hands out fresh functions each render; a report table is short and renders whole
  const table = useReactTable({
    data: rows as ReportRow[], columns, state: { sorting }, onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(), getSortedRowModel: getSortedRowModel(),
  });
  return (
    <div className="max-h-[28rem] max-w-full overflow-auto rounded-lg border border-slate-200" tabIndex={0}
      role="region" aria-label={columnTitle(i18n, names[0] ?? '')}>
      <table data-test={`report-${panel}-table`} className="w-full border-collapse text-sm whitespace-nowrap">
        <TableHead table={table} numeric={numeric} />
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id} className="border-b border-slate-100">
              {row.getVisibleCells().map((cell) => (
                <td key={cell.id} className={numeric.includes(cell.column.id) ? NUM_CELL : `${CELL} ${cell.column.id === 'sales_by_product' ? 'whitespace-normal' : ''}`}>
                  {flexRender(cell.column.columnDef.cell, cell.getContext())}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface PanelProps {
  panel: PanelKey;
  title: string;
  labelColumn: string;
  query: { data: ReportRow[] | undefined; error: Error | null; isPending: boolean };
  exportControls: ReactNode;
  hourly?: boolean;
}

function ReportPanel({ panel, title, labelColumn, query, exportControls, hourly = false }: PanelProps) {
  const { t, i18n } = useTranslation();
  const rows = useMemo(() => query.data ?? [], [query.data]);
  const numeric = useMemo(() => describeColumns(rows).numeric.filter((n) => n !== labelColumn), [rows, labelColumn]);
  const [chosen, setChosen] = useState<string | null>(null);
  const metric = chosen && numeric.includes(chosen) ? chosen : (numeric.includes('calls') ? 'calls' : numeric[0] ?? null);
  const chartData = useMemo(() => rows.map((r) => ({
    label: formatCell(i18n, labelColumn, r[labelColumn]),
    value: metric ? Number(r[metric] ?? 0) || 0 : 0,
  })), [rows, metric, labelColumn, i18n]);
  const fmt = (v: unknown) => formatCell(i18n, metric ?? '', v);

  let body: ReactNode;
  if (query.isPending) body = <p className="text-slate-600">{t('common.loading')}</p>;
  else if (query.error) body = <p role="alert" className="font-medium text-red-700">{describeError(i18n, query.error)}</p>;
  else if (!rows.length) body = <p className="text-slate-600">{t('report.noData')}</p>;
  else {
    const many = chartData.length > 12;
    body = (
      <>
        {hourly ? (
          <dl data-test="report-daily-kpis" className="mb-3 grid grid-cols-2 gap-2 sm:grid-cols-4">
            {[...DAILY_TOTALS.filter((n) => numeric.includes(n)), 'agents'].map((name) => {
              const total = name === 'agents'
                ? Math.max(0, ...rows.map((r) => Number(r[name] ?? 0)))
                : rows.reduce((s, r) => s + Number(r[name] ?? 0), 0);
              return (
                <div key={name} className="rounded-lg bg-slate-50 px-3 py-2">
                  <dt className="text-xs text-slate-600">{columnTitle(i18n, name)}</dt>
                  <dd className="text-lg font-semibold tabular-nums">{formatCell(i18n, name, total)}</dd>
                </div>
              );
            })}
          </dl>
        ) : null}
        {metric ? (
          <figure data-test={`report-${panel}-chart`} aria-label={`${title}: ${columnTitle(i18n, metric)}`} className="mb-3">
            {hourly ? (
              <ResponsiveContainer width="100%" height={240} initialDimension={{ width: 560, height: 240 }}>
                <BarChart data={chartData} margin={{ top: 8, right: 8, bottom: many ? 24 : 4, left: 8 }}>
                  <CartesianGrid vertical={false} stroke="#e2e8f0" />
                  {/* Readable hours: every other one when the day is long, slanted, never overlapping. */}
                  <XAxis dataKey="label" interval={many ? 1 : 0} angle={many ? -40 : 0} textAnchor={many ? 'end' : 'middle'}
                    height={many ? 48 : 28} tick={{ fontSize: 11, fill: '#475569' }} minTickGap={4} />
                  <YAxis tickFormatter={fmt} width={64} tick={{ fontSize: 11, fill: '#475569' }} allowDecimals={false} />
                  <Tooltip formatter={(v) => [fmt(v), columnTitle(i18n, metric)]} />
                  <Bar dataKey="value" fill={CHART_COLORS.hourly} radius={[3, 3, 0, 0]} isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            ) : (
              <ResponsiveContainer width="100%" height={Math.max(120, chartData.length * 30 + 40)}
                initialDimension={{ width: 560, height: Math.max(120, chartData.length * 30 + 40) }}>
                <BarChart data={chartData} layout="vertical" margin={{ top: 4, right: 24, bottom: 4, left: 8 }}>
                  <CartesianGrid horizontal={false} stroke="#e2e8f0" />
                  <XAxis type="number" tickFormatter={fmt} tick={{ fontSize: 11, fill: '#475569' }} />
                  <YAxis type="category" dataKey="label" width={150} tickFormatter={(v: string) => truncate(v, 22)}
                    tick={{ fontSize: 12, fill: '#334155' }} interval={0} />
                  <Tooltip formatter={(v) => [fmt(v), columnTitle(i18n, metric)]} />
                  <Bar dataKey="value" fill={CHART_COLORS.bars} radius={[0, 3, 3, 0]} isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            )}
          </figure>
        ) : null}
        <ReportTable panel={panel} rows={rows} />
      </>
    );
  }

  return (
    <section id={`report-${panel}`} data-test={`report-${panel}`} className={`${CARD} min-w-0 p-4`} aria-labelledby={`report-${panel}-title`}>
      <header className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <h2 id={`report-${panel}-title`} className="text-lg font-semibold">{title}</h2>
        {numeric.length && rows.length ? (
          <select data-test={`report-${panel}-metric`} aria-label={t('report.metric')} value={metric ?? ''}
            onChange={(e) => { setChosen(e.target.value); }}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm">
            {numeric.map((n) => <option key={n} value={n}>{columnTitle(i18n, n)}</option>)}
          </select>
        ) : null}
      </header>
      <div className="mb-3">{exportControls}</div>
      <div data-test={`report-${panel}-body`} className="min-w-0">{body}</div>
    </section>
  );
}

export function Reports() {
  const { t } = useTranslation();
  const { supabase } = useAuth();
  const [draft, setDraft] = useState(() => ({
    from: toDateValue(new Date(Date.now() - 6 * 86400_000)), to: toDateValue(new Date()), day: toDateValue(new Date()),
  }));
  const [applied, setApplied] = useState(draft);
  const agents = useQuery({ queryKey: ['reports', 'agents', applied.from, applied.to], queryFn: () => reportAgentPerformance(supabase, applied.from, applied.to) });
  const campaigns = useQuery({ queryKey: ['reports', 'campaigns', applied.from, applied.to], queryFn: () => reportCampaignStats(supabase, applied.from, applied.to) });
  const daily = useQuery({ queryKey: ['reports', 'daily', applied.day], queryFn: () => reportDailySummary(supabase, applied.day) });
  const range = { p_from: applied.from, p_to: applied.to };

  const submit = (e: { preventDefault: () => void }) => {
    e.preventDefault();
    setApplied(draft);
    if (draft === applied) void Promise.all([agents.refetch(), campaigns.refetch(), daily.refetch()]);
  };
  const field = 'flex flex-col gap-0.5 text-xs font-medium text-slate-700';
  const input = 'rounded-md border border-slate-300 bg-white px-2 py-1 text-sm';

  return (
    <div id="reports" data-test="reports-screen" className="mx-auto flex max-w-7xl min-w-0 flex-col gap-4">
      <header className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold">{t('report.title')}</h1>
          <p className="text-slate-600">{t('report.subtitle')}</p>
        </div>
        <form onSubmit={submit} className="flex flex-wrap items-end gap-3">
          <label className={field}>{t('report.from')}
            <input type="date" id="report-from" data-test="report-from" value={draft.from} className={input}
              onChange={(e) => { setDraft((d) => ({ ...d, from: e.target.value })); }} />
          </label>
          <label className={field}>{t('report.to')}
            <input type="date" id="report-to" data-test="report-to" value={draft.to} className={input}
              onChange={(e) => { setDraft((d) => ({ ...d, to: e.target.value })); }} />
          </label>
          <label className={field}>{t('report.day')}
            <input type="date" id="report-day" data-test="report-day" value={draft.day} className={input}
              onChange={(e) => { setDraft((d) => ({ ...d, day: e.target.value })); }} />
          </label>
          <button type="submit" data-test="report-run" className="rounded-md bg-brand px-3 py-1.5 text-sm font-semibold text-white hover:bg-brand-hover">
            ↻ {t('report.run')}
          </button>
        </form>
      </header>
      <ReportPanel panel="agents" title={t('report.agentPerformance')} labelColumn="agent_name" query={agents}
        exportControls={<ExportControls key={`a${applied.from}${applied.to}`} panel="agents" report="agent_performance" params={range} />} />
      <div className="grid min-w-0 grid-cols-1 gap-4 xl:grid-cols-2">
        <ReportPanel panel="campaigns" title={t('report.campaignStats')} labelColumn="campaign_name" query={campaigns}
          exportControls={<ExportControls key={`c${applied.from}${applied.to}`} panel="campaigns" report="campaign_stats" params={range} />} />
        <ReportPanel panel="daily" title={t('report.dailySummary')} labelColumn="hour" query={daily} hourly
          exportControls={<ExportControls key={`d${applied.day}`} panel="daily" report="daily_summary" params={{ p_day: applied.day }} />} />
      </div>
    </div>
  );
}
