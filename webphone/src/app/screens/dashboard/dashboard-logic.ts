// The dashboards' data shaping, pure and tested (test/dashboard-logic.test.ts):
// the floor's totals over the campaigns, a figure against its reference, the
// chart series, and the health check's lines with their state.

import type {
  AgentDashboard, CampaignDashboard, CampaignDayFigures, CampaignHour, Figures, HealthStatus, Premium, SystemHealth,
} from '../../../data/dashboard';

const num = (v: unknown): number => {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
};

/** Just the figures of a day, a week or a campaign's day (no day, no agents). */
export function figures(f: Figures): Figures {
  return {
    calls: num(f.calls),
    answered_calls: num(f.answered_calls),
    contacts: num(f.contacts),
    talk_seconds: num(f.talk_seconds),
    sales: num(f.sales),
    premium: Object.fromEntries(Object.entries(f.premium).map(([c, v]) => [c, num(v)])),
    contact_rate: f.contact_rate === null ? null : num(f.contact_rate),
    conversion: f.conversion === null ? null : num(f.conversion),
  };
}

const ZERO: Figures = {
  calls: 0, answered_calls: 0, contacts: 0, talk_seconds: 0, sales: 0, premium: {}, contact_rate: null, conversion: null,
};

/** Premiums added up per currency (never across currencies). */
export function addPremium(a: Premium, b: Premium): Premium {
  const out: Premium = { ...a };
  for (const [currency, amount] of Object.entries(b)) out[currency] = Math.round(((out[currency] ?? 0) + num(amount)) * 100) / 100;
  return out;
}

const rate = (part: number, whole: number): number | null => (whole > 0 ? Math.round((part / whole) * 10000) / 10000 : null);

/** Several sets of figures added up; the rates over the sums, as the database computes them. */
export function sumFigures(list: readonly Figures[]): Figures {
  const total = list.map(figures).reduce<Figures>((acc, f) => ({
    calls: acc.calls + f.calls,
    answered_calls: acc.answered_calls + f.answered_calls,
    contacts: acc.contacts + f.contacts,
    talk_seconds: acc.talk_seconds + f.talk_seconds,
    sales: acc.sales + f.sales,
    premium: addPremium(acc.premium, f.premium),
    contact_rate: null,
    conversion: null,
  }), ZERO);
  return { ...total, contact_rate: rate(total.contacts, total.calls), conversion: rate(total.sales, total.contacts) };
}

export interface FloorTotals {
  campaigns: number;
  today: Figures & { agents: number };
  yesterday: Figures & { agents: number };
  /** a typical day of the floor: the campaigns' averages per active day, added up */
  last_7_days: Figures;
  hours: CampaignHour[];
}

/** The whole floor: every campaign's figures and hours added up (an admin's or a supervisor's view). */
export function floorTotals(campaigns: readonly CampaignDashboard[]): FloorTotals {
  const agents = (pick: (c: CampaignDashboard) => CampaignDayFigures) =>
    campaigns.reduce((s, c) => s + num(pick(c).agents), 0);
  const hours: CampaignHour[] = Array.from({ length: 24 }, (_, hour) => ({
    hour, calls: 0, contacts: 0, calls_yesterday: 0, contacts_yesterday: 0,
  }));
  for (const c of campaigns) {
    for (const h of c.hours) {
      const slot = hours[num(h.hour)];
      if (!slot) continue;
      slot.calls += num(h.calls);
      slot.contacts += num(h.contacts);
      slot.calls_yesterday += num(h.calls_yesterday);
      slot.contacts_yesterday += num(h.contacts_yesterday);
    }
  }
  return {
    campaigns: campaigns.length,
    today: { ...sumFigures(campaigns.map((c) => c.today)), agents: agents((c) => c.today) },
    yesterday: { ...sumFigures(campaigns.map((c) => c.yesterday)), agents: agents((c) => c.yesterday) },
    last_7_days: sumFigures(campaigns.map((c) => c.last_7_days)),
    hours,
  };
}

/** Premiums compare only in one currency: euros against pesos is no trend. */
export function samePremiumCurrency(a: Premium, b: Premium): boolean {
  const currencies = new Set([...Object.entries(a), ...Object.entries(b)].filter(([, v]) => v !== 0).map(([c]) => c));
  return currencies.size <= 1;
}

export type Direction = 'up' | 'down' | 'same' | 'none';

export interface Trend {
  /** relative change (0.25 is +25 %), null when there is nothing to compare with */
  change: number | null;
  direction: Direction;
}

