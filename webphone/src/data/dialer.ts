// The dialer (issue 16): the agent's nailed-up session (rpc/dialer_join,
// dialer_leave, dialer_hangup; table dialer_sessions, pushed by Realtime),
// and the supervisor's view (dialer_campaign_state, dialer_samples,
// rpc/dialer_compliance, dialer_set_paused, dialer_set_mode).

import type { Supabase } from '../app/config';
import type { Database } from '../types/database';
import { DataError, unwrap, unwrapRows } from './errors';

export type DialerSession = Database['public']['Tables']['dialer_sessions']['Row'];
export type DialerCampaignState = Database['public']['Tables']['dialer_campaign_state']['Row'];
export type DialMode = Database['public']['Enums']['dial_mode'];

const SESSION_COLUMNS = 'id, agent_id, campaign_id, status, channel, extension, requested_at, connected_at, ended_at, end_reason, worker, attempt_id, call_id, lead_id, updated_at';

/** rpc/dialer_join(p_campaign_id): the caller's open session (a new one, or the one already open). */
export async function dialerJoin(supabase: Supabase, campaignId: string): Promise<DialerSession> {
  const row: DialerSession | null = unwrap(await supabase.rpc('dialer_join', { p_campaign_id: campaignId }));
  if (!row?.id) throw new DataError('invalid', 'dialer_join: no session');
  return row;
}

/** rpc/dialer_leave(): ends the caller's session (the worker hangs the nailed-up call up). */
export async function dialerLeave(supabase: Supabase): Promise<DialerSession | null> {
  return unwrap(await supabase.rpc('dialer_leave'));
}

/** rpc/dialer_hangup(p_call_id): the agent hangs the lead up (the lead's leg is in the PBX). */
export async function dialerHangup(supabase: Supabase, callId: string): Promise<void> {
  unwrap(await supabase.rpc('dialer_hangup', { p_call_id: callId }));
}

/** Table dialer_sessions: the agent's open session (at most one), or null. */
export async function myOpenDialerSession(supabase: Supabase, userId: string): Promise<DialerSession | null> {
  const rows = unwrapRows(await supabase.from('dialer_sessions').select(SESSION_COLUMNS)
    .eq('agent_id', userId).neq('status', 'ended')
    .order('requested_at', { ascending: false }).limit(1));
  return rows[0] ?? null;
}

/** Table dialer_sessions: one session by id (its end, when Realtime missed it). */
export async function getDialerSession(supabase: Supabase, id: string): Promise<DialerSession | null> {
  const rows = unwrapRows(await supabase.from('dialer_sessions').select(SESSION_COLUMNS).eq('id', id).limit(1));
  return rows[0] ?? null;
}

/** Table calls: the call the dialer connected the agent to. */
export async function getDialerCall(supabase: Supabase, callId: string) {
  const rows = unwrapRows(await supabase.from('calls')
    .select('id, lead_id, status, outcome, started_at, answered_at, ended_at, talk_seconds, hangup_by')
    .eq('id', callId).limit(1));
  return rows[0] ?? null;
}

// ----------------------------------------------------------------------------
// Supervisors
// ----------------------------------------------------------------------------

/** Table campaigns: the campaigns a supervisor sees, with their dialer settings. */
export async function listDialerCampaigns(supabase: Supabase) {
  return unwrapRows(await supabase.from('campaigns')
    .select('id, name, status, dial_mode, abandon_target, abandon_cap, max_lines_per_agent, predictive_min_agents, amd_enabled')
    .in('status', ['active', 'paused'])
    .order('name'));
}

export type DialerCampaignRow = Awaited<ReturnType<typeof listDialerCampaigns>>[number];

/** Table dialer_campaign_state: what the dialer is doing, per campaign (RLS: the supervisor's). */
export async function listDialerStates(supabase: Supabase): Promise<DialerCampaignState[]> {
  return unwrapRows(await supabase.from('dialer_campaign_state').select('*'));
}

/** Table dialer_samples: one campaign's samples since a time, oldest first. */
export async function listDialerSamples(supabase: Supabase, campaignId: string, since: string) {
  return unwrapRows(await supabase.from('dialer_samples')
    .select('at, lines, dial_ratio, ready, talking, wrap_up, live_answer_rate, abandon_rate_24h')
    .eq('campaign_id', campaignId).gte('at', since)
    .order('at').limit(1000));
}

export type DialerSample = Awaited<ReturnType<typeof listDialerSamples>>[number];

/** One window of the compliance ledger (rpc/dialer_compliance). */
export interface ComplianceWindow {
  live_answers: number;
  abandoned: number;
  machine: number;
  machine_false_positive_estimate: number;
  /** (abandoned + fp) / (live answers + fp); null without answers. */
  rate: number | null;
}

export interface DialerCompliance {
  campaign_id: string;
  target: number;
  cap: number;
  lockout_hours: number | null;
  today: ComplianceWindow;
  h24: ComplianceWindow;
  d30: ComplianceWindow;
}

/** rpc/dialer_compliance(p_campaign_id): abandonment today, 24 h and 30 days against target and cap. */
export async function dialerCompliance(supabase: Supabase, campaignId: string): Promise<DialerCompliance> {
  return unwrap(await supabase.rpc('dialer_compliance', { p_campaign_id: campaignId })) as unknown as DialerCompliance;
}

/** rpc/dialer_set_paused(p_campaign_id, p_paused). */
export async function dialerSetPaused(supabase: Supabase, campaignId: string, paused: boolean): Promise<DialerCampaignState> {
  return unwrap(await supabase.rpc('dialer_set_paused', { p_campaign_id: campaignId, p_paused: paused })) as DialerCampaignState;
}

/** rpc/dialer_set_mode(p_campaign_id, p_mode): changes only the campaign's dial_mode. */
export async function dialerSetMode(supabase: Supabase, campaignId: string, mode: DialMode): Promise<void> {
  unwrap(await supabase.rpc('dialer_set_mode', { p_campaign_id: campaignId, p_mode: mode }));
}
