// The supervisor's dialer screen without React: the words for the dialer's
// effective mode and why it fell back, the abandonment rates against target
// and cap, the samples as chart points, and pushed state rows applied.

import type { ComplianceWindow, DialerCampaignState, DialerCompliance, DialerSample } from '../../../data/dialer';

export const DIALER_MODES = ['preview', 'progressive', 'predictive'] as const;
export type DialerMode = (typeof DIALER_MODES)[number];

const EFFECTIVE = ['off', 'progressive', 'predictive', 'paused', 'stopped_cap', 'no_agents'] as const;
type Effective = (typeof EFFECTIVE)[number];
const REASONS = ['min_agents', 'few_answers', 'rate_shift', 'abandon_cap', 'abandon_target'] as const;
type Reason = (typeof REASONS)[number];

/** The words for what the dialer is doing (none: it has not written a state for the campaign yet). */
export function effectiveModeKey(state: Pick<DialerCampaignState, 'effective_mode'> | null | undefined): `dialerSup.effective.${Effective | 'none'}` {
  const mode = state?.effective_mode;
  return `dialerSup.effective.${(EFFECTIVE as readonly (string | null | undefined)[]).includes(mode) ? mode as Effective : 'none'}`;
}

/** The words for why a predictive campaign runs progressive (null: it did not fall back, or an unknown reason). */
export function fallbackKey(reason: string | null | undefined): `dialerSup.reason.${Reason}` | null {
  return (REASONS as readonly (string | null | undefined)[]).includes(reason) ? `dialerSup.reason.${reason as Reason}` : null;
}

/**
 * Abandoned over live answers, with the answering machine's false positives
 * counted as abandoned live answers (Ofcom): the RPC's rate, or the same sum
 * when it did not give one. Null without answers.
 */
export function abandonRate(w: ComplianceWindow | null | undefined): number | null {
  if (!w) return null;
  if (typeof w.rate === 'number') return w.rate;
  const fp = w.machine_false_positive_estimate;
  const answers = w.live_answers + fp;
  return answers > 0 ? (w.abandoned + fp) / answers : null;
}

export type ComplianceLevel = 'none' | 'ok' | 'over_target' | 'over_cap';

/** Where a rate stands: at or over the cap (the dialer stops), at or over the target, below, or no answers yet. */
export function complianceLevel(rate: number | null, target: number, cap: number): ComplianceLevel {
  if (rate === null) return 'none';
  if (rate >= cap) return 'over_cap';
  if (rate >= target) return 'over_target';
  return 'ok';
}

export const WINDOWS = ['today', 'h24', 'd30'] as const;
export type ComplianceWindowKey = (typeof WINDOWS)[number];

export interface ComplianceBar {
  window: ComplianceWindowKey;
  /** Percent (0..100), 0 for a window without answers (drawn empty). */
  percent: number;
  rate: number | null;
  level: ComplianceLevel;
  w: ComplianceWindow;
}

/** One bar per window, in percent, with its level against target and cap. */
export function complianceBars(c: DialerCompliance): ComplianceBar[] {
  return WINDOWS.map((key) => {
    const rate = abandonRate(c[key]);
    return { window: key, rate, percent: rate === null ? 0 : round(rate * 100, 2), level: complianceLevel(rate, c.target, c.cap), w: c[key] };
  });
}

/** The top of the compliance chart's axis: the cap with room above, or the highest bar. */
export function complianceAxisMax(c: DialerCompliance, bars: readonly ComplianceBar[]): number {
  const top = Math.max(c.cap * 100 * 1.5, ...bars.map((b) => b.percent));
  return Math.ceil(top);
}

export interface SamplePoint {
  at: number;
  lines: number;
  ratio: number | null;
  /** Percent. */
  abandon: number | null;
  ready: number;
  talking: number;
}

/** dialer_samples as chart points (time in ms, rates in percent), oldest first. */
export function samplePoints(samples: readonly DialerSample[]): SamplePoint[] {
  return samples
    .map((s) => ({
      at: Date.parse(s.at),
      lines: s.lines,
      ratio: s.dial_ratio,
      abandon: s.abandon_rate_24h === null ? null : round(s.abandon_rate_24h * 100, 2),
      ready: s.ready,
      talking: s.talking,
    }))
    .filter((p) => Number.isFinite(p.at))
    .sort((a, b) => a.at - b.at);
}

/** Whether the dialer has not written the campaign's state for a while (a stopped worker). */
export function isStale(updatedAt: string | null | undefined, now: number, maxAgeMs = 60_000): boolean {
  if (!updatedAt) return true;
  return now - Date.parse(updatedAt) > maxAgeMs;
}

/** A pushed dialer_campaign_state row applied to the list (an older updated_at than held is ignored). */
export function applyStateChange(
  list: readonly DialerCampaignState[] | undefined, row: DialerCampaignState, event: 'INSERT' | 'UPDATE' | 'DELETE',
): DialerCampaignState[] {
  const rows = [...(list ?? [])];
  const i = rows.findIndex((r) => r.campaign_id === row.campaign_id);
  if (event === 'DELETE') return i < 0 ? rows : rows.filter((_, j) => j !== i);
  if (i < 0) return [...rows, row];
  const held = rows[i];
  if (held?.updated_at && row.updated_at && Date.parse(row.updated_at) < Date.parse(held.updated_at)) return rows;
  rows[i] = { ...held, ...row };
  return rows;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