/** A figure against its reference (yesterday, the 7 days' average). */
export function trend(value: number | null | undefined, reference: number | null | undefined): Trend {
  if (value === null || value === undefined || reference === null || reference === undefined) {
    return { change: null, direction: 'none' };
  }
  if (reference === 0) return { change: null, direction: value === 0 ? 'same' : 'none' };
  const change = (value - reference) / Math.abs(reference);
  if (Math.abs(change) < 0.005) return { change: 0, direction: 'same' };
  return { change, direction: change > 0 ? 'up' : 'down' };
}

export interface DayPoint {
  day: string;
  calls: number;
  contacts: number;
  sales: number;
  today: boolean;
}

/** The agent's 7 days and today, oldest first, for the small chart. */
export function agentDaySeries(d: Pick<AgentDashboard, 'day' | 'days' | 'today'>): DayPoint[] {
  const past = d.days.map((x) => ({
    day: x.day, calls: num(x.calls), contacts: num(x.contacts), sales: num(x.sales), today: false,
  }));
  const today = figures(d.today);
  return [...past, { day: d.day, calls: today.calls, contacts: today.contacts, sales: today.sales, today: true }];
}

/**
 * The hours worth showing: the working day (08-20) widened to every hour
 * with a call, so an empty night does not squash the chart.
 */
export function hourWindow<T extends { hour: number }>(
  hours: readonly T[], active: (h: T) => boolean, from = 8, to = 20,
): T[] {
  const busy = hours.filter(active).map((h) => h.hour);
  const lo = Math.min(from, ...busy);
  const hi = Math.max(to, ...busy);
  return hours.filter((h) => h.hour >= lo && h.hour <= hi);
}

/** "09" for 9: the x axis of the hourly charts. */
export const hourLabel = (hour: number): string => `${String(hour).padStart(2, '0')}h`;

export interface HealthLine {
  /** data-test health-<key> */
  key: string;
  status: HealthStatus | 'off';
  /** the i18n key of its label, and its parameters */
  label: string;
  detail: string;
  params: Record<string, string | number>;
}

/** Seconds since an instant, or null. */
export function ageSeconds(at: string | null | undefined, now: number): number | null {
  if (!at) return null;
  const t = Date.parse(at);
  return Number.isNaN(t) ? null : Math.max(0, Math.round((now - t) / 1000));
}

/** A worker role as people call it: crm_lead_import -> lead_import. */
export const workerName = (role: string): string => role.replace(/^crm_/, '');

/**
 * The health check as lines, each with its state: every worker role, the
 * report refresh, the recording uploads, exports, lead imports and account
 * requests (those two "off" until their part is installed).
 */
export function healthLines(h: SystemHealth, now: number): HealthLine[] {
  const lines: HealthLine[] = h.workers.map((w) => ({
    key: `worker-${workerName(w.role)}`,
    status: w.status,
    label: 'dashboard.health.worker',
    detail: w.alive ? 'dashboard.health.workerAlive' : 'dashboard.health.workerDown',
    params: { name: workerName(w.role), sessions: num(w.sessions) },
  }));
  const reportAge = ageSeconds(h.reports.last_refresh_at, now);
  const pending = h.reports.views.reduce((s, v) => s + num(v.pending_requests), 0);
  lines.push({
    key: 'reports',
    status: h.reports.status,
    label: 'dashboard.health.reports',
    detail: reportAge === null ? 'dashboard.health.reportsNever' : 'dashboard.health.reportsDetail',
    params: { minutes: Math.floor((reportAge ?? 0) / 60), pending },
  });
  const recordings = h.recordings;
  lines.push({
    key: 'recordings',
    status: recordings.status,
    label: 'dashboard.health.recordings',
    detail: 'dashboard.health.recordingsDetail',
    params: {
      backlog: num(recordings.backlog), failed: num(recordings.failed_24h),
      minutes: Math.floor((ageSeconds(recordings.oldest_pending_at, now) ?? 0) / 60),
    },
  });
  lines.push({
    key: 'exports',
    status: h.exports.status,
    label: 'dashboard.health.exports',
    detail: 'dashboard.health.exportsDetail',
    params: { queued: num(h.exports.queued), running: num(h.exports.running), failed: num(h.exports.failed_24h) },
  });
  const imports = h.lead_imports;
  lines.push({
    key: 'imports',
    status: imports.available ? imports.status : 'off',
    label: 'dashboard.health.imports',
    detail: imports.available ? 'dashboard.health.importsDetail' : 'dashboard.health.notInstalled',
    params: { queued: num(imports.queued), running: num(imports.running), failed: num(imports.failed_24h) },
  });
  const accounts = h.account_requests;
  lines.push({
    key: 'accounts',
    status: accounts.available ? accounts.status : 'off',
    label: 'dashboard.health.accounts',
    detail: accounts.available ? 'dashboard.health.accountsDetail' : 'dashboard.health.notInstalled',
    params: { pending: num(accounts.pending), failed: num(accounts.failed_24h) },
  });
  return lines;
}
