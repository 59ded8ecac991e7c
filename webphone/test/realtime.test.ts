// The pure side of Realtime: payloads as the database broadcasts them,
// applied to the floor's cached snapshot, the desk's notices, and the
// export row followed by postgres_changes.
import { describe, expect, test } from 'vitest';
import { asAgentEvent, asRowChange, agentTopic, floorTopic, presenceTopic } from '../src/data/realtime';
import { deskNotice } from '../src/desk/agent-notices';
import { combineStatus } from '../src/app/realtime';
import { applyFloorChange, deriveFloor, FLOOR_STATES, type FloorSnapshot } from '../src/app/screens/supervisor/floor-logic';
import { applyExportUpdate, isExportFinished } from '../src/app/screens/supervisor/export-logic';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const WINDOW = { openSince: '2026-11-24T00:00:00Z', todaySince: '2026-11-24T00:00:00Z' };

function snapshot(): FloorSnapshot {
  return {
    agents: [{ id: 'ag-1', email: 'a@x', full_name: 'Ana' }, { id: 'ag-2', email: 'b@x', full_name: 'Blas' }],
    states: [{ agent_id: 'ag-1', state: 'available', reason: null, since: '2026-11-24T11:00:00Z', updated_at: '2026-11-24T11:00:00Z' }],
    openCalls: [{
      id: 'c-1', agent_id: 'ag-2', status: 'confirmed', started_at: '2026-11-24T11:58:00Z', updated_at: '2026-11-24T11:58:10Z',
      lead: { first_name: 'Marta', last_name: 'Sanz' },
    }],
    calls: [{ id: 'c-1', agent_id: 'ag-2', talk_seconds: null, started_at: '2026-11-24T11:58:00Z', updated_at: '2026-11-24T11:58:10Z' }],
    sales: [],
    at: NOW - 60_000,
  };
}

const state = (operation: 'INSERT' | 'UPDATE' | 'DELETE', record: Record<string, unknown> | null, old: Record<string, unknown> | null = null) =>
  ({ table: 'agent_states', operation, record, old_record: old });
const call = (operation: 'INSERT' | 'UPDATE' | 'DELETE', record: Record<string, unknown> | null, old: Record<string, unknown> | null = null) =>
  ({ table: 'calls', operation, record, old_record: old });

describe('topics and payloads', () => {
  test('the contract\'s topics', () => {
    expect([floorTopic('c1'), presenceTopic('c1'), agentTopic('u1')]).toStrictEqual(['floor:c1', 'presence:c1', 'agent:u1']);
  });

  test('a broadcast_changes payload is a row change; anything else is not', () => {
    const payload = { schema: 'public', table: 'calls', operation: 'DELETE', record: null, old_record: { id: 'c-1' } };
    expect(asRowChange(payload)).toStrictEqual({ ...payload });
    expect(asRowChange({ ...payload, operation: 'TRUNCATE' })).toBeNull();
    expect(asRowChange({ ...payload, old_record: {} })).toBeNull();
    expect(asRowChange('x')).toBeNull();
    // An INSERT's empty old record is none.
    expect(asRowChange({ schema: 'public', table: 'calls', operation: 'INSERT', record: { id: 'c' }, old_record: {} })?.old_record).toBeNull();
  });

  test('agent events: lead_assigned and sale_decided, refused when malformed', () => {
    expect(asAgentEvent('lead_assigned', { lead_id: 'l-1', campaign_id: 'c-1', assigned_by: 's-1' }))
      .toStrictEqual({ event: 'lead_assigned', lead_id: 'l-1', campaign_id: 'c-1', assigned_by: 's-1' });
    expect(asAgentEvent('sale_decided', { sale_id: 's-9', lead_id: 'l-1', status: 'rejected', reason: 'Sin firma' }))
      .toStrictEqual({ event: 'sale_decided', sale_id: 's-9', lead_id: 'l-1', status: 'rejected', reason: 'Sin firma' });
    expect(asAgentEvent('sale_decided', { sale_id: 's-9', status: 'pending' })).toBeNull();
    expect(asAgentEvent('lead_assigned', { campaign_id: 'c-1' })).toBeNull();
    expect(asAgentEvent('other', { lead_id: 'l-1' })).toBeNull();
  });

  test('channels together: off without any, live only when all are', () => {
    expect(combineStatus([])).toBe('off');
    expect(combineStatus(['off', 'live'])).toBe('live');
    expect(combineStatus(['live', 'connecting'])).toBe('connecting');
    expect(combineStatus(['connecting', 'reconnecting', 'live'])).toBe('reconnecting');
  });
});

