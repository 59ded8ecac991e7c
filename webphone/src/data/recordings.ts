// Recordings: listening (rpc/recording_url decides, logs and grants; Storage
// signs the URL for the grantee), and the calls a supervisor may listen to.

import type { Supabase } from '../app/config';
import { RecordingError, recordingRefusal, toDataError, unwrapRows } from './errors';

interface Grant { bucket: string; path: string; expiresIn: number }

/**
 * rpc/recording_url answers the grant as JSON (jsonb): read, not trusted.
 * (A guard, not zod: this runs in the agent's desk, whose bundle has no room for it.)
 */
function grantOf(value: unknown): Grant | null {
  if (typeof value !== 'object' || value === null) return null;
  const row = value as Record<string, unknown>;
  if (typeof row.bucket !== 'string' || typeof row.path !== 'string' || typeof row.expires_in !== 'number') return null;
  return { bucket: row.bucket, path: row.path, expiresIn: row.expires_in };
}

/**
 * The call's recording as a short-lived signed URL, in two calls and no wait:
 *
 * 1. rpc/recording_url(p_call_id): the database decides and logs the
 *    request; a refusal comes back as an error (404 / 400, thrown as a
 *    RecordingError). A grant names the object ({bucket, path, expires_in})
 *    and lets this user have Storage sign it once, within 30 seconds.
 * 2. storage.createSignedUrl(path, expires_in): Storage reads the object as
 *    this user, which the grant allows, and signs. Storage refusing (the grant
 *    used or over, the recording erased meanwhile) is a RecordingError
 *    'failed' with Storage's message; a lost request, a network DataError.
 */
export async function recordingUrl(supabase: Supabase, callId: string): Promise<string> {
  const { data, error, status } = await supabase.rpc('recording_url', { p_call_id: callId });
  if (error) throw recordingRefusal(error, status);
  const grant = grantOf(Array.isArray(data) ? data[0] : data);
  if (!grant) throw new RecordingError('failed', 'recording_url: empty answer');
  const signed = await supabase.storage.from(grant.bucket).createSignedUrl(grant.path, grant.expiresIn);
  if (signed.error) {
    // StorageApiError: Storage answered and refused; anything else never reached it.
    if (signed.error.name === 'StorageApiError') {
      throw new RecordingError('failed', signed.error.message, { details: signed.error.message, cause: signed.error });
    }
    throw toDataError(signed.error);
  }
  return signed.data.signedUrl;
}

/**
 * Table calls: the calls the user may see (RLS: a supervisor's campaigns, all
 * for admins) started in [from, to), newest first, with lead, agent and campaign.
 */
export async function listRecentCalls(
  supabase: Supabase,
  { from, to, limit = 100, recordedOnly = false }: { from?: string; to?: string; limit?: number; recordedOnly?: boolean } = {},
) {
  let query = supabase.from('calls')
    .select('id, started_at, status, outcome, disposition, talk_seconds, campaign_id, agent_id, lead_id, recording_status, lead:leads (id, first_name, last_name, status), agent:profiles!agent_id (full_name, email), campaign:campaigns (name)');
  if (from) query = query.gte('started_at', from);
  if (to) query = query.lt('started_at', to);
  if (recordedOnly) query = query.eq('recording_status', 'stored');
  return unwrapRows(await query.order('started_at', { ascending: false }).limit(limit));
}

export type RecentCallRow = Awaited<ReturnType<typeof listRecentCalls>>[number];
