// Compliance (compliance.manage): legal holds on a
// call or a lead (placed with a reason, released), and a lead's personal data
// exported (right of access, a JSON download) or erased (right to erasure,
// confirmed by typing the lead's id). The database refuses what the law
// forbids (erasing a lead under hold or in a call) with a message that names
// the field; the screen shows it after its own headline.
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import {
  eraseLead, exportLeadData, listLegalHolds, placeLegalHold, releaseLegalHold, type LegalHoldRow,
} from '../../../data/compliance';
import { formatDateTime } from '../../../i18n/format';
import type { Json } from '../../../types/database';
import { useAuth } from '../../auth/auth-context';
import { AccessLog } from '../../components/AccessLog';
import { useNotices } from '../../components/Notices';
import { CARD, CONTROL, DANGER, LIGHT, MUTED, Page, PRIMARY, TD, TH } from './admin-ui';
import {
  describeComplianceError, eraseConfirmed, exportFileName, isUuid, sortHolds, summaryEntries,
} from './compliance-logic';

export const HOLDS_KEY = ['compliance', 'holds'] as const;
const UUID_PLACEHOLDER = '00000000-0000-0000-0000-000000000000';
const ERROR = 'text-sm font-medium text-red-700';
const NOTE = 'rounded-md border border-sky-300 bg-sky-50 p-3 text-sm text-sky-950';

// Messages are i18n keys, translated when shown.
const holdSchema = z.object({
  target: z.enum(['call', 'lead']),
  targetId: z.string().refine(isUuid, 'compliance.error.bad_id'),
  reason: z.string().trim().min(1, 'compliance.holds.reasonRequired').max(500),
});
type HoldFields = z.input<typeof holdSchema>;

const leadSchema = z.object({ leadId: z.string().refine(isUuid, 'compliance.error.bad_id') });
type LeadFields = z.input<typeof leadSchema>;

function who(p: { full_name: string | null; email: string } | null): string | null {
  return p ? (p.full_name || p.email) : null;
}

function ReleaseButton({ hold }: { hold: LegalHoldRow }) {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const { toast } = useNotices();
  const queryClient = useQueryClient();
  const release = useMutation({
    mutationFn: () => releaseLegalHold(supabase, hold.id),
    onSuccess: () => { toast(t('compliance.holds.released_toast'), { level: 'success' }); },
    onError: (err) => { toast(describeComplianceError(i18n, err), { level: 'error', ms: 7000 }); },
    onSettled: () => queryClient.invalidateQueries({ queryKey: HOLDS_KEY }),
  });
  return (
    <button type="button" data-test="hold-release" className={`${DANGER} px-2 py-1 text-xs`} disabled={release.isPending}
      onClick={() => {
        // As before: the browser's own confirmation, which names the hold.
        if (window.confirm(t('compliance.holds.releaseConfirm', { reason: hold.reason }))) release.mutate();
      }}>
      {t('compliance.holds.release')}
    </button>
  );
}

