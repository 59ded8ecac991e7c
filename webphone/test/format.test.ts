import { describe, expect, test } from 'vitest';
import {
  formatDuration, isE164, currencyForPhone, formatCurrency,
  formatDateTime, formatTime, formatNumber, initials, toDateValue, toDateTimeLocalValue,
} from '../src/i18n/format';

// Intl separates number and symbol with a no-break space; compare on plain spaces.
const plain = (s: string): string => s.replace(/[\u00a0\u202f]/g, ' ');

describe('formatDuration', () => {
  const cases: [number | null | undefined, string][] = [
    [0, '00:00'], [5, '00:05'], [59, '00:59'], [60, '01:00'], [61, '01:01'],
    [599, '09:59'], [3599, '59:59'], [3600, '1:00:00'], [3725, '1:02:05'],
    [36000, '10:00:00'], [12.9, '00:12'],
    [-3, '00:00'], [NaN, '00:00'], [undefined, '00:00'], [null, '00:00'], [Infinity, '00:00'],
  ];
  for (const [input, expected] of cases) {
    test(`${String(input)} -> ${expected}`, () => { expect(formatDuration(input)).toBe(expected); });
  }
});

describe('E.164 phone numbers', () => {
  test('isE164', () => {
    expect(isE164('+34612345678')).toBe(true);
    expect(isE164('+525512345678')).toBe(true);
    expect(isE164('34612345678')).toBe(false);
    expect(isE164('+0612345678')).toBe(false);
    expect(isE164('+34 612 345 678')).toBe(false);
    expect(isE164('+1234567890123456'), 'at most 15 digits').toBe(false);
    expect(isE164(null)).toBe(false);
  });
});

describe('money', () => {
  test('the currency follows the lead country', () => {
    expect(currencyForPhone('+525512345678')).toBe('MXN');
    expect(currencyForPhone('+34612345678')).toBe('EUR');
    expect(currencyForPhone(null)).toBe('EUR');
  });

  const cases: [number | string, string, string, string][] = [
    [1234.5, 'EUR', 'es', '1234,50 €'],
    [12345.5, 'EUR', 'es', '12.345,50 €'],
    [29.9, 'EUR', 'es', '29,90 €'],
    [1234.5, 'MXN', 'es', '$1,234.50'],
    [1234.5, 'EUR', 'en', '€1,234.50'],
    [1234.5, 'MXN', 'en', 'MX$1,234.50'],
    ['49.95', 'EUR', 'es', '49,95 €'],
    [0, 'EUR', 'es', '0,00 €'],
  ];
  for (const [amount, currency, lang, expected] of cases) {
    test(`${String(amount)} ${currency} in ${lang} -> ${expected}`, () => {
      expect(plain(formatCurrency(amount, currency, lang))).toBe(expected);
    });
  }

  test('not a number gives an empty string', () => {
    expect(formatCurrency('abc', 'EUR', 'es')).toBe('');
    expect(formatCurrency(undefined, 'EUR', 'es')).toBe('');
  });

  test('an unknown language falls back to Spanish', () => {
    expect(plain(formatCurrency(10, 'EUR', 'fr'))).toBe('10,00 €');
  });

  test('plain numbers', () => {
    expect(formatNumber(12345, 'es')).toBe('12.345');
    expect(formatNumber(12345, 'en')).toBe('12,345');
    expect(formatNumber(0.256, 'es', 1)).toBe('0,3');
    expect(formatNumber('x', 'es')).toBe('');
  });
});

describe('dates and times', () => {
  const instant = '2026-11-24T15:05:00Z';

  test('in a lead time zone', () => {
    expect(formatTime(instant, 'es', 'Europe/Madrid')).toBe('16:05');
    expect(formatTime(instant, 'es', 'America/Mexico_City')).toBe('09:05');
    expect(formatDateTime(instant, 'es', 'Europe/Madrid')).toBe('24/11/26, 16:05');
    expect(formatDateTime(instant, 'en', 'Europe/London')).toBe('24/11/2026, 15:05');
  });

  test('missing or invalid dates give an empty string', () => {
    expect(formatDateTime(null)).toBe('');
    expect(formatDateTime('not a date')).toBe('');
    expect(formatTime(undefined)).toBe('');
  });

  test('values for date inputs', () => {
    const d = new Date(2026, 0, 5, 9, 7);
    expect(toDateValue(d)).toBe('2026-01-05');
    expect(toDateTimeLocalValue(d)).toBe('2026-01-05T09:07');
  });
});

test('initials', () => {
  expect(initials('Ana María López')).toBe('AL');
  expect(initials('luis')).toBe('L');
  expect(initials('  ')).toBe('?');
  expect(initials(null)).toBe('?');
});
