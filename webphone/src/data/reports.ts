// Reports: the reporting RPCs (materialized views behind RLS-aware functions).

import type { Supabase } from '../app/config';
import { unwrapRows } from './errors';

/** rpc/report_agent_performance(p_from, p_to): one row per agent. */
export async function reportAgentPerformance(supabase: Supabase, from: string, to: string) {
  return unwrapRows(await supabase.rpc('report_agent_performance', { p_from: from, p_to: to }));
}

/** rpc/report_campaign_stats(p_from, p_to): one row per campaign. */
export async function reportCampaignStats(supabase: Supabase, from: string, to: string) {
  return unwrapRows(await supabase.rpc('report_campaign_stats', { p_from: from, p_to: to }));
}

/** rpc/report_daily_summary(p_day): the figures of one day. */
export async function reportDailySummary(supabase: Supabase, day: string) {
  return unwrapRows(await supabase.rpc('report_daily_summary', { p_day: day }));
}
