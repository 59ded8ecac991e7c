// Reports: the reporting RPCs (materialized views behind RLS-aware functions).

import type { Supabase } from '../app/config';
import type { Json } from '../types/database';
import { unwrap, unwrapRows } from './errors';

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

/** The reports an export can be asked for (rpc/request_report_export's p_report). */
export type ExportReport = 'agent_performance' | 'campaign_stats' | 'daily_summary' | 'call_detail' | 'leads';
/** The report's arguments by name ({ p_from, p_to }), or the leads export's {"selection": ...}. */
export type ExportParams = Record<string, string> | { selection: Json };
export type ExportFormat = 'csv' | 'xlsx';
/** report_exports.status: the reporting worker moves a request along these. */
export type ExportStatus = 'queued' | 'running' | 'done' | 'failed';

/**
 * rpc/request_report_export(p_report, p_params, p_format): queue an export
 * (params: the report RPC's arguments by name, e.g. { p_from, p_to }); the
 * queued report_exports row comes back, for the reporting worker to fill.
 */
export async function requestReportExport(
  supabase: Supabase, report: ExportReport, params: ExportParams, format: ExportFormat = 'csv',
) {
  return unwrap(await supabase.rpc('request_report_export', { p_report: report, p_params: params, p_format: format }));
}

/** Table report_exports: one request as it stands (status, progress, the signed URL once done). */
export async function getReportExport(supabase: Supabase, id: string) {
  return unwrap(await supabase.from('report_exports')
    .select('id, report, format, status, rows_done, rows_total, signed_url, signed_url_expires_at, error, requested_at, finished_at, updated_at')
    .eq('id', id)
    .single());
}

export type ReportExportRow = Awaited<ReturnType<typeof getReportExport>>;
