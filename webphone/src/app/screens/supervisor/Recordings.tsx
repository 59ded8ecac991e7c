// Recordings, for supervisors and admins: the calls of a range of days
// (200 at most) with their recording status and Listen, and the recording
// access log (every request to listen, granted or refused; RLS shows a
// supervisor their campaigns' rows), 50 a page, with the requesters' names.
// Hooks: recordings-screen, recordings-from, recordings-to,
// recordings-stored, recordings-run, recordings-calls, call-row
// (data-call-id), recordings-empty, the player's (components/Recording.tsx),
// access-log, access-log-table, access-log-row (data-call-id,
// data-outcome)... (components/AccessLog.tsx).

import { useQuery } from '@tanstack/react-query';
import { createColumnHelper, getCoreRowModel, getSortedRowModel, useReactTable, type SortingState } from '@tanstack/react-table';
import { useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { listRecentCalls, type RecentCallRow } from '../../../data/recordings';
import { formatDateTime, formatDuration, toDateValue } from '../../../i18n/format';
import { useAuth, useProfile } from '../../auth/auth-context';
import { AccessLog } from '../../components/AccessLog';
import { RecordingCell, useRecordingPlayer } from '../../components/Recording';
import { describeError } from '../../errors';
import { tMaybe } from '../../i18n';
import { leadName } from '../../lead-label';
import { dayRange } from '../../recordings-logic';
import { BodyRow, CARD, CELL, NUM_CELL, Spacer, TableHead, useVirtualRows } from '../../components/table';

const CALL_LIMIT = 200;

const column = createColumnHelper<RecentCallRow>();
const cellClass = (id: string) => (id === 'talk' ? NUM_CELL : CELL);

export function Recordings() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { supabase } = useAuth();
  const profile = useProfile();
  const { play, player } = useRecordingPlayer();
  const [draft, setDraft] = useState(() => ({
    from: toDateValue(new Date(Date.now() - 6 * 86400_000)), to: toDateValue(new Date()), storedOnly: false,
  }));
  const [applied, setApplied] = useState(draft);
  const [sorting, setSorting] = useState<SortingState>([]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const calls = useQuery({
    queryKey: ['recordings', 'calls', applied.from, applied.to, applied.storedOnly],
    queryFn: () => {
      const today = toDateValue(new Date());
      return listRecentCalls(supabase, {
        from: dayRange(applied.from || today).from, to: dayRange(applied.to || today).to, recordedOnly: applied.storedOnly, limit: CALL_LIMIT,
      });
    },
  });
  // Admins and supervisors hold recordings.listen (this screen needs it); the database checks the campaign.
  const allowListen = profile.role !== 'agent';

  const columns = useMemo(() => [
    column.accessor('started_at', { header: () => t('calls.when'), cell: (c) => formatDateTime(c.getValue(), lang) }),
    column.accessor((c) => c.agent?.full_name || c.agent?.email || '—', { id: 'agent', header: () => t('validation.agent') }),
    column.accessor((c) => (c.lead ? leadName(t, c.lead) : '—'), { id: 'lead', header: () => t('validation.lead') }),
    column.accessor((c) => c.campaign?.name ?? '—', { id: 'campaign', header: () => t('accessLog.campaign') }),
    column.accessor((c) => c.outcome ?? c.status, {
      id: 'outcome', header: () => t('calls.outcome'),
      cell: ({ row: { original: c } }) => (
        <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-semibold text-slate-700">
          {c.outcome ? tMaybe(i18n, `outcome.${c.outcome}`) ?? c.outcome : tMaybe(i18n, `call.status.${c.status}`) ?? c.status}
        </span>
      ),
    }),
    column.accessor((c) => c.talk_seconds ?? -1, {
      id: 'talk', header: () => t('calls.talk'),
      cell: ({ row: { original: c } }) => (c.talk_seconds !== null ? formatDuration(c.talk_seconds) : '—'),
    }),
    column.accessor((c) => c.recording_status ?? '', {
      id: 'recording', header: () => t('calls.recording'),
      cell: ({ row: { original: c } }) => <RecordingCell call={c} onPlay={play} allowListen={allowListen} />,
    }),
  ], [t, i18n, lang, play, allowListen]);

  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Table hands out fresh functions each render; the rows are memoised by hand (BodyRow)
  const table = useReactTable({
    data: calls.data ?? [], columns, state: { sorting }, onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(), getSortedRowModel: getSortedRowModel(), getRowId: (c) => c.id,
  });
  const rows = table.getRowModel().rows;
  const virtual = useVirtualRows(rows.length, scrollRef, 41);

  const submit = (e: { preventDefault: () => void }) => {
    e.preventDefault();
    setApplied(draft);
    if (draft === applied) void calls.refetch();
  };
  const field = 'flex flex-col gap-0.5 text-xs font-medium text-slate-700';
  const input = 'rounded-md border border-slate-300 bg-white px-2 py-1 text-sm';

  return (
    <div id="recordings" data-test="recordings-screen" className="mx-auto flex max-w-7xl min-w-0 flex-col gap-4">
      <header className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold">{t('recordings.title')}</h1>
          <p className="text-slate-600">{t('recordings.subtitle')}</p>
        </div>
        <form onSubmit={submit} className="flex flex-wrap items-end gap-3">
          <label className={field}>{t('report.from')}
            <input type="date" id="recordings-from" data-test="recordings-from" value={draft.from} className={input}
              onChange={(e) => { setDraft((d) => ({ ...d, from: e.target.value })); }} />
          </label>
          <label className={field}>{t('report.to')}
            <input type="date" id="recordings-to" data-test="recordings-to" value={draft.to} className={input}
              onChange={(e) => { setDraft((d) => ({ ...d, to: e.target.value })); }} />
          </label>
          <label className="flex items-center gap-1.5 pb-1 text-sm">
            <input type="checkbox" id="recordings-stored" data-test="recordings-stored" checked={draft.storedOnly}
              onChange={(e) => { setDraft((d) => ({ ...d, storedOnly: e.target.checked })); }} />
            {t('recordings.onlyStored')}
          </label>
          <button type="submit" data-test="recordings-run" className="rounded-md bg-brand px-3 py-1.5 text-sm font-semibold text-white hover:bg-brand-hover">
            ↻ {t('common.refresh')}
          </button>
        </form>
      </header>
      {/* Above the list, so the player is in view whichever row was pressed. */}
      {player}
      <section className={CARD} aria-labelledby="recordings-calls-title">
        <h2 id="recordings-calls-title" className="sr-only">{t('recordings.title')}</h2>
        <div ref={scrollRef} className="max-h-[70vh] overflow-auto" tabIndex={0} aria-labelledby="recordings-calls-title">
          <table data-test="recordings-calls" className="w-full border-collapse text-sm">
            <TableHead table={table} numeric={['talk']} />
            <tbody>
              {calls.error ? (
                <tr><td colSpan={7} className="px-3 py-6 text-center text-red-700">{describeError(i18n, calls.error)}</td></tr>
              ) : calls.isPending ? (
                <tr><td colSpan={7} className="px-3 py-6 text-center text-slate-600">{t('common.loading')}</td></tr>
              ) : !rows.length ? (
                <tr><td colSpan={7} data-test="recordings-empty" className="px-3 py-6 text-center text-slate-600">{t('recordings.empty')}</td></tr>
              ) : null}
              <Spacer height={virtual.padTop} columns={7} />
              {virtual.indexes.map((index) => {
                const row = rows[index];
                if (!row) return null;
                return (
                  <BodyRow key={row.id} row={row} index={index} measure={virtual.measure} columns={columns}
                    className="border-b border-slate-100" cellClass={cellClass}
                    attrs={{ 'data-test': 'call-row', 'data-call-id': row.id }} />
                );
              })}
              <Spacer height={virtual.padBottom} columns={7} />
            </tbody>
          </table>
        </div>
      </section>
      <AccessLog />
    </div>
  );
}
