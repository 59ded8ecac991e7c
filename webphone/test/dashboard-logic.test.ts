// The dashboards' data shaping (src/app/screens/dashboard/dashboard-logic.ts):
// the floor's totals, a figure against its reference, the chart series and
// the health check's lines.
import { describe, expect, test } from 'vitest';
import type { AgentDashboard, CampaignDashboard, Figures, SystemHealth } from '../src/data/dashboard';
import {
  addPremium, agentDaySeries, ageSeconds, floorTotals, healthLines, hourLabel, hourWindow, samePremiumCurrency, sumFigures,
  trend, workerName,
} from '../src/app/screens/dashboard/dashboard-logic';
import { formatPremium, formatRate } from '../src/app/screens/dashboard/dashboard-ui';

const fig = (over: Partial<Figures> = {}): Figures => ({
  calls: 0, answered_calls: 0, contacts: 0, talk_seconds: 0, sales: 0, premium: {}, contact_rate: null, conversion: null, ...over,
});

const hours = (calls: Record<number, number>, yesterday: Record<number, number> = {}) =>
  Array.from({ length: 24 }, (_, hour) => ({
    hour, calls: calls[hour] ?? 0, contacts: Math.floor((calls[hour] ?? 0) / 2),
    calls_yesterday: yesterday[hour] ?? 0, contacts_yesterday: 0,
  }));

function campaign(id: string, today: Partial<Figures> & { agents?: number }, yesterday: Partial<Figures> & { agents?: number },
  week: Partial<Figures>, hourCalls: Record<number, number>): CampaignDashboard {
  return {
    campaign_id: id, name: id, status: 'active', time_zone: 'Europe/Madrid', day: '2026-12-05',
    today: { ...fig(today), agents: today.agents ?? 0 },
    yesterday: { ...fig(yesterday), agents: yesterday.agents ?? 0 },
    last_7_days: { ...fig(week), active_days: 5 },
    hours: hours(hourCalls, { 10: 3 }),
  };
}

describe('adding figures up', () => {
  test('premiums add up per currency, never across currencies', () => {
    expect(addPremium({ EUR: 240 }, { EUR: 120.5, MXN: 30 })).toStrictEqual({ EUR: 360.5, MXN: 30 });
  });

  test('the rates of a sum are over the sums, not averages of rates', () => {
    const total = sumFigures([
      fig({ calls: 10, contacts: 5, sales: 1, contact_rate: 0.5, conversion: 0.2 }),
      fig({ calls: 90, contacts: 9, sales: 0, contact_rate: 0.1, conversion: 0 }),
    ]);
    expect(total.calls).toBe(100);
    expect(total.contact_rate).toBe(0.14);
    expect(total.conversion).toBe(0.0714);
  });

  test('nothing called: no rate rather than 0 %', () => {
    const total = sumFigures([fig(), fig()]);
    expect(total.contact_rate).toBeNull();
    expect(total.conversion).toBeNull();
  });

  test('the floor adds up its campaigns, their agents and their hours', () => {
    const floor = floorTotals([
      campaign('A', { calls: 100, contacts: 40, sales: 4, premium: { EUR: 960 }, agents: 5 }, { calls: 80, agents: 4 }, { calls: 90 }, { 9: 30, 10: 70 }),
      campaign('B', { calls: 50, contacts: 10, sales: 1, premium: { MXN: 300 }, agents: 2 }, { calls: 60, agents: 2 }, { calls: 55.5 }, { 10: 50 }),
    ]);
    expect(floor.campaigns).toBe(2);
    expect(floor.today).toMatchObject({ calls: 150, contacts: 50, sales: 5, agents: 7, contact_rate: 0.3333, conversion: 0.1 });
    expect(floor.today.premium).toStrictEqual({ EUR: 960, MXN: 300 });
    expect(floor.yesterday).toMatchObject({ calls: 140, agents: 6 });
    expect(floor.last_7_days.calls).toBe(145.5);
    expect(floor.hours).toHaveLength(24);
    expect(floor.hours[10]).toStrictEqual({ hour: 10, calls: 120, contacts: 60, calls_yesterday: 6, contacts_yesterday: 0 });
    expect(floor.hours[9]?.calls).toBe(30);
  });

  test('no campaign: an empty floor', () => {
    const floor = floorTotals([]);
    expect(floor.today.calls).toBe(0);
    expect(floor.hours.every((h) => h.calls === 0)).toBe(true);
  });
});

describe('a figure against its reference', () => {
  test('up, down and the same, as a fraction of the reference', () => {
    expect(trend(120, 100)).toStrictEqual({ change: 0.2, direction: 'up' });
    expect(trend(75, 100)).toStrictEqual({ change: -0.25, direction: 'down' });
    expect(trend(100.2, 100)).toStrictEqual({ change: 0, direction: 'same' });
  });

  test('nothing to compare with: no percentage', () => {
    expect(trend(5, 0)).toStrictEqual({ change: null, direction: 'none' });
    expect(trend(0, 0)).toStrictEqual({ change: null, direction: 'same' });
    expect(trend(null, 0.2)).toStrictEqual({ change: null, direction: 'none' });
    expect(trend(0.3, null)).toStrictEqual({ change: null, direction: 'none' });
  });
});

