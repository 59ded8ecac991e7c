// The plain logic inside the supervisor's screens: the live floor's states,
// the reports' reading of whatever columns a report RPC answers (and their
// cells as text, never raw JSON), and the recordings screen's access log
// reasons and day ranges.

import { describe, expect, test } from 'vitest';
import { compareFloorRows, countStates, deriveFloor } from '../src/app/screens/supervisor/floor-logic';
import { accessReasonKey, dayRange } from '../src/app/recordings-logic';
import { describeColumns, formatCell, productBreakdown, tableColumns } from '../src/app/screens/supervisor/report-columns';
import { createI18n } from '../src/app/i18n';

const agents = [
  { id: 'a1', email: 'ana@x', full_name: 'Ana' }, { id: 'a2', email: 'bea@x', full_name: 'Bea' }, { id: 'a3', email: 'c@x', full_name: 'Carlos' },
];
const NOW = Date.parse('2026-11-24T12:00:00Z');

describe('live floor', () => {
  test('without published states: on a call, in wrap-up, or unknown', () => {
    const rows = deriveFloor({
      agents,
      states: null,
      openCalls: [
        { id: 'c1', agent_id: 'a1', status: 'confirmed', started_at: '2026-11-24T11:58:00Z', answered_at: '2026-11-24T11:59:00Z' },
        { id: 'c2', agent_id: 'a2', status: 'ended', started_at: '2026-11-24T11:50:00Z', ended_at: '2026-11-24T11:55:00Z' },
      ],
      calls: [
        { agent_id: 'a1', talk_seconds: 120 }, { agent_id: 'a1', talk_seconds: null }, { agent_id: 'a2', talk_seconds: 30 },
      ],
      sales: [
        { agent_id: 'a1', status: 'pending', premium: '20.50', currency: 'EUR' },
        { agent_id: 'a1', status: 'cancelled', premium: '99', currency: 'EUR' },
      ],
      now: NOW,
    });
    const [ana, bea, carlos] = rows;
    expect(ana?.state).toBe('on_call');
    expect(ana?.openCall?.id).toBe('c1');
    expect(ana?.callSeconds, 'talk time counts from the answer').toBe(60);
    expect(ana?.callsToday).toBe(2);
    expect(ana?.talkToday).toBe(120);
    expect(ana?.salesToday, 'cancelled sales do not count').toBe(1);
    expect(ana?.premiumToday).toBe(20.5);
    expect(bea?.state).toBe('wrap_up');
    expect(bea?.openCall).toBe(null);
    expect(bea?.since).toBe(Date.parse('2026-11-24T11:55:00Z'));
    expect(carlos?.state).toBe('unknown');
    expect(carlos?.since).toBe(null);
  });

  test('published states win, with their reason', () => {
    const rows = deriveFloor({
      agents,
      states: [{ agent_id: 'a3', state: 'paused', reason: 'lunch', since: '2026-11-24T11:30:00Z' }],
      openCalls: [],
      calls: [],
      sales: [],
      now: NOW,
    });
    expect(rows[2]?.state).toBe('paused');
    expect(rows[2]?.reason).toBe('lunch');
    expect(rows[2]?.since).toBe(Date.parse('2026-11-24T11:30:00Z'));
  });

  test('on a call first, then wrap-up, available, paused; by name within a state; counted by state', () => {
    const rows = deriveFloor({
      agents: [...agents, { id: 'a4', email: 'd@x', full_name: 'Aaron' }],
      states: [
        { agent_id: 'a1', state: 'paused', reason: null, since: null },
        { agent_id: 'a2', state: 'available', reason: null, since: null },
        { agent_id: 'a3', state: 'on_call', reason: null, since: null },
        { agent_id: 'a4', state: 'available', reason: null, since: null },
      ],
      openCalls: [], calls: [], sales: [], now: NOW,
    });
    expect([...rows].sort(compareFloorRows).map((r) => r.agent.full_name)).toStrictEqual(['Carlos', 'Aaron', 'Bea', 'Ana']);
    expect(countStates(rows)).toStrictEqual({ paused: 1, available: 2, on_call: 1 });
  });
});

