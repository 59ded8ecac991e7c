// The plain logic inside two screens: the live floor's states and the
// reports' reading of whatever columns a report RPC answers.

import { describe, expect, test } from 'vitest';
import { deriveFloor } from '../src/ui/supervisor/floor.js';
import { describeColumns } from '../src/ui/supervisor/reports.js';

const agents = [{ id: 'a1', full_name: 'Ana' }, { id: 'a2', full_name: 'Bea' }, { id: 'a3', full_name: 'Carlos' }];
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
    expect(ana.state).toBe('on_call');
    expect(ana.openCall.id).toBe('c1');
    expect(ana.callSeconds, 'talk time counts from the answer').toBe(60);
    expect(ana.callsToday).toBe(2);
    expect(ana.talkToday).toBe(120);
    expect(ana.salesToday, 'cancelled sales do not count').toBe(1);
    expect(ana.premiumToday).toBe(20.5);
    expect(bea.state).toBe('wrap_up');
    expect(bea.openCall).toBe(null);
    expect(carlos.state).toBe('unknown');
    expect(carlos.since).toBe(null);
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
    expect(rows[2].state).toBe('paused');
    expect(rows[2].reason).toBe('lunch');
    expect(rows[2].since).toBe(Date.parse('2026-11-24T11:30:00Z'));
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
});
