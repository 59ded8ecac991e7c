// Calls: rpc/start_call before the INVITE, the SIP progress written to the
// row, rpc/end_call with the wrap-up; the lead's past calls; recordings.

import { unwrap, toDataError, RecordingError, recordingRefusal } from './errors';

/** rpc/start_call(p_lead_id, p_phone_number): the new call row (status calling). */
export async function startCall(supabase, leadId, phoneNumber = null) {
  const args = { p_lead_id: leadId };
  if (phoneNumber) args.p_phone_number = phoneNumber;
  const data = unwrap(await supabase.rpc('start_call', args));
  return Array.isArray(data) ? data[0] : data;
}

/** Table calls: status forward to ringing / confirmed (the database stamps answered_at). */
export async function markCallStatus(supabase, callId, status) {
  return unwrap(await supabase.from('calls').update({ status }).eq('id', callId).select('id, status, answered_at'));
}

/** Table calls: whether the lead accepted the recording (asked with the campaign's notice). */
export async function setRecordingConsent(supabase, callId, consent) {
  return unwrap(await supabase.from('calls').update({ recording_consent: consent }).eq('id', callId).select('id, recording_consent'));
}

/**
 * rpc/hangup_call(p_call_id, p_outcome, p_hangup_by): the call's end as the
 * phone saw it (outcome and hang-up time), before the wrap-up. Optional: when
 * the database has no such function, false, and end_call derives them.
 */
let hangupCallMissing = false;

export async function reportHangup(supabase, callId, { outcome, hangupBy = null }) {
  if (hangupCallMissing) return false;
  const { error } = await supabase.rpc('hangup_call', { p_call_id: callId, p_outcome: outcome, p_hangup_by: hangupBy });
  if (!error) return true;
  const err = toDataError(error);
  if (err.kind === 'not_available') {
    hangupCallMissing = true;
    return false;
  }
  throw err;
}

/** rpc/end_call(p_call_id, p_disposition, p_notes, p_callback_at, p_hangup_by): the wrap-up. */
export async function endCall(supabase, callId, { disposition, notes = null, callbackAt = null, hangupBy = null }) {
  const args = { p_call_id: callId, p_disposition: disposition };
  if (notes) args.p_notes = notes;
  if (callbackAt) args.p_callback_at = callbackAt;
  if (hangupBy) args.p_hangup_by = hangupBy;
  const data = unwrap(await supabase.rpc('end_call', args));
  return Array.isArray(data) ? data[0] : data;
}

const CALL_COLUMNS = 'id, started_at, answered_at, ended_at, status, outcome, disposition, notes, talk_seconds, duration_seconds, ring_seconds, hangup_by, phone_number, agent_id, recording_path, recording_consent, recording_status';

/** Table calls: the calls to one lead, newest first. */
export async function listCallsForLead(supabase, leadId, { limit = 50 } = {}) {
  return unwrap(await supabase.from('calls').select(CALL_COLUMNS)
    .eq('lead_id', leadId)
    .order('started_at', { ascending: false })
    .limit(limit));
}

/** Table calls: the signed-in agent's calls since `since` (today's tally). */
export async function listMyCallsSince(supabase, userId, since) {
  return unwrap(await supabase.from('calls').select('id, outcome, talk_seconds, disposition, started_at')
    .eq('agent_id', userId)
    .gte('started_at', since)
    .order('started_at', { ascending: false })
    .limit(500));
}

/** Table calls: the agent's own calls still waiting for their wrap-up (left open by a reload), newest first. */
export async function listMyOpenCalls(supabase, userId) {
  const since = new Date(Date.now() - 24 * 3600_000).toISOString();
  return unwrap(await supabase.from('calls').select(CALL_COLUMNS + ', lead_id')
    .eq('agent_id', userId)
    .is('wrapped_up_at', null)
    .gte('started_at', since)
    .order('started_at', { ascending: false })
    .limit(10));
}

/** How often and how long the webphone waits for the recordings worker to sign a link. */
export const RECORDING_LINK_POLL_MS = 250;
export const RECORDING_LINK_TIMEOUT_MS = 15_000;

const realSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * rpc/recording_url(p_call_id): a short-lived signed URL of the call's recording.
 *
 * The database decides and logs the request; a refusal comes back as an
 * error (403 / 404 / 400, thrown as a RecordingError). A grant is a
 * recording_links row in status signing: the recordings worker, which holds
 * the Storage secret, signs it within a moment, so the row is read again
 * every `pollMs` until it is ready (its url) or failed (its error), or
 * `timeoutMs` passed (RecordingError timeout). `sleep` and `now` are
 * injectable for tests.
 */
export async function recordingUrl(supabase, callId, {
  sleep = realSleep, now = () => Date.now(), pollMs = RECORDING_LINK_POLL_MS, timeoutMs = RECORDING_LINK_TIMEOUT_MS,
} = {}) {
  const { data, error, status } = await supabase.rpc('recording_url', { p_call_id: callId });
  if (error) throw recordingRefusal(error, status);
  if (typeof data === 'string') return data; // a database that signs by itself
  let link = Array.isArray(data) ? data[0] : data;
  if (!link?.id) throw new RecordingError('failed', 'recording_url: empty answer');
  const deadline = now() + timeoutMs;
  for (;;) {
    if (link.status === 'ready' && link.url) return link.url;
    if (link.status === 'failed') throw new RecordingError('failed', link.error || 'signing failed', { details: link.error ?? null });
    if (now() >= deadline) throw new RecordingError('timeout', `recording link ${link.id} still ${link.status} after ${timeoutMs} ms`);
    await sleep(pollMs);
    const read = await supabase.from('recording_links')
      .select('status, url, expires_at, error')
      .eq('id', link.id)
      .maybeSingle();
    if (read.error) {
      const err = toDataError(read.error);
      // A lost request is retried until the deadline; anything else is final.
      if (err.kind !== 'network') throw err;
      continue;
    }
    if (!read.data) throw new RecordingError('gone', `recording link ${link.id} no longer exists`);
    link = { ...link, ...read.data };
  }
}

/**
 * Table calls: the calls the user may see (RLS: a supervisor's campaigns, all
 * for admins) started in [from, to), newest first, with lead, agent and campaign.
 */
export async function listRecentCalls(supabase, { from, to, limit = 100, recordedOnly = false } = {}) {
  let query = supabase.from('calls')
    .select('id, started_at, status, outcome, disposition, talk_seconds, campaign_id, agent_id, lead_id, recording_status, lead:leads (id, first_name, last_name, status), agent:profiles!agent_id (full_name, email), campaign:campaigns (name)');
  if (from) query = query.gte('started_at', from);
  if (to) query = query.lt('started_at', to);
  if (recordedOnly) query = query.eq('recording_status', 'stored');
  return unwrap(await query.order('started_at', { ascending: false }).limit(limit));
}
