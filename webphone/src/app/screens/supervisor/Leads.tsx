// The leads of the campaigns a supervisor runs (admins: every lead): search
// and filters kept in the URL, sorted by the database, read in keyset pages
// of 100 as the list scrolls (only the rows in view are in the page, so a
// million leads scroll as a hundred do), the planner's estimated count.
// Rows or "all N matching" are selected for the bulk actions (each shown only
// with its permission), which take the selection as the database's
// {"ids": [...]} or {"filter": {...}}, confirm how many, and say what changed
// and what was skipped and why. The filtered list exports to CSV/Excel.
// Hooks: leads-screen, leads-search, leads-filter-<name>, leads-apply,
// leads-clear, leads-count, leads-table, leads-scroll, lead-row
// (data-lead-id), lead-select, leads-select-page, leads-select-all,
// leads-selection, bulk-<action>, bulk-dialog, bulk-agent, bulk-status,
// bulk-scope, bulk-reason, bulk-confirm, bulk-result, leads-empty,
// report-leads-export-* (ExportControls).

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createColumnHelper, getCoreRowModel, useReactTable, type SortingState } from '@tanstack/react-table';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { listCampaigns } from '../../../data/catalog';
import { listImports } from '../../../data/imports';
import {
  BULK_PERMISSION, LEAD_SORTS, LEAD_STATUSES, listCampaignAgents, listLeadsPage, listOutcomeCodes, runBulkAction, selectionOf,
  type BulkAction, type BulkResult, type LeadCursor, type LeadRow, type LeadSelection, type LeadSortColumn, type LeadStatus,
} from '../../../data/leads';
import type { Json } from '../../../types/database';
import { formatDateTime, formatNumber } from '../../../i18n/format';
import { useAuth } from '../../auth/auth-context';
import { BodyRow, CARD, NUM_CELL, Spacer, TableHead, useVirtualRows } from '../../components/table';
import { describeError } from '../../errors';
import { tMaybe } from '../../i18n';
import { formatPhone, leadName } from '../../lead-label';
import { usePermission } from '../../permissions';
import { ExportControls } from './ExportControls';
import { describeBulkResult, filterOf, hasFilters, listSearchParams, parseListParams, type ListParams } from './leads-logic';
import { BUTTON, DANGER, FIELD, INPUT, Modal, PRIMARY, StatusBadge } from './leads-ui';

/** One line per row (nowrap), so a known height: no measuring while scrolling. */
const ROW_HEIGHT = 37;
/** Fetch the next page when the view comes this close to the end of what is loaded. */
const PREFETCH_ROWS = 30;
const COLUMNS = 10;

type Selection = { kind: 'ids'; ids: ReadonlySet<string> } | { kind: 'all' };
const NONE: Selection = { kind: 'ids', ids: new Set() };

