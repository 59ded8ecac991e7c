// Reports: the reporting RPCs (materialized views behind RLS-aware functions).
// Each answers rows; the reports screen charts whichever numeric columns come.

import { unwrap } from './errors';

/** rpc/report_agent_performance(p_from, p_to): one row per agent. */
export async function reportAgentPerformance(supabase, from, to) {
  return unwrap(await supabase.rpc('report_agent_performance', { p_from: from, p_to: to }));
}

/** rpc/report_campaign_stats(p_from, p_to): one row per campaign. */
export async function reportCampaignStats(supabase, from, to) {
  return unwrap(await supabase.rpc('report_campaign_stats', { p_from: from, p_to: to }));
}

/** rpc/report_daily_summary(p_day): the figures of one day. */
export async function reportDailySummary(supabase, day) {
  return unwrap(await supabase.rpc('report_daily_summary', { p_day: day }));
}