function LegalHolds() {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const { toast } = useNotices();
  const queryClient = useQueryClient();
  const ids = useId();
  const holds = useQuery({ queryKey: HOLDS_KEY, queryFn: () => listLegalHolds(supabase), select: sortHolds });
  const { register, handleSubmit, reset, getValues, formState: { errors } } = useForm<HoldFields>({
    resolver: zodResolver(holdSchema),
    defaultValues: { target: 'call', targetId: '', reason: '' },
  });
  const place = useMutation({
    mutationFn: ({ target, targetId, reason }: HoldFields) => placeLegalHold(supabase, target === 'call'
      ? { callId: targetId.trim(), reason: reason.trim() }
      : { leadId: targetId.trim(), reason: reason.trim() }),
    onSuccess: () => {
      toast(t('compliance.holds.placed_toast'), { level: 'success' });
      reset({ target: getValues('target'), targetId: '', reason: '' });
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: HOLDS_KEY }),
  });
  const onSubmit = handleSubmit((fields) => { if (!place.isPending) place.mutate(fields); });
  // One message at a time, the id's first (as the old form checked them).
  const fieldError = errors.targetId?.message ?? errors.reason?.message;
  const errorText = fieldError ? t(fieldError as never) : place.error ? describeComplianceError(i18n, place.error) : null;
  const errorId = `${ids}-error`;
  const lang = i18n.language;
  const rows = holds.data ?? [];
  return (
    <section id="legal-holds" data-test="legal-holds" aria-labelledby={`${ids}-title`} className={`${CARD} p-4`}>
      <h2 id={`${ids}-title`} className="text-lg font-semibold">{t('compliance.holds.title')}</h2>
      <p className={`${MUTED} mb-3`}>{t('compliance.holds.subtitle')}</p>
      <form noValidate className="flex flex-wrap items-end gap-3" onSubmit={(e) => { void onSubmit(e); }}>
        <label className="flex flex-col gap-1 text-sm font-semibold text-slate-800">
          {t('compliance.holds.target')}
          <select id="hold-target" data-test="hold-target" className={CONTROL} {...register('target')}>
            <option value="call">{t('compliance.holds.onCall')}</option>
            <option value="lead">{t('compliance.holds.onLead')}</option>
          </select>
        </label>
        <label className="flex min-w-72 flex-1 flex-col gap-1 text-sm font-semibold text-slate-800">
          {t('compliance.holds.targetId')}
          <input id="hold-target-id" data-test="hold-target-id" type="text" autoComplete="off" spellCheck={false}
            placeholder={UUID_PLACEHOLDER} className={`${CONTROL} font-mono font-normal`}
            aria-invalid={errors.targetId ? true : undefined} aria-describedby={errors.targetId ? errorId : undefined}
            {...register('targetId')} />
        </label>
        <label className="flex min-w-72 flex-1 flex-col gap-1 text-sm font-semibold text-slate-800">
          {t('compliance.holds.reason')}
          <input id="hold-reason" data-test="hold-reason" type="text" maxLength={500}
            placeholder={t('compliance.holds.reasonPlaceholder')} className={`${CONTROL} font-normal`}
            aria-invalid={errors.reason ? true : undefined} aria-describedby={errors.reason ? errorId : undefined}
            {...register('reason')} />
        </label>
        <button type="submit" data-test="hold-place" className={PRIMARY} disabled={place.isPending}>
          {t('compliance.holds.place')}
        </button>
      </form>
      {errorText && <p id={errorId} role="alert" data-test="hold-error" className={`${ERROR} mt-2`}>{errorText}</p>}
      <div className="mt-4 overflow-x-auto">
        <table data-test="holds-table" className="w-full border-collapse text-sm">
          <thead>
            <tr>
              <th scope="col" className={TH}>{t('compliance.holds.state')}</th>
              <th scope="col" className={TH}>{t('compliance.holds.target')}</th>
              <th scope="col" className={TH}>ID</th>
              <th scope="col" className={TH}>{t('compliance.holds.reason')}</th>
              <th scope="col" className={TH}>{t('compliance.holds.placed')}</th>
              <th scope="col" className={TH}>{t('compliance.holds.released')}</th>
              <th scope="col" className={TH}><span className="sr-only">{t('compliance.holds.release')}</span></th>
            </tr>
          </thead>
          <tbody>
            {holds.isPending || holds.error || !rows.length ? (
              <tr>
                <td colSpan={7} className="px-3 py-6 text-center text-slate-600" data-test={rows.length || holds.isPending || holds.error ? undefined : 'holds-empty'}>
                  {holds.isPending ? t('common.loading') : holds.error ? describeComplianceError(i18n, holds.error) : t('compliance.holds.empty')}
                </td>
              </tr>
            ) : rows.map((hold) => {
              const active = !hold.released_at;
              return (
                <tr key={hold.id} data-test="hold-row" data-hold-id={hold.id} data-active={String(active)}
                  className={active ? undefined : 'text-slate-600'}>
                  <td className={TD}>
                    <span className={`rounded-full px-2 py-0.5 text-xs font-semibold ${active ? 'bg-amber-100 text-amber-900' : 'bg-slate-200 text-slate-700'}`}>
                      {active ? t('compliance.holds.active') : t('compliance.holds.releasedState')}
                    </span>
                  </td>
                  <td className={TD}>{hold.call_id ? t('compliance.holds.onCall') : t('compliance.holds.onLead')}</td>
                  <td className={`${TD} font-mono text-xs`}>{hold.call_id ?? hold.lead_id}</td>
                  <td className={TD}>{hold.reason}</td>
                  <td className={TD}>
                    {formatDateTime(hold.placed_at, lang)}
                    {who(hold.placer) && <div className={MUTED}>{who(hold.placer)}</div>}
                  </td>
                  <td className={TD}>
                    {hold.released_at ? (
                      <>
                        {formatDateTime(hold.released_at, lang)}
                        {who(hold.releaser) && <div className={MUTED}>{who(hold.releaser)}</div>}
                      </>
                    ) : '—'}
                  </td>
                  <td className={`${TD} text-right`}>{active && <ReleaseButton hold={hold} />}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Saves `text` as a file the browser downloads. */
function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => { URL.revokeObjectURL(url); }, 10_000);
}

/** The typed confirmation of an erasure: the button works only once the lead's id is typed. */
function ConfirmErase({ leadId, busy, onConfirm, onCancel }: {
  leadId: string; busy: boolean; onConfirm: () => void; onCancel: () => void;
}) {
  const { t } = useTranslation();
  const ids = useId();
  const { register, handleSubmit, formState: { isValid } } = useForm<{ typed: string }>({
    resolver: zodResolver(z.object({ typed: z.string().refine((typed) => eraseConfirmed(typed, leadId)) })),
    defaultValues: { typed: '' },
    mode: 'onChange',
  });
  return (
    <form data-test="erase-confirm-form" role="alertdialog" aria-labelledby={`${ids}-title`} aria-describedby={`${ids}-text`}
      noValidate className="mt-3 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-950"
      onSubmit={(e) => { void handleSubmit(onConfirm)(e); }}>
      <p>
        <strong id={`${ids}-title`}>{t('compliance.lead.confirmTitle')}</strong>{' '}
        <span id={`${ids}-text`}>{t('compliance.lead.confirmText')}</span>
      </p>
      <p className="mt-1">
        <label htmlFor={`${ids}-typed`}>{t('compliance.lead.confirmLabel')}</label>{' '}
        <code className="font-mono">{leadId}</code>
      </p>
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <input id={`${ids}-typed`} data-test="erase-confirm-input" type="text" autoComplete="off" spellCheck={false} autoFocus
          className={`${CONTROL} min-w-80 font-mono`} {...register('typed')} />
        <button type="submit" data-test="erase-confirm" className={DANGER} disabled={!isValid || busy}>
          <span aria-hidden="true">⚠</span>{t('compliance.lead.confirmErase')}
        </button>
        <button type="button" className={LIGHT} onClick={onCancel}>{t('common.cancel')}</button>
      </div>
    </form>
  );
}

type Outcome = { kind: 'exported'; file: string } | { kind: 'erased'; summary: Json } | { kind: 'failed'; error: unknown };

function ErasedSummary({ summary }: { summary: Json }) {
  const { t, i18n } = useTranslation();
  const erasedAt = typeof summary === 'object' && summary !== null && !Array.isArray(summary) ? summary.erased_at : null;
  const when = typeof erasedAt === 'string' ? formatDateTime(erasedAt, i18n.language) : '';
  return (
    <div data-test="erase-summary" className={NOTE}>
      <strong>{t('compliance.lead.erasedTitle', { when: when || '—' })}</strong>
      <dl className="mt-2 grid grid-cols-[auto_auto] gap-x-4 gap-y-0.5 sm:w-fit">
        {summaryEntries(summary).map(([key, value]) => (
          <div key={key} className="contents">
            <dt>{t(key)}</dt>
            <dd data-test={`erase-${key.split('.').pop() ?? ''}`} className="text-right font-semibold tabular-nums">{String(value)}</dd>
          </div>
        ))}
      </dl>
      <p className={`${MUTED} mt-2`}>{t('compliance.lead.erasedRecordings')}</p>
    </div>
  );
}

function LeadData() {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const { toast } = useNotices();
  const queryClient = useQueryClient();
  const ids = useId();
  // The id whose erasure is being confirmed (each ask a new, empty confirmation), and what the last action gave.
  const [confirming, setConfirming] = useState<{ leadId: string; ask: number } | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const { register, handleSubmit, formState: { errors } } = useForm<LeadFields>({
    resolver: zodResolver(leadSchema),
    defaultValues: { leadId: '' },
  });
  const exportData = useMutation({
    mutationFn: (leadId: string) => exportLeadData(supabase, leadId),
    onSuccess: (doc, leadId) => {
      const file = exportFileName(leadId);
      download(file, JSON.stringify(doc, null, 2));
      setOutcome({ kind: 'exported', file });
    },
    onError: (error) => { setOutcome({ kind: 'failed', error }); },
  });
  const erase = useMutation({
    mutationFn: (leadId: string) => eraseLead(supabase, leadId),
    onSuccess: (summary) => {
      setConfirming(null);
      toast(t('compliance.lead.erased_toast'), { level: 'success' });
      setOutcome({ kind: 'erased', summary });
    },
    onError: (error) => { setOutcome({ kind: 'failed', error }); },
    // The erasure touches the lead's holds' calls too.
    onSettled: () => queryClient.invalidateQueries({ queryKey: HOLDS_KEY }),
  });
  const busy = exportData.isPending || erase.isPending;
  const onExport = handleSubmit(({ leadId }) => {
    setOutcome(null);
    if (!busy) exportData.mutate(leadId.trim());
  });
  const onErase = handleSubmit(({ leadId }) => {
    setOutcome(null);
    setConfirming((previous) => ({ leadId: leadId.trim(), ask: (previous?.ask ?? 0) + 1 }));
  });
  const errorText = errors.leadId?.message ? t(errors.leadId.message as never)
    : outcome?.kind === 'failed' ? describeComplianceError(i18n, outcome.error) : null;
  return (
    <section id="lead-data" data-test="lead-data" aria-labelledby={`${ids}-title`} className={`${CARD} p-4`}>
      <h2 id={`${ids}-title`} className="text-lg font-semibold">{t('compliance.lead.title')}</h2>
      <p className={`${MUTED} mb-3`}>{t('compliance.lead.subtitle')}</p>
      <form noValidate className="flex flex-wrap items-end gap-3" onSubmit={(e) => { e.preventDefault(); }}>
        <label className="flex min-w-72 flex-1 flex-col gap-1 text-sm font-semibold text-slate-800">
          {t('compliance.lead.id')}
          <input id="compliance-lead-id" data-test="compliance-lead-id" type="text" autoComplete="off" spellCheck={false}
            placeholder={UUID_PLACEHOLDER} className={`${CONTROL} font-mono font-normal`}
            aria-invalid={errors.leadId ? true : undefined} aria-describedby={errorText ? `${ids}-error` : undefined}
            {...register('leadId', { onChange: () => { setConfirming(null); setOutcome(null); } })} />
        </label>
        <button type="button" data-test="lead-export" className={LIGHT} disabled={busy} onClick={() => { void onExport(); }}>
          {t('compliance.lead.export')}
        </button>
        <button type="button" data-test="lead-erase" className={DANGER} disabled={busy} onClick={() => { void onErase(); }}>
          {t('compliance.lead.erase')}
        </button>
      </form>
      <div data-test="erase-confirm-slot">
        {confirming && (
          <ConfirmErase key={confirming.ask} leadId={confirming.leadId} busy={busy} onCancel={() => { setConfirming(null); }}
            onConfirm={() => { if (!busy) erase.mutate(confirming.leadId); }} />
        )}
      </div>
      <div data-test="compliance-result" aria-live="polite" className="mt-3 empty:hidden">
        {errorText && <p id={`${ids}-error`} role="alert" data-test="compliance-error" className={ERROR}>{errorText}</p>}
        {outcome?.kind === 'exported' && (
          <p data-test="export-done" className={NOTE}>{t('compliance.lead.exported', { file: outcome.file })}</p>
        )}
        {outcome?.kind === 'erased' && <ErasedSummary summary={outcome.summary} />}
      </div>
    </section>
  );
}

export function Compliance() {
  const { t } = useTranslation();
  return (
    <Page id="admin-compliance" title={t('compliance.title')} subtitle={t('compliance.subtitle')}>
      <LegalHolds />
      <LeadData />
      <AccessLog />
    </Page>
  );
}
