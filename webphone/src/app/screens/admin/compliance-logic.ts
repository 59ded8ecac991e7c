// The compliance screen's pure logic: which id
// is valid, in which order holds are listed, when an erasure is confirmed,
// the export's file name, and how each refusal of the database is told.

import type { i18n as I18n } from 'i18next';
import { describeError } from '../../errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value.trim());
}

interface HoldOrder { placed_at: string; released_at: string | null }

/** Active holds first, then released ones; newest placed first within each. */
export function sortHolds<T extends HoldOrder>(holds: readonly T[]): T[] {
  return [...holds].sort((a, b) => (a.released_at ? 1 : 0) - (b.released_at ? 1 : 0)
    || b.placed_at.localeCompare(a.placed_at));
}

/** The erasure is confirmed only by typing the lead's id exactly (case aside). */
export function eraseConfirmed(typed: string | null | undefined, leadId: string): boolean {
  return isUuid(leadId) && (typed ?? '').trim().toLowerCase() === leadId.trim().toLowerCase();
}

/** The file an export downloads as. */
export function exportFileName(leadId: string, date = new Date()): string {
  const stamp = date.toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return `lead-${leadId}-${stamp}.json`;
}

export type ComplianceErrorCode = 'legal_hold' | 'already_erased' | 'in_call' | 'already_released' | 'conflict'
  | 'not_found' | 'forbidden' | 'unknown_target' | 'invalid';

const ERASE_CONFLICTS: readonly string[] = ['legal_hold', 'already_erased', 'in_call'] satisfies ComplianceErrorCode[];

function text(err: object, key: string): string | null {
  const value = (err as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : null;
}

/** Which compliance.error.* explains a refusal of the compliance RPCs and tables (null: the generic text). */
export function complianceErrorCode(err: unknown): ComplianceErrorCode | null {
  if (typeof err !== 'object' || err === null || text(err, 'kind') === 'network') return null;
  const message = text(err, 'message') ?? '';
  const code = text(err, 'code');
  const details = text(err, 'details');
  if (code === 'PT409') {
    // rpc/erase_lead names its conflict in details; the hold's release only in the message.
    if (details !== null && ERASE_CONFLICTS.includes(details)) return details as ComplianceErrorCode;
    if (/legal hold/i.test(message)) return 'legal_hold';
    if (/already erased/i.test(message)) return 'already_erased';
    if (/in a call/i.test(message)) return 'in_call';
    if (/already released/i.test(message)) return 'already_released';
    return 'conflict';
  }
  if (code === 'PT404') return 'not_found';
  if (code === '42501') return 'forbidden';
  if (code === '23503') return 'unknown_target';
  if (code === '22023' || code === '23514' || code === '22P02') return 'invalid';
  return null;
}

export function describeComplianceError(i18n: I18n, err: unknown): string {
  const code = complianceErrorCode(err);
  if (!code) return describeError(i18n, err);
  const headline = i18n.t(`compliance.error.${code}`);
  // The database's message names the hold and its reason, worth showing.
  const message = typeof err === 'object' && err !== null ? text(err, 'message') : null;
  return message && code !== 'forbidden' ? `${headline} (${message})` : headline;
}

const SUMMARY_ORDER = ['calls', 'recordings', 'callbacks', 'sales', 'history_rows', 'do_not_call', 'originate_requests'] as const;
export type SummaryKey = `compliance.summary.${(typeof SUMMARY_ORDER)[number]}`;

/** The summary rpc/erase_lead returns, as [label key, value] pairs in a stable order. */
export function summaryEntries(summary: unknown): [SummaryKey, unknown][] {
  if (typeof summary !== 'object' || summary === null) return [];
  const record = summary as Record<string, unknown>;
  return SUMMARY_ORDER.filter((k) => k in record).map((k) => [`compliance.summary.${k}`, record[k]]);
}
