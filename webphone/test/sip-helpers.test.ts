import { describe, expect, test } from 'vitest';
import { renewalDelayMs, retryDelayMs } from '../src/sip/renewal';
import { aorFor, targetFor } from '../src/sip/uri';

describe('credential renewal schedule', () => {
  const issued = Date.UTC(2026, 10, 24, 12, 0, 0);
  const hourLater = new Date(issued + 3_600_000).toISOString();

  test('one-hour credentials are renewed 12 minutes before they expire', () => {
    expect(renewalDelayMs(hourLater, issued, issued)).toBe(48 * 60_000);
  });

  test('short credentials keep at least a minute of margin', () => {
    const twoMinutes = new Date(issued + 120_000).toISOString();
    expect(renewalDelayMs(twoMinutes, issued, issued)).toBe(60_000);
  });

  test('never sooner than five seconds, even when already late', () => {
    expect(renewalDelayMs(hourLater, issued, issued + 3_590_000)).toBe(5_000);
    expect(renewalDelayMs(hourLater, issued, issued + 7_200_000)).toBe(5_000);
  });

  test('accepts a Date, a number or a string', () => {
    const ms = issued + 3_600_000;
    expect(renewalDelayMs(new Date(ms), issued, issued)).toBe(renewalDelayMs(ms, issued, issued));
  });

  test('an unreadable expiry retries soon', () => {
    expect(renewalDelayMs('garbage', issued, issued)).toBe(5_000);
  });

  test('retries back off and are capped', () => {
    expect([1, 2, 3, 4, 5, 10].map(retryDelayMs)).toStrictEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000]);
    expect(retryDelayMs(0)).toBe(5_000);
  });
});

describe('SIP addresses', () => {
  test('the agent address', () => {
    expect(aorFor('1001', 'crm.local')).toBe('sip:1001@crm.local');
  });

  test('a lead number is dialled as E.164 without the +', () => {
    expect(targetFor('+34612345678', 'crm.local')).toBe('sip:34612345678@crm.local');
    expect(targetFor('+525512345678', 'crm.local')).toBe('sip:525512345678@crm.local');
  });

  test('anything not E.164 is refused', () => {
    expect(() => targetFor('612345678', 'crm.local')).toThrow(TypeError);
    expect(() => targetFor('+34 612', 'crm.local')).toThrow(TypeError);
    expect(() => targetFor(null, 'crm.local')).toThrow(TypeError);
  });
});