describe('floor pushes applied to the cached snapshot', () => {
  test('an agent goes offline (the presence worker\'s state), then is removed', () => {
    const snap = snapshot();
    const next = applyFloorChange(snap, state('UPDATE', {
      agent_id: 'ag-1', state: 'offline', reason: 'disconnected', since: '2026-11-24T11:59:00Z', updated_at: '2026-11-24T11:59:00Z',
    }), WINDOW, NOW);
    expect(next).not.toBe(snap);
    expect(next.at).toBe(NOW);
    expect(snap.states[0]?.state).toBe('available');
    const rows = deriveFloor({ ...next, now: NOW });
    expect(rows.map((r) => [r.agent.id, r.state, r.reason])).toStrictEqual([['ag-1', 'offline', 'disconnected'], ['ag-2', 'on_call', null]]);
    expect(FLOOR_STATES).toContain('offline');
    const gone = applyFloorChange(next, state('DELETE', null, { agent_id: 'ag-1' }), WINDOW, NOW);
    expect(gone.states).toStrictEqual([]);
  });

  test('an older push than the row held changes nothing (the same snapshot)', () => {
    const snap = snapshot();
    const stale = applyFloorChange(snap, state('UPDATE', { agent_id: 'ag-1', state: 'paused', reason: 'lunch', since: null, updated_at: '2026-11-24T10:00:00Z' }), WINDOW, NOW);
    expect(stale).toBe(snap);
    const staleCall = applyFloorChange(snap, call('UPDATE', { id: 'c-1', agent_id: 'ag-2', status: 'ringing', started_at: '2026-11-24T11:58:00Z', updated_at: '2026-11-24T11:58:05Z' }), WINDOW, NOW);
    expect(staleCall).toBe(snap);
  });

  test('a new call puts its agent on a call and counts for the day; the held lead stays on updates', () => {
    const snap = snapshot();
    const started = applyFloorChange(snap, call('INSERT', {
      id: 'c-2', agent_id: 'ag-1', campaign_id: 'k', status: 'dialing', started_at: '2026-11-24T11:59:30Z', wrapped_up_at: null, talk_seconds: null, updated_at: '2026-11-24T11:59:30Z',
    }), WINDOW, NOW);
    expect(started.openCalls.map((c) => c.id)).toStrictEqual(['c-2', 'c-1']);
    expect(started.calls.map((c) => c.id)).toStrictEqual(['c-1', 'c-2']);
    // Ana's published state says available; no published state would make her on_call:
    const unpublished = applyFloorChange(started, state('DELETE', null, { agent_id: 'ag-1' }), WINDOW, NOW);
    expect(deriveFloor({ ...unpublished, now: NOW }).find((r) => r.agent.id === 'ag-1')?.state).toBe('on_call');

    const answered = applyFloorChange(snap, call('UPDATE', {
      id: 'c-1', agent_id: 'ag-2', status: 'ended', started_at: '2026-11-24T11:58:00Z', wrapped_up_at: null, talk_seconds: 42, updated_at: '2026-11-24T11:59:50Z',
    }), WINDOW, NOW);
    expect(answered.openCalls[0]?.lead).toStrictEqual({ first_name: 'Marta', last_name: 'Sanz' });
    expect(answered.calls[0]?.talk_seconds).toBe(42);
    expect(deriveFloor({ ...answered, now: NOW }).find((r) => r.agent.id === 'ag-2')?.state).toBe('wrap_up');
  });

  test('a wrapped-up call leaves the open calls but stays in the day\'s tallies; a deleted one leaves both', () => {
    const snap = snapshot();
    const wrapped = applyFloorChange(snap, call('UPDATE', {
      id: 'c-1', agent_id: 'ag-2', status: 'ended', started_at: '2026-11-24T11:58:00Z', wrapped_up_at: '2026-11-24T11:59:59Z', talk_seconds: 42, updated_at: '2026-11-24T11:59:59Z',
    }), WINDOW, NOW);
    expect(wrapped.openCalls).toStrictEqual([]);
    expect(wrapped.calls.map((c) => [c.id, c.talk_seconds])).toStrictEqual([['c-1', 42]]);
    const deleted = applyFloorChange(snap, call('DELETE', null, { id: 'c-1' }), WINDOW, NOW);
    expect([deleted.openCalls, deleted.calls]).toStrictEqual([[], []]);
  });

  test('a call from before the window is not on the floor nor in today\'s tallies', () => {
    const old = applyFloorChange(snapshot(), call('UPDATE', {
      id: 'c-0', agent_id: 'ag-1', status: 'confirmed', started_at: '2026-11-23T20:00:00Z', wrapped_up_at: null, updated_at: '2026-11-24T11:00:00Z',
    }), WINDOW, NOW);
    expect(old.openCalls.map((c) => c.id)).toStrictEqual(['c-1']);
    expect(old.calls.map((c) => c.id)).toStrictEqual(['c-1']);
  });

  test('other tables are ignored', () => {
    const snap = snapshot();
    expect(applyFloorChange(snap, { table: 'leads', operation: 'UPDATE', record: { id: 'x' }, old_record: null }, WINDOW, NOW)).toBe(snap);
  });
});

