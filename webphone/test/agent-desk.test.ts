// The desk's call flow with a fake phone and fake data: the order of
// microphone, start_call and INVITE; SIP events written to the call row; the
// wrap-up's required fields; end_call's arguments.

import { describe, expect, test } from 'vitest';
import {
  createAgentDesk, DeskError, type DeskApi, type DeskPhone, type Lead, type OpenCall,
} from '../src/desk/agent-desk';
import { createCallState, Cause, type CallSnapshot } from '../src/sip/call-state';

const LEAD: Lead = {
  id: 'lead-1', first_name: 'Ana', last_name: 'García', phone: '+34612345678', alternate_phones: ['+34912345678'],
  campaign_id: 'camp-1', time_zone: 'Europe/Madrid', status: 'new',
  campaign: { id: 'camp-1', recording_enabled: true, allowed_dispositions: ['busy', 'callback', 'sale', 'no_answer'] },
};
const DISPOSITIONS = [
  { code: 'busy', effect: 'retry' },
  { code: 'no_answer', effect: 'retry' },
  { code: 'callback', effect: 'callback' },
  { code: 'sale', effect: 'sale' },
];

interface SetupOptions {
  micError?: Error | null;
  startError?: Error | null;
  openCalls?: OpenCall[];
  lead?: Lead;
  startRow?: { recording_status?: string | null };
}

function setup({ micError = null, startError = null, openCalls = [], lead = LEAD, startRow = {} }: SetupOptions = {}) {
  let t = 1_000_000;
  const now = Object.assign(() => t, { advance: (ms: number) => { t += ms; } });
  const log: string[] = [];
  const callState = createCallState({ now });
  const listeners = new Set<(snap: CallSnapshot) => void>();
  callState.subscribe((snap) => { listeners.forEach((fn) => { fn(snap); }); });
  // The fake phone: the real call state machine, driven by the test through `sip`.
  const phone = {
    status: { state: 'registered' },
    callSnapshot: () => callState.snapshot(),
    on: (kind: string, fn: (snap: CallSnapshot) => void) => {
      if (kind === 'call') listeners.add(fn);
      return () => listeners.delete(fn);
    },
    async acquireMicrophone() {
      log.push('mic');
      if (micError) throw micError;
      await Promise.resolve();
    },
    releaseMicrophone: () => { log.push('mic released'); },
    call(number: string, { crmCallId, record }: { crmCallId: string; record: string }) {
      log.push(`invite ${number} X-CRM-Call-Id: ${crmCallId}`);
      log.push(`X-CRM-Record: ${record}`);
      callState.dial(`sip:${number.slice(1)}@crm.local`);
    },
    hangup: () => { log.push('hangup'); },
    resetCall: () => { if (callState.snapshot().finished) callState.reset(); },
    setMuted: () => undefined,
    setOnHold: () => undefined,
    sendDtmf: () => true,
    sip: callState,
  } satisfies DeskPhone & Record<string, unknown>;
  const api: DeskApi = {
    getLead: (id) => Promise.resolve(id === lead.id ? { ...lead } : null),
    nextLead: () => { log.push('next_lead'); return Promise.resolve({ id: LEAD.id }); },
    listLeadHistory: () => Promise.resolve([]),
    listCallsForLead: () => Promise.resolve([]),
    listSalesForLead: () => Promise.resolve([]),
    startCall: (leadId, number) => {
      log.push(`start_call ${leadId} ${String(number)}`);
      if (startError) return Promise.reject(startError);
      return Promise.resolve({ id: 'call-1', phone_number: number ?? String(lead.phone), recording_status: null, ...startRow });
    },
    markCallStatus: (id, status) => { log.push(`status ${id} ${status}`); return Promise.resolve(); },
    reportHangup: (id, { outcome, hangupBy }) => {
      log.push(`hangup_call ${id} ${String(outcome)} ${String(hangupBy)}`);
      return Promise.resolve(false);
    },
    setRecordingConsent: (id, consent) => { log.push(`consent ${id} ${String(consent)}`); return Promise.resolve(); },
    endCall: (id, args) => { log.push(`end_call ${id} ${JSON.stringify(args)}`); return Promise.resolve(); },
    createSale: (args) => { log.push(`sale ${JSON.stringify(args)}`); return Promise.resolve({ id: 'sale-1' }); },
    setAgentState: (state, reason) => { log.push(`agent ${state}${reason ? ` ${reason}` : ''}`); return Promise.resolve(); },
    listMyOpenCalls: () => Promise.resolve(openCalls),
  };
  const desk = createAgentDesk({ api, phone, now });
  desk.setDispositions(DISPOSITIONS);
  return { desk, phone, api, log, now };
}