describe('chart series', () => {
  test("the agent's 7 days then today, oldest first", () => {
    const d: Pick<AgentDashboard, 'day' | 'days' | 'today'> = {
      day: '2026-12-05',
      today: fig({ calls: 12, contacts: 4, sales: 1 }),
      days: ['2026-11-28', '2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04']
        .map((day, i) => ({ ...fig({ calls: i }), day })),
    };
    const series = agentDaySeries(d);
    expect(series).toHaveLength(8);
    expect(series[0]).toStrictEqual({ day: '2026-11-28', calls: 0, contacts: 0, sales: 0, today: false });
    expect(series[7]).toStrictEqual({ day: '2026-12-05', calls: 12, contacts: 4, sales: 1, today: true });
  });

  test('the hours shown: the working day, widened to every hour with calls', () => {
    const all = hours({ 6: 2, 22: 1 });
    const shown = hourWindow(all, (h) => h.calls > 0);
    expect(shown[0]?.hour).toBe(6);
    expect(shown.at(-1)?.hour).toBe(22);
    expect(hourWindow(hours({}), (h) => h.calls > 0).map((h) => h.hour)).toStrictEqual(
      [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
    );
    expect(hourLabel(9)).toBe('09h');
  });
});

describe('formatting', () => {
  test('rates as percentages, none as a dash', () => {
    expect(formatRate(0.1234, 'es')).toBe('12,3 %');
    expect(formatRate(0.5, 'en')).toBe('50.0 %');
    expect(formatRate(null, 'es')).toBe('—');
  });

  test('premiums per currency, each in its own form', () => {
    // Intl separates the euro sign with a no-break space.
    const plain = (s: string) => s.replace(/\u00a0/g, ' ');
    expect(plain(formatPremium({ EUR: 1240.5 }, 'es'))).toBe('1240,50 €');
    expect(plain(formatPremium({ EUR: 240, MXN: 30 }, 'en'))).toBe('€240.00 · MX$30.00');
    expect(plain(formatPremium({}, 'es'))).toBe('0,00 €');
  });
});

describe('the health check', () => {
  const base: SystemHealth = {
    checked_at: '2026-12-05T10:00:00Z',
    status: 'warning',
    workers: [
      { role: 'crm_reporting', description: null, sessions: 4, application_names: ['reporting-refresh'], last_activity_at: null, alive: true, status: 'ok' },
      { role: 'crm_lead_import', description: null, sessions: 0, application_names: [], last_activity_at: null, alive: false, status: 'warning' },
    ],
    reports: {
      last_refresh_at: '2026-12-05T09:57:30Z', status: 'ok',
      views: [
        { view_name: 'agent_daily_stats', refreshed_at: null, last_duration_ms: 5, pending_requests: 2, oldest_request_at: null, last_error: null, last_error_at: null },
        { view_name: 'hourly_stats', refreshed_at: null, last_duration_ms: 5, pending_requests: 1, oldest_request_at: null, last_error: null, last_error_at: null },
      ],
    },
    recordings: { backlog: 3, uploading: 1, oldest_pending_at: '2026-12-05T09:40:00Z', failed: 7, failed_24h: 2, status: 'warning' },
    exports: { queued: 1, running: 0, oldest_queued_at: null, failed_24h: 0, status: 'ok' },
    lead_imports: { available: false, status: 'ok' },
    account_requests: { available: true, pending: 1, oldest_pending_at: null, failed_24h: 0, status: 'ok' },
  };

  test('one line per worker role, by its plain name, then each part', () => {
    const lines = healthLines(base, Date.parse(base.checked_at));
    expect(lines.map((l) => l.key)).toStrictEqual([
      'worker-reporting', 'worker-lead_import', 'reports', 'recordings', 'exports', 'imports', 'accounts',
    ]);
    expect(lines[1]).toMatchObject({ status: 'warning', detail: 'dashboard.health.workerDown', params: { name: 'lead_import' } });
  });

  test('ages and counts against the check\'s own clock', () => {
    const lines = Object.fromEntries(healthLines(base, Date.parse(base.checked_at)).map((l) => [l.key, l]));
    expect(lines.reports?.params).toStrictEqual({ minutes: 2, pending: 3 });
    expect(lines.recordings).toMatchObject({ status: 'warning', params: { backlog: 3, failed: 2, minutes: 20 } });
  });

  test('a part not installed yet is "off", not a warning', () => {
    const lines = Object.fromEntries(healthLines(base, Date.parse(base.checked_at)).map((l) => [l.key, l]));
    expect(lines.imports).toMatchObject({ status: 'off', detail: 'dashboard.health.notInstalled' });
    expect(lines.accounts).toMatchObject({ status: 'ok', params: { pending: 1, failed: 0 } });
  });

  test('reports never refreshed say so', () => {
    const lines = healthLines({ ...base, reports: { ...base.reports, last_refresh_at: null } }, 0);
    expect(lines.find((l) => l.key === 'reports')?.detail).toBe('dashboard.health.reportsNever');
  });

  test('helpers', () => {
    expect(workerName('crm_accounts')).toBe('accounts');
    expect(ageSeconds(null, 0)).toBeNull();
    expect(ageSeconds('2026-12-05T10:00:00Z', Date.parse('2026-12-05T10:01:00Z'))).toBe(60);
  });
});

describe('premiums compare in one currency', () => {
  test('euros against euros, or against nothing, compare; euros against pesos do not', () => {
    expect(samePremiumCurrency({ EUR: 10 }, { EUR: 20 })).toBe(true);
    expect(samePremiumCurrency({ EUR: 10 }, {})).toBe(true);
    expect(samePremiumCurrency({ MXN: 100 }, { EUR: 20 })).toBe(false);
    expect(samePremiumCurrency({ EUR: 10, MXN: 5 }, { EUR: 20 })).toBe(false);
  });
});
