// Lead imports (leads.import): the wizard — campaign, a CSV or Excel file
// uploaded to Storage (lead-imports/<user id>/...), the worker's preview
// (delimiter, encoding, each column's field, chosen again here, the first
// rows as mapped with their errors), the options (default country,
// duplicates skip/update), confirm — and the imports with their live
// progress: the lead_imports rows are pushed by Realtime (postgres_changes on
// the table, under RLS), read again after each join, polled only while
// Realtime is reconnecting. A finished import shows its first errors and the
// full error report. Hooks: imports-screen, import-form, import-campaign,
// import-file, import-upload, import-status (data-status), import-preview,
// preview-delimiter, preview-encoding, mapping-row (data-header),
// mapping-select, preview-row (data-line), preview-error, import-region,
// import-duplicates, import-repreview, import-confirm, import-discard,
// imports-list, import-row (data-import-id, data-status), import-progress,
// import-counts, import-count-<name>, import-cancel, import-errors-toggle,
// import-error-row, import-error-report.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { listCampaigns } from '../../../data/catalog';
import {
  asPreview, cancelLeadImport, confirmLeadImport, errorReportUrl, importProgress, isImportFinished, listImportErrors, listImports,
  startLeadImport, uploadImportFile, type ImportOptions, type ImportPreview, type ImportRow,
} from '../../../data/imports';
import { formatDateTime, formatNumber } from '../../../i18n/format';
import { useAuth, useProfile } from '../../auth/auth-context';
import { CARD, CELL, MUTED } from '../../components/table';
import { describeError } from '../../errors';
import { tMaybe } from '../../i18n';
import { useRealtimeChannels } from '../../realtime';
import { customFieldDefs } from './lead-form';
import { BUTTON, FIELD, INPUT, PRIMARY } from './leads-ui';

const LIST_KEY = ['imports', 'list'] as const;
const FALLBACK_POLL_MS = 5000;
const COUNTS = ['imported', 'updated', 'duplicates', 'invalid', 'do_not_call'] as const;
/** Countries offered as the default region of national numbers (ISO 3166 alpha-2). */
const REGIONS = ['ES', 'PT', 'FR', 'IT', 'DE', 'GB', 'MX', 'AR', 'CO', 'CL', 'PE', 'US'] as const;

/** The held list with one pushed row applied (newer updated_at wins; a new row goes first). */
function applyImportChange(list: ImportRow[] | undefined, pushed: Record<string, unknown>, event: string): ImportRow[] | undefined {
  if (!list) return list;
  const id = pushed.id;
  if (typeof id !== 'string') return list;
  if (event === 'DELETE') return list.filter((r) => r.id !== id);
  const at = list.findIndex((r) => r.id === id);
  if (at < 0) return list; // a new row: the list is read again (it needs its campaign's name)
  const held = list[at];
  if (!held) return list;
  const a = Date.parse(held.updated_at);
  const b = typeof pushed.updated_at === 'string' ? Date.parse(pushed.updated_at) : Number.NaN;
  if (!Number.isNaN(a) && !Number.isNaN(b) && b < a) return list;
  const merged = { ...held } as Record<string, unknown>;
  for (const key of Object.keys(held)) if (key in pushed && key !== 'campaign') merged[key] = pushed[key];
  const next = [...list];
  next[at] = merged as unknown as ImportRow;
  return next;
}

function StatusLabel({ row }: { row: ImportRow }) {
  const { i18n } = useTranslation();
  const tone = row.status === 'done' ? 'bg-emerald-100 text-emerald-800' : row.status === 'failed' ? 'bg-red-100 text-red-800'
    : row.status === 'cancelled' ? 'bg-slate-200 text-slate-700' : 'bg-sky-100 text-sky-800';
  return (
    <span data-test="import-status" data-status={row.status} className={`inline-block rounded px-1.5 py-0.5 text-xs font-semibold ${tone}`}>
      {tMaybe(i18n, `imports.status.${row.status}`) ?? row.status}
      {row.cancel_requested && !isImportFinished(row.status) ? ` · ${i18n.t('imports.cancelling')}` : ''}
    </span>
  );
}

