// X-CRM-Record: the desk dials with the recording decision of the call row
// rpc/start_call returned and the lead's campaign (the header values
// themselves: headers.test.ts).

import { test, describe } from 'vitest';
import assert from 'node:assert/strict';
import { createAgentDesk } from '../src/desk/agent-desk.js';
import { createCallState } from '../src/sip/call-state';

/** The desk with a phone that keeps the options of each INVITE. */
function dial({ campaign, startRow, lead = {} }) {
  const callState = createCallState({ now: () => 0 });
  const invites = [];
  const calls = [];
  const theLead = { id: 'lead-1', first_name: 'Ana', last_name: 'García', phone: '+34612345678', status: 'new', campaign, ...lead };
  const phone = {
    status: { state: 'registered' },
    callSnapshot: () => callState.snapshot(),
    on: () => () => {},
    async acquireMicrophone() {},
    releaseMicrophone() {},
    call(number, options) {
      invites.push({ number, ...options });
      callState.dial(`sip:${number.slice(1)}@crm.local`);
    },
  };
  const api = {
    async getLead() { return { ...theLead }; },
    async listLeadHistory() { return []; },
    async listCallsForLead() { return []; },
    async listSalesForLead() { return []; },
    async startCall(leadId) { calls.push(leadId); return { id: 'call-9', phone_number: theLead.phone, ...startRow }; },
    async markCallStatus() {},
  };
  const desk = createAgentDesk({ api, phone, now: () => 0 });
  return { desk, invites, calls };
}

describe('the desk dials with X-CRM-Record', () => {
  test('no for a call start_call returned as not_recorded', async () => {
    const { desk, invites } = dial({ campaign: { recording_enabled: true }, startRow: { recording_status: 'not_recorded' } });
    await desk.openLead('lead-1');
    await desk.call();
    assert.equal(invites.length, 1);
    assert.equal(invites[0].crmCallId, 'call-9');
    assert.equal(invites[0].record, 'no');
  });

  test('no for a campaign with recording switched off', async () => {
    const { desk, invites } = dial({ campaign: { recording_enabled: false }, startRow: { recording_status: null } });
    await desk.openLead('lead-1');
    await desk.call();
    assert.equal(invites[0].record, 'no');
  });

  test('yes for a recording campaign and a call the database did not mark', async () => {
    const { desk, invites } = dial({ campaign: { recording_enabled: true }, startRow: { recording_status: null } });
    await desk.openLead('lead-1');
    await desk.call();
    assert.equal(invites[0].record, 'yes');
  });

  test('an erased lead is never dialled', async () => {
    const { desk, invites, calls } = dial({
      campaign: { recording_enabled: true }, startRow: {},
      lead: { status: 'erased', phone: null, first_name: '[erased]', last_name: '', erased_at: '2026-11-24T10:00:00Z' },
    });
    await desk.openLead('lead-1');
    await assert.rejects(desk.call(), { name: 'DeskError', code: 'lead_erased' });
    await assert.rejects(desk.registerSale({ productId: 'p', premium: 10 }), { code: 'lead_erased' });
    assert.deepEqual(calls, [], 'no start_call');
    assert.deepEqual(invites, [], 'no INVITE');
  });
});
