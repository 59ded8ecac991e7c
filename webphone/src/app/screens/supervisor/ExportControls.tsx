// An export request (CSV or Excel) the reporting worker writes, followed by
// Realtime until it is done (its signed link) or failed: the reports' panels
// and the leads list (report 'leads' with {"selection": ...}) use it.
// Hooks: report-<panel>-export-csv / -xlsx, report-<panel>-export
// (data-status), report-<panel>-export-progress, report-<panel>-download.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import {
  getReportExport, requestReportExport, type ExportFormat, type ExportParams, type ExportReport, type ReportExportRow,
} from '../../../data/reports';
import { formatNumber } from '../../../i18n/format';
import { useAuth } from '../../auth/auth-context';
import { describeError } from '../../errors';
import { useRealtimeChannels } from '../../realtime';
import { applyExportUpdate, isExportFinished } from './export-logic';

type ExportRow = NonNullable<ReportExportRow>;
/** Only while Realtime is reconnecting: the export's row is pushed otherwise. */
const EXPORT_FALLBACK_POLL_MS = 5000;

/**
 * One export request, followed until the worker is done with it: by
 * Realtime (postgres_changes UPDATE on that report_exports row, under RLS),
 * read once after each join (a change made before the subscription was live
 * is not pushed); polled only while Realtime is reconnecting.
 */
export function ExportControls({ panel, report, params }: { panel: string; report: ExportReport; params: ExportParams }) {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const queryClient = useQueryClient();
  const request = useMutation({ mutationFn: (format: ExportFormat) => requestReportExport(supabase, report, params, format) });
  const id = request.data?.id ?? null;
  const key = useMemo(() => ['reports', 'export', id] as const, [id]);
  const held = queryClient.getQueryData<ExportRow>(key) ?? request.data ?? null;
  const following = id !== null && !isExportFinished(held?.status);
  const topics = useMemo(() => (following ? [`report-export:${id}`] : []), [following, id]);
  const read = async () => {
    const fetched = await getReportExport(supabase, id ?? '');
    const pushed = queryClient.getQueryData<ExportRow>(key);
    // A push that came while this read was on its way may be newer (updated_at decides).
    return pushed ? (applyExportUpdate(fetched, { ...pushed }) ?? fetched) : fetched;
  };
  const live = useRealtimeChannels(topics, {
    private: false,
    bind: (channel) => {
      channel.on('postgres_changes', { event: 'UPDATE', schema: 'public', table: 'report_exports', filter: `id=eq.${id ?? ''}` }, (change) => {
        queryClient.setQueryData<ExportRow>(key, (old) => applyExportUpdate(old ?? request.data, change.new) ?? old);
      });
    },
    // The query is disabled while pushed: read it straight into the cache.
    onJoined: () => { void queryClient.query({ queryKey: key, queryFn: read, staleTime: 0 }).catch(() => undefined); },
  });
  const progress = useQuery({
    queryKey: key,
    queryFn: read,
    // Read on each join (onJoined); polled only while Realtime is down.
    enabled: following && live === 'reconnecting',
    refetchInterval: EXPORT_FALLBACK_POLL_MS,
    refetchOnWindowFocus: false,
    staleTime: Infinity,
  });
  const row = progress.data ?? request.data ?? null;
  const busy = request.isPending || (row !== null && (row.status === 'queued' || row.status === 'running'));
  const button = 'rounded-md border border-slate-300 bg-white px-2.5 py-1 text-xs font-semibold hover:bg-slate-50 disabled:opacity-60';
  let status: ReactNode = null;
  if (request.error) {
    status = <span role="alert" className="text-red-700">{describeError(i18n, request.error)}</span>;
  } else if (row) {
    const done = formatNumber(row.rows_done, i18n.language);
    status = (
      <>
        {row.status === 'queued' ? t('report.exportStatus.queued') : null}
        {row.status === 'running' ? (row.rows_total
          ? t('report.exportStatus.runningOf', { done, total: formatNumber(row.rows_total, i18n.language) })
          : t('report.exportStatus.running', { done })) : null}
        {row.status === 'done' ? t('report.exportStatus.done', { rows: done }) : null}
        {row.status === 'failed' ? <span className="text-red-700">{t('report.exportStatus.failed', { error: row.error ?? '' })}</span> : null}
        {row.status === 'queued' || row.status === 'running' ? (
          <progress data-test={`report-${panel}-export-progress`} className="ml-2 h-2 w-24 align-middle"
            aria-label={t('report.exportStatus.queued')} max={row.rows_total ?? undefined} value={row.rows_total ? row.rows_done : undefined} />
        ) : null}
        {row.status === 'done' && row.signed_url ? (
          <a data-test={`report-${panel}-download`} href={row.signed_url} download
            className="ml-2 font-semibold text-brand underline">
            {t('report.download', { format: row.format.toUpperCase() })}
          </a>
        ) : null}
      </>
    );
  }
  return (
    <div className="flex flex-wrap items-center gap-2 text-xs">
      <button type="button" data-test={`report-${panel}-export-csv`} disabled={busy} className={button}
        onClick={() => { request.mutate('csv'); }}>{t('report.exportCsv')}</button>
      <button type="button" data-test={`report-${panel}-export-xlsx`} disabled={busy} className={button}
        onClick={() => { request.mutate('xlsx'); }}>{t('report.exportXlsx')}</button>
      <span data-test={`report-${panel}-export`} data-status={request.error ? 'error' : row?.status ?? 'idle'} role="status" className="text-slate-700">
        {status}
      </span>
    </div>
  );
}
