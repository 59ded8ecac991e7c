// The agent's dialer mode with the real desk machine, a fake phone (the real
// call state, driven as the PBX would) and fake data: join, the nailed-up
// line answered, the screen pop, the end from the database, the wrap-up and
// back to ready on the same line; "Colgar" through dialer_hangup; pause; a
// reload's open session; a lost line rejoined; leaving.

import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createAgentDesk, type DeskApi, type Lead } from '../src/desk/agent-desk';
import { createDialerDesk, MAX_REJOINS, type DialerSessionRow, type DialerCallRow } from '../src/desk/dialer-desk';
import { createCallState, type CallSnapshot } from '../src/sip/call-state';

const LEAD: Lead = {
  id: 'lead-1', first_name: 'Ana', last_name: 'García', phone: '+34612345678', campaign_id: 'camp-1', status: 'in_call',
  campaign: { id: 'camp-1', recording_enabled: false },
};

function session(patch: Partial<DialerSessionRow> = {}): DialerSessionRow {
  return { id: 'sess-1', campaign_id: 'camp-1', status: 'requested', call_id: null, lead_id: null, end_reason: null, updated_at: '2026-12-07T10:00:00Z', ...patch };
}

function setup({ open = null as DialerSessionRow | null } = {}) {
  const log: string[] = [];
  const line = createCallState();
  const listeners = new Set<(snap: CallSnapshot) => void>();
  line.subscribe((snap) => { listeners.forEach((fn) => { fn(snap); }); });
  let answering: string | null = null;
  const phone = {
    status: { state: 'registered' },
    callSnapshot: () => line.snapshot(),
    on: (_kind: 'call', fn: (snap: CallSnapshot) => void) => { listeners.add(fn); return () => { listeners.delete(fn); }; },
    acquireMicrophone: vi.fn(() => { log.push('mic'); return Promise.resolve(); }),
    releaseMicrophone: vi.fn(),
    setDialerSession: vi.fn((id: string | null) => { answering = id; }),
    call: vi.fn(),
    hangup: vi.fn(() => { log.push('phone hangup'); if (line.can('end')) line.end({ originator: 'local' }); }),
    resetCall: () => { if (line.snapshot().finished) line.reset(); },
    setMuted: vi.fn(),
    setOnHold: vi.fn(),
    sendDtmf: vi.fn(() => true),
    /** The PBX calls with X-CRM-Dialer-Session: id; the phone answers only its session's. */
    invite(id: string): boolean {
      if (answering !== id || line.snapshot().live) return false;
      if (line.snapshot().finished) line.reset();
      line.dial(`dialer:${id}`);
      line.confirm();
      return true;
    },
    line,
  };
  let joins = 0;
  const call: DialerCallRow = {
    status: 'connected', outcome: null, started_at: '2026-12-07T10:00:00Z', answered_at: '2026-12-07T10:00:01Z',
    ended_at: null, talk_seconds: null, hangup_by: null,
  };
  const dialerApi = {
    join: vi.fn((campaignId: string) => {
      joins += 1;
      log.push(`dialer_join ${campaignId}`);
      return Promise.resolve(session({ id: `sess-${String(joins)}` }));
    }),
    leave: vi.fn(() => { log.push('dialer_leave'); return Promise.resolve(null); }),
    hangup: vi.fn((callId: string) => { log.push(`dialer_hangup ${callId}`); return Promise.resolve(); }),
    openSession: vi.fn(() => Promise.resolve(open)),
    getSession: vi.fn(() => Promise.resolve(null as DialerSessionRow | null)),
    getCall: vi.fn(() => Promise.resolve({ ...call })),
    call,
  };
  const api: DeskApi = {
    getLead: (id) => Promise.resolve(id === LEAD.id ? { ...LEAD } : null),
    nextLead: () => Promise.resolve(null),
    listLeadHistory: () => Promise.resolve([]),
    listCallsForLead: () => Promise.resolve([]),
    listSalesForLead: () => Promise.resolve([]),
    startCall: () => { log.push('start_call'); return Promise.reject(new Error('no preview calls here')); },
    markCallStatus: (id, status) => { log.push(`status ${id} ${status}`); return Promise.resolve(); },
    reportHangup: (id) => { log.push(`hangup_call ${id}`); return Promise.resolve(); },
    setRecordingConsent: () => Promise.resolve(),
    endCall: (id, args) => { log.push(`end_call ${id} ${args.disposition} ${String(args.hangupBy)}`); return Promise.resolve(); },
    createSale: () => Promise.resolve({}),
    setAgentState: (state, reason) => { log.push(`agent ${state}${reason ? ` ${reason}` : ''}`); return Promise.resolve(); },
    listMyOpenCalls: () => Promise.resolve([]),
  };
  const desk = createAgentDesk({ api, phone });
  desk.setDispositions([{ code: 'not_interested', effect: 'final' }, { code: 'sale', effect: 'sale' }]);
  const dialer = createDialerDesk({ api: dialerApi, phone, desk, rejoinDelayMs: 1000, callPollMs: 3000 });
  return { desk, dialer, phone, dialerApi, log };
}

