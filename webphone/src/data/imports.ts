// Lead imports (issue15 contract, "Lead import (H2)"): the file goes to the
// private Storage bucket lead-imports under the uploader's own folder, then
// rpc/start_lead_import asks the import worker for a preview, the person fixes
// the mapping and confirms (rpc/confirm_lead_import), and the worker imports,
// counting as it goes in the lead_imports row (pushed by Realtime).

import type { Supabase } from '../app/config';
import type { Database, Json } from '../types/database';

type LeadImportRow = Database['public']['Tables']['lead_imports']['Row'];
import { DataError, toDataError, unwrap, unwrapRows } from './errors';

export const IMPORT_BUCKET = 'lead-imports';
/** lead_imports.status, in the order an import goes through them. */
export const IMPORT_STATUSES = ['previewing', 'previewed', 'queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
const FINAL: readonly string[] = ['done', 'failed', 'cancelled'];

export function isImportFinished(status: string | null | undefined): boolean {
  return status !== null && status !== undefined && FINAL.includes(status);
}

/** The object name in the bucket: `<user id>/<unique name>` (Storage's policy allows only one's own folder). */
export function importObjectName(userId: string, fileName: string, unique: string = crypto.randomUUID()): string {
  const base = fileName.split(/[\\/]/).pop() ?? 'leads';
  const safe = base.normalize('NFD').replace(/\p{M}/gu, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(-100) || 'leads';
  return `${userId}/${unique}-${safe}`;
}

/** Storage: the file into lead-imports at `<user id>/<unique name>`; its object name. */
export async function uploadImportFile(supabase: Supabase, userId: string, file: File): Promise<string> {
  const path = importObjectName(userId, file.name);
  const { error } = await supabase.storage.from(IMPORT_BUCKET).upload(path, file, {
    contentType: file.type || (file.name.toLowerCase().endsWith('.xlsx')
      ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv'),
    upsert: false,
  });
  if (error) {
    if (error.name === 'StorageApiError') throw new DataError('invalid', error.message);
    throw toDataError(error);
  }
  return path;
}

/** What the mapping maps a column to: a lead field, `custom:<key>`, or `ignore`. */
export type MappingTarget = string;

export interface ImportOptions {
  mapping?: Record<string, MappingTarget>;
  default_region?: string;
  duplicates?: 'skip' | 'update';
  delimiter?: string;
  encoding?: string;
  preview?: boolean;
}

/** rpc/start_lead_import(p_campaign_id, p_file, p_options): the lead_imports row (previewing with preview: true). */
export async function startLeadImport(supabase: Supabase, campaignId: string, file: string, options: ImportOptions) {
  const row: LeadImportRow | null = unwrap(await supabase.rpc('start_lead_import', {
    p_campaign_id: campaignId, p_file: file, p_options: options as unknown as Json,
  }));
  if (!row) throw new DataError('invalid', 'start_lead_import: no import row');
  return row;
}

/** rpc/confirm_lead_import(p_import_id, p_options): previewed → queued, with the options as corrected. */
export async function confirmLeadImport(supabase: Supabase, importId: string, options: ImportOptions | null) {
  return unwrap(await supabase.rpc('confirm_lead_import', {
    p_import_id: importId, ...(options ? { p_options: options as unknown as Json } : {}),
  }));
}

/** rpc/cancel_lead_import(p_import_id): cancelled at once, or at the worker's next batch when running. */
export async function cancelLeadImport(supabase: Supabase, importId: string) {
  return unwrap(await supabase.rpc('cancel_lead_import', { p_import_id: importId }));
}

const IMPORT_COLUMNS = `id, campaign_id, requested_by, file_path, file_name, options, status, preview, total_rows, processed_rows,
  imported, updated, duplicates, invalid, do_not_call, error_report_path, error, cancel_requested, created_at, started_at,
  finished_at, updated_at, campaign:campaigns (name)`;

/** Table lead_imports: the imports this person may see (RLS), newest first. */
export async function listImports(supabase: Supabase, { limit = 50, campaignId = null as string | null } = {}) {
  let query = supabase.from('lead_imports').select(IMPORT_COLUMNS);
  if (campaignId) query = query.eq('campaign_id', campaignId);
  return unwrapRows(await query.order('created_at', { ascending: false }).limit(limit));
}

export type ImportRow = Awaited<ReturnType<typeof listImports>>[number];

/** Table lead_imports: one import as it stands. */
export async function getImport(supabase: Supabase, importId: string) {
  return unwrap(await supabase.from('lead_imports').select(IMPORT_COLUMNS).eq('id', importId).maybeSingle());
}

/** Table lead_import_errors: an import's first errors, by line. */
export async function listImportErrors(supabase: Supabase, importId: string, { limit = 20 } = {}) {
  return unwrapRows(await supabase.from('lead_import_errors')
    .select('line, field, code, message')
    .eq('import_id', importId)
    .order('line', { ascending: true })
    .limit(limit));
}

export type ImportErrorRow = Awaited<ReturnType<typeof listImportErrors>>[number];

/** Storage: a short-lived link to the import's error report (the worker wrote it at error_report_path). */
export async function errorReportUrl(supabase: Supabase, path: string): Promise<string> {
  const { data, error } = await supabase.storage.from(IMPORT_BUCKET).createSignedUrl(path, 300, { download: true });
  if (error) throw error.name === 'StorageApiError' ? new DataError('not_found', error.message) : toDataError(error);
  return data.signedUrl;
}

// --- the preview the worker writes (lead_imports.preview), read, not trusted -----

export interface PreviewRow { line: number; values: Record<string, string>; errors: { field: string; code: string; message: string }[] }
export interface ImportPreview {
  delimiter: string;
  encoding: string;
  headers: string[];
  mapping: Record<string, MappingTarget>;
  fields: string[];
  rows: PreviewRow[];
  totalRowsEstimate: number | null;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v)
  : v === null || v === undefined ? '' : JSON.stringify(v));

export function asPreview(value: unknown): ImportPreview | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const p = value as Record<string, unknown>;
  if (!Array.isArray(p.headers)) return null;
  const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : {});
  return {
    delimiter: str(p.delimiter),
    encoding: str(p.encoding),
    headers: p.headers.map(str),
    mapping: Object.fromEntries(Object.entries(obj(p.mapping)).map(([k, v]) => [k, str(v) || 'ignore'])),
    fields: Array.isArray(p.fields) ? p.fields.map(str) : [],
    rows: (Array.isArray(p.rows) ? p.rows : []).map((r) => {
      const row = obj(r);
      return {
        line: Number(row.line ?? 0),
        values: Object.fromEntries(Object.entries(obj(row.values)).map(([k, v]) => [k, str(v)])),
        errors: (Array.isArray(row.errors) ? row.errors : []).map((e) => {
          const err = obj(e);
          return { field: str(err.field), code: str(err.code), message: str(err.message) };
        }),
      };
    }),
    totalRowsEstimate: typeof p.total_rows_estimate === 'number' ? p.total_rows_estimate : null,
  };
}

/** How far an import is, 0..1 (null while the total is unknown). */
export function importProgress(row: { processed_rows: number | null; total_rows: number | null; status: string }): number | null {
  if (row.status === 'done') return 1;
  if (!row.total_rows) return null;
  return Math.min(1, (row.processed_rows ?? 0) / row.total_rows);
}
