// The recording access log (table recording_access_log): who asked to
// listen to which call, when, from where, and whether it was granted or why
// not; newest first, 50 a page. On the supervisor's recordings screen and the
// compliance screen. Hooks: access-log, access-log-row (data-call-id,
// data-outcome), access-log-prev, access-log-next, access-log-page.

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { listCampaigns } from '../../data/catalog';
import { listProfilesByIds, listRecordingAccessLog } from '../../data/compliance';
import { formatDateTime } from '../../i18n/format';
import { useAuth } from '../auth/auth-context';
import { describeError } from '../errors';
import { tMaybe } from '../i18n';
import { ACCESS_LOG_PAGE_SIZE, accessReasonKey } from '../recordings-logic';
import { CARD, CELL, MUTED } from './table';

const button = 'rounded-md border border-slate-300 bg-white px-2.5 py-1 text-xs font-semibold hover:bg-slate-50 disabled:opacity-50';

/** The recording access log, newest first, 50 a page (also on the compliance screen). */
export function AccessLog() {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const lang = i18n.language;
  const [page, setPage] = useState(0);
  const campaigns = useQuery({ queryKey: ['catalog', 'campaigns'], queryFn: () => listCampaigns(supabase), staleTime: 60_000 });
  const log = useQuery({
    queryKey: ['recordings', 'access-log', page],
    queryFn: async () => {
      const result = await listRecordingAccessLog(supabase, { page, pageSize: ACCESS_LOG_PAGE_SIZE });
      const people = await listProfilesByIds(supabase, result.rows.map((r) => r.requested_by));
      return { ...result, names: new Map(people.map((p) => [p.id, p.full_name || p.email])) };
    },
    placeholderData: keepPreviousData,
  });
  const campaignName = useMemo(() => new Map((campaigns.data ?? []).map((c) => [c.id, c.name])), [campaigns.data]);
  const personName = (id: string | null) => (id ? log.data?.names.get(id) ?? `${id.slice(0, 8)}…` : '—');
  const rows = log.data?.rows ?? [];

  return (
    <section id="access-log" data-test="access-log" className={CARD} aria-labelledby="access-log-title">
      <header className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-4 py-3">
        <div>
          <h2 id="access-log-title" className="text-lg font-semibold">{t('accessLog.title')}</h2>
          <p className={MUTED}>{t('accessLog.subtitle')}</p>
        </div>
        <div className="flex items-center gap-2">
          <button type="button" className={button} title={t('common.refresh')} aria-label={t('common.refresh')} onClick={() => { void log.refetch(); }}>↻</button>
          <button type="button" className={button} data-test="access-log-prev" disabled={page === 0 || log.isFetching}
            onClick={() => { setPage((p) => Math.max(0, p - 1)); }}>{t('common.previous')}</button>
          <span data-test="access-log-page" className={MUTED}>{t('common.page', { page: page + 1 })}</span>
          <button type="button" className={button} data-test="access-log-next" disabled={!log.data?.hasMore || log.isFetching}
            onClick={() => { setPage((p) => p + 1); }}>{t('common.next')}</button>
        </div>
      </header>
      <div className="overflow-x-auto">
        <table data-test="access-log-table" className="w-full border-collapse text-sm">
          <thead>
            <tr className="border-b border-slate-200 text-left text-xs tracking-wide text-slate-600 uppercase">
              {(['when', 'who', 'call', 'campaign', 'outcome', 'reason', 'from'] as const).map((k) => (
                <th key={k} scope="col" className="px-3 py-2">{t(`accessLog.${k}`)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {log.error ? (
              <tr><td colSpan={7} className="px-3 py-6 text-center text-red-700">{describeError(i18n, log.error)}</td></tr>
            ) : log.isPending ? (
              <tr><td colSpan={7} className="px-3 py-6 text-center text-slate-600">{t('common.loading')}</td></tr>
            ) : !rows.length ? (
              <tr><td colSpan={7} data-test="access-log-empty" className="px-3 py-6 text-center text-slate-600">{t('accessLog.empty')}</td></tr>
            ) : rows.map((r) => {
              const reasonKey = accessReasonKey(r.reason_code);
              return (
                <tr key={r.id} data-test="access-log-row" data-outcome={r.outcome} data-call-id={r.call_id ?? ''} className="border-b border-slate-100">
                  <td className={CELL}>{formatDateTime(r.requested_at, lang)}</td>
                  <td className={CELL}>{personName(r.requested_by)}</td>
                  <td className={`${CELL} font-mono`} title={r.call_id ?? ''}>{r.call_id ? `${r.call_id.slice(0, 8)}…` : '—'}</td>
                  <td className={CELL}>{(r.campaign_id && campaignName.get(r.campaign_id)) || '—'}</td>
                  <td className={CELL}>
                    <span data-test="access-outcome" className={`rounded px-1.5 py-0.5 text-xs font-semibold ${r.outcome === 'granted' ? 'bg-emerald-100 text-emerald-800' : 'bg-red-100 text-red-800'}`}>
                      {tMaybe(i18n, `accessLog.outcome.${r.outcome}`) ?? r.outcome}
                    </span>
                  </td>
                  <td className={CELL}>
                    {r.reason_code ? ((reasonKey && tMaybe(i18n, reasonKey)) ?? r.reason_code) : '—'}
                    {r.reason ? <div className={MUTED}>{r.reason}</div> : null}
                  </td>
                  <td className={`${CELL} ${MUTED}`} title={r.user_agent ?? ''}>{r.client_address || '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