const settle = async () => { await vi.advanceTimersByTimeAsync(0); };

beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

async function connected() {
  const view = setup();
  await view.dialer.join('camp-1');
  expect(view.dialer.state.phase).toBe('waiting');
  expect(view.phone.invite('sess-1')).toBe(true);
  expect(view.dialer.state.phase).toBe('connected');
  return view;
}

describe('dialer mode', () => {
  test('join -> nailed answered -> pop -> ended -> wrap-up -> ready, on the same line', async () => {
    const { desk, dialer, phone, log } = await connected();
    expect(log.slice(0, 3)).toStrictEqual(['agent available', 'mic', 'dialer_join camp-1']);
    expect(phone.setDialerSession).toHaveBeenLastCalledWith('sess-1');
    // Only its own session's INVITE; the line is a call the desk does not treat as a lead's.
    expect(phone.invite('sess-9')).toBe(false);
    expect(desk.state.activeCall).toBeNull();
    expect(desk.state.agent.state).toBe('available');

    dialer.onSessionRow(session({ status: 'connected', call_id: 'call-7', lead_id: LEAD.id, updated_at: '2026-12-07T10:01:00Z' }));
    await settle();
    expect(desk.state.activeCall).toMatchObject({ id: 'call-7', leadId: LEAD.id, dialer: true, phone: LEAD.phone });
    expect(desk.state.lead?.id).toBe(LEAD.id);
    expect(desk.state.agent.state).toBe('on_call');
    expect(dialer.state.callSince).not.toBeNull();
    // The same push again (Realtime and a read) pops nothing twice.
    dialer.onSessionRow(session({ status: 'connected', call_id: 'call-7', lead_id: LEAD.id, updated_at: '2026-12-07T10:01:00Z' }));
    await settle();

    // The worker: the lead hung up, the session's call cleared.
    dialer.onSessionRow(session({ status: 'connected', updated_at: '2026-12-07T10:03:00Z' }));
    await settle();
    expect(desk.state.activeCall).toBeNull();
    expect(desk.state.wrapUp).toMatchObject({ callId: 'call-7', leadId: LEAD.id, answered: true, hangupBy: 'lead' });
    expect(desk.state.agent.state).toBe('wrap_up');
    // No hang-up report of the phone's: the worker closed the row.
    expect(log.filter((l) => l.startsWith('hangup_call') || l.startsWith('status'))).toStrictEqual([]);

    await desk.submitWrapUp({ disposition: 'not_interested', notes: 'no' });
    expect(log).toContain('end_call call-7 not_interested lead');
    expect(desk.state.wrapUp).toBeNull();
    expect(desk.state.agent.state).toBe('available');
    expect(log.filter((l) => l.startsWith('agent '))).toStrictEqual(['agent available', 'agent on_call', 'agent wrap_up', 'agent available']);
    // The nailed-up line is still up, never hung up.
    expect(phone.line.snapshot()).toMatchObject({ status: 'confirmed', target: 'dialer:sess-1' });
    expect(phone.hangup).not.toHaveBeenCalled();
    expect(dialer.state.phase).toBe('connected');
  });

  test('the calls row ending is enough (the session push was missed)', async () => {
    const { desk, dialer, dialerApi } = await connected();
    dialer.onSessionRow(session({ status: 'connected', call_id: 'call-7', lead_id: LEAD.id }));
    await settle();
    dialerApi.call.status = 'ended';
    dialerApi.call.ended_at = '2026-12-07T10:02:01Z';
    dialerApi.call.talk_seconds = 60;
    await vi.advanceTimersByTimeAsync(3000);
    expect(desk.state.wrapUp).toMatchObject({ callId: 'call-7', talkSeconds: 60 });
  });

  test('"Colgar" on a dialer call is rpc/dialer_hangup, never the line; the wrap-up says the agent hung up', async () => {
    const { desk, dialer, phone, log } = await connected();
    dialer.onSessionRow(session({ status: 'connected', call_id: 'call-7', lead_id: LEAD.id }));
    await settle();
    desk.hangup();
    await settle();
    expect(log).toContain('dialer_hangup call-7');
    expect(phone.hangup).not.toHaveBeenCalled();
    dialer.onSessionRow(session({ status: 'connected', updated_at: '2026-12-07T10:05:00Z' }));
    await settle();
    expect(desk.state.wrapUp).toMatchObject({ callId: 'call-7', hangupBy: 'agent' });
    // With no call, the shortcut leaves the line alone.
    desk.hangup();
    expect(phone.hangup).not.toHaveBeenCalled();
  });

  test('no preview call in dialer mode: no call row, the line untouched', async () => {
    const { desk, dialer, log } = await connected();
    dialer.onSessionRow(session({ status: 'connected', call_id: 'call-7', lead_id: LEAD.id }));
    await settle();
    dialer.onSessionRow(session({ status: 'connected', updated_at: '2026-12-07T10:05:00Z' }));
    await settle();
    await desk.submitWrapUp({ disposition: 'not_interested' });
    const before = log.length;
    await expect(desk.call()).rejects.toMatchObject({ code: 'not_available' });
    expect(log.slice(before)).toStrictEqual([]);
    expect(log).not.toContain('start_call');
  });

  test('pause works as today: the state is published, the line stays up', async () => {
    const { desk, dialer, phone, log } = await connected();
    desk.pause('break');
    expect(desk.state.agent.state).toBe('paused');
    expect(log).toContain('agent paused break');
    desk.resume();
    expect(log.at(-1)).toBe('agent available');
    expect(phone.line.snapshot().status).toBe('confirmed');
    expect(dialer.state.phase).toBe('connected');
    // A pause asked for during a dialer call starts after its wrap-up.
    dialer.onSessionRow(session({ status: 'connected', call_id: 'call-8', lead_id: LEAD.id }));
    await settle();
    desk.pause('lunch');
    dialer.onSessionRow(session({ status: 'connected', updated_at: '2026-12-07T10:09:00Z' }));
    await settle();
    await desk.submitWrapUp({ disposition: 'not_interested' });
    expect(desk.state.agent).toMatchObject({ state: 'paused', reason: 'lunch' });
  });

  test('leaving: dialer_leave and the line hung up; not during a call', async () => {
    const { desk, dialer, phone, log } = await connected();
    dialer.onSessionRow(session({ status: 'connected', call_id: 'call-7', lead_id: LEAD.id }));
    await settle();
    await expect(dialer.leave()).rejects.toMatchObject({ code: 'finish_call_first' });
    dialer.onSessionRow(session({ status: 'connected', updated_at: '2026-12-07T10:05:00Z' }));
    await settle();
    await desk.submitWrapUp({ disposition: 'not_interested' });
    await dialer.leave();
    expect(log.slice(-2)).toStrictEqual(['dialer_leave', 'phone hangup']);
    expect(phone.setDialerSession).toHaveBeenLastCalledWith(null);
    expect(dialer.state).toMatchObject({ phase: 'off', session: null });
    // Its end pushed afterwards changes nothing; no rejoin.
    dialer.onSessionRow(session({ status: 'ended', end_reason: 'agent_left' }));
    await vi.advanceTimersByTimeAsync(5000);
    expect(log.filter((l) => l.startsWith('dialer_join'))).toHaveLength(1);
  });

  test('a refused join (no extension) says why and leaves no session', async () => {
    const view = setup();
    view.dialerApi.join.mockRejectedValueOnce(Object.assign(new Error('p_campaign_id: no sip_extension'), { code: '22023' }));
    await expect(view.dialer.join('camp-1')).rejects.toMatchObject({ code: '22023' });
    expect(view.dialer.state).toMatchObject({ phase: 'off', session: null, error: { code: '22023' } });
    expect(view.phone.releaseMicrophone).toHaveBeenCalled();
  });
});