/** The filter form: a draft of the URL's state, applied (to the URL) on submit. */
function FilterForm({ params, onApply }: { params: ListParams; onApply: (next: ListParams) => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { supabase } = useAuth();
  const [draft, setDraft] = useState(params);
  const campaigns = useQuery({ queryKey: ['leads', 'campaigns'], queryFn: () => listCampaigns(supabase), staleTime: 60_000 });
  const agents = useQuery({
    queryKey: ['leads', 'agents', draft.campaign], queryFn: () => listCampaignAgents(supabase, draft.campaign || null), staleTime: 60_000,
  });
  const outcomes = useQuery({ queryKey: ['leads', 'outcomes'], queryFn: () => listOutcomeCodes(supabase), staleTime: 300_000 });
  const imports = useQuery({
    queryKey: ['leads', 'imports', draft.campaign], queryFn: () => listImports(supabase, { campaignId: draft.campaign || null }),
    staleTime: 60_000, retry: false,
  });
  const set = <K extends keyof ListParams>(key: K, value: ListParams[K]) => { setDraft((d) => ({ ...d, [key]: value })); };
  const submit = (e: { preventDefault: () => void }) => { e.preventDefault(); onApply(draft); };
  const toggleStatus = (s: LeadStatus) => {
    set('status', draft.status.includes(s) ? draft.status.filter((x) => x !== s) : [...draft.status, s]);
  };
  return (
    <form onSubmit={submit} data-test="leads-filters" className={`${CARD} flex flex-col gap-3 p-4`} aria-label={t('leads.filters')}>
      <div className="flex flex-wrap items-end gap-3">
        <label className={`${FIELD} min-w-64 flex-1`}>{t('leads.search')}
          <input type="search" data-test="leads-search" value={draft.q} placeholder={t('leads.searchPlaceholder')} className={INPUT}
            onChange={(e) => { set('q', e.target.value); }} />
        </label>
        <label className={FIELD}>{t('leads.campaign')}
          <select data-test="leads-filter-campaign" value={draft.campaign} className={INPUT}
            onChange={(e) => { setDraft((d) => ({ ...d, campaign: e.target.value, owner: d.owner === 'pool' ? 'pool' : '', importId: '' })); }}>
            <option value="">{t('leads.allCampaigns')}</option>
            {campaigns.data?.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </label>
        <label className={FIELD}>{t('leads.owner')}
          <select data-test="leads-filter-owner" value={draft.owner} className={INPUT} onChange={(e) => { set('owner', e.target.value); }}>
            <option value="">{t('leads.anyOwner')}</option>
            <option value="pool">{t('leads.pool')}</option>
            {agents.data?.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
          </select>
        </label>
        <button type="submit" data-test="leads-apply" className={PRIMARY}>{t('leads.apply')}</button>
        {hasFilters(params) ? (
          <button type="button" data-test="leads-clear" className={BUTTON}
            onClick={() => { onApply({ ...parseListParams(new URLSearchParams()), sort: params.sort }); }}>
            {t('leads.clear')}
          </button>
        ) : null}
      </div>
      <details open={draft.status.length > 0 || Boolean(draft.attemptsMin || draft.attemptsMax || draft.outcome.length || draft.nextFrom
        || draft.nextTo || draft.createdFrom || draft.createdTo || draft.source || draft.importId)}>
        <summary className="cursor-pointer text-sm font-semibold text-slate-700">{t('leads.moreFilters')}</summary>
        <div className="mt-3 flex flex-col gap-3">
          <fieldset className="flex flex-wrap gap-x-3 gap-y-1">
            <legend className="mb-1 text-xs font-medium text-slate-700">{t('leads.status')}</legend>
            {LEAD_STATUSES.map((s) => (
              <label key={s} className="flex items-center gap-1 text-sm">
                <input type="checkbox" data-test={`leads-filter-status-${s}`} checked={draft.status.includes(s)} onChange={() => { toggleStatus(s); }} />
                {tMaybe(i18n, `leadStatus.${s}`) ?? s}
              </label>
            ))}
          </fieldset>
          <div className="flex flex-wrap items-end gap-3">
            <label className={FIELD}>{t('leads.attemptsMin')}
              <input type="number" min={0} data-test="leads-filter-attempts-min" value={draft.attemptsMin} className={`${INPUT} w-24`}
                onChange={(e) => { set('attemptsMin', e.target.value); }} />
            </label>
            <label className={FIELD}>{t('leads.attemptsMax')}
              <input type="number" min={0} data-test="leads-filter-attempts-max" value={draft.attemptsMax} className={`${INPUT} w-24`}
                onChange={(e) => { set('attemptsMax', e.target.value); }} />
            </label>
            <label className={FIELD}>{t('leads.lastOutcome')}
              <select data-test="leads-filter-outcome" value={draft.outcome[0] ?? ''} className={INPUT}
                onChange={(e) => { set('outcome', e.target.value ? [e.target.value] : []); }}>
                <option value="">{t('leads.any')}</option>
                {outcomes.data?.map((o) => <option key={o.code} value={o.code}>{lang === 'en' ? o.label_en : o.label_es}</option>)}
              </select>
            </label>
            <label className={FIELD}>{t('leads.nextFrom')}
              <input type="date" data-test="leads-filter-next-from" value={draft.nextFrom} className={INPUT} onChange={(e) => { set('nextFrom', e.target.value); }} />
            </label>
            <label className={FIELD}>{t('leads.nextTo')}
              <input type="date" data-test="leads-filter-next-to" value={draft.nextTo} className={INPUT} onChange={(e) => { set('nextTo', e.target.value); }} />
            </label>
            <label className={FIELD}>{t('leads.createdFrom')}
              <input type="date" data-test="leads-filter-created-from" value={draft.createdFrom} className={INPUT} onChange={(e) => { set('createdFrom', e.target.value); }} />
            </label>
            <label className={FIELD}>{t('leads.createdTo')}
              <input type="date" data-test="leads-filter-created-to" value={draft.createdTo} className={INPUT} onChange={(e) => { set('createdTo', e.target.value); }} />
            </label>
            <label className={FIELD}>{t('leads.source')}
              <input type="text" data-test="leads-filter-source" value={draft.source} className={`${INPUT} w-36`} onChange={(e) => { set('source', e.target.value); }} />
            </label>
            <label className={FIELD}>{t('leads.import')}
              <select data-test="leads-filter-import" value={draft.importId} className={`${INPUT} max-w-56`} onChange={(e) => { set('importId', e.target.value); }}>
                <option value="">{t('leads.any')}</option>
                {imports.data?.map((imp) => (
                  <option key={imp.id} value={imp.id}>{imp.file_name} · {formatDateTime(imp.created_at, lang)}</option>
                ))}
              </select>
            </label>
          </div>
        </div>
      </details>
    </form>
  );
}

const column = createColumnHelper<LeadRow>();
const numericColumns = ['attempts'];
/** CELL without align-top: one line, vertically centred. */
const cellClass = (id: string) => (numericColumns.includes(id) ? NUM_CELL : 'px-3 py-2');

interface TableProps {
  rows: LeadRow[];
  params: ListParams;
  onSort: (column: LeadSortColumn, ascending: boolean) => void;
  selection: Selection;
  setSelection: (next: Selection) => void;
  loading: boolean;
  error: Error | null;
  hasMore: boolean;
  loadMore: () => void;
}

const LeadsTable = memo(function LeadsTable({ rows, params, onSort, selection, setSelection, loading, error, hasMore, loadMore }: TableProps) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const scrollRef = useRef<HTMLDivElement>(null);
  const selectedIds = selection.kind === 'ids' ? selection.ids : null;
  const columns = useMemo(() => [
    column.display({
      id: 'select',
      header: () => (
        <input type="checkbox" data-test="leads-select-page" aria-label={t('leads.selectLoaded')}
          checked={selection.kind === 'all' || (rows.length > 0 && selectedIds?.size === rows.length)}
          onChange={(e) => { setSelection(e.target.checked ? { kind: 'ids', ids: new Set(rows.map((r) => r.id)) } : NONE); }} />
      ),
      cell: ({ row: { original: l } }) => (
        <input type="checkbox" data-test="lead-select" aria-label={t('leads.selectOne', { name: leadName(t, l) })}
          checked={selection.kind === 'all' || (selectedIds?.has(l.id) ?? false)} disabled={selection.kind === 'all'}
          onChange={(e) => {
            const next = new Set(selectedIds ?? []);
            if (e.target.checked) next.add(l.id); else next.delete(l.id);
            setSelection({ kind: 'ids', ids: next });
          }} />
      ),
    }),
    column.accessor('last_name', {
      header: () => t('leads.name'),
      cell: ({ row: { original: l } }) => (
        <Link to={`/supervisor/leads/${l.id}`} data-test="lead-link" className="font-semibold text-brand hover:underline">
          {leadName(t, l) || '—'}
        </Link>
      ),
    }),
    column.display({
      id: 'phone', header: () => t('leads.phone'),
      cell: ({ row: { original: l } }) => <span className="font-mono" title={l.email ?? undefined}>{formatPhone(l.phone)}</span>,
    }),
    column.display({ id: 'campaign', header: () => t('leads.campaign'), cell: ({ row: { original: l } }) => l.campaign.name }),
    column.accessor('status', { header: () => t('leads.status'), cell: (c) => <StatusBadge status={c.getValue()} /> }),
    column.display({
      id: 'owner', header: () => t('leads.owner'),
      cell: ({ row: { original: l } }) => (l.owner ? (l.owner.full_name || l.owner.email) : <span className="text-slate-600 italic">{t('leads.pool')}</span>),
    }),
    column.accessor('attempts', { header: () => t('leads.attempts'), cell: (c) => String(c.getValue()) }),
    column.display({
      id: 'last_outcome', header: () => t('leads.lastOutcome'),
      cell: ({ row: { original: l } }) => (l.last_outcome ? tMaybe(i18n, `outcome.${l.last_outcome}`) ?? l.last_outcome : '—'),
    }),
    column.accessor('next_call_at', { header: () => t('leads.nextCall'), cell: (c) => formatDateTime(c.getValue(), lang) || '—' }),
    column.accessor('created_at', { header: () => t('leads.created'), cell: (c) => formatDateTime(c.getValue(), lang) }),
  ], [t, i18n, lang, rows, selection, selectedIds, setSelection]);

  const sorting: SortingState = [{ id: params.sort.column, desc: !params.sort.ascending }];
  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Table hands out fresh functions each render; the rows are memoised by hand (BodyRow)
  const table = useReactTable({
    data: rows, columns, getCoreRowModel: getCoreRowModel(), getRowId: (l) => l.id,
    manualSorting: true, enableSortingRemoval: false, state: { sorting },
    enableSorting: true,
    onSortingChange: (updater) => {
      const next = typeof updater === 'function' ? updater(sorting) : updater;
      const first = next[0];
      if (first && (LEAD_SORTS as readonly string[]).includes(first.id)) onSort(first.id as LeadSortColumn, !first.desc);
    },
  });
  const tableRows = table.getRowModel().rows;
  const virtual = useVirtualRows(tableRows.length, scrollRef, ROW_HEIGHT, false);
  const lastShown = virtual.indexes.at(-1) ?? 0;
  useEffect(() => {
    if (hasMore && !loading && lastShown >= tableRows.length - PREFETCH_ROWS) loadMore();
  }, [hasMore, loading, lastShown, tableRows.length, loadMore]);

  return (
    <section className={CARD} aria-labelledby="leads-table-title">
      <h2 id="leads-table-title" className="sr-only">{t('leads.title')}</h2>
      <div ref={scrollRef} data-test="leads-scroll" data-loaded={rows.length} data-more={hasMore ? 'yes' : 'no'} className="max-h-[65vh] overflow-auto" tabIndex={0} aria-labelledby="leads-table-title">
        <table data-test="leads-table" className="w-full border-collapse text-sm whitespace-nowrap">
          <TableHead table={table} numeric={numericColumns} />
          <tbody>
            {error ? (
              <tr><td colSpan={COLUMNS} role="alert" className="px-3 py-6 text-center text-red-700">{describeError(i18n, error)}</td></tr>
            ) : !rows.length && loading ? (
              <tr><td colSpan={COLUMNS} className="px-3 py-6 text-center text-slate-600">{t('common.loading')}</td></tr>
            ) : !rows.length ? (
              <tr><td colSpan={COLUMNS} data-test="leads-empty" className="px-3 py-6 text-center text-slate-600">{t('leads.empty')}</td></tr>
            ) : null}
            <Spacer height={virtual.padTop} columns={COLUMNS} />
            {virtual.indexes.map((index) => {
              const row = tableRows[index];
              if (!row) return null;
              return (
                <BodyRow key={row.id} row={row} index={index} measure={virtual.measure} columns={columns}
                  className="h-[37px] border-b border-slate-100 hover:bg-slate-50" cellClass={cellClass}
                  attrs={{ 'data-test': 'lead-row', 'data-lead-id': row.id, 'data-status': row.original.status }} />
              );
            })}
            <Spacer height={virtual.padBottom} columns={COLUMNS} />
            {rows.length && loading ? (
              <tr><td colSpan={COLUMNS} className="px-3 py-2 text-center text-xs text-slate-600">{t('common.loading')}</td></tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </section>
  );
});

type ActionKind = BulkAction['kind'];
const ACTIONS: readonly ActionKind[] = ['assign', 'unassign', 'return_to_pool', 'set_status', 'do_not_call', 'delete'];

/** A bulk action's button, shown only with its permission. */
function ActionButton({ kind, onOpen }: { kind: ActionKind; onOpen: (kind: ActionKind) => void }) {
  const { t } = useTranslation();
  const allowed = usePermission(BULK_PERMISSION[kind]);
  if (!allowed) return null;
  return (
    <button type="button" data-test={`bulk-${kind}`} onClick={() => { onOpen(kind); }}
      className={kind === 'delete' ? `${BUTTON} border-red-300 text-red-800 hover:bg-red-50` : BUTTON}>
      {t(`bulk.action.${kind}`)}
    </button>
  );
}

/** Choose the action's argument, confirm how many, run it, say what happened. */
function BulkDialog({ kind, selection, howMany, campaignId, onClose, onDone }: {
  kind: ActionKind | null; selection: LeadSelection; howMany: string; campaignId: string; onClose: () => void; onDone: () => void;
}) {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const [agentId, setAgentId] = useState('');
  const [status, setStatus] = useState<LeadStatus>('new');
  const [scope, setScope] = useState<'campaign' | 'company'>('campaign');
  const [reason, setReason] = useState('');
  const agents = useQuery({
    queryKey: ['leads', 'agents', campaignId], queryFn: () => listCampaignAgents(supabase, campaignId || null), enabled: kind === 'assign',
  });
  // A whole filter runs in slices (data/leads.ts BULK_SLICE): done / total slices.
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const run = useMutation({
    mutationFn: (action: BulkAction) => runBulkAction(supabase, selection, action, (done, total) => { setProgress({ done, total }); }),
    onSuccess: onDone,
  });
  const [result, setResult] = useState<BulkResult | null>(null);
  if (!kind) return <Modal open={false} onClose={onClose} title="" test="bulk-dialog">{null}</Modal>;
  const action: BulkAction | null = kind === 'assign' ? (agentId ? { kind, agentId } : null)
    : kind === 'set_status' ? { kind, status }
      : kind === 'do_not_call' ? { kind, scope, reason: reason.trim() }
        : { kind };
  const submit = (e: { preventDefault: () => void }) => {
    e.preventDefault();
    if (!action) return;
    run.mutate(action, { onSuccess: (r) => { setResult(r); } });
  };
  return (
    <Modal open onClose={onClose} title={t(`bulk.action.${kind}`)} test="bulk-dialog">
      {result ? (
        <div className="flex flex-col gap-3">
          <p data-test="bulk-result" role="status" className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900">
            {describeBulkResult(i18n, kind, result)}
          </p>
          <div className="flex justify-end"><button type="button" className={PRIMARY} data-test="bulk-close" onClick={onClose}>{t('common.close')}</button></div>
        </div>
      ) : (
        <form onSubmit={submit} className="flex flex-col gap-3">
          {kind === 'assign' ? (
            <label className={FIELD}>{t('bulk.agent')}
              <select data-test="bulk-agent" required value={agentId} className={INPUT} onChange={(e) => { setAgentId(e.target.value); }}>
                <option value="">{t('bulk.chooseAgent')}</option>
                {agents.data?.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
              </select>
            </label>
          ) : null}
          {kind === 'set_status' ? (
            <label className={FIELD}>{t('bulk.newStatus')}
              <select data-test="bulk-status" value={status} className={INPUT} onChange={(e) => { setStatus(e.target.value as LeadStatus); }}>
                {LEAD_STATUSES.filter((s) => s !== 'in_call' && s !== 'erased' && s !== 'do_not_call').map((s) => (
                  <option key={s} value={s}>{tMaybe(i18n, `leadStatus.${s}`) ?? s}</option>
                ))}
              </select>
            </label>
          ) : null}
          {kind === 'do_not_call' ? (
            <>
              <label className={FIELD}>{t('bulk.scope')}
                <select data-test="bulk-scope" value={scope} className={INPUT} onChange={(e) => { setScope(e.target.value === 'company' ? 'company' : 'campaign'); }}>
                  <option value="campaign">{t('bulk.scopeCampaign')}</option>
                  <option value="company">{t('bulk.scopeCompany')}</option>
                </select>
              </label>
              <label className={FIELD}>{t('bulk.reason')}
                <input type="text" data-test="bulk-reason" maxLength={500} value={reason} className={INPUT} onChange={(e) => { setReason(e.target.value); }} />
              </label>
            </>
          ) : null}
          <p data-test="bulk-confirm-text" className="text-sm">{t(`bulk.confirm.${kind}`, { count: howMany })}</p>
          {run.isPending && progress && progress.total > 1 ? (
            <div className="flex flex-col gap-1 text-sm" data-test="bulk-progress">
              <progress className="w-full" max={progress.total} value={progress.done} aria-label={t('bulk.progress', { done: progress.done, total: progress.total })} />
              <span>{t('bulk.progress', { done: progress.done, total: progress.total })}</span>
            </div>
          ) : null}
          {run.error ? <p role="alert" className="text-sm font-medium text-red-700">{describeError(i18n, run.error)}</p> : null}
          <div className="flex justify-end gap-2">
            <button type="button" className={BUTTON} onClick={onClose}>{t('common.cancel')}</button>
            <button type="submit" data-test="bulk-confirm" disabled={!action || run.isPending} className={kind === 'delete' ? DANGER : PRIMARY}>
              {run.isPending ? t('common.loading') : t('bulk.run')}
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}

export function Leads() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { supabase } = useAuth();
  const queryClient = useQueryClient();
  const [searchParams, setSearchParams] = useSearchParams();
  const paramsKey = searchParams.toString();
  const params = useMemo(() => parseListParams(new URLSearchParams(paramsKey)), [paramsKey]);
  const filter = useMemo(() => filterOf(params), [params]);
  const listKey = useMemo(() => ['leads', 'list', filter, params.sort] as const, [filter, params.sort]);
  const pages = useInfiniteQuery({
    queryKey: listKey,
    queryFn: ({ pageParam }) => listLeadsPage(supabase, filter, params.sort, pageParam),
    initialPageParam: null as LeadCursor | null,
    getNextPageParam: (last) => last.next,
  });
  const rows = useMemo(() => pages.data?.pages.flatMap((p) => p.rows) ?? [], [pages.data]);
  const count = pages.data?.pages[0]?.count ?? null;
  const { hasNextPage, isFetching, fetchNextPage } = pages;
  const loadMore = useMemo(() => () => { void fetchNextPage(); }, [fetchNextPage]);

  // A selection belongs to the filter it was made under.
  const [selected, setSelected] = useState<{ key: string; selection: Selection }>({ key: '', selection: NONE });
  const filterKey = JSON.stringify(listKey);
  const selection = selected.key === filterKey ? selected.selection : NONE;
  const setSelection = useMemo(() => (next: Selection) => { setSelected({ key: filterKey, selection: next }); }, [filterKey]);
  const selectedCount = selection.kind === 'all' ? null : selection.ids.size;
  const approx = count === null ? '' : `≈ ${formatNumber(count, lang)}`;
  const leadSelection: LeadSelection = selection.kind === 'all' ? selectionOf({ filter }) : selectionOf({ ids: [...selection.ids] });
  const howMany = selection.kind === 'all' ? approx : formatNumber(selectedCount ?? 0, lang);
  const [action, setAction] = useState<ActionKind | null>(null);

  const apply = (next: ListParams) => { setSearchParams(listSearchParams(next)); };
  const onSort = useMemo(() => (col: LeadSortColumn, ascending: boolean) => {
    setSearchParams(listSearchParams({ ...params, sort: { column: col, ascending } }));
  }, [params, setSearchParams]);

  return (
    <div id="leads" data-test="leads-screen" className="mx-auto flex max-w-[90rem] min-w-0 flex-col gap-4">
      <header className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold">
            {t('leads.title')}{' '}
            <span data-test="leads-count" data-count={count ?? ''} title={t('leads.estimated')}
              className="rounded-full bg-brand px-2 py-0.5 align-middle text-sm text-white">{approx || '…'}</span>
          </h1>
          <p className="text-slate-600">{t('leads.subtitle')}</p>
        </div>
        <ExportControls key={filterKey} panel="leads" report="leads" params={{ selection: selectionOf({ filter }) as unknown as Json }} />
      </header>
      <FilterForm key={paramsKey} params={params} onApply={apply} />
      <div data-test="leads-selection" className="flex flex-wrap items-center gap-2 text-sm" aria-live="polite">
        {selection.kind === 'all' ? (
          <span className="font-semibold">{t('leads.selectedAll', { count: approx })}</span>
        ) : (
          <span>{t('leads.selected', { count: formatNumber(selectedCount ?? 0, lang) })}</span>
        )}
        {selection.kind === 'ids' && rows.length > 0 ? (
          <button type="button" data-test="leads-select-all" className="font-semibold text-brand underline"
            onClick={() => { setSelection({ kind: 'all' }); }}>
            {t('leads.selectAll', { count: approx })}
          </button>
        ) : null}
        {selection.kind === 'all' || (selectedCount ?? 0) > 0 ? (
          <>
            <button type="button" data-test="leads-select-none" className="text-slate-700 underline" onClick={() => { setSelection(NONE); }}>
              {t('leads.selectNone')}
            </button>
            <span className="mx-2 h-5 border-l border-slate-300" aria-hidden="true" />
            {ACTIONS.map((kind) => <ActionButton key={kind} kind={kind} onOpen={setAction} />)}
          </>
        ) : null}
      </div>
      <LeadsTable rows={rows} params={params} onSort={onSort} selection={selection} setSelection={setSelection}
        loading={isFetching} error={pages.error} hasMore={hasNextPage} loadMore={loadMore} />
      <BulkDialog key={action ?? 'none'} kind={action} selection={leadSelection} howMany={howMany} campaignId={params.campaign}
        onClose={() => { setAction(null); }}
        onDone={() => {
          setSelection(NONE);
          void queryClient.invalidateQueries({ queryKey: ['leads', 'list'] });
        }} />
    </div>
  );
}
