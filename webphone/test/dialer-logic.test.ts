// The supervisor's dialer screen without React: the words for the effective
// mode and the fallback reasons, the abandonment rates (machine false
// positives counted as abandoned live answers) against target and cap, the
// samples as points, and pushed rows applied in order.
import { describe, expect, test } from 'vitest';
import type { DialerCampaignState, DialerCompliance } from '../src/data/dialer';
import { createI18n } from '../src/app/i18n';
import {
  abandonRate, applyStateChange, complianceAxisMax, complianceBars, complianceLevel, effectiveModeKey, fallbackKey, isStale, samplePoints,
} from '../src/app/screens/supervisor/dialer-logic';

const W = (live: number, abandoned: number, machine = 0, fp = 0, rate: number | null = null) => ({
  live_answers: live, abandoned, machine, machine_false_positive_estimate: fp, rate,
});

/** The reason's key, or a failed test. */
function reasonKey(reason: string) {
  const key = fallbackKey(reason);
  if (!key) throw new Error(`no words for ${reason}`);
  return key;
}

describe('words', () => {
  test('each fallback reason in words, in both languages; none for no or an unknown reason', () => {
    const es = createI18n('es');
    const en = createI18n('en');
    expect(es.t(reasonKey('min_agents'))).toBe('En progresivo: hay menos agentes que el mínimo para predictivo.');
    expect(es.t(reasonKey('few_answers'))).toMatch(/pocas respuestas/);
    expect(es.t(reasonKey('rate_shift'))).toMatch(/cambiado de golpe/);
    expect(es.t(reasonKey('abandon_cap'))).toMatch(/tope/);
    expect(en.t(reasonKey('abandon_target'))).toBe('Progressive: abandonment reached the target.');
    expect(fallbackKey(null)).toBeNull();
    expect(fallbackKey('gremlins')).toBeNull();
  });

  test('the effective mode in words; a campaign the dialer has not seen yet says so', () => {
    const es = createI18n('es');
    expect(es.t(effectiveModeKey({ effective_mode: 'stopped_cap' }))).toBe('Detenido: tope de abandono');
    expect(es.t(effectiveModeKey({ effective_mode: 'no_agents' }))).toBe('Sin agentes listos');
    expect(effectiveModeKey(null)).toBe('dialerSup.effective.none');
    expect(effectiveModeKey({ effective_mode: 'warp' })).toBe('dialerSup.effective.none');
  });
});

describe('abandonment', () => {
  test('the RPC\'s rate when given; otherwise (abandoned + fp) / (live answers + fp); null without answers', () => {
    expect(abandonRate(W(100, 2, 10, 0.5, 0.0248))).toBe(0.0248);
    // 2 abandoned of 100 live answers, 10 machines at 5% false positives: (2 + 0.5) / (100 + 0.5).
    expect(abandonRate(W(100, 2, 10, 0.5))).toBeCloseTo(2.5 / 100.5, 10);
    expect(abandonRate(W(0, 0))).toBeNull();
    expect(abandonRate(W(0, 0, 4, 0.2))).toBe(1);
    expect(abandonRate(null)).toBeNull();
  });

  test('levels: at the cap is over it (the dialer stops there), at the target over the target', () => {
    expect(complianceLevel(null, 0.025, 0.03)).toBe('none');
    expect(complianceLevel(0.01, 0.025, 0.03)).toBe('ok');
    expect(complianceLevel(0.025, 0.025, 0.03)).toBe('over_target');
    expect(complianceLevel(0.03, 0.025, 0.03)).toBe('over_cap');
    expect(complianceLevel(0.2, 0.025, 0.03)).toBe('over_cap');
  });

  test('one bar per window in percent, the axis above the cap', () => {
    const c: DialerCompliance = {
      campaign_id: 'c-1', target: 0.025, cap: 0.03, lockout_hours: 72,
      today: W(50, 0), h24: W(100, 2, 10, 0.5), d30: W(1000, 31, 0, 0, 0.031),
    };
    const bars = complianceBars(c);
    expect(bars.map((b) => [b.window, b.percent, b.level])).toStrictEqual([
      ['today', 0, 'ok'], ['h24', 2.49, 'ok'], ['d30', 3.1, 'over_cap'],
    ]);
    expect(complianceAxisMax(c, bars)).toBe(5);
    expect(complianceAxisMax(c, bars.map((b) => ({ ...b, percent: b.window === 'today' ? 12.3 : b.percent })))).toBe(13);
  });
});

describe('samples and pushes', () => {
  test('samples as points, oldest first, rates in percent', () => {
    const points = samplePoints([
      { at: '2026-12-07T10:00:15Z', lines: 4, dial_ratio: 1.5, ready: 1, talking: 3, wrap_up: 0, live_answer_rate: 0.3, abandon_rate_24h: 0.012 },
      { at: '2026-12-07T10:00:00Z', lines: 3, dial_ratio: null, ready: 2, talking: 1, wrap_up: 1, live_answer_rate: null, abandon_rate_24h: null },
    ]);
    expect(points.map((p) => [p.lines, p.ratio, p.abandon])).toStrictEqual([[3, null, null], [4, 1.5, 1.2]]);
  });

  test('a stale state: nothing for over a minute, or never', () => {
    const now = Date.parse('2026-12-07T10:02:00Z');
    expect(isStale('2026-12-07T10:01:30Z', now)).toBe(false);
    expect(isStale('2026-12-07T10:00:30Z', now)).toBe(true);
    expect(isStale(null, now)).toBe(true);
  });

  test('a pushed row replaces the held one unless older; new campaigns are added; deletes remove', () => {
    const row = (id: string, at: string, lines: number) => ({ campaign_id: id, updated_at: at, lines_in_progress: lines }) as DialerCampaignState;
    let list = applyStateChange(undefined, row('c-1', '2026-12-07T10:00:00Z', 1), 'INSERT');
    list = applyStateChange(list, row('c-1', '2026-12-07T10:00:05Z', 4), 'UPDATE');
    list = applyStateChange(list, row('c-1', '2026-12-07T10:00:01Z', 2), 'UPDATE');
    list = applyStateChange(list, row('c-2', '2026-12-07T10:00:01Z', 7), 'UPDATE');
    expect(list.map((r) => [r.campaign_id, r.lines_in_progress])).toStrictEqual([['c-1', 4], ['c-2', 7]]);
    expect(applyStateChange(list, row('c-2', '', 0), 'DELETE').map((r) => r.campaign_id)).toStrictEqual(['c-1']);
  });
});
