// Compliance (compliance.manage): legal holds, a lead's data export and
// erasure (GDPR/LOPD), and the recording access log, which supervisors also
// read for their campaigns (RLS).

import type { Supabase } from '../app/config';
import { unwrap, unwrapRows } from './errors';

const HOLD_COLUMNS = 'id, call_id, lead_id, reason, placed_at, released_at, placed_by, released_by, placer:profiles!placed_by (full_name, email), releaser:profiles!released_by (full_name, email)';

/** Table legal_holds: every hold, active ones first, newest first within each group. */
export async function listLegalHolds(supabase: Supabase, { limit = 500 } = {}) {
  return unwrapRows(await supabase.from('legal_holds')
    .select(HOLD_COLUMNS)
    .order('released_at', { ascending: false, nullsFirst: true })
    .order('placed_at', { ascending: false })
    .limit(limit));
}

export type LegalHoldRow = Awaited<ReturnType<typeof listLegalHolds>>[number];

/** Table legal_holds: a new hold on a call or on a lead (all its calls); the reason is required. */
export async function placeLegalHold(
  supabase: Supabase, { callId = null, leadId = null, reason }: { callId?: string | null; leadId?: string | null; reason: string },
) {
  return unwrap(await supabase.from('legal_holds').insert({
    reason,
    ...(callId ? { call_id: callId } : {}),
    ...(leadId ? { lead_id: leadId } : {}),
  }).select(HOLD_COLUMNS).single());
}

/** Table legal_holds: lifts a hold (the database stamps the time and the releaser). */
export async function releaseLegalHold(supabase: Supabase, holdId: string) {
  return unwrap(await supabase.from('legal_holds')
    .update({ released_at: new Date().toISOString() })
    .eq('id', holdId)
    .select(HOLD_COLUMNS)
    .single());
}

/** rpc/export_lead_data(p_lead_id): everything held about a lead, one JSON document (logged). */
export async function exportLeadData(supabase: Supabase, leadId: string) {
  return unwrap(await supabase.rpc('export_lead_data', { p_lead_id: leadId }));
}

/** rpc/erase_lead(p_lead_id): removes the lead's personal data everywhere; returns how many rows changed. */
export async function eraseLead(supabase: Supabase, leadId: string) {
  return unwrap(await supabase.rpc('erase_lead', { p_lead_id: leadId }));
}

/**
 * Table recording_access_log: one page of requests to listen, newest first.
 * Asks one row more than the page to know whether another page follows.
 */
export async function listRecordingAccessLog(supabase: Supabase, { page = 0, pageSize = 50 } = {}) {
  const from = page * pageSize;
  const rows = unwrapRows(await supabase.from('recording_access_log')
    .select('id, call_id, campaign_id, requested_by, requested_at, outcome, reason_code, reason, client_address, user_agent')
    .order('requested_at', { ascending: false })
    .order('id', { ascending: false })
    .range(from, from + pageSize));
  return { rows: rows.slice(0, pageSize), hasMore: rows.length > pageSize, page, pageSize };
}

export type AccessLogRow = Awaited<ReturnType<typeof listRecordingAccessLog>>['rows'][number];

/** Table profiles: names of the given users (those RLS lets the caller see). */
export async function listProfilesByIds(supabase: Supabase, ids: readonly (string | null)[]) {
  const unique = [...new Set(ids.filter((id): id is string => Boolean(id)))];
  if (!unique.length) return [];
  return unwrapRows(await supabase.from('profiles').select('id, full_name, email').in('id', unique));
}