/** The value, or a failed test: for what the desk's state may hold as null. */
function present<T>(value: T | null | undefined): T {
  if (value === null || value === undefined) throw new Error('expected a value, got none');
  return value;
}

const settle = () => new Promise((resolve) => { setTimeout(resolve, 0); });

describe('placing a call', () => {
  test('microphone, then start_call, then the INVITE carrying the call id', async () => {
    const { desk, log } = setup();
    await desk.openLead(LEAD.id);
    await desk.call();
    const order = log.filter((l) => /^(mic|start_call|invite)/.test(l));
    expect(order).toStrictEqual([
      'mic',
      'start_call lead-1 null',
      'invite +34612345678 X-CRM-Call-Id: call-1',
    ]);
    expect(desk.state.agent.state).toBe('on_call');
    expect(desk.state.activeCall).toStrictEqual({ id: 'call-1', leadId: 'lead-1', phone: '+34612345678' });
  });

  test('an alternate number is passed to start_call and dialled', async () => {
    const { desk, log } = setup();
    await desk.openLead(LEAD.id);
    await desk.call('+34912345678');
    expect(log).toContain('start_call lead-1 +34912345678');
    expect(log).toContain('invite +34912345678 X-CRM-Call-Id: call-1');
  });

  test('a refused start_call (do-not-call) places no INVITE and frees the microphone', async () => {
    const refusal = Object.assign(new Error('p_phone_number: +34612345678 is on the do-not-call list'), { name: 'DataError', code: 'R0001' });
    const { desk, log } = setup({ startError: refusal });
    await desk.openLead(LEAD.id);
    await expect(desk.call()).rejects.toThrow(/do-not-call/);
    expect(log.some((l) => l.startsWith('invite'))).toBe(false);
    expect(log).toContain('mic released');
    expect(desk.state.agent.state).toBe('available');
    expect(desk.state.activeCall).toBe(null);
    expect(desk.state.wrapUp).toBe(null);
  });

  test('a denied microphone records no call', async () => {
    const denied = Object.assign(new Error('denied'), { name: 'PhoneError', code: 'mic_denied' });
    const { desk, log } = setup({ micError: denied });
    await desk.openLead(LEAD.id);
    await expect(desk.call()).rejects.toMatchObject({ code: 'mic_denied' });
    expect(log.some((l) => l.startsWith('start_call'))).toBe(false);
    expect(desk.state.agent.state).toBe('available');
  });

  test('no call without a lead, an unregistered phone, or during a wrap-up', async () => {
    const { desk, phone } = setup();
    await expect(desk.call()).rejects.toSatisfy((err) => err instanceof DeskError && err.code === 'no_lead');
    await desk.openLead(LEAD.id);
    phone.status = { state: 'reconnecting' };
    await expect(desk.call()).rejects.toMatchObject({ code: 'phone_not_ready' });
    phone.status = { state: 'registered' };
    await desk.call();
    phone.sip.fail({ cause: Cause.BUSY, statusCode: 486 });
    await expect(desk.call()).rejects.toMatchObject({ code: 'finish_call_first' });
    await expect(desk.takeNextLead('camp-1')).rejects.toMatchObject({ code: 'finish_call_first' });
  });
});

