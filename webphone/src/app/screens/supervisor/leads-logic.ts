// The leads list's plain logic, tested without a screen
// (test/leads-logic.test.ts): the filters as the URL keeps them, the same
// filters as the database's selection, and a bulk action's result in words.

import type { i18n as I18n } from 'i18next';
import {
  compactFilter, LEAD_SORTS, LEAD_STATUSES, normaliseSearchTerm,
  type BulkAction, type BulkResult, type LeadFilter, type LeadSort, type LeadStatus,
} from '../../../data/leads';
import { formatNumber } from '../../../i18n/format';
import { tMaybe } from '../../i18n';
import { dayRange } from '../../recordings-logic';

/** The list's state as the URL's search params hold it (shareable, kept on reload and Back). */
export interface ListParams {
  q: string;
  campaign: string;
  status: LeadStatus[];
  /** '' any, 'pool' unassigned, else an agent's id */
  owner: string;
  attemptsMin: string;
  attemptsMax: string;
  outcome: string[];
  nextFrom: string;
  nextTo: string;
  createdFrom: string;
  createdTo: string;
  source: string;
  importId: string;
  sort: LeadSort;
}

export const DEFAULT_SORT: LeadSort = { column: 'created_at', ascending: false };

const KEYS = {
  q: 'q', campaign: 'campaign', status: 'status', owner: 'owner', attemptsMin: 'amin', attemptsMax: 'amax', outcome: 'outcome',
  nextFrom: 'nfrom', nextTo: 'nto', createdFrom: 'cfrom', createdTo: 'cto', source: 'source', importId: 'import',
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const INT = /^\d{1,6}$/;

function list(value: string | null): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** The URL's params as the list's state; anything malformed is left out (a hand-edited URL never breaks the screen). */
export function parseListParams(params: URLSearchParams): ListParams {
  const get = (k: string) => (params.get(k) ?? '').trim();
  const uuid = (k: string) => (UUID.test(get(k)) ? get(k) : '');
  const day = (k: string) => (DAY.test(get(k)) ? get(k) : '');
  const int = (k: string) => (INT.test(get(k)) ? get(k) : '');
  const owner = get(KEYS.owner);
  const sortColumn = get('sort');
  const column = (LEAD_SORTS as readonly string[]).includes(sortColumn) ? sortColumn as LeadSort['column'] : DEFAULT_SORT.column;
  const dir = get('dir');
  return {
    q: get(KEYS.q).slice(0, 200),
    campaign: uuid(KEYS.campaign),
    status: list(params.get(KEYS.status)).filter((s): s is LeadStatus => (LEAD_STATUSES as readonly string[]).includes(s)),
    owner: owner === 'pool' || UUID.test(owner) ? owner : '',
    attemptsMin: int(KEYS.attemptsMin),
    attemptsMax: int(KEYS.attemptsMax),
    outcome: list(params.get(KEYS.outcome)).filter((s) => /^[a-z0-9_]{1,64}$/.test(s)),
    nextFrom: day(KEYS.nextFrom),
    nextTo: day(KEYS.nextTo),
    createdFrom: day(KEYS.createdFrom),
    createdTo: day(KEYS.createdTo),
    source: get(KEYS.source).slice(0, 200),
    importId: uuid(KEYS.importId),
    sort: { column, ascending: dir ? dir === 'asc' : column === DEFAULT_SORT.column ? DEFAULT_SORT.ascending : true },
  };
}

/** The list's state as URL search params (empty ones left out, the default sort too). */
export function listSearchParams(p: ListParams): URLSearchParams {
  const out = new URLSearchParams();
  const set = (k: string, v: string) => { if (v) out.set(k, v); };
  set(KEYS.q, p.q.trim());
  set(KEYS.campaign, p.campaign);
  set(KEYS.status, p.status.join(','));
  set(KEYS.owner, p.owner);
  set(KEYS.attemptsMin, p.attemptsMin);
  set(KEYS.attemptsMax, p.attemptsMax);
  set(KEYS.outcome, p.outcome.join(','));
  set(KEYS.nextFrom, p.nextFrom);
  set(KEYS.nextTo, p.nextTo);
  set(KEYS.createdFrom, p.createdFrom);
  set(KEYS.createdTo, p.createdTo);
  set(KEYS.source, p.source.trim());
  set(KEYS.importId, p.importId);
  if (p.sort.column !== DEFAULT_SORT.column || p.sort.ascending !== DEFAULT_SORT.ascending) {
    out.set('sort', p.sort.column);
    out.set('dir', p.sort.ascending ? 'asc' : 'desc');
  }
  return out;
}

/**
 * The list's state as the database's filter: the search normalised, the days
 * as the browser's calendar days ([start of the first, start of the day after
 * the last): the bulk functions read `_to` as exclusive).
 */
export function filterOf(p: ListParams): LeadFilter {
  return compactFilter({
    campaign_id: p.campaign || undefined,
    status: p.status,
    unassigned: p.owner === 'pool',
    owner_id: p.owner && p.owner !== 'pool' ? p.owner : undefined,
    attempts_min: p.attemptsMin ? Number(p.attemptsMin) : undefined,
    attempts_max: p.attemptsMax ? Number(p.attemptsMax) : undefined,
    last_outcome: p.outcome,
    next_call_from: p.nextFrom ? dayRange(p.nextFrom).from : undefined,
    next_call_to: p.nextTo ? dayRange(p.nextTo).to : undefined,
    created_from: p.createdFrom ? dayRange(p.createdFrom).from : undefined,
    created_to: p.createdTo ? dayRange(p.createdTo).to : undefined,
    source: p.source.trim() || undefined,
    import_id: p.importId || undefined,
    search: normaliseSearchTerm(p.q) || undefined,
  });
}

/** Whether any filter beyond the campaign is set (the "clear" button shows then). */
export function hasFilters(p: ListParams): boolean {
  return Object.keys(compactFilter({ ...filterOf(p), campaign_id: undefined })).length > 0 || p.campaign !== '';
}

/**
 * A bulk action's result in plain words: "Asignados 5 de 7 leads. Sin
 * cambios, 2: en una llamada (1), con estado final (1)." (`bulk.done.<action>`,
 * `bulk.skipped`, `bulk.reason.<reason>`; an unknown reason as it came).
 */
export function describeBulkResult(i18n: I18n, action: BulkAction['kind'], result: BulkResult): string {
  const n = (value: number) => formatNumber(value, i18n.language);
  const done = tMaybe(i18n, `bulk.done.${action}`, { changed: n(result.changed), matched: n(result.matched) })
    ?? `${n(result.changed)}/${n(result.matched)}`;
  const reasons = Object.entries(result.skipped).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const skippedTotal = reasons.reduce((s, [, n]) => s + n, 0);
  const untouched = Math.max(skippedTotal, result.matched - result.changed);
  if (!untouched) return done;
  const parts = reasons.map(([reason, count]) => `${tMaybe(i18n, `bulk.reason.${reason}`) ?? reason} (${n(count)})`);
  const rest = untouched - skippedTotal;
  if (rest > 0) parts.push(`${i18n.t('bulk.reason.unchanged')} (${n(rest)})`);
  return `${done} ${i18n.t('bulk.skipped', { count: n(untouched) })}: ${parts.join(', ')}.`;
}
