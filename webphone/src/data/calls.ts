// Calls: rpc/start_call before the INVITE, the SIP progress written to the
// row, rpc/hangup_call when it ends, rpc/end_call with the wrap-up; the
// lead's past calls.

import type { Supabase } from '../app/config';
import { unwrap, unwrapRows } from './errors';

/** rpc/start_call(p_lead_id, p_phone_number): the new call row (status calling). */
export async function startCall(supabase: Supabase, leadId: string, phoneNumber: string | null = null) {
  return unwrap(await supabase.rpc('start_call', phoneNumber
    ? { p_lead_id: leadId, p_phone_number: phoneNumber }
    : { p_lead_id: leadId }));
}

export type CallStatusUpdate = 'ringing' | 'confirmed';

/** Table calls: status forward to ringing / confirmed (the database stamps answered_at). */
export async function markCallStatus(supabase: Supabase, callId: string, status: CallStatusUpdate) {
  return unwrap(await supabase.from('calls').update({ status }).eq('id', callId).select('id, status, answered_at'));
}

/** Table calls: whether the lead accepted the recording (asked with the campaign's notice). */
export async function setRecordingConsent(supabase: Supabase, callId: string, consent: boolean) {
  return unwrap(await supabase.from('calls').update({ recording_consent: consent }).eq('id', callId).select('id, recording_consent'));
}

/** rpc/hangup_call(p_call_id, p_outcome, p_hangup_by): the call's end as the phone saw it, before the wrap-up. */
export async function reportHangup(
  supabase: Supabase, callId: string, { outcome, hangupBy = null }: { outcome: string; hangupBy?: string | null },
): Promise<void> {
  unwrap(await supabase.rpc('hangup_call', hangupBy
    ? { p_call_id: callId, p_outcome: outcome, p_hangup_by: hangupBy }
    : { p_call_id: callId, p_outcome: outcome }));
}

export interface WrapUp {
  disposition: string;
  notes?: string | null;
  callbackAt?: string | null;
  hangupBy?: string | null;
}

/** rpc/end_call(p_call_id, p_disposition, p_notes, p_callback_at, p_hangup_by): the wrap-up. */
export async function endCall(supabase: Supabase, callId: string, { disposition, notes = null, callbackAt = null, hangupBy = null }: WrapUp) {
  return unwrap(await supabase.rpc('end_call', {
    p_call_id: callId,
    p_disposition: disposition,
    ...(notes ? { p_notes: notes } : {}),
    ...(callbackAt ? { p_callback_at: callbackAt } : {}),
    ...(hangupBy ? { p_hangup_by: hangupBy } : {}),
  }));
}

const CALL_COLUMNS = 'id, lead_id, started_at, answered_at, ended_at, status, outcome, disposition, notes, talk_seconds, duration_seconds, ring_seconds, hangup_by, phone_number, agent_id, recording_path, recording_consent, recording_status';

/** Table calls: the calls to one lead, newest first. */
export async function listCallsForLead(supabase: Supabase, leadId: string, { limit = 50 } = {}) {
  return unwrapRows(await supabase.from('calls').select(CALL_COLUMNS)
    .eq('lead_id', leadId)
    .order('started_at', { ascending: false })
    .limit(limit));
}

export type LeadCallRow = Awaited<ReturnType<typeof listCallsForLead>>[number];

/** Table calls: the signed-in agent's calls since `since` (today's tally). */
export async function listMyCallsSince(supabase: Supabase, userId: string, since: string) {
  return unwrapRows(await supabase.from('calls').select('id, outcome, talk_seconds, disposition, started_at')
    .eq('agent_id', userId)
    .gte('started_at', since)
    .order('started_at', { ascending: false })
    .limit(500));
}

/** Table calls: the agent's own calls still waiting for their wrap-up (left open by a reload), newest first. */
export async function listMyOpenCalls(supabase: Supabase, userId: string) {
  const since = new Date(Date.now() - 24 * 3600_000).toISOString();
  return unwrapRows(await supabase.from('calls').select(CALL_COLUMNS)
    .eq('agent_id', userId)
    .is('wrapped_up_at', null)
    .gte('started_at', since)
    .order('started_at', { ascending: false })
    .limit(10));
}
