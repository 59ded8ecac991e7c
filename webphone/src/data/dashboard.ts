// Dashboards: rpc/agent_dashboard, rpc/supervisor_dashboard and
// rpc/system_health (migration 20261206000400_dashboards.sql). Each returns
// one jsonb document; the types below are its shape (docs/interface.md,
// "Dashboards"), read defensively: a figure the database left out is 0.

import type { Supabase } from '../app/config';
import { unwrap } from './errors';

/** Annualised premium per currency ({"EUR": 480}): currencies are never added up. */
export type Premium = Record<string, number>;

/** One set of figures: a day, or the 7 days' average per active day. */
export interface Figures {
  calls: number;
  answered_calls: number;
  contacts: number;
  talk_seconds: number;
  sales: number;
  premium: Premium;
  /** contacts / calls (0..1), null over no call */
  contact_rate: number | null;
  /** sales / contacts (0..1), null over no contact */
  conversion: number | null;
}

export interface WeekFigures extends Figures {
  /** days with calls among the 7 before the day */
  active_days: number;
}

export interface AgentDay extends Figures {
  day: string;
}

export interface AgentHour {
  hour: number;
  calls: number;
  contacts: number;
}

export interface AgentDashboard {
  agent_id: string;
  day: string;
  time_zone: string;
  refreshed_at: string | null;
  today: Figures;
  /** the 7 days before `day`, oldest first */
  days: AgentDay[];
  last_7_days: WeekFigures;
  /** the 24 local hours of `day` */
  hours: AgentHour[];
}

export interface CampaignDayFigures extends Figures {
  /** agents with calls that day */
  agents: number;
}

export interface CampaignHour {
  hour: number;
  calls: number;
  contacts: number;
  calls_yesterday: number;
  contacts_yesterday: number;
}

export interface CampaignDashboard {
  campaign_id: string;
  name: string;
  status: string;
  time_zone: string;
  day: string;
  today: CampaignDayFigures;
  yesterday: CampaignDayFigures;
  last_7_days: WeekFigures;
  hours: CampaignHour[];
}

export interface SupervisorDashboard {
  refreshed_at: string | null;
  campaigns: CampaignDashboard[];
}

export type HealthStatus = 'ok' | 'warning';

export interface WorkerHealth {
  role: string;
  description: string | null;
  sessions: number;
  application_names: string[];
  last_activity_at: string | null;
  alive: boolean;
  status: HealthStatus;
}

export interface ReportViewHealth {
  view_name: string;
  refreshed_at: string | null;
  last_duration_ms: number | null;
  pending_requests: number;
  oldest_request_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
}

export interface SystemHealth {
  checked_at: string;
  status: HealthStatus;
  workers: WorkerHealth[];
  reports: { last_refresh_at: string | null; views: ReportViewHealth[]; status: HealthStatus };
  recordings: {
    backlog: number; uploading: number; oldest_pending_at: string | null; failed: number; failed_24h: number;
    status: HealthStatus;
  };
  exports: { queued: number; running: number; oldest_queued_at: string | null; failed_24h: number; status: HealthStatus };
  lead_imports: {
    available: boolean; queued?: number; running?: number; oldest_queued_at?: string | null; failed_24h?: number;
    done_24h?: number; status: HealthStatus;
  };
  account_requests: {
    available: boolean; pending?: number; oldest_pending_at?: string | null; failed_24h?: number; status: HealthStatus;
  };
}

/** rpc/agent_dashboard(p_day): the signed-in person's own day (default: today in their campaigns' zone). */
export async function fetchAgentDashboard(supabase: Supabase, day?: string): Promise<AgentDashboard> {
  const data = unwrap(await supabase.rpc('agent_dashboard', day ? { p_day: day } : {}));
  return data as unknown as AgentDashboard;
}

/** rpc/supervisor_dashboard(p_campaign_ids, p_day): the campaigns the caller manages (reports.view). */
export async function fetchSupervisorDashboard(
  supabase: Supabase, campaignIds?: string[], day?: string,
): Promise<SupervisorDashboard> {
  const args: { p_campaign_ids?: string[]; p_day?: string } = {};
  if (campaignIds) args.p_campaign_ids = campaignIds;
  if (day) args.p_day = day;
  const data = unwrap(await supabase.rpc('supervisor_dashboard', args));
  return data as unknown as SupervisorDashboard;
}

/** rpc/system_health(): the back-end services' state (admins; 42501 otherwise). */
export async function fetchSystemHealth(supabase: Supabase): Promise<SystemHealth> {
  const data = unwrap(await supabase.rpc('system_health'));
  return data as unknown as SystemHealth;
}
