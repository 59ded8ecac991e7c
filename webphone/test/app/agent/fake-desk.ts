// A fake softphone and a fake data layer for the agent's desk: the real call
// state machine driven by the test (`phone.sip`), and data functions that
// answer from fixtures and record what reached "the server".
import { vi } from 'vitest';
import { createCallState, type CallSnapshot } from '../../../src/sip/call-state';
import type { PhoneStatusSnapshot } from '../../../src/sip/phone';
import type { AgentPhone } from '../../../src/app/screens/agent/agent-session';
import type { OpenCall } from '../../../src/desk/agent-desk';

export const CAMPAIGN = {
  id: 'camp-1', name: 'Vida Tranquila', status: 'active', recording_enabled: true, recording_consent_required: true,
  recording_notice: '', agents_can_listen_own_recordings: false, calling_hours_start: '09:00:00', calling_hours_end: '21:00:00',
  calling_days: [1, 2, 3, 4, 5], allowed_dispositions: [], max_attempts: 5,
};

export const LEAD = {
  id: '11111111-1111-4111-8111-111111111111', campaign_id: 'camp-1', first_name: 'Ana', last_name: 'García',
  phone: '+34612345678', alternate_phones: [] as string[], email: 'ana@example.com', address_line: null, postal_code: null,
  city: 'Madrid', region: 'Madrid', time_zone: 'Europe/Madrid', birth_date: null, attempts: 0, last_called_at: null,
  next_call_at: null, source: 'web', consent_contact: true, consent_recording: true, consent_marketing: null,
  custom: {}, notes: null, status: 'new', erased_at: null, updated_at: '2026-12-01T10:00:00Z', campaign: CAMPAIGN,
};

export const DISPOSITIONS = [
  { code: 'sale', label_es: 'Venta', label_en: 'Sale', effect: 'sale', active: true, sort_order: 1 },
  { code: 'callback', label_es: 'Volver a llamar', label_en: 'Call back', effect: 'callback', active: true, sort_order: 2 },
  { code: 'not_interested', label_es: 'No interesado', label_en: 'Not interested', effect: 'final', active: true, sort_order: 3 },
  { code: 'busy', label_es: 'Comunica', label_en: 'Busy', effect: 'retry', active: true, sort_order: 4 },
  { code: 'no_answer', label_es: 'No contesta', label_en: 'No answer', effect: 'retry', active: true, sort_order: 5 },
  { code: 'call_failed', label_es: 'Llamada fallida', label_en: 'Call failed', effect: 'retry', active: true, sort_order: 6 },
];

export const PRODUCT = {
  id: 'prod-1', code: 'VIDA-1', name: 'Vida Básico', description: null, insurance_line: 'life', premium: 29.9,
  payment_frequency: 'monthly', currency: 'EUR', coverage_amount: 50000, coverage_summary: 'Fallecimiento', active: true,
  campaign_products: [{ campaign_id: 'camp-1' }], campaign_ids: ['camp-1'],
};

export function fakePhone({ state = 'registered', micError = null as Error | null } = {}) {
  const sip = createCallState();
  const callListeners = new Set<(snap: CallSnapshot) => void>();
  const statusListeners = new Set<(status: PhoneStatusSnapshot) => void>();
  sip.subscribe((snap) => { callListeners.forEach((fn) => { fn(snap); }); });
  let status: PhoneStatusSnapshot = { state: state as PhoneStatusSnapshot['state'], error: null, extension: '1001' };
  const phone = {
    get status() { return status; },
    callSnapshot: () => sip.snapshot(),
    on: ((kind: 'status' | 'call', fn: (value: never) => void) => {
      const set = (kind === 'call' ? callListeners : statusListeners) as Set<typeof fn>;
      set.add(fn);
      return () => { set.delete(fn); };
    }) as AgentPhone['on'],
    acquireMicrophone: vi.fn(() => (micError ? Promise.reject(micError) : Promise.resolve())),
    releaseMicrophone: vi.fn(),
    call: vi.fn((number: string) => { sip.dial(`sip:${number.slice(1)}@crm.test`); }),
    // As JsSIP: BYE on an answered call, CANCEL (a failure) before.
    hangup: vi.fn(() => {
      if (sip.snapshot().answeredAt !== null) sip.end({ cause: 'Terminated', originator: 'local' });
      else if (sip.can('fail')) sip.fail({ cause: 'Canceled', originator: 'local' });
    }),
    resetCall: () => { if (sip.snapshot().finished) sip.reset(); },
    setMuted: vi.fn((muted: boolean) => { sip.setMuted(muted); }),
    setOnHold: vi.fn((onHold: boolean) => { sip.setOnHold(onHold); }),
    sendDtmf: vi.fn(() => sip.status === 'confirmed'),
    start: vi.fn(() => Promise.resolve()),
    reconnect: vi.fn(() => Promise.resolve()),
    destroy: vi.fn(),
    setDialerSession: vi.fn(),
    /** The test's hand on the SIP side. */
    sip,
    setStatus(next: Partial<PhoneStatusSnapshot>) {
      status = { ...status, ...next };
      statusListeners.forEach((fn) => { fn(status); });
    },
  };
  return phone satisfies AgentPhone;
}

export type FakePhone = ReturnType<typeof fakePhone>;

export function fakeData({ openCalls = [] as OpenCall[], lead = LEAD, leads = [LEAD] } = {}) {
  const data = {
    sipCredentials: vi.fn(() => Promise.resolve({
      username: '1001', password: 'x', extension: '1001', domain: 'crm.test', ws_url: 'ws://x', expires_at: '2030-01-01T00:00:00Z',
    })),
    nextLead: vi.fn(() => Promise.resolve({ id: lead.id })),
    getLead: vi.fn((id: string) => Promise.resolve(id === lead.id ? { ...lead } : null)),
    listLeadHistory: vi.fn(() => Promise.resolve([])),
    listCallsForLead: vi.fn(() => Promise.resolve([])),
    listSalesForLead: vi.fn(() => Promise.resolve([])),
    startCall: vi.fn((_leadId: string, number: string | null) => Promise.resolve({ id: 'call-1', phone_number: number ?? lead.phone, recording_status: null })),
    markCallStatus: vi.fn(() => Promise.resolve()),
    reportHangup: vi.fn(() => Promise.resolve()),
    setAgentState: vi.fn(() => Promise.resolve()),
    setRecordingConsent: vi.fn(() => Promise.resolve()),
    endCall: vi.fn(() => Promise.resolve()),
    listMyOpenCalls: vi.fn(() => Promise.resolve(openCalls)),
    createSale: vi.fn(() => Promise.resolve({ id: 'sale-1' })),
    listCampaigns: vi.fn(() => Promise.resolve([CAMPAIGN])),
    listProducts: vi.fn(() => Promise.resolve([PRODUCT])),
    listDispositions: vi.fn(() => Promise.resolve(DISPOSITIONS)),
    listMyLeads: vi.fn(() => Promise.resolve(leads)),
    listMyCallbacks: vi.fn(() => Promise.resolve([])),
    listMyCallsSince: vi.fn(() => Promise.resolve([])),
    listMyCampaignIds: vi.fn(() => Promise.resolve([CAMPAIGN.id])),
  };
  return data;
}
