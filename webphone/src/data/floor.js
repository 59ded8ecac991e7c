// The live floor: who is available, on a call, in wrap-up or paused, read by
// polling (Realtime is not part of the local stack).

import { unwrap, toDataError } from './errors';

/** Table profiles: the agents the user may see (RLS: a supervisor's own agents; every agent for admins). */
export async function listAgents(supabase) {
  return unwrap(await supabase.from('profiles')
    .select('id, email, full_name, role, active, sip_extension')
    .eq('role', 'agent')
    .order('full_name'));
}

/** Table calls: calls not yet wrapped up, started in the last 12 hours, with their lead. */
export async function listOpenCalls(supabase) {
  const since = new Date(Date.now() - 12 * 3600_000).toISOString();
  return unwrap(await supabase.from('calls')
    .select('id, agent_id, campaign_id, status, outcome, started_at, answered_at, ended_at, phone_number, lead:leads (id, first_name, last_name, status)')
    .is('wrapped_up_at', null)
    .gte('started_at', since)
    .order('started_at', { ascending: false })
    .limit(500));
}

/** Table calls: every call since `since` (ISO), for the day's tallies per agent. */
export async function listCallsSince(supabase, since) {
  return unwrap(await supabase.from('calls')
    .select('id, agent_id, campaign_id, outcome, talk_seconds, started_at, wrapped_up_at')
    .gte('started_at', since)
    .limit(10000));
}

/** Table sales: sales since `since` (ISO), for the day's tallies per agent. */
export async function listSalesSince(supabase, since) {
  return unwrap(await supabase.from('sales')
    .select('id, agent_id, status, premium, currency, sold_at')
    .gte('sold_at', since)
    .limit(10000));
}

let agentStatesMissing = false;

/**
 * rpc/set_agent_state(p_state, p_reason): publishes the agent's own state
 * (available, on_call, wrap_up, paused + reason) for the live floor.
 * Optional: without that function the floor derives states from the calls.
 */
export async function setAgentState(supabase, state, reason = null) {
  if (agentStatesMissing) return false;
  const { error } = await supabase.rpc('set_agent_state', { p_state: state, p_reason: reason });
  if (!error) return true;
  const err = toDataError(error);
  if (err.kind === 'not_available') {
    agentStatesMissing = true;
    return false;
  }
  throw err;
}

/** Table agent_states: each agent's published state (null when the table does not exist). */
export async function listAgentStates(supabase) {
  const { data, error } = await supabase.from('agent_states').select('agent_id, state, reason, since, updated_at');
  if (!error) return data;
  const err = toDataError(error);
  if (err.kind === 'not_available') return null;
  throw err;
}
