// The live floor: who is available, on a call, in wrap-up or paused, and
// the day's tallies; the agent's own published state (rpc/set_agent_state).

import type { Supabase } from '../app/config';
import type { AgentState } from '../desk/agent-state';
import { unwrap, unwrapRows } from './errors';

/** Table profiles: the agents the user may see (RLS: a supervisor's own agents; every agent for admins). */
export async function listAgents(supabase: Supabase) {
  return unwrapRows(await supabase.from('profiles')
    .select('id, email, full_name, role, active, sip_extension')
    .eq('role', 'agent')
    .order('full_name'));
}

export type FloorAgentRow = Awaited<ReturnType<typeof listAgents>>[number];

/** How far back the floor looks for calls not yet wrapped up. */
export const OPEN_CALL_HOURS = 12;

/** Table calls: calls not yet wrapped up, started in the last 12 hours, with their lead. */
export async function listOpenCalls(supabase: Supabase) {
  const since = new Date(Date.now() - OPEN_CALL_HOURS * 3600_000).toISOString();
  return unwrapRows(await supabase.from('calls')
    .select('id, agent_id, campaign_id, status, outcome, started_at, answered_at, ended_at, wrapped_up_at, phone_number, updated_at, lead:leads (id, first_name, last_name, status)')
    .is('wrapped_up_at', null)
    .gte('started_at', since)
    .order('started_at', { ascending: false })
    .limit(500));
}

export type OpenCallRow = Awaited<ReturnType<typeof listOpenCalls>>[number];

/** Table calls: every call since `since` (ISO), for the day's tallies per agent. */
export async function listCallsSince(supabase: Supabase, since: string) {
  return unwrapRows(await supabase.from('calls')
    .select('id, agent_id, campaign_id, outcome, talk_seconds, started_at, wrapped_up_at, updated_at')
    .gte('started_at', since)
    .limit(10000));
}

export type CallTallyRow = Awaited<ReturnType<typeof listCallsSince>>[number];

/** Table sales: sales since `since` (ISO), for the day's tallies per agent. */
export async function listSalesSince(supabase: Supabase, since: string) {
  return unwrapRows(await supabase.from('sales')
    .select('id, agent_id, status, premium, currency, sold_at')
    .gte('sold_at', since)
    .limit(10000));
}

export type SaleTallyRow = Awaited<ReturnType<typeof listSalesSince>>[number];

/** rpc/set_agent_state(p_state, p_reason): publishes the agent's own state for the live floor. */
export async function setAgentState(supabase: Supabase, state: AgentState, reason: string | null = null): Promise<void> {
  unwrap(await supabase.rpc('set_agent_state', reason ? { p_state: state, p_reason: reason } : { p_state: state }));
}

/** Table agent_states: each agent's published state. */
export async function listAgentStates(supabase: Supabase) {
  return unwrapRows(await supabase.from('agent_states').select('agent_id, state, reason, since, updated_at'));
}

export type AgentStateRow = Awaited<ReturnType<typeof listAgentStates>>[number];

/** Campaign statuses whose agents can be working: their floor topics are followed. */
const LIVE_CAMPAIGNS = ['active', 'paused'] as const;

/**
 * The campaigns whose floor:<campaign> topic the user may join and follow:
 * every live campaign for an admin (table campaigns), else those they
 * supervise (table campaign_members, member_role supervisor: the topic's
 * policy admits supervisors of the campaign, not its agents).
 */
export async function listFloorCampaignIds(supabase: Supabase, userId: string, isAdmin: boolean): Promise<string[]> {
  if (isAdmin) {
    const rows = unwrapRows(await supabase.from('campaigns').select('id').in('status', LIVE_CAMPAIGNS).order('name'));
    return rows.map((r) => r.id);
  }
  const rows = unwrapRows(await supabase.from('campaign_members')
    .select('campaign_id, campaign:campaigns (status)')
    .eq('user_id', userId)
    .eq('member_role', 'supervisor'));
  return rows.filter((r) => LIVE_CAMPAIGNS.some((s) => s === r.campaign.status)).map((r) => r.campaign_id).sort();
}