describe('SIP events', () => {
  test('ringing and confirmed are written in order; the hang-up opens the wrap-up', async () => {
    const { desk, phone, log, now } = setup();
    await desk.openLead(LEAD.id);
    await desk.call();
    now.advance(2000);
    phone.sip.progress();
    now.advance(3000);
    phone.sip.confirm();
    now.advance(95_000);
    phone.sip.end({ originator: 'local' });
    await settle();
    expect(log.filter((l) => l.startsWith('status'))).toStrictEqual(['status call-1 ringing', 'status call-1 confirmed']);
    expect(log).toContain('hangup_call call-1 answered agent');
    expect(desk.state.agent.state).toBe('wrap_up');
    expect(desk.state.activeCall).toBe(null);
    const w = present(desk.state.wrapUp);
    expect(w.callId).toBe('call-1');
    expect(w.outcome).toBe('answered');
    expect(w.talkSeconds).toBe(95);
    expect(w.ringSeconds).toBe(5);
    expect(w.hangupBy).toBe('agent');
    expect(w.suggestedDisposition).toBe(null);
  });

  test('a busy line suggests the busy disposition', async () => {
    const { desk, phone, log } = setup();
    await desk.openLead(LEAD.id);
    await desk.call();
    phone.sip.progress();
    phone.sip.fail({ cause: Cause.BUSY, statusCode: 486, originator: 'remote' });
    await settle();
    expect(present(desk.state.wrapUp).outcome).toBe('busy');
    expect(present(desk.state.wrapUp).suggestedDisposition).toBe('busy');
    expect(present(desk.state.wrapUp).hangupBy).toBe('system');
    expect(log).toContain('hangup_call call-1 busy system');
  });

  test('the recording consent answer is kept on the call', async () => {
    const { desk, log } = setup();
    await desk.openLead(LEAD.id);
    await desk.call();
    await desk.recordConsent(true);
    expect(log).toContain('consent call-1 true');
    expect(desk.state.recordingConsent).toBe(true);
  });
});

describe('wrap-up', () => {
  async function inWrapUp(options?: SetupOptions) {
    const ctx = setup(options);
    await ctx.desk.openLead(LEAD.id);
    await ctx.desk.call();
    ctx.phone.sip.confirm();
    ctx.now.advance(30_000);
    ctx.phone.sip.end({ originator: 'remote' });
    return ctx;
  }

  test('a disposition is required', async () => {
    const { desk, log } = await inWrapUp();
    await expect(desk.submitWrapUp({ disposition: '' })).rejects.toMatchObject({ code: 'disposition_required' });
    expect(log.some((l) => l.startsWith('end_call'))).toBe(false);
  });

  test('a callback needs a future time', async () => {
    const { desk, now } = await inWrapUp();
    await expect(desk.submitWrapUp({ disposition: 'callback' })).rejects.toMatchObject({ code: 'callback_required' });
    await expect(desk.submitWrapUp({ disposition: 'callback', callbackAt: new Date(now() - 60_000) })).rejects.toMatchObject({ code: 'callback_past' });
    await expect(desk.submitWrapUp({ disposition: 'callback', callbackAt: 'garbage' })).rejects.toMatchObject({ code: 'callback_invalid' });
  });

  test('end_call gets the disposition, notes, callback and who hung up; the agent is available again', async () => {
    const { desk, log, now } = await inWrapUp();
    const at = new Date(now() + 86_400_000);
    await desk.submitWrapUp({ disposition: 'callback', notes: '  Llamar por la tarde ', callbackAt: at });
    const call = log.find((l) => l.startsWith('end_call'));
    expect(call).toBe(`end_call call-1 ${JSON.stringify({ disposition: 'callback', notes: 'Llamar por la tarde', callbackAt: at.toISOString(), hangupBy: 'lead' })}`);
    expect(desk.state.wrapUp).toBe(null);
    expect(desk.state.agent.state).toBe('available');
    expect(desk.state.call.status).toBe('idle');
  });

  test('a pause asked for during the call starts after the wrap-up', async () => {
    const { desk } = await inWrapUp();
    desk.pause('lunch');
    expect(desk.state.agent.state).toBe('wrap_up');
    await desk.submitWrapUp({ disposition: 'sale' });
    expect(desk.state.agent.state).toBe('paused');
    expect(desk.state.agent.reason).toBe('lunch');
  });

  test('a failing end_call keeps the wrap-up open', async () => {
    const { desk, api } = await inWrapUp();
    api.endCall = () => Promise.reject(new Error('network'));
    await expect(desk.submitWrapUp({ disposition: 'sale' })).rejects.toThrow(/network/);
    expect(present(desk.state.wrapUp).callId).toBe('call-1');
    expect(desk.state.agent.state).toBe('wrap_up');
  });

  test('a call left open by a reload comes back for its wrap-up', async () => {
    const open = [{ id: 'call-9', lead_id: LEAD.id, started_at: '2026-11-24T10:00:00Z', answered_at: null, ended_at: null, outcome: null, talk_seconds: null,
      status: 'calling', hangup_by: null }];
    const { desk } = setup({ openCalls: open });
    expect(await desk.recoverOpenCall('agent-1')).toBe(true);
    expect(present(desk.state.wrapUp).callId).toBe('call-9');
    expect(present(desk.state.wrapUp).recovered).toBe(true);
    expect(present(desk.state.wrapUp).suggestedDisposition).toBe('call_failed');
    expect(present(desk.state.lead).id).toBe(LEAD.id);
    expect(desk.state.agent.state).toBe('wrap_up');
  });

  test('a recovered call keeps its talk time: the row\'s, or from the answer to now when the reload cut it', async () => {
    const answered = new Date(1_000_000 - 42_000).toISOString();
    const cut: OpenCall[] = [{ id: 'call-8', lead_id: LEAD.id, started_at: new Date(1_000_000 - 50_000).toISOString(), answered_at: answered,
      ended_at: null, outcome: null, talk_seconds: null, status: 'confirmed', hangup_by: null }];
    const first = setup({ openCalls: cut });
    await first.desk.recoverOpenCall('agent-1');
    expect(present(first.desk.state.wrapUp).talkSeconds).toBe(42);
    expect(present(first.desk.state.wrapUp).answered).toBe(true);

    const ended: OpenCall[] = [{ ...present(cut[0]), status: 'ended', outcome: 'answered', ended_at: new Date(1_000_000 - 30_000).toISOString(), talk_seconds: 12 }];
    const second = setup({ openCalls: ended });
    await second.desk.recoverOpenCall('agent-1');
    expect(present(second.desk.state.wrapUp).talkSeconds).toBe(12);

    const noTalk: OpenCall[] = [{ ...present(cut[0]), status: 'ended', ended_at: new Date(1_000_000 - 30_000).toISOString(), outcome: 'answered' }];
    const third = setup({ openCalls: noTalk });
    await third.desk.recoverOpenCall('agent-1');
    expect(present(third.desk.state.wrapUp).talkSeconds).toBe(12);
  });
});

