// Recordings: a signed link to listen (rpc/recording_url, signed by the
// recordings worker), and the calls a supervisor may listen to.

import type { Supabase } from '../app/config';
import { RecordingError, recordingRefusal, toDataError, unwrapRows } from './errors';

/** How often and how long the webphone waits for the recordings worker to sign a link. */
export const RECORDING_LINK_POLL_MS = 250;
export const RECORDING_LINK_TIMEOUT_MS = 15_000;

interface LinkRow { id: string; status: string; url: string | null; error: string | null }

const textOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * rpc/recording_url answers the recording_links row as JSON (jsonb): read, not trusted.
 * (A guard, not zod: this runs in the agent's desk, whose bundle has no room for it.)
 */
function linkRow(value: unknown): LinkRow | null {
  if (typeof value !== 'object' || value === null) return null;
  const row = value as Record<string, unknown>;
  if (typeof row.id !== 'string' || typeof row.status !== 'string') return null;
  return { id: row.id, status: row.status, url: textOrNull(row.url), error: textOrNull(row.error) };
}

const realSleep = (ms: number) => new Promise<void>((resolve) => { setTimeout(resolve, ms); });

export interface RecordingUrlOptions {
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  pollMs?: number;
  timeoutMs?: number;
}

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
export async function recordingUrl(supabase: Supabase, callId: string, {
  sleep = realSleep, now = () => Date.now(), pollMs = RECORDING_LINK_POLL_MS, timeoutMs = RECORDING_LINK_TIMEOUT_MS,
}: RecordingUrlOptions = {}): Promise<string> {
  const { data, error, status } = await supabase.rpc('recording_url', { p_call_id: callId });
  if (error) throw recordingRefusal(error, status);
  const first = linkRow(Array.isArray(data) ? data[0] : data);
  if (!first) throw new RecordingError('failed', 'recording_url: empty answer');
  let link = first;
  const deadline = now() + timeoutMs;
  for (;;) {
    if (link.status === 'ready' && link.url) return link.url;
    if (link.status === 'failed') throw new RecordingError('failed', link.error || 'signing failed', { details: link.error ?? null });
    if (now() >= deadline) throw new RecordingError('timeout', `recording link ${link.id} still ${link.status} after ${String(timeoutMs)} ms`);
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
