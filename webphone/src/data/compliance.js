// Compliance (compliance.manage): legal holds, a lead's data export and
// erasure (GDPR/LOPD), and the recording access log, which supervisors also
// read for their campaigns (RLS).

import { unwrap } from './errors';

const HOLD_COLUMNS = 'id, call_id, lead_id, reason, placed_at, released_at, placed_by, released_by, placer:profiles!placed_by (full_name, email), releaser:profiles!released_by (full_name, email)';

/** Table legal_holds: every hold, active ones first, newest first within each group. */
export async function listLegalHolds(supabase, { limit = 500 } = {}) {
  return unwrap(await supabase.from('legal_holds')
    .select(HOLD_COLUMNS)
    .order('released_at', { ascending: false, nullsFirst: true })
    .order('placed_at', { ascending: false })
    .limit(limit));
}

/** Table legal_holds: a new hold on a call or on a lead (all its calls); the reason is required. */
export async function placeLegalHold(supabase, { callId = null, leadId = null, reason }) {
  const row = { reason };
  if (callId) row.call_id = callId;
  if (leadId) row.lead_id = leadId;
  return unwrap(await supabase.from('legal_holds').insert(row).select(HOLD_COLUMNS).single());
}

/** Table legal_holds: lifts a hold (the database stamps the time and the releaser). */
export async function releaseLegalHold(supabase, holdId) {
  return unwrap(await supabase.from('legal_holds')
    .update({ released_at: new Date().toISOString() })
    .eq('id', holdId)
    .select(HOLD_COLUMNS)
    .single());
}

/** rpc/export_lead_data(p_lead_id): everything held about a lead, one JSON document (logged). */
export async function exportLeadData(supabase, leadId) {
  return unwrap(await supabase.rpc('export_lead_data', { p_lead_id: leadId }));
}

/** rpc/erase_lead(p_lead_id): removes the lead's personal data everywhere; returns how many rows changed. */
export async function eraseLead(supabase, leadId) {
  return unwrap(await supabase.rpc('erase_lead', { p_lead_id: leadId }));
}

/**
 * Table recording_access_log: one page of requests to listen, newest first.
 * Asks one row more than the page to know whether another page follows.
 */
export async function listRecordingAccessLog(supabase, { page = 0, pageSize = 50 } = {}) {
  const from = page * pageSize;
  const rows = unwrap(await supabase.from('recording_access_log')
    .select('id, call_id, campaign_id, requested_by, requested_at, outcome, reason_code, reason, client_address, user_agent')
    .order('requested_at', { ascending: false })
    .order('id', { ascending: false })
    .range(from, from + pageSize));
  return { rows: rows.slice(0, pageSize), hasMore: rows.length > pageSize, page, pageSize };
}

/** Table profiles: names of the given users (those RLS lets the caller see). */
export async function listProfilesByIds(supabase, ids) {
  const unique = [...new Set(ids.filter(Boolean))];
  if (!unique.length) return [];
  return unwrap(await supabase.from('profiles').select('id, full_name, email').in('id', unique));
}