describe('sales', () => {
  test('a sale carries the lead and the last call to it', async () => {
    const { desk, phone, log } = setup();
    await desk.openLead(LEAD.id);
    await desk.call();
    phone.sip.confirm();
    phone.sip.end();
    await desk.registerSale({ productId: 'prod-1', premium: '34.499', policyNumber: ' POL-1 ' });
    const sale = log.find((l) => l.startsWith('sale'));
    expect(sale).toBe(`sale ${JSON.stringify({ leadId: 'lead-1', productId: 'prod-1', premium: 34.5, policyNumber: 'POL-1', callId: 'call-1', notes: '' })}`);
  });

  test('product and a positive premium are required', async () => {
    const { desk } = setup();
    await desk.openLead(LEAD.id);
    await expect(desk.registerSale({ productId: '', premium: 10 })).rejects.toMatchObject({ code: 'product_required' });
    await expect(desk.registerSale({ productId: 'p', premium: '0' })).rejects.toMatchObject({ code: 'premium_invalid' });
    await expect(desk.registerSale({ productId: 'p', premium: 'abc' })).rejects.toMatchObject({ code: 'premium_invalid' });
  });
});

describe('leads', () => {
  test('a lead the agent cannot see is reported as not found', async () => {
    const { desk } = setup();
    await expect(desk.openLead('someone-elses')).rejects.toMatchObject({ code: 'lead_not_found' });
    expect(desk.state.lead).toBe(null);
  });

  test('next lead opens what the queue hands out', async () => {
    const { desk, log } = setup();
    const lead = await desk.takeNextLead('camp-1');
    expect(present(lead).id).toBe(LEAD.id);
    expect(log).toContain('next_lead');
    await expect(desk.takeNextLead(null)).rejects.toMatchObject({ code: 'no_campaign' });
  });
});
