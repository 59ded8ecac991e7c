// Supabase Realtime, the one place the app opens channels: the topics of
// the contract (floor:<campaign>, presence:<campaign>, agent:<user>), the
// payloads the database broadcasts, and a channel opener that works around
// two details of realtime-js: a private join needs the session's token
// before it is sent (setAuth first), and supabase.channel(topic) hands back
// a channel still leaving (after an unmount) instead of a new one.

import { REALTIME_CHANNEL_STATES, REALTIME_SUBSCRIBE_STATES, type RealtimeChannel } from '@supabase/supabase-js';
import type { Supabase } from '../app/config';
import { unwrapRows } from './errors';

export const floorTopic = (campaignId: string) => `floor:${campaignId}`;
export const presenceTopic = (campaignId: string) => `presence:${campaignId}`;
export const agentTopic = (userId: string) => `agent:${userId}`;

/** What the channel says: connecting, live (joined), or reconnecting after an error, a timeout or a close. */
export type ChannelStatus = 'connecting' | 'live' | 'reconnecting';

/** A row change as realtime.broadcast_changes sends it (record null on DELETE, old_record null on INSERT). */
export interface RowChange<T = Record<string, unknown>> {
  schema: string;
  table: string;
  operation: 'INSERT' | 'UPDATE' | 'DELETE';
  record: T | null;
  old_record: T | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A broadcast payload as a row change, or null when it is not one. */
export function asRowChange(payload: unknown): RowChange | null {
  if (!isObject(payload)) return null;
  const { schema, table, operation, record, old_record: old } = payload;
  if (typeof schema !== 'string' || typeof table !== 'string') return null;
  if (operation !== 'INSERT' && operation !== 'UPDATE' && operation !== 'DELETE') return null;
  const row = isObject(record) && Object.keys(record).length ? record : null;
  const oldRow = isObject(old) && Object.keys(old).length ? old : null;
  if (!row && !oldRow) return null;
  return { schema, table, operation, record: row, old_record: oldRow };
}

/** agent:<user_id> events (contract: lead_assigned, sale_decided). */
export type AgentEvent =
  | { event: 'lead_assigned'; lead_id: string; campaign_id: string | null; assigned_by: string | null }
  | { event: 'sale_decided'; sale_id: string; lead_id: string | null; status: 'validated' | 'rejected'; reason: string | null };

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

export function asAgentEvent(event: string, payload: unknown): AgentEvent | null {
  if (!isObject(payload)) return null;
  if (event === 'lead_assigned') {
    const leadId = str(payload.lead_id);
    return leadId ? { event, lead_id: leadId, campaign_id: str(payload.campaign_id), assigned_by: str(payload.assigned_by) } : null;
  }
  if (event === 'sale_decided') {
    const saleId = str(payload.sale_id);
    const status = payload.status;
    if (!saleId || (status !== 'validated' && status !== 'rejected')) return null;
    return { event, sale_id: saleId, lead_id: str(payload.lead_id), status, reason: str(payload.reason) };
  }
  return null;
}

/** Table campaign_members: the campaigns the user belongs to (RLS: their own memberships). */
export async function listMyCampaignIds(supabase: Supabase, userId: string): Promise<string[]> {
  const rows = unwrapRows(await supabase.from('campaign_members').select('campaign_id').eq('user_id', userId));
  return [...new Set(rows.map((r) => r.campaign_id))].sort();
}

export interface OpenChannelOptions {
  /** Private channel: authorised by the RLS policies on realtime.messages. */
  private?: boolean;
  /** Presence key (the user id) for a channel that tracks. */
  presenceKey?: string;
  /** Adds the listeners before the join (they cannot be added after). */
  bind: (channel: RealtimeChannel) => void;
  /** Each join, the first and every rejoin after a lost connection: what happened meanwhile was not pushed. */
  onJoined?: (channel: RealtimeChannel) => void;
  onStatus?: (status: ChannelStatus, error?: Error) => void;
}

/** Channels being left, by topic: a new one on the same topic waits for the old one to go. */
const leaving = new Map<string, Promise<unknown>>();

/**
 * Opens a channel and returns its closer. Joined, it rejoins by itself after
 * a lost connection (realtime-js), calling onJoined again.
 */
export function openChannel(supabase: Supabase, topic: string, options: OpenChannelOptions): () => void {
  // An object, not a let: the closer flips it while the opener awaits.
  const life: { closed: boolean; channel: RealtimeChannel | null } = { closed: false, channel: null };
  const status = (s: ChannelStatus, err?: Error) => { if (!life.closed) options.onStatus?.(s, err); };
  status('connecting');
  (async () => {
    await leaving.get(topic);
    // The session's token goes in the join: without it a private join is the anon role's, and refused.
    await supabase.realtime.setAuth().catch(() => undefined);
    if (life.closed) return;
    const config: { private: boolean; presence?: { key: string; enabled: boolean } } = { private: options.private ?? true };
    // Presence enabled at join: a presence topic carries no Broadcast, and without it only Broadcast rights are checked.
    if (options.presenceKey) config.presence = { key: options.presenceKey, enabled: true };
    const ch = supabase.channel(topic, { config });
    life.channel = ch;
    options.bind(ch);
    ch.subscribe((state, err) => {
      if (life.closed) return;
      if (state === REALTIME_SUBSCRIBE_STATES.SUBSCRIBED) {
        status('live');
        options.onJoined?.(ch);
      } else {
        status('reconnecting', err);
      }
    });
  })().catch((err: unknown) => { status('reconnecting', err instanceof Error ? err : new Error(String(err))); });
  return () => {
    if (life.closed) return;
    life.closed = true;
    const ch = life.channel;
    // Already left (a sign-out removes every channel): nothing to wait for.
    if (!ch || ch.state === REALTIME_CHANNEL_STATES.closed) return;
    const gone = supabase.removeChannel(ch).catch(() => undefined).finally(() => {
      if (leaving.get(topic) === gone) leaving.delete(topic);
    });
    leaving.set(topic, gone);
  };
}