describe('robustness', () => {
  test('a reload with a connected session: the lead\'s leg is hung up, the session left and joined again', async () => {
    const view = setup({ open: session({ id: 'old', status: 'connected', call_id: 'call-3', lead_id: LEAD.id }) });
    await view.dialer.start('camp-1');
    expect(view.log).toStrictEqual(['agent available', 'dialer_hangup call-3', 'dialer_leave', 'dialer_join camp-1']);
    expect(view.dialer.state).toMatchObject({ phase: 'waiting', session: { id: 'sess-1' } });
    expect(view.phone.invite('sess-1')).toBe(true);
    expect(view.dialer.state.phase).toBe('connected');
  });

  test('a reload with a session still requested keeps it: the PBX\'s call comes to this page', async () => {
    const view = setup({ open: session({ id: 'sess-1', status: 'requested' }) });
    await view.dialer.start('camp-1');
    expect(view.dialerApi.join).not.toHaveBeenCalled();
    expect(view.phone.invite('sess-1')).toBe(true);
    expect(view.dialer.state.phase).toBe('connected');
  });

  test('a session of another campaign is not taken', async () => {
    const view = setup({ open: session({ campaign_id: 'camp-2', status: 'connected' }) });
    await view.dialer.start('camp-1');
    expect(view.dialer.state.phase).toBe('off');
    expect(view.dialerApi.leave).not.toHaveBeenCalled();
  });

  test('a line lost under a call: the lead is hung up, the call wrapped up, a new session joined', async () => {
    const { desk, dialer, phone, log } = await connected();
    dialer.onSessionRow(session({ status: 'connected', call_id: 'call-7', lead_id: LEAD.id }));
    await settle();
    phone.line.end({ originator: 'remote' });
    await settle();
    expect(log).toContain('dialer_hangup call-7');
    expect(desk.state.wrapUp).toMatchObject({ callId: 'call-7', hangupBy: 'system' });
    expect(dialer.state.lost).toBe('line_lost');
    await vi.advanceTimersByTimeAsync(1000);
    expect(log.filter((l) => l.startsWith('dialer_'))).toStrictEqual(['dialer_join camp-1', 'dialer_hangup call-7', 'dialer_leave', 'dialer_join camp-1']);
    expect(phone.invite('sess-2')).toBe(true);
    expect(dialer.state.phase).toBe('connected');
  });

  test('the line hung up and then its session ended are one loss: one rejoin, after the first delay', async () => {
    const { dialer, phone, dialerApi } = await connected();
    phone.line.end({ originator: 'remote' });
    dialer.onSessionRow(session({ status: 'ended', end_reason: 'hangup', updated_at: '2026-12-07T11:00:00Z' }));
    expect(dialer.state.lost).toBe('hangup');
    await vi.advanceTimersByTimeAsync(1000);
    expect(dialerApi.join).toHaveBeenCalledTimes(2);
    expect(phone.invite('sess-2')).toBe(true);
    expect(dialer.state.phase).toBe('connected');
  });

  test('a session ended by the PBX is rejoined, at most MAX_REJOINS times without a line', async () => {
    const { dialer, dialerApi } = await connected();
    dialer.onSessionRow(session({ status: 'ended', end_reason: 'channel_hangup', updated_at: '2026-12-07T11:00:00Z' }));
    expect(dialer.state).toMatchObject({ phase: 'off', lost: 'channel_hangup' });
    for (let i = 2; i <= MAX_REJOINS + 1; i += 1) {
      // Waiting longer each time: 1 s, 2 s, 4 s.
      await vi.advanceTimersByTimeAsync(999 * 2 ** (i - 2));
      expect(dialer.state.session?.id).not.toBe(`sess-${String(i)}`);
      await vi.advanceTimersByTimeAsync(2 ** (i - 2));
      expect(dialer.state.session?.id).toBe(`sess-${String(i)}`);
      dialer.onSessionRow(session({ id: `sess-${String(i)}`, status: 'ended', end_reason: 'no_answer', updated_at: '2026-12-07T11:00:00Z' }));
    }
    await vi.advanceTimersByTimeAsync(60_000);
    expect(dialerApi.join).toHaveBeenCalledTimes(MAX_REJOINS + 1);
    expect(dialer.state).toMatchObject({ phase: 'off', error: { code: 'dialer_lost' } });
  });

  test('dispose (leaving the desk): dialer_leave, the line hung up, the desk\'s hang-up back to the phone', async () => {
    const { desk, dialer, log } = await connected();
    dialer.dispose();
    await settle();
    expect(log.slice(-2)).toStrictEqual(['dialer_leave', 'phone hangup']);
    desk.hangup();
    expect(log.at(-1)).toBe('phone hangup');
  });
});
