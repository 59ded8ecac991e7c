// Callbacks agreed with leads (written by rpc/end_call; read here).

import { unwrap } from './errors';

/** Table callbacks: the agent's pending callbacks, soonest first, with their lead. */
export async function listMyCallbacks(supabase, userId, { limit = 30 } = {}) {
  return unwrap(await supabase.from('callbacks')
    .select('id, due_at, notes, status, lead_id, campaign_id, lead:leads (id, first_name, last_name, phone, time_zone, status)')
    .eq('agent_id', userId)
    .eq('status', 'pending')
    .order('due_at', { ascending: true })
    .limit(limit));
}
