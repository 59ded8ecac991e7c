// X-CRM-Record: the desk dials with the recording decision of the call row
// rpc/start_call returned and the lead's campaign (the header values
// themselves: headers.test.ts).

import { describe, expect, test } from 'vitest';
import { createAgentDesk, type DeskApi, type DeskPhone, type Lead } from '../src/desk/agent-desk';
import { createCallState } from '../src/sip/call-state';

interface Invite { number: string; crmCallId: string; record: string }

/** A data function these tests never reach. */
const unexpected = (name: string) => () => Promise.reject(new Error(`${name} was not expected here`));

/** The desk with a phone that keeps the options of each INVITE. */
function dial({ campaign, startRow, lead = {} }: {
  campaign: { recording_enabled: boolean };
  startRow: { recording_status?: string | null };
  lead?: Partial<Lead>;
}) {
  const callState = createCallState({ now: () => 0 });
  const invites: Invite[] = [];
  const calls: string[] = [];
  const theLead: Lead = { id: 'lead-1', first_name: 'Ana', last_name: 'García', phone: '+34612345678', status: 'new', campaign, ...lead };
  const phone: DeskPhone = {
    status: { state: 'registered' },
    callSnapshot: () => callState.snapshot(),
    on: () => () => undefined,
    acquireMicrophone: () => Promise.resolve(),
    releaseMicrophone: () => undefined,
    call(number, options) {
      invites.push({ number, ...options });
      callState.dial(`sip:${number.slice(1)}@crm.local`);
    },
    hangup: () => undefined,
    resetCall: () => undefined,
    setMuted: () => undefined,
    setOnHold: () => undefined,
    sendDtmf: () => false,
  };
  const api: DeskApi = {
    getLead: () => Promise.resolve({ ...theLead }),
    listLeadHistory: () => Promise.resolve([]),
    listCallsForLead: () => Promise.resolve([]),
    listSalesForLead: () => Promise.resolve([]),
    startCall: (leadId) => {
      calls.push(leadId);
      return Promise.resolve({ id: 'call-9', phone_number: String(theLead.phone), ...startRow });
    },
    markCallStatus: () => Promise.resolve(),
    setAgentState: () => Promise.resolve(),
    nextLead: unexpected('nextLead'),
    reportHangup: unexpected('reportHangup'),
    setRecordingConsent: unexpected('setRecordingConsent'),
    endCall: unexpected('endCall'),
    listMyOpenCalls: unexpected('listMyOpenCalls'),
    createSale: unexpected('createSale'),
  };
  const desk = createAgentDesk({ api, phone, now: () => 0 });
  return { desk, invites, calls };
}

describe('the desk dials with X-CRM-Record', () => {
  test('no for a call start_call returned as not_recorded', async () => {
    const { desk, invites } = dial({ campaign: { recording_enabled: true }, startRow: { recording_status: 'not_recorded' } });
    await desk.openLead('lead-1');
    await desk.call();
    expect(invites.length).toBe(1);
    expect(invites[0]?.crmCallId).toBe('call-9');
    expect(invites[0]?.record).toBe('no');
  });

  test('no for a campaign with recording switched off', async () => {
    const { desk, invites } = dial({ campaign: { recording_enabled: false }, startRow: { recording_status: null } });
    await desk.openLead('lead-1');
    await desk.call();
    expect(invites[0]?.record).toBe('no');
  });

  test('yes for a recording campaign and a call the database did not mark', async () => {
    const { desk, invites } = dial({ campaign: { recording_enabled: true }, startRow: { recording_status: null } });
    await desk.openLead('lead-1');
    await desk.call();
    expect(invites[0]?.record).toBe('yes');
  });

  test('an erased lead is never dialled', async () => {
    const { desk, invites, calls } = dial({
      campaign: { recording_enabled: true }, startRow: {},
      lead: { status: 'erased', phone: null, first_name: '[erased]', last_name: '', erased_at: '2026-11-24T10:00:00Z' },
    });
    await desk.openLead('lead-1');
    await expect(desk.call()).rejects.toMatchObject({ name: 'DeskError', code: 'lead_erased' });
    await expect(desk.registerSale({ productId: 'p', premium: 10 })).rejects.toMatchObject({ code: 'lead_erased' });
    expect(calls, 'no start_call').toStrictEqual([]);
    expect(invites, 'no INVITE').toStrictEqual([]);
  });
});
