// X-CRM-Record and X-CRM-Call-Id: what the webphone tells the PBX, from the
// call row rpc/start_call returned and the lead's campaign. (The desk dialling
// with them is tested in consent-header.test.js.)

import { describe, expect, test } from 'vitest';
import { recordHeaderValue, crmCallHeaders } from '../src/sip/headers';

describe('recordHeaderValue', () => {
  const on = { recording_enabled: true };
  const off = { recording_enabled: false };

  test('no when the database marked the call not_recorded (campaign off, or the lead refused before)', () => {
    expect(recordHeaderValue({ recording_status: 'not_recorded' }, on)).toBe('no');
  });

  test('no when the campaign does not record, whatever the row says', () => {
    expect(recordHeaderValue({ recording_status: null }, off)).toBe('no');
  });

  test('yes otherwise', () => {
    expect(recordHeaderValue({ recording_status: null }, on)).toBe('yes');
    // A campaign row that says nothing about recording itself.
    const consentOnly: { recording_enabled?: boolean; recording_consent_required: boolean } = { recording_consent_required: true };
    expect(recordHeaderValue({ recording_status: null }, consentOnly)).toBe('yes');
    expect(recordHeaderValue({}, null)).toBe('yes');
  });
});

describe('crmCallHeaders', () => {
  test('the call id and the recording decision, as JsSIP extraHeaders', () => {
    expect(crmCallHeaders({ crmCallId: 'call-1', record: 'no' })).toStrictEqual(['X-CRM-Call-Id: call-1', 'X-CRM-Record: no']);
    expect(crmCallHeaders({ crmCallId: 'call-1', record: 'yes' })).toStrictEqual(['X-CRM-Call-Id: call-1', 'X-CRM-Record: yes']);
  });

  test('nothing invented: no id, no header; only yes or no', () => {
    expect(crmCallHeaders({})).toStrictEqual([]);
    expect(crmCallHeaders({ crmCallId: 'call-1', record: 'maybe' })).toStrictEqual(['X-CRM-Call-Id: call-1']);
  });
});
