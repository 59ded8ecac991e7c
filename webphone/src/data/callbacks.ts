// Callbacks agreed with leads (written by rpc/end_call; read here).

import type { Supabase } from '../app/config';
import { unwrapRows } from './errors';

/** Table callbacks: the agent's pending callbacks, soonest first, with their lead. */
export async function listMyCallbacks(supabase: Supabase, userId: string, { limit = 30 } = {}) {
  return unwrapRows(await supabase.from('callbacks')
    .select('id, due_at, notes, status, lead_id, campaign_id, lead:leads (id, first_name, last_name, phone, time_zone, status)')
    .eq('agent_id', userId)
    .eq('status', 'pending')
    .order('due_at', { ascending: true })
    .limit(limit));
}

export type CallbackRow = Awaited<ReturnType<typeof listMyCallbacks>>[number];