/** The preview the worker wrote, the mapping to correct, the options, confirm. */
function PreviewStep({ row, preview, fieldsExtra, onDone }: { row: ImportRow; preview: ImportPreview; fieldsExtra: string[]; onDone: (next: string | null) => void }) {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const queryClient = useQueryClient();
  const held = (row.options ?? {}) as ImportOptions;
  const [mapping, setMapping] = useState<Record<string, string>>(() => ({ ...preview.mapping }));
  const [region, setRegion] = useState(held.default_region ?? 'ES');
  const [duplicates, setDuplicates] = useState<'skip' | 'update'>(held.duplicates === 'update' ? 'update' : 'skip');
  const options: ImportOptions = { mapping, default_region: region, duplicates, delimiter: preview.delimiter, encoding: preview.encoding };
  const targets = useMemo(() => [...new Set([...preview.fields, ...fieldsExtra, ...Object.values(preview.mapping)])].filter((f) => f && f !== 'ignore'), [preview, fieldsExtra]);
  const fieldLabel = (f: string) => (f.startsWith('custom:') ? `${t('imports.custom')}: ${f.slice(7)}` : tMaybe(i18n, `lead.field.${f}`) ?? f);
  const confirm = useMutation({
    mutationFn: () => confirmLeadImport(supabase, row.id, options),
    onSuccess: () => { void queryClient.invalidateQueries({ queryKey: LIST_KEY }); onDone(null); },
  });
  const again = useMutation({
    mutationFn: async () => {
      await cancelLeadImport(supabase, row.id);
      return startLeadImport(supabase, row.campaign_id, row.file_path, { ...options, preview: true });
    },
    onSuccess: (next) => { void queryClient.invalidateQueries({ queryKey: LIST_KEY }); onDone(next.id); },
  });
  const discard = useMutation({
    mutationFn: () => cancelLeadImport(supabase, row.id),
    onSuccess: () => { void queryClient.invalidateQueries({ queryKey: LIST_KEY }); onDone(null); },
  });
  const shownFields = [...new Set(Object.values(mapping).filter((f) => f !== 'ignore'))];
  const error = confirm.error ?? again.error ?? discard.error;
  return (
    <div data-test="import-preview" className="flex flex-col gap-4">
      <p className="text-sm text-slate-700">
        {t('imports.detected')}{' '}
        <strong data-test="preview-delimiter">{preview.delimiter === '\t' ? 'TAB' : preview.delimiter || '—'}</strong> ·{' '}
        <strong data-test="preview-encoding">{preview.encoding || '—'}</strong>
        {preview.totalRowsEstimate !== null ? ` · ${t('imports.rowsEstimate', { count: formatNumber(preview.totalRowsEstimate, i18n.language) })}` : ''}
      </p>
      <div className="overflow-x-auto">
        <table data-test="import-mapping" className="text-sm">
          <caption className="mb-1 text-left font-semibold">{t('imports.mapping')}</caption>
          <thead><tr className="border-b border-slate-200 text-left text-xs text-slate-600 uppercase">
            <th scope="col" className={CELL}>{t('imports.column')}</th><th scope="col" className={CELL}>{t('imports.field')}</th>
          </tr></thead>
          <tbody>
            {preview.headers.map((h) => (
              <tr key={h} data-test="mapping-row" data-header={h} className="border-b border-slate-100">
                <td className={`${CELL} font-mono`}>{h}</td>
                <td className={CELL}>
                  <select data-test="mapping-select" aria-label={t('imports.fieldFor', { column: h })} value={mapping[h] ?? 'ignore'} className={INPUT}
                    onChange={(e) => { setMapping((m) => ({ ...m, [h]: e.target.value })); }}>
                    <option value="ignore">{t('imports.ignore')}</option>
                    {targets.map((f) => <option key={f} value={f}>{fieldLabel(f)}</option>)}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="max-w-full overflow-x-auto" role="region" aria-label={t('imports.firstRows')} tabIndex={0}>
        <table data-test="import-preview-rows" className="w-full text-sm">
          <caption className="mb-1 text-left font-semibold">{t('imports.firstRows')}</caption>
          <thead><tr className="border-b border-slate-200 text-left text-xs text-slate-600 uppercase">
            <th scope="col" className={CELL}>{t('imports.line')}</th>
            {shownFields.map((f) => <th key={f} scope="col" className={CELL}>{fieldLabel(f)}</th>)}
            <th scope="col" className={CELL}>{t('imports.errors')}</th>
          </tr></thead>
          <tbody>
            {preview.rows.map((r) => (
              <tr key={r.line} data-test="preview-row" data-line={r.line} data-errors={r.errors.length}
                className={`border-b border-slate-100 ${r.errors.length ? 'bg-red-50' : ''}`}>
                <td className={`${CELL} tabular-nums`}>{r.line}</td>
                {shownFields.map((f) => <td key={f} className={CELL}>{r.values[f] ?? ''}</td>)}
                <td className={CELL}>
                  {r.errors.map((e) => (
                    <div key={`${e.field}-${e.code}`} data-test="preview-error" data-code={e.code} className="text-xs text-red-800">
                      {tMaybe(i18n, `imports.error.${e.code}`) ?? (e.message || e.code)}{e.field ? ` (${fieldLabel(e.field)})` : ''}
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="flex flex-wrap items-end gap-3">
        <label className={FIELD}>{t('imports.region')}
          <select data-test="import-region" value={region} className={INPUT} onChange={(e) => { setRegion(e.target.value); }}>
            {[...new Set([region, ...REGIONS])].map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
        </label>
        <label className={FIELD}>{t('imports.duplicates')}
          <select data-test="import-duplicates" value={duplicates} className={INPUT}
            onChange={(e) => { setDuplicates(e.target.value === 'update' ? 'update' : 'skip'); }}>
            <option value="skip">{t('imports.duplicatesSkip')}</option>
            <option value="update">{t('imports.duplicatesUpdate')}</option>
          </select>
        </label>
        <div className="flex-1" />
        <button type="button" data-test="import-discard" className={BUTTON} disabled={discard.isPending} onClick={() => { discard.mutate(); }}>{t('imports.discard')}</button>
        <button type="button" data-test="import-repreview" className={BUTTON} disabled={again.isPending} onClick={() => { again.mutate(); }}>{t('imports.previewAgain')}</button>
        <button type="button" data-test="import-confirm" className={PRIMARY} disabled={confirm.isPending} onClick={() => { confirm.mutate(); }}>{t('imports.confirm')}</button>
      </div>
      {error ? <p role="alert" className="text-sm font-medium text-red-700">{describeError(i18n, error)}</p> : null}
    </div>
  );
}

/** An import's first errors and the link to its full error report. */
function ImportErrors({ row }: { row: ImportRow }) {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const errors = useQuery({ queryKey: ['imports', 'errors', row.id], queryFn: () => listImportErrors(supabase, row.id) });
  const report = useQuery({
    queryKey: ['imports', 'report', row.error_report_path], queryFn: () => errorReportUrl(supabase, row.error_report_path ?? ''),
    enabled: Boolean(row.error_report_path), staleTime: 240_000,
  });
  return (
    <div className="flex flex-col gap-2">
      {report.data ? (
        <a data-test="import-error-report" href={report.data} download className="font-semibold text-brand underline">{t('imports.errorReport')}</a>
      ) : null}
      {errors.data?.length ? (
        <table className="text-xs">
          <thead><tr className="text-left text-slate-600"><th scope="col" className="pr-3">{t('imports.line')}</th><th scope="col" className="pr-3">{t('imports.field')}</th><th scope="col">{t('imports.problem')}</th></tr></thead>
          <tbody>
            {errors.data.map((e) => (
              <tr key={`${String(e.line)}-${e.field}-${e.code}`} data-test="import-error-row" data-code={e.code}>
                <td className="pr-3 tabular-nums">{e.line}</td>
                <td className="pr-3">{e.field ? tMaybe(i18n, `lead.field.${e.field}`) ?? e.field : '—'}</td>
                <td>{tMaybe(i18n, `imports.error.${e.code}`) ?? e.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : <p className={MUTED}>{errors.isPending ? t('common.loading') : t('imports.noErrors')}</p>}
    </div>
  );
}

function ImportListRow({ row }: { row: ImportRow }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { supabase } = useAuth();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const cancel = useMutation({
    mutationFn: () => cancelLeadImport(supabase, row.id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: LIST_KEY }),
  });
  const progress = importProgress(row);
  const active = row.status === 'queued' || row.status === 'running';
  return (
    <li data-test="import-row" data-import-id={row.id} data-status={row.status} className="flex flex-col gap-2 border-b border-slate-100 px-4 py-3">
      <div className="flex flex-wrap items-center gap-3">
        <div className="min-w-0 flex-1">
          <div className="font-semibold break-all">{row.file_name}</div>
          <div className={MUTED}>{row.campaign.name} · {formatDateTime(row.created_at, lang)}</div>
        </div>
        <StatusLabel row={row} />
        {!isImportFinished(row.status) && !row.cancel_requested ? (
          <button type="button" data-test="import-cancel" className={`${BUTTON} py-1 text-xs`} disabled={cancel.isPending}
            onClick={() => { cancel.mutate(); }}>{t('imports.cancel')}</button>
        ) : null}
      </div>
      {active || row.status === 'done' || row.status === 'cancelled' ? (
        <div className="flex flex-wrap items-center gap-3 text-sm">
          <progress data-test="import-progress" className="h-2 w-48" aria-label={t('imports.progress')}
            max={1} value={progress ?? undefined} />
          <span className="tabular-nums">
            {t('imports.processed', { done: formatNumber(row.processed_rows, lang), total: row.total_rows === null ? '?' : formatNumber(row.total_rows, lang) })}
          </span>
          <span data-test="import-counts" className="flex flex-wrap gap-2">
            {COUNTS.map((c) => (
              <span key={c} data-test={`import-count-${c}`} data-value={row[c]} className="rounded bg-slate-100 px-1.5 py-0.5 text-xs">
                {t(`imports.count.${c}`)}: <strong className="tabular-nums">{formatNumber(row[c], lang)}</strong>
              </span>
            ))}
          </span>
        </div>
      ) : null}
      {row.error ? <p role="alert" className="text-sm text-red-700">{row.error}</p> : null}
      {cancel.error ? <p role="alert" className="text-sm text-red-700">{describeError(i18n, cancel.error)}</p> : null}
      {isImportFinished(row.status) && (row.invalid > 0 || row.error_report_path) ? (
        <div>
          <button type="button" data-test="import-errors-toggle" aria-expanded={open} className="text-sm font-semibold text-brand underline"
            onClick={() => { setOpen((o) => !o); }}>{t('imports.showErrors')}</button>
          {open ? <div className="mt-2"><ImportErrors row={row} /></div> : null}
        </div>
      ) : null}
    </li>
  );
}

export function Imports() {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const profile = useProfile();
  const queryClient = useQueryClient();
  const [campaignId, setCampaignId] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [current, setCurrent] = useState<string | null>(null);
  const campaigns = useQuery({ queryKey: ['leads', 'campaigns'], queryFn: () => listCampaigns(supabase), staleTime: 60_000 });
  const read = () => listImports(supabase);
  const live = useRealtimeChannels(['lead-imports'], {
    private: false,
    bind: (channel) => {
      channel.on('postgres_changes', { event: '*', schema: 'public', table: 'lead_imports' }, (change) => {
        const pushed = (change.eventType === 'DELETE' ? change.old : change.new) as Record<string, unknown>;
        const known = queryClient.getQueryData<ImportRow[]>(LIST_KEY)?.some((r) => r.id === pushed.id);
        if (!known && change.eventType !== 'DELETE') { void queryClient.invalidateQueries({ queryKey: LIST_KEY }); return; }
        queryClient.setQueryData<ImportRow[]>(LIST_KEY, (old) => applyImportChange(old, pushed, change.eventType));
      });
    },
    onJoined: () => { void queryClient.invalidateQueries({ queryKey: LIST_KEY }); },
  });
  const imports = useQuery({
    queryKey: LIST_KEY, queryFn: read,
    refetchInterval: live === 'live' ? false : FALLBACK_POLL_MS,
  });
  const start = useMutation({
    mutationFn: async () => {
      if (!file || !campaignId) throw new Error(t('imports.chooseBoth'));
      const path = await uploadImportFile(supabase, profile.id, file);
      const campaign = campaigns.data?.find((c) => c.id === campaignId) as Record<string, unknown> | undefined;
      const region = typeof campaign?.country_code === 'string' ? campaign.country_code : 'ES';
      return startLeadImport(supabase, campaignId, path, { preview: true, default_region: region, duplicates: 'skip' });
    },
    onSuccess: (row) => { setCurrent(row.id); void queryClient.invalidateQueries({ queryKey: LIST_KEY }); },
  });
  const submit = (e: { preventDefault: () => void }) => { e.preventDefault(); start.mutate(); };
  const currentRow = imports.data?.find((r) => r.id === current) ?? (start.data?.id === current ? start.data as unknown as ImportRow : null);
  const preview = currentRow?.status === 'previewed' ? asPreview(currentRow.preview) : null;
  const campaign = campaigns.data?.find((c) => c.id === (currentRow?.campaign_id ?? campaignId));
  const extra = useMemo(() => customFieldDefs(campaign).map((d) => `custom:${d.key}`), [campaign]);

  return (
    <div id="imports" data-test="imports-screen" className="mx-auto flex max-w-7xl min-w-0 flex-col gap-4">
      <header>
        <h1 className="text-2xl font-semibold">{t('imports.title')}</h1>
        <p className="text-slate-600">{t('imports.subtitle')}</p>
      </header>
      <section className={`${CARD} p-4`} aria-labelledby="import-new-title">
        <h2 id="import-new-title" className="mb-3 text-lg font-semibold">{t('imports.new')}</h2>
        {!currentRow ? (
          <form data-test="import-form" onSubmit={submit} className="flex flex-wrap items-end gap-3">
            <label className={FIELD}>{t('leads.campaign')}
              <select data-test="import-campaign" required value={campaignId} className={INPUT} onChange={(e) => { setCampaignId(e.target.value); }}>
                <option value="">{t('imports.chooseCampaign')}</option>
                {campaigns.data?.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
              </select>
            </label>
            <label className={FIELD}>{t('imports.file')}
              <input type="file" data-test="import-file" required accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                className="text-sm" onChange={(e) => { setFile(e.target.files?.[0] ?? null); }} />
            </label>
            <button type="submit" data-test="import-upload" disabled={start.isPending || !file || !campaignId} className={PRIMARY}>
              {start.isPending ? t('imports.uploading') : t('imports.upload')}
            </button>
            {start.error ? <p role="alert" className="w-full text-sm font-medium text-red-700">{describeError(i18n, start.error)}</p> : null}
          </form>
        ) : (
          <div className="flex flex-col gap-3">
            <p className="flex flex-wrap items-center gap-2 text-sm">
              <strong className="break-all">{currentRow.file_name}</strong> <StatusLabel row={currentRow} />
            </p>
            {currentRow.status === 'previewing' ? <p role="status" className="text-sm text-slate-600">{t('imports.reading')}</p> : null}
            {currentRow.status === 'failed' ? <p role="alert" className="text-sm text-red-700">{currentRow.error ?? t('imports.status.failed')}</p> : null}
            {preview ? (
              <PreviewStep key={currentRow.id} row={currentRow} preview={preview} fieldsExtra={extra} onDone={(next) => { setCurrent(next); }} />
            ) : null}
            {currentRow.status !== 'previewing' && currentRow.status !== 'previewed' ? (
              <div><button type="button" className={BUTTON} data-test="import-another" onClick={() => { setCurrent(null); setFile(null); }}>{t('imports.another')}</button></div>
            ) : null}
          </div>
        )}
      </section>
      <section className={CARD} aria-labelledby="imports-list-title">
        <h2 id="imports-list-title" className="border-b border-slate-200 px-4 py-3 text-lg font-semibold">{t('imports.list')}</h2>
        {imports.error ? <p role="alert" className="px-4 py-6 text-red-700">{describeError(i18n, imports.error)}</p> : null}
        {imports.data && !imports.data.length ? <p className="px-4 py-6 text-slate-600">{t('imports.none')}</p> : null}
        <ul data-test="imports-list">
          {imports.data?.filter((r) => r.status !== 'previewing' && r.status !== 'previewed').map((row) => <ImportListRow key={row.id} row={row} />)}
        </ul>
      </section>
    </div>
  );
}
