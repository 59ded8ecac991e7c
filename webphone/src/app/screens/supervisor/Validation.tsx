// The sale validation queue: pending sales of the supervisor's campaigns,
// oldest first; validate in one click, reject with a required reason (zod).
// A long queue is virtualised; the reason form is a row of its own under
// its sale. Hooks: validation-screen, validation-count, validation-refresh,
// validation-queue (scroll box: validation-scroll), validation-row
// (data-sale-id), sale-approve, sale-reject, reject-form,
// sale-reject-reason, sale-reject-confirm, validation-empty,
// validation-decided, decided-row (data-sale-id).

import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createColumnHelper, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { memo, useCallback, useEffect, useMemo, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { listDecidedSales, listPendingSales, validateSale, type PendingSaleRow } from '../../../data/sales';
import { formatCurrency, formatDateTime } from '../../../i18n/format';
import { useAuth } from '../../auth/auth-context';
import { useNotices } from '../../components/Notices';
import { describeError } from '../../errors';
import { tMaybe } from '../../i18n';
import { leadName, leadPhone } from '../../lead-label';
import { BodyRow, CARD, CELL, MUTED, NUM_CELL, Spacer, TableHead, useVirtualRows } from '../../components/table';

const POLL_MS = 15_000;
const COLUMNS = 7;

export const rejectSchema = z.object({ reason: z.string().trim().min(1).max(500) });
type RejectValues = z.infer<typeof rejectSchema>;

function RejectForm({ saleId, busy, onReject, onCancel }:
  { saleId: string; busy: boolean; onReject: (reason: string) => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const { register, handleSubmit, formState: { errors }, setFocus } = useForm<RejectValues>({
    resolver: zodResolver(rejectSchema), defaultValues: { reason: '' },
  });
  useEffect(() => { setFocus('reason'); }, [setFocus]);
  const id = `reject-reason-${saleId}`;
  return (
    <form data-test="reject-form" noValidate className="flex flex-wrap items-center gap-2"
      onSubmit={(e) => { void handleSubmit(({ reason }) => { onReject(reason.trim()); })(e); }}>
      <label htmlFor={id} className="text-sm font-medium">{t('validation.reason')}</label>
      <input id={id} type="text" data-test="sale-reject-reason" maxLength={500} placeholder={t('validation.reasonPlaceholder')}
        aria-invalid={errors.reason ? true : undefined} aria-describedby={errors.reason ? `${id}-error` : undefined}
        className="min-w-64 flex-1 rounded-md border border-slate-300 px-2 py-1 text-sm" {...register('reason')} />
      {errors.reason ? <span id={`${id}-error`} role="alert" className="text-sm font-medium text-red-700">{t('validation.reasonRequired')}</span> : null}
      <button type="submit" data-test="sale-reject-confirm" disabled={busy}
        className="rounded-md bg-red-700 px-3 py-1 text-sm font-semibold text-white hover:bg-red-800 disabled:opacity-60">
        {t('validation.confirmReject')}
      </button>
      <button type="button" onClick={onCancel} className="rounded-md border border-slate-300 bg-white px-3 py-1 text-sm font-semibold hover:bg-slate-50">
        {t('common.cancel')}
      </button>
    </form>
  );
}

const column = createColumnHelper<PendingSaleRow>();
const cellClass = (id: string) => (id === 'premium' ? NUM_CELL : CELL);

type Decide = (decision: { id: string; approved: boolean; reason: string | null }) => void;

interface QueueProps {
  sales: PendingSaleRow[] | undefined;
  error: Error | null;
  busyId: string | null;
  rejecting: string | null;
  setRejecting: Dispatch<SetStateAction<string | null>>;
  decide: Decide;
}

/**
 * The pending sales: their own component, so that scrolling (the virtualiser
 * re-renders on every frame) re-renders only the rows.
 */
const QueueTable = memo(function QueueTable({ sales, error, busyId, rejecting, setRejecting, decide }: QueueProps) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const scrollRef = useRef<HTMLDivElement>(null);

  const columns = useMemo(() => [
    column.accessor('sold_at', { header: () => t('validation.soldAt'), cell: (c) => formatDateTime(c.getValue(), lang) }),
    column.display({
      id: 'agent', header: () => t('validation.agent'),
      cell: ({ row: { original: s } }) => (<>{s.agent.full_name || s.agent.email}<div className={MUTED}>{s.campaign.name}</div></>),
    }),
    column.display({
      id: 'lead', header: () => t('validation.lead'),
      cell: ({ row: { original: s } }) => (<>{leadName(t, s.lead) || '—'}{s.lead.phone ? <div className={MUTED}>{leadPhone(s.lead)}</div> : null}</>),
    }),
    column.display({
      id: 'product', header: () => t('validation.product'),
      cell: ({ row: { original: s } }) => (<>{s.product.name}<div className={MUTED}>{s.product.code}</div></>),
    }),
    column.display({
      id: 'premium', header: () => t('validation.premium'),
      cell: ({ row: { original: s } }) => (<>{formatCurrency(s.premium, s.currency, lang)}
        <div className={MUTED}>{tMaybe(i18n, `frequency.${s.payment_frequency}`) ?? s.payment_frequency}</div></>),
    }),
    column.display({
      id: 'policy', header: () => t('validation.policy'),
      cell: ({ row: { original: s } }) => (<span className="font-mono">{s.policy_number || '—'}{s.notes ? <div className={`${MUTED} font-sans`}>{s.notes}</div> : null}</span>),
    }),
    column.display({
      id: 'decision', header: () => t('validation.decision'),
      cell: ({ row: { original: s } }) => (
        <div className="flex gap-2">
          <button type="button" data-test="sale-approve" disabled={busyId === s.id}
            onClick={() => { decide({ id: s.id, approved: true, reason: null }); }}
            className="rounded-md bg-emerald-700 px-2.5 py-1 text-xs font-semibold text-white hover:bg-emerald-800 disabled:opacity-60">
            ✓ {t('validation.approve')}
          </button>
          <button type="button" data-test="sale-reject" disabled={busyId === s.id} aria-expanded={rejecting === s.id}
            onClick={() => { setRejecting((open) => (open === s.id ? null : s.id)); }}
            className="rounded-md border border-red-300 bg-white px-2.5 py-1 text-xs font-semibold text-red-800 hover:bg-red-50 disabled:opacity-60">
            ✕ {t('validation.reject')}
          </button>
        </div>
      ),
    }),
  ], [t, i18n, lang, busyId, rejecting, setRejecting, decide]);

  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Table hands out fresh functions each render; the rows are memoised by hand (BodyRow)
  const table = useReactTable({ data: sales ?? [], columns, getCoreRowModel: getCoreRowModel(), getRowId: (s) => s.id });
  const rows = table.getRowModel().rows;
  // The open reason form is one more line of the list, right under its sale.
  const lines = useMemo(() => rows.flatMap((row) => (row.id === rejecting
    ? [{ key: row.id, row, form: false }, { key: `${row.id}-reject`, row, form: true }]
    : [{ key: row.id, row, form: false }])), [rows, rejecting]);
  // Known heights, not measured: a measure is a layout read, and a row measured
  // above the view moves the scroll position, costing a second render per frame.
  const estimate = useCallback((index: number) => (lines[index]?.form ? 49 : 53), [lines]);
  const virtual = useVirtualRows(lines.length, scrollRef, estimate, false);
  const count = sales?.length ?? 0;

  return (
    <section className={CARD} aria-labelledby="validation-title">
      <h2 id="validation-title" className="sr-only">{t('validation.title')}</h2>
      <div ref={scrollRef} data-test="validation-scroll" className="max-h-[70vh] overflow-auto" tabIndex={0} aria-labelledby="validation-title">
        <table id="validation-queue" data-test="validation-queue" className="w-full border-collapse text-sm">
          <TableHead table={table} numeric={['premium']} />
          <tbody>
            {error ? (
              <tr><td colSpan={COLUMNS} className="px-3 py-6 text-center text-red-700">{describeError(i18n, error)}</td></tr>
            ) : sales && !count ? (
              <tr><td colSpan={COLUMNS} data-test="validation-empty" className="px-3 py-6 text-center text-slate-600">{t('validation.empty')}</td></tr>
            ) : !sales ? (
              <tr><td colSpan={COLUMNS} className="px-3 py-6 text-center text-slate-600">{t('common.loading')}</td></tr>
            ) : null}
            <Spacer height={virtual.padTop} columns={COLUMNS} />
            {virtual.indexes.map((index) => {
              const line = lines[index];
              if (!line) return null;
              const { row } = line;
              if (line.form) {
                return (
                  <tr key={line.key} data-index={index} ref={virtual.measure} className="border-b border-slate-100 bg-red-50/60">
                    <td colSpan={COLUMNS} className="px-3 py-2">
                      <RejectForm saleId={row.id} busy={busyId === row.id} onCancel={() => { setRejecting(null); }}
                        onReject={(reason) => { decide({ id: row.id, approved: false, reason }); }} />
                    </td>
                  </tr>
                );
              }
              return (
                <BodyRow key={line.key} row={row} index={index} measure={virtual.measure} columns={columns}
                  className={`border-b border-slate-100 ${busyId === row.id ? 'opacity-60' : ''}`} cellClass={cellClass}
                  attrs={{ 'data-test': 'validation-row', 'data-sale-id': row.id }} />
              );
            })}
            <Spacer height={virtual.padBottom} columns={COLUMNS} />
          </tbody>
        </table>
      </div>
    </section>
  );
});

export function Validation() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { supabase } = useAuth();
  const notices = useNotices();
  const queryClient = useQueryClient();
  const [rejecting, setRejecting] = useState<string | null>(null);

  // Not while a reason is being typed: a refresh must not move the form away.
  const pending = useQuery({ queryKey: ['validation', 'pending'], queryFn: () => listPendingSales(supabase, { limit: 1000 }), refetchInterval: rejecting ? false : POLL_MS });
  const decided = useQuery({ queryKey: ['validation', 'decided'], queryFn: () => listDecidedSales(supabase), refetchInterval: rejecting ? false : POLL_MS });

  const decide = useMutation({
    mutationFn: ({ id, approved, reason }: { id: string; approved: boolean; reason: string | null }) => validateSale(supabase, id, approved, reason),
    onSuccess: (_data, { approved }) => {
      notices.toast(approved ? t('validation.approvedToast') : t('validation.rejectedToast'));
      setRejecting(null);
    },
    onError: (err) => { notices.toast(describeError(i18n, err), { level: 'error', ms: 7000 }); },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['validation'] }),
  });
  const busyId = decide.isPending ? decide.variables.id : null;

  const count = pending.data?.length ?? 0;

  return (
    <div id="validation" data-test="validation-screen" className="mx-auto flex max-w-7xl flex-col gap-4">
      <header className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold">
            {t('validation.title')}{' '}
            <span data-test="validation-count" className="rounded-full bg-brand px-2 py-0.5 align-middle text-sm text-white">{count}</span>
          </h1>
          <p className="text-slate-600">{t('validation.subtitle')}</p>
        </div>
        <button type="button" data-test="validation-refresh" onClick={() => { void queryClient.invalidateQueries({ queryKey: ['validation'] }); }}
          className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-semibold hover:bg-slate-50">
          ↻ {t('common.refresh')}
        </button>
      </header>

      <QueueTable sales={pending.data} error={pending.error} busyId={busyId} rejecting={rejecting}
        setRejecting={setRejecting} decide={decide.mutate} />

      <section className={CARD} aria-labelledby="decided-title">
        <h2 id="decided-title" className="border-b border-slate-200 px-4 py-3 text-lg font-semibold">{t('validation.recent')}</h2>
        <div className="overflow-x-auto">
          <table data-test="validation-decided" className="w-full border-collapse text-sm">
            <thead>
              <tr className="border-b border-slate-200 text-left text-xs tracking-wide text-slate-600 uppercase">
                <th scope="col" className="px-3 py-2">{t('validation.decidedAt')}</th>
                <th scope="col" className="px-3 py-2">{t('validation.agent')}</th>
                <th scope="col" className="px-3 py-2">{t('validation.lead')}</th>
                <th scope="col" className="px-3 py-2">{t('validation.product')}</th>
                <th scope="col" className="px-3 py-2 text-right">{t('validation.premium')}</th>
                <th scope="col" className="px-3 py-2">{t('sales.status')}</th>
              </tr>
            </thead>
            <tbody>
              {decided.data?.length ? decided.data.map((s) => (
                <tr key={s.id} data-test="decided-row" data-sale-id={s.id} className="border-b border-slate-100">
                  <td className={CELL}>{formatDateTime(s.validated_at, lang)}</td>
                  <td className={CELL}>{s.agent.full_name || s.agent.email}</td>
                  <td className={CELL}>{leadName(t, s.lead) || '—'}</td>
                  <td className={CELL}>{s.product.name}</td>
                  <td className={NUM_CELL}>{formatCurrency(s.premium, s.currency, lang)}</td>
                  <td className={CELL}>
                    <span data-status={s.status} className={`rounded px-1.5 py-0.5 text-xs font-semibold ${s.status === 'validated' ? 'bg-emerald-100 text-emerald-800' : 'bg-red-100 text-red-800'}`}>
                      {tMaybe(i18n, `saleStatus.${s.status}`) ?? s.status}
                    </span>
                    {s.status_reason ? <div className={MUTED}>{s.status_reason}</div> : null}
                  </td>
                </tr>
              )) : (
                <tr><td colSpan={6} className="px-3 py-6 text-center text-slate-600">
                  {decided.error ? describeError(i18n, decided.error) : t('validation.noneDecided')}
                </td></tr>
              )}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
