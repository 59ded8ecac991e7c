// Leads: the agent's queue (rpc/next_lead), their own list, one lead's card
// and its audit trail (table lead_history).

import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Supabase } from '../app/config';
import type { Database, Json } from '../types/database';
import { unwrap, unwrapRows } from './errors';

const LIST_COLUMNS = 'id, campaign_id, first_name, last_name, phone, city, region, status, attempts, next_call_at, last_called_at, time_zone';
const CARD_COLUMNS = `*, campaign:campaigns (id, name, status, recording_enabled, recording_consent_required,
  recording_notice, agents_can_listen_own_recordings, calling_hours_start, calling_hours_end, calling_days, allowed_dispositions, max_attempts)`;

/** rpc/next_lead(p_campaign_id): hands the caller the next callable lead (null when none). */
export async function nextLead(supabase: Supabase, campaignId: string) {
  const data = unwrap(await supabase.rpc('next_lead', { p_campaign_id: campaignId }));
  const row = Array.isArray(data) ? data[0] : data;
  return row?.id ? row : null;
}

// PostgREST's or=() filter syntax breaks on these; a search never needs them.
export function searchTerm(text: string | null | undefined): string {
  return (text ?? '').replace(/[,()*%\\:"']/g, ' ').trim().replace(/\s+/g, ' ');
}

/**
 * Table leads: the signed-in agent's own leads (RLS: owner_id = me), the
 * ones due first; `search` matches name, phone or city.
 */
export async function listMyLeads(supabase: Supabase, userId: string, { search = '', limit = 50 } = {}) {
  let query = supabase.from('leads').select(LIST_COLUMNS).eq('owner_id', userId);
  const term = searchTerm(search);
  if (term) {
    const digits = term.replace(/[^0-9]/g, '');
    const filters = [`first_name.ilike.*${term}*`, `last_name.ilike.*${term}*`, `city.ilike.*${term}*`];
    if (digits.length >= 3) filters.push(`phone.like.*${digits}*`);
    const [first = '', ...rest] = term.split(' ');
    if (rest.length) filters.push(`and(first_name.ilike.*${first}*,last_name.ilike.*${rest.join(' ')}*)`);
    query = query.or(filters.join(','));
  }
  return unwrapRows(await query
    .order('next_call_at', { ascending: true, nullsFirst: false })
    .order('last_name', { ascending: true })
    .limit(limit));
}

export type LeadListRow = Awaited<ReturnType<typeof listMyLeads>>[number];

/** Table leads: one lead with its campaign (null when RLS hides it or it does not exist). */
export async function getLead(supabase: Supabase, leadId: string) {
  return unwrap(await supabase.from('leads').select(CARD_COLUMNS).eq('id', leadId).maybeSingle());
}

export type LeadCard = NonNullable<Awaited<ReturnType<typeof getLead>>>;

/** Table lead_history: the lead's audit trail, newest first. */
export async function listLeadHistory(supabase: Supabase, leadId: string, { limit = 100 } = {}) {
  return unwrapRows(await supabase.from('lead_history')
    .select('id, operation, changed_fields, old_values, new_values, changed_by, actor, via, changed_at')
    .eq('lead_id', leadId)
    .order('changed_at', { ascending: false })
    .limit(limit));
}

export type LeadHistoryRow = Awaited<ReturnType<typeof listLeadHistory>>[number];

// ---------------------------------------------------------------------------
// The supervisor's leads list (screens/supervisor/Leads.tsx): search, filters,
// keyset pages, the selection the bulk RPCs and the export take, the bulk
// actions themselves. The pure parts are tested in test/leads-logic.test.ts.

type Tables = Database['public']['Tables'];
export type LeadStatus = Database['public']['Enums']['lead_status'];
export const LEAD_STATUSES: readonly LeadStatus[] = Object.freeze([
  'new', 'retry', 'callback', 'in_call', 'won', 'lost', 'invalid', 'exhausted', 'do_not_call', 'erased',
] satisfies LeadStatus[]);

/** A term that looks like a phone number: digits with spaces, -.()+/ between them. */
const PHONE_LIKE = /^[\d\s\-.()+/]+$/;

/**
 * The search term as leads.search_text holds words (docs: issue15 contract):
 * lower-case and accent-free; a phone-looking term as its digits only (a
 * `+`/`00` number through libphonenumber-js to E.164, then without '+'), so
 * "+34 612-34-56-78", "0034612345678" and "612 34 56 78" all find +34612345678.
 * The LIKE wildcards and PostgREST's reserved characters are dropped.
 */
export function normaliseSearchTerm(text: string | null | undefined): string {
  const raw = (text ?? '').trim();
  if (!raw) return '';
  if (PHONE_LIKE.test(raw) && /\d/.test(raw)) {
    const compact = raw.replace(/[^\d+]/g, '');
    if (compact.startsWith('+') || compact.startsWith('00')) {
      const parsed = parsePhoneNumberFromString(compact.startsWith('00') ? `+${compact.slice(2)}` : compact);
      if (parsed?.isValid()) return parsed.number.slice(1);
    }
    return compact.replace(/\D/g, '');
  }
  return raw.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
    .replace(/[%*_\\,()"':]/g, ' ').trim().replace(/\s+/g, ' ');
}

/**
 * The filters of the leads list, named as the bulk RPCs' and the export's
 * `{"filter": {...}}` keys (every one optional, AND-ed). `search` is already
 * normalised (normaliseSearchTerm).
 */
export interface LeadFilter {
  campaign_id?: string;
  status?: LeadStatus[];
  owner_id?: string;
  unassigned?: boolean;
  attempts_min?: number;
  attempts_max?: number;
  last_outcome?: string[];
  next_call_from?: string;
  next_call_to?: string;
  created_from?: string;
  created_to?: string;
  source?: string;
  import_id?: string;
  search?: string;
}

/** The filter without its empty keys (what is sent, what the URL keeps). */
export function compactFilter(filter: LeadFilter): LeadFilter {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter) as [keyof LeadFilter, unknown][]) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    if (Array.isArray(value) && !value.length) continue;
    if (typeof value === 'number' && !Number.isFinite(value)) continue;
    out[key] = value;
  }
  return out;
}

/** A PostgREST filter: column, operator, value (as `query.filter(column, operator, value)` takes it). */
export type PostgrestFilter = readonly [column: string, operator: string, value: string];

/** A value inside in.(...) or or=(...): quoted when PostgREST would read it as syntax. */
export function quoteValue(value: string): string {
  return /^[\w@.+-]+$/.test(value) && !/^(null|true|false)$/i.test(value) ? value
    : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The filter as PostgREST filters on table leads (the same rows the RPCs' {"filter"} matches; `_to` exclusive as there). */
export function leadFilterParams(filter: LeadFilter): PostgrestFilter[] {
  const f = compactFilter(filter);
  const out: PostgrestFilter[] = [];
  if (f.campaign_id) out.push(['campaign_id', 'eq', f.campaign_id]);
  if (f.status?.length) out.push(['status', 'in', `(${f.status.join(',')})`]);
  if (f.unassigned) out.push(['owner_id', 'is', 'null']);
  else if (f.owner_id) out.push(['owner_id', 'eq', f.owner_id]);
  if (f.attempts_min !== undefined) out.push(['attempts', 'gte', String(f.attempts_min)]);
  if (f.attempts_max !== undefined) out.push(['attempts', 'lte', String(f.attempts_max)]);
  if (f.last_outcome?.length) out.push(['last_outcome', 'in', `(${f.last_outcome.map(quoteValue).join(',')})`]);
  if (f.next_call_from) out.push(['next_call_at', 'gte', f.next_call_from]);
  if (f.next_call_to) out.push(['next_call_at', 'lt', f.next_call_to]);
  if (f.created_from) out.push(['created_at', 'gte', f.created_from]);
  if (f.created_to) out.push(['created_at', 'lt', f.created_to]);
  if (f.source) out.push(['source', 'eq', f.source]);
  if (f.import_id) out.push(['import_id', 'eq', f.import_id]);
  if (f.search) out.push(['search_text', 'ilike', `%${f.search}%`]);
  return out;
}

/** What a bulk action or the export acts on: chosen rows, or every lead the filter matches. */
export type LeadSelection = { ids: string[] } | { filter: LeadFilter };

export function selectionOf(choice: { ids: readonly string[] } | { filter: LeadFilter }): LeadSelection {
  return 'ids' in choice ? { ids: [...choice.ids] } : { filter: compactFilter(choice.filter) };
}

/** The columns the list can be sorted by (each has an index with id; H1's migration). */
export const LEAD_SORTS = ['created_at', 'updated_at', 'next_call_at', 'last_called_at', 'attempts', 'last_name', 'status'] as const;
export type LeadSortColumn = (typeof LEAD_SORTS)[number];
export interface LeadSort { column: LeadSortColumn; ascending: boolean }
/** Columns that may be null (last ascending, first descending). */
const NULLABLE_SORTS: readonly LeadSortColumn[] = ['next_call_at', 'last_called_at'];

/** Where the next page starts: the sort value and id of the last row read. */
export interface LeadCursor { value: string | number | null; id: string }

export function cursorOf(row: Record<string, unknown> & { id: string }, sort: LeadSort): LeadCursor {
  const value = row[sort.column];
  return { value: typeof value === 'string' || typeof value === 'number' ? value : null, id: row.id };
}

/**
 * The keyset condition for the rows after `cursor` in order (col, id), both
 * ascending or both descending, with PostgreSQL's default null placement
 * (ASC NULLS LAST, DESC NULLS FIRST: the order a (col, id) btree index reads
 * either way; an explicit other one makes PostgreSQL sort every row). As
 * PostgREST's or=(...) body, e.g. `(attempts.gt.2,and(attempts.eq.2,id.gt.<id>))`.
 */
export function keysetCondition(sort: LeadSort, cursor: LeadCursor): string {
  const { column } = sort;
  const after = sort.ascending ? 'gt' : 'lt';
  const id = quoteValue(cursor.id);
  const nullable = NULLABLE_SORTS.includes(column);
  if (cursor.value === null) {
    // Among the nulls: ascending they come last (only ids after, still null);
    // descending they come first (then every row with a value).
    const nulls = `and(${column}.is.null,id.${after}.${id})`;
    return sort.ascending ? `(${nulls})` : `(${nulls},${column}.not.is.null)`;
  }
  const v = quoteValue(String(cursor.value));
  const parts = [`${column}.${after}.${v}`, `and(${column}.eq.${v},id.${after}.${id})`];
  // Ascending, the nulls come after every value.
  if (nullable && sort.ascending) parts.push(`${column}.is.null`);
  return `(${parts.join(',')})`;
}

export const LEAD_PAGE_SIZE = 100;
/** rpc/search_leads needs a trigram's worth: shorter terms filter the table instead. */
export const SEARCH_MIN_CHARS = 3;

const ROW_COLUMNS = `id, campaign_id, owner_id, status, first_name, last_name, phone, email, attempts, last_outcome,
  next_call_at, last_called_at, created_at, updated_at, source, import_id, erased_at,
  owner:profiles!owner_id (full_name, email), campaign:campaigns (name)`;

export interface LeadPage<Row> { rows: Row[]; count: number | null; next: LeadCursor | null }

/**
 * Table leads: one page of the list (RLS: a supervisor's campaigns, every lead
 * for admins), in (sort column, id) order, after `cursor`. The first page also
 * carries PostgREST's estimated count (the planner's, not a scan of 1M rows).
 */
/**
 * Table leads (or rpc/search_leads for a search of 3+ characters) with the
 * filter applied: the one query the list, the slices of a bulk action and
 * their counts all start from.
 */
function filteredLeads<Columns extends string>(supabase: Supabase, filter: LeadFilter, columns: Columns, count?: 'estimated') {
  // A search of 3+ characters goes through rpc/search_leads: under RLS the
  // table's ilike cannot use the trigram index (H1's docs/interface.md), the
  // function can, and PostgREST filters, orders and pages it as the table.
  const viaIndex = (filter.search?.length ?? 0) >= SEARCH_MIN_CHARS;
  const table = supabase.from('leads').select(columns, { count });
  // The function returns setof leads: PostgREST embeds and filters it as the
  // table; supabase-js's types cannot follow embeds on a function, hence the cast.
  let query = viaIndex
    ? supabase.rpc('search_leads', { p_search: filter.search ?? '' }, { count }).select(columns) as unknown as typeof table
    : table;
  for (const [column, operator, value] of leadFilterParams(viaIndex ? { ...filter, search: undefined } : filter)) {
    query = query.filter(column, operator, value);
  }
  return query;
}

export async function listLeadsPage(
  supabase: Supabase, filter: LeadFilter, sort: LeadSort, cursor: LeadCursor | null, limit = LEAD_PAGE_SIZE,
) {
  const counting = cursor ? undefined : 'estimated' as const;
  let query = filteredLeads(supabase, filter, ROW_COLUMNS, counting);
  if (cursor) query = query.or(keysetCondition(sort, cursor).slice(1, -1));
  const { data, error, count } = await query
    // PostgreSQL's default null placement: what the (col, id) indexes read.
    .order(sort.column, { ascending: sort.ascending, nullsFirst: !sort.ascending })
    .order('id', { ascending: sort.ascending })
    .limit(limit);
  const rows = unwrapRows({ data, error });
  const last = rows.at(-1);
  return {
    rows,
    count: cursor ? null : count,
    next: rows.length === limit && last ? cursorOf(last, sort) : null,
  };
}

export type LeadRow = Awaited<ReturnType<typeof listLeadsPage>>['rows'][number];

/** What a bulk RPC answers: how many the selection matched, changed, and why the others were skipped. */
export interface BulkResult { matched: number; changed: number; skipped: Record<string, number> }

export function asBulkResult(value: unknown): BulkResult {
  const row = (Array.isArray(value) ? value[0] : value) as Record<string, unknown> | null | undefined;
  const num = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0) || 0);
  const skipped: Record<string, number> = {};
  if (row && typeof row.skipped === 'object' && row.skipped !== null) {
    for (const [k, v] of Object.entries(row.skipped as Record<string, unknown>)) if (num(v) > 0) skipped[k] = num(v);
  }
  return { matched: num(row?.matched), changed: num(row?.changed), skipped };
}

export type BulkAction =
  | { kind: 'assign'; agentId: string }
  | { kind: 'unassign' }
  | { kind: 'return_to_pool' }
  | { kind: 'set_status'; status: LeadStatus }
  | { kind: 'do_not_call'; scope: 'campaign' | 'company'; reason: string }
  | { kind: 'delete' };

/** The bulk RPC for an action (issue15 contract, "Leads (H1)"), on one selection, answered as a BulkResult. */
async function callBulk(supabase: Supabase, p_selection: Json, action: BulkAction): Promise<BulkResult> {
  switch (action.kind) {
    case 'assign':
      return asBulkResult(unwrap(await supabase.rpc('bulk_assign_leads', { p_selection, p_agent_id: action.agentId })));
    case 'unassign':
      return asBulkResult(unwrap(await supabase.rpc('bulk_unassign_leads', { p_selection })));
    case 'return_to_pool':
      return asBulkResult(unwrap(await supabase.rpc('bulk_return_leads_to_pool', { p_selection })));
    case 'set_status':
      return asBulkResult(unwrap(await supabase.rpc('bulk_set_lead_status', { p_selection, p_status: action.status })));
    case 'do_not_call':
      return asBulkResult(unwrap(await supabase.rpc('bulk_do_not_call', { p_selection, p_scope: action.scope, p_reason: action.reason })));
    case 'delete':
      return asBulkResult(unwrap(await supabase.rpc('bulk_delete_leads', { p_selection })));
  }
}

/**
 * Leads per bulk call on a whole filter. A call costs about 1.3 s of database
 * CPU per 10,000 leads; one call on 100,000 would pass the 8 s statement
 * timeout of a PostgREST that ignores the functions' own (12.0, the embedded
 * stack's), so a large filter goes as consecutive id slices (filter keys
 * id_from / id_to, migration 20261206000180), which also give progress.
 */
export const BULK_SLICE = 10_000;

/** Where each slice of a filter after the first starts: every BULK_SLICE-th matching lead, in id order. */
export async function sliceStarts(supabase: Supabase, filter: LeadFilter, size = BULK_SLICE): Promise<string[]> {
  const starts: string[] = [];
  for (;;) {
    // Every filterable column selected: PostgREST 12.0 cannot filter rpc/search_leads on a column the select leaves out.
    let query = filteredLeads(supabase, filter, 'id, campaign_id, owner_id, status, attempts, last_outcome, next_call_at, created_at, source, import_id');
    const previous = starts.at(-1);
    if (previous) query = query.gte('id', previous);
    const rows = unwrapRows(await query.order('id').range(size, size)) as unknown as { id: string }[];
    const start = rows[0]?.id;
    if (!start) return starts;
    starts.push(start);
  }
}

export function sumBulkResults(a: BulkResult, b: BulkResult): BulkResult {
  const skipped = { ...a.skipped };
  for (const [reason, n] of Object.entries(b.skipped)) skipped[reason] = (skipped[reason] ?? 0) + n;
  return { matched: a.matched + b.matched, changed: a.changed + b.changed, skipped };
}

/**
 * Runs a bulk action: chosen rows in one call; every lead a filter matches in
 * id slices of BULK_SLICE, one after the other, the answers added up.
 * onProgress(done, total) after each slice.
 */
export async function runBulkAction(
  supabase: Supabase, selection: LeadSelection, action: BulkAction,
  onProgress?: (done: number, total: number) => void, sliceSize = BULK_SLICE,
): Promise<BulkResult> {
  if ('ids' in selection) return callBulk(supabase, selection, action);
  const starts = await sliceStarts(supabase, selection.filter, sliceSize);
  const bounds = [undefined, ...starts];
  let total: BulkResult = { matched: 0, changed: 0, skipped: {} };
  onProgress?.(0, bounds.length);
  for (const [i, from] of bounds.entries()) {
    const to = bounds[i + 1];
    const filter = { ...selection.filter, ...(from ? { id_from: from } : {}), ...(to ? { id_to: to } : {}) };
    total = sumBulkResults(total, await callBulk(supabase, { filter }, action));
    onProgress?.(i + 1, bounds.length);
  }
  return total;
}

/** The permission each bulk action needs (the RPC checks it again). */
export const BULK_PERMISSION = {
  assign: 'leads.assign', unassign: 'leads.assign', return_to_pool: 'leads.assign', set_status: 'leads.assign',
  do_not_call: 'leads.assign', delete: 'leads.delete',
} as const satisfies Record<BulkAction['kind'], string>;

/**
 * Table campaign_members + profiles: the active agents of a campaign, or of
 * every campaign the person sees (whom leads can be assigned to; RLS: a
 * supervisor's campaigns).
 */
export async function listCampaignAgents(supabase: Supabase, campaignId: string | null) {
  let query = supabase.from('campaign_members')
    .select('user_id, member_role, profile:profiles (id, full_name, email, active)')
    .eq('member_role', 'agent');
  if (campaignId) query = query.eq('campaign_id', campaignId);
  const byId = new Map<string, { id: string; name: string }>();
  for (const r of unwrapRows(await query.limit(5000))) {
    if (r.profile.active) byId.set(r.profile.id, { id: r.profile.id, name: r.profile.full_name || r.profile.email });
  }
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export type CampaignAgent = Awaited<ReturnType<typeof listCampaignAgents>>[number];

/** Table dispositions: the codes a lead's last outcome can be. */
export async function listOutcomeCodes(supabase: Supabase) {
  return unwrapRows(await supabase.from('dispositions').select('code, label_es, label_en').order('sort_order'));
}

// --- one lead, for the supervisor's lead page -------------------------------

const DETAIL_COLUMNS = `*, campaign:campaigns (*), owner:profiles!owner_id (id, full_name, email)`;

/** Table leads: one lead with its campaign (every column, custom field definitions too once they exist). */
export async function getLeadDetail(supabase: Supabase, leadId: string) {
  return unwrap(await supabase.from('leads').select(DETAIL_COLUMNS).eq('id', leadId).maybeSingle());
}

export type LeadDetail = NonNullable<Awaited<ReturnType<typeof getLeadDetail>>>;

/** What the lead page's form may change. */
export type LeadPatch = Pick<Tables['leads']['Update'],
  'first_name' | 'last_name' | 'phone' | 'alternate_phones' | 'email' | 'birth_date' | 'address_line' | 'city' | 'region'
  | 'postal_code' | 'notes' | 'source' | 'external_ref' | 'consent_contact' | 'consent_marketing' | 'custom'>;

/** Table leads: a supervisor's edit (RLS: their campaigns; the trigger writes lead_history). */
export async function updateLead(supabase: Supabase, leadId: string, patch: LeadPatch) {
  return unwrap(await supabase.from('leads').update(patch).eq('id', leadId).select('id, updated_at').single());
}

/** rpc/bulk_delete_leads with one id: the same path (and permission) as the list's delete. */
export async function deleteLead(supabase: Supabase, leadId: string): Promise<BulkResult> {
  return runBulkAction(supabase, { ids: [leadId] }, { kind: 'delete' });
}

/** Table callbacks: a lead's callbacks, newest first. */
export async function listLeadCallbacks(supabase: Supabase, leadId: string) {
  return unwrapRows(await supabase.from('callbacks')
    .select('id, due_at, notes, status, agent:profiles!agent_id (full_name, email)')
    .eq('lead_id', leadId)
    .order('due_at', { ascending: false })
    .limit(100));
}

export type LeadCallbackRow = Awaited<ReturnType<typeof listLeadCallbacks>>[number];
