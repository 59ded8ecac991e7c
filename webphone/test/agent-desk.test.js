// The desk's call flow with a fake phone and fake data: the order of
// microphone, start_call and INVITE; SIP events written to the call row; the
// wrap-up's required fields; end_call's arguments.

import { test, describe } from 'vitest';
import assert from 'node:assert/strict';
import { createAgentDesk, DeskError } from '../src/desk/agent-desk.js';
import { createCallState, Cause } from '../src/sip/call-state';

const LEAD = {
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

function setup({ micError = null, startError = null, openCalls = [], lead = LEAD, startRow = {} } = {}) {
  let t = 1_000_000;
  const now = () => t;
  now.advance = (ms) => { t += ms; };
  const log = [];
  const callState = createCallState({ now });
  const listeners = new Set();
  callState.subscribe((snap) => listeners.forEach((fn) => fn(snap)));
  const phone = {
    status: { state: 'registered' },
    callSnapshot: () => callState.snapshot(),
    on: (kind, fn) => { if (kind === 'call') listeners.add(fn); return () => listeners.delete(fn); },
    async acquireMicrophone() {
      log.push('mic');
      if (micError) throw micError;
    },
    releaseMicrophone: () => log.push('mic released'),
    call(number, { crmCallId, record }) {
      log.push(`invite ${number} X-CRM-Call-Id: ${crmCallId}`);
      log.push(`X-CRM-Record: ${record}`);
      callState.dial(`sip:${number.slice(1)}@crm.local`);
    },
    hangup: () => log.push('hangup'),
    resetCall: () => { if (callState.snapshot().finished) callState.reset(); },
    setMuted: () => {},
    setOnHold: () => {},
    sendDtmf: () => true,
    sip: callState,
  };
  const api = {
    async getLead(id) { return id === lead.id ? { ...lead } : null; },
    async nextLead() { log.push('next_lead'); return { id: LEAD.id }; },
    async listLeadHistory() { return []; },
    async listCallsForLead() { return []; },
    async listSalesForLead() { return []; },
    async startCall(leadId, number) {
      log.push(`start_call ${leadId} ${number}`);
      if (startError) throw startError;
      return { id: 'call-1', phone_number: number ?? lead.phone, recording_status: null, ...startRow };
    },
    async markCallStatus(id, status) { log.push(`status ${id} ${status}`); },
    async reportHangup(id, { outcome, hangupBy }) { log.push(`hangup_call ${id} ${outcome} ${hangupBy}`); return false; },
    async setRecordingConsent(id, consent) { log.push(`consent ${id} ${consent}`); },
    async endCall(id, args) { log.push(`end_call ${id} ${JSON.stringify(args)}`); },
    async createSale(args) { log.push(`sale ${JSON.stringify(args)}`); return { id: 'sale-1' }; },
    async setAgentState(state, reason) { log.push(`agent ${state}${reason ? ` ${reason}` : ''}`); },
    async listMyOpenCalls() { return openCalls; },
  };
  const desk = createAgentDesk({ api, phone, now });
  desk.setDispositions(DISPOSITIONS);
  return { desk, phone, api, log, now };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('placing a call', () => {
  test('microphone, then start_call, then the INVITE carrying the call id', async () => {
    const { desk, log } = setup();
    await desk.openLead(LEAD.id);
    await desk.call();
    const order = log.filter((l) => /^(mic|start_call|invite)/.test(l));
    assert.deepEqual(order, [
      'mic',
      'start_call lead-1 null',
      'invite +34612345678 X-CRM-Call-Id: call-1',
    ]);
    assert.equal(desk.state.agent.state, 'on_call');
    assert.deepEqual(desk.state.activeCall, { id: 'call-1', leadId: 'lead-1', phone: '+34612345678' });
  });

  test('an alternate number is passed to start_call and dialled', async () => {
    const { desk, log } = setup();
    await desk.openLead(LEAD.id);
    await desk.call('+34912345678');
    assert.ok(log.includes('start_call lead-1 +34912345678'));
    assert.ok(log.includes('invite +34912345678 X-CRM-Call-Id: call-1'));
  });

  test('a refused start_call (do-not-call) places no INVITE and frees the microphone', async () => {
    const refusal = Object.assign(new Error('p_phone_number: +34612345678 is on the do-not-call list'), { name: 'DataError', code: 'R0001' });
    const { desk, log } = setup({ startError: refusal });
    await desk.openLead(LEAD.id);
    await assert.rejects(desk.call(), /do-not-call/);
    assert.ok(!log.some((l) => l.startsWith('invite')));
    assert.ok(log.includes('mic released'));
    assert.equal(desk.state.agent.state, 'available');
    assert.equal(desk.state.activeCall, null);
    assert.equal(desk.state.wrapUp, null);
  });

  test('a denied microphone records no call', async () => {
    const denied = Object.assign(new Error('denied'), { name: 'PhoneError', code: 'mic_denied' });
    const { desk, log } = setup({ micError: denied });
    await desk.openLead(LEAD.id);
    await assert.rejects(desk.call(), (err) => err.code === 'mic_denied');
    assert.ok(!log.some((l) => l.startsWith('start_call')));
    assert.equal(desk.state.agent.state, 'available');
  });

  test('no call without a lead, an unregistered phone, or during a wrap-up', async () => {
    const { desk, phone } = setup();
    await assert.rejects(desk.call(), (err) => err instanceof DeskError && err.code === 'no_lead');
    await desk.openLead(LEAD.id);
    phone.status = { state: 'reconnecting' };
    await assert.rejects(desk.call(), (err) => err.code === 'phone_not_ready');
    phone.status = { state: 'registered' };
    await desk.call();
    phone.sip.fail({ cause: Cause.BUSY, statusCode: 486 });
    await assert.rejects(desk.call(), (err) => err.code === 'finish_call_first');
    await assert.rejects(desk.takeNextLead('camp-1'), (err) => err.code === 'finish_call_first');
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
    assert.deepEqual(log.filter((l) => l.startsWith('status')), ['status call-1 ringing', 'status call-1 confirmed']);
    assert.ok(log.includes('hangup_call call-1 answered agent'));
    assert.equal(desk.state.agent.state, 'wrap_up');
    assert.equal(desk.state.activeCall, null);
    const w = desk.state.wrapUp;
    assert.equal(w.callId, 'call-1');
    assert.equal(w.outcome, 'answered');
    assert.equal(w.talkSeconds, 95);
    assert.equal(w.ringSeconds, 5);
    assert.equal(w.hangupBy, 'agent');
    assert.equal(w.suggestedDisposition, null);
  });

  test('a busy line suggests the busy disposition', async () => {
    const { desk, phone, log } = setup();
    await desk.openLead(LEAD.id);
    await desk.call();
    phone.sip.progress();
    phone.sip.fail({ cause: Cause.BUSY, statusCode: 486, originator: 'remote' });
    await settle();
    assert.equal(desk.state.wrapUp.outcome, 'busy');
    assert.equal(desk.state.wrapUp.suggestedDisposition, 'busy');
    assert.equal(desk.state.wrapUp.hangupBy, 'system');
    assert.ok(log.includes('hangup_call call-1 busy system'));
  });

  test('the recording consent answer is kept on the call', async () => {
    const { desk, log } = setup();
    await desk.openLead(LEAD.id);
    await desk.call();
    await desk.recordConsent(true);
    assert.ok(log.includes('consent call-1 true'));
    assert.equal(desk.state.recordingConsent, true);
  });
});

describe('wrap-up', () => {
  async function inWrapUp(options) {
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
    await assert.rejects(desk.submitWrapUp({ disposition: '' }), (err) => err.code === 'disposition_required');
    assert.ok(!log.some((l) => l.startsWith('end_call')));
  });

  test('a callback needs a future time', async () => {
    const { desk, now } = await inWrapUp();
    await assert.rejects(desk.submitWrapUp({ disposition: 'callback' }), (err) => err.code === 'callback_required');
    await assert.rejects(desk.submitWrapUp({ disposition: 'callback', callbackAt: new Date(now() - 60_000) }), (err) => err.code === 'callback_past');
    await assert.rejects(desk.submitWrapUp({ disposition: 'callback', callbackAt: 'garbage' }), (err) => err.code === 'callback_invalid');
  });

  test('end_call gets the disposition, notes, callback and who hung up; the agent is available again', async () => {
    const { desk, log, now } = await inWrapUp();
    const at = new Date(now() + 86_400_000);
    await desk.submitWrapUp({ disposition: 'callback', notes: '  Llamar por la tarde ', callbackAt: at });
    const call = log.find((l) => l.startsWith('end_call'));
    assert.equal(call, `end_call call-1 ${JSON.stringify({ disposition: 'callback', notes: 'Llamar por la tarde', callbackAt: at.toISOString(), hangupBy: 'lead' })}`);
    assert.equal(desk.state.wrapUp, null);
    assert.equal(desk.state.agent.state, 'available');
    assert.equal(desk.state.call.status, 'idle');
  });

  test('a pause asked for during the call starts after the wrap-up', async () => {
    const { desk } = await inWrapUp();
    desk.pause('lunch');
    assert.equal(desk.state.agent.state, 'wrap_up');
    await desk.submitWrapUp({ disposition: 'sale' });
    assert.equal(desk.state.agent.state, 'paused');
    assert.equal(desk.state.agent.reason, 'lunch');
  });

  test('a failing end_call keeps the wrap-up open', async () => {
    const { desk, api } = await inWrapUp();
    api.endCall = async () => { throw new Error('network'); };
    await assert.rejects(desk.submitWrapUp({ disposition: 'sale' }), /network/);
    assert.equal(desk.state.wrapUp.callId, 'call-1');
    assert.equal(desk.state.agent.state, 'wrap_up');
  });

  test('a call left open by a reload comes back for its wrap-up', async () => {
    const open = [{ id: 'call-9', lead_id: LEAD.id, started_at: '2026-11-24T10:00:00Z', answered_at: null, ended_at: null, outcome: null, talk_seconds: null }];
    const { desk } = setup({ openCalls: open });
    assert.equal(await desk.recoverOpenCall('agent-1'), true);
    assert.equal(desk.state.wrapUp.callId, 'call-9');
    assert.equal(desk.state.wrapUp.recovered, true);
    assert.equal(desk.state.wrapUp.suggestedDisposition, 'call_failed');
    assert.equal(desk.state.lead.id, LEAD.id);
    assert.equal(desk.state.agent.state, 'wrap_up');
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
    assert.equal(sale, `sale ${JSON.stringify({ leadId: 'lead-1', productId: 'prod-1', premium: 34.5, policyNumber: 'POL-1', callId: 'call-1', notes: '' })}`);
  });

  test('product and a positive premium are required', async () => {
    const { desk } = setup();
    await desk.openLead(LEAD.id);
    await assert.rejects(desk.registerSale({ productId: '', premium: 10 }), (err) => err.code === 'product_required');
    await assert.rejects(desk.registerSale({ productId: 'p', premium: '0' }), (err) => err.code === 'premium_invalid');
    await assert.rejects(desk.registerSale({ productId: 'p', premium: 'abc' }), (err) => err.code === 'premium_invalid');
  });
});

describe('leads', () => {
  test('a lead the agent cannot see is reported as not found', async () => {
    const { desk } = setup();
    await assert.rejects(desk.openLead('someone-elses'), (err) => err.code === 'lead_not_found');
    assert.equal(desk.state.lead, null);
  });

  test('next lead opens what the queue hands out', async () => {
    const { desk, log } = setup();
    const lead = await desk.takeNextLead('camp-1');
    assert.equal(lead.id, LEAD.id);
    assert.ok(log.includes('next_lead'));
    await assert.rejects(desk.takeNextLead(null), (err) => err.code === 'no_campaign');
  });
});
