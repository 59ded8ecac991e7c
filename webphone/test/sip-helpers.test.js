import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { renewalDelayMs, retryDelayMs } from '../src/sip/renewal.js';
import { aorFor, targetFor } from '../src/sip/uri.js';

describe('credential renewal schedule', () => {
  const issued = Date.UTC(2026, 10, 24, 12, 0, 0);
  const hourLater = new Date(issued + 3_600_000).toISOString();

  test('one-hour credentials are renewed 12 minutes before they expire', () => {
    assert.equal(renewalDelayMs(hourLater, issued, issued), 48 * 60_000);
  });

  test('short credentials keep at least a minute of margin', () => {
    const twoMinutes = new Date(issued + 120_000).toISOString();
    assert.equal(renewalDelayMs(twoMinutes, issued, issued), 60_000);
  });

  test('never sooner than five seconds, even when already late', () => {
    assert.equal(renewalDelayMs(hourLater, issued, issued + 3_590_000), 5_000);
    assert.equal(renewalDelayMs(hourLater, issued, issued + 7_200_000), 5_000);
  });

  test('accepts a Date, a number or a string', () => {
    const ms = issued + 3_600_000;
    assert.equal(renewalDelayMs(new Date(ms), issued, issued), renewalDelayMs(ms, issued, issued));
  });

  test('an unreadable expiry retries soon', () => {
    assert.equal(renewalDelayMs('garbage', issued, issued), 5_000);
  });

  test('retries back off and are capped', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 10].map(retryDelayMs), [5_000, 10_000, 20_000, 40_000, 60_000, 60_000]);
    assert.equal(retryDelayMs(0), 5_000);
  });
});

describe('SIP addresses', () => {
  test('the agent address', () => {
    assert.equal(aorFor('1001', 'crm.local'), 'sip:1001@crm.local');
  });

  test('a lead number is dialled as E.164 without the +', () => {
    assert.equal(targetFor('+34612345678', 'crm.local'), 'sip:34612345678@crm.local');
    assert.equal(targetFor('+525512345678', 'crm.local'), 'sip:525512345678@crm.local');
  });

  test('anything not E.164 is refused', () => {
    assert.throws(() => targetFor('612345678', 'crm.local'), TypeError);
    assert.throws(() => targetFor('+34 612', 'crm.local'), TypeError);
    assert.throws(() => targetFor(null, 'crm.local'), TypeError);
  });
});