describe('desk notices', () => {
  test('a lead assigned: named when known, the own leads read again', () => {
    const event = { event: 'lead_assigned', lead_id: 'l-1', campaign_id: 'c-1', assigned_by: 's-1' } as const;
    expect(deskNotice(event, 'Marta Sanz')).toStrictEqual({
      key: 'desk.notice.leadAssigned', values: { name: 'Marta Sanz' }, level: 'info', lists: ['myLeads', 'callbacks'], leadId: 'l-1',
    });
    expect(deskNotice(event, null).key).toBe('desk.notice.leadAssignedNoName');
  });

  test('a sale decided: validated, or rejected with its reason', () => {
    const validated = deskNotice({ event: 'sale_decided', sale_id: 's', lead_id: 'l-2', status: 'validated', reason: null }, 'Jorge');
    expect([validated.key, validated.level, validated.leadId]).toStrictEqual(['desk.notice.saleValidated', 'success', 'l-2']);
    const rejected = deskNotice({ event: 'sale_decided', sale_id: 's', lead_id: null, status: 'rejected', reason: 'Falta la firma' }, null);
    expect(rejected).toMatchObject({ key: 'desk.notice.saleRejectedNoName', values: { reason: 'Falta la firma' }, level: 'warning' });
  });
});

describe('export followed by postgres_changes', () => {
  const held = { id: 'ex-1', status: 'running', rows_done: 1, signed_url: null as string | null, updated_at: '2026-11-24T10:00:01Z' };

  test('a newer push of the same row is applied (only the held columns)', () => {
    const next = applyExportUpdate(held, { id: 'ex-1', status: 'done', rows_done: 5, signed_url: 'https://s/x', storage_path: 'p', updated_at: '2026-11-24T10:00:05Z' });
    expect(next).toStrictEqual({ id: 'ex-1', status: 'done', rows_done: 5, signed_url: 'https://s/x', updated_at: '2026-11-24T10:00:05Z' });
    expect(isExportFinished(next?.status)).toBe(true);
  });

  test('another row, an older push, or reopening a final row change nothing', () => {
    expect(applyExportUpdate(held, { id: 'ex-2', status: 'done' })).toBe(held);
    expect(applyExportUpdate(held, { id: 'ex-1', status: 'queued', updated_at: '2026-11-24T10:00:00Z' })).toBe(held);
    const done = { ...held, status: 'done' };
    expect(applyExportUpdate(done, { id: 'ex-1', status: 'running' })).toBe(done);
    expect(applyExportUpdate(null, { id: 'ex-1', status: 'done' })).toBeNull();
    expect(['queued', 'running', 'done', 'failed', null].map(isExportFinished)).toStrictEqual([false, false, true, true, false]);
  });
});