describe('report columns', () => {
  test('a label column and the numeric ones, ids left out', () => {
    const cols = describeColumns([
      { agent_id: 'x', agent_name: 'Ana', calls: 10, conversion_rate: '0.12', day: '2026-11-24' },
      { agent_id: 'y', agent_name: 'Bea', calls: 7, conversion_rate: null, day: '2026-11-24' },
    ]);
    expect(cols.label).toBe('agent_name');
    expect(cols.numeric).toStrictEqual(['calls', 'conversion_rate']);
    expect(cols.all).toStrictEqual(['agent_name', 'calls', 'conversion_rate', 'day']);
  });

  test('no rows, no columns', () => {
    expect(describeColumns([])).toStrictEqual({ label: null, numeric: [], all: [] });
  });

  test('tables leave the refresh stamp out', () => {
    expect(tableColumns([{ campaign_id: 'x', campaign_name: 'A', calls: 1, refreshed_at: '2026-11-24T10:00:00Z' }]))
      .toStrictEqual(['campaign_name', 'calls']);
  });
});

describe('report cells', () => {
  const es = createI18n('es');
  const en = createI18n('en');
  const byProduct = [
    { product_id: 'p1', product_code: 'VIDA', product_name: 'Vida Plus', status: 'pending', currency: 'EUR', sales: 1, premium: 20 },
    { product_id: 'p1', product_code: 'VIDA', product_name: 'Vida Plus', status: 'validated', currency: 'EUR', sales: 2, premium: 40 },
    { product_id: 'p2', product_code: 'HOGAR', product_name: 'Hogar', status: 'validated', currency: 'EUR', sales: 1, premium: 9.5 },
  ];

  test('sales by product read as a breakdown, not JSON', () => {
    expect(productBreakdown(es, byProduct)).toStrictEqual(['Vida Plus: 1 Pendiente, 2 Validada', 'Hogar: 1 Validada']);
    const text = formatCell(en, 'sales_by_product', byProduct);
    expect(text).toBe('Vida Plus: 1 Pending, 2 Validated; Hogar: 1 Validated');
    expect(text).not.toMatch(/[{}[\]"]/);
    expect(formatCell(es, 'sales_by_product', [])).toBe('—');
  });

  test('premiums per currency as money', () => {
    expect(formatCell(en, 'validated_premium', { EUR: 120.5, MXN: 1000 })).toMatch(/€.*·.*MX\$|€120\.50 · MX\$1,000\.00/);
    expect(formatCell(es, 'validated_premium', {})).toBe('—');
  });

  test('durations, rates, hours and counts', () => {
    expect(formatCell(es, 'talk_seconds', 125)).toBe('02:05');
    expect(formatCell(es, 'conversion_rate', 0.125)).toBe('12,5 %');
    expect(formatCell(es, 'hour', 9)).toBe('09:00');
    expect(formatCell(en, 'calls', 1234)).toBe('1,234');
    expect(formatCell(es, 'calls', null)).toBe('—');
  });
});

describe('recordings screen', () => {
  test('access log reasons and day ranges', () => {
    expect(accessReasonKey('42501')).toBe('recording.error.forbidden');
    expect(accessReasonKey('PT404')).toBe('accessLog.reason.PT404');
    expect(accessReasonKey('22023')).toBe('recording.error.invalid');
    expect(accessReasonKey('XX000')).toBe(null);
    expect(accessReasonKey(null)).toBe(null);
    const { from, to } = dayRange('2026-11-24');
    expect(new Date(to).getTime() - new Date(from).getTime()).toBe(24 * 3600_000);
    expect(new Date(from).getDate()).toBe(24);
  });
});
