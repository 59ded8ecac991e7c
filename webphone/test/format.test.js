import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatDuration, formatPhone, isE164, currencyForPhone, formatCurrency,
  formatDateTime, formatTime, formatNumber, initials, toDateValue, toDateTimeLocalValue,
} from '../src/i18n/format.js';

// Intl separates number and symbol with a no-break space; compare on plain spaces.
const plain = (s) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('formatDuration', () => {
  const cases = [
    [0, '00:00'], [5, '00:05'], [59, '00:59'], [60, '01:00'], [61, '01:01'],
    [599, '09:59'], [3599, '59:59'], [3600, '1:00:00'], [3725, '1:02:05'],
    [36000, '10:00:00'], [12.9, '00:12'],
    [-3, '00:00'], [NaN, '00:00'], [undefined, '00:00'], [null, '00:00'], [Infinity, '00:00'],
  ];
  for (const [input, expected] of cases) {
    test(`${input} -> ${expected}`, () => assert.equal(formatDuration(input), expected));
  }
});

describe('E.164 phone numbers', () => {
  test('isE164', () => {
    assert.equal(isE164('+34612345678'), true);
    assert.equal(isE164('+525512345678'), true);
    assert.equal(isE164('34612345678'), false);
    assert.equal(isE164('+0612345678'), false);
    assert.equal(isE164('+34 612 345 678'), false);
    assert.equal(isE164('+1234567890123456'), false, 'at most 15 digits');
    assert.equal(isE164(null), false);
  });

  const cases = [
    ['+34612345678', '+34 612 34 56 78', 'Spanish mobile'],
    ['+34912345678', '+34 912 34 56 78', 'Spanish landline'],
    ['+525512345678', '+52 55 1234 5678', 'Mexico City'],
    ['+523312345678', '+52 33 1234 5678', 'Guadalajara'],
    ['+528112345678', '+52 81 1234 5678', 'Monterrey'],
    ['+522221234567', '+52 222 123 4567', 'Puebla (three-digit area)'],
    ['+12125550123', '+1 212 555 0123', 'North America'],
    ['+441632960961', '+44 163 296 096 1', 'other countries in threes'],
  ];
  for (const [input, expected, name] of cases) {
    test(`${name}: ${input} -> ${expected}`, () => assert.equal(formatPhone(input), expected));
  }

  test('anything else is shown as it is', () => {
    assert.equal(formatPhone('612 34 56 78'), '612 34 56 78');
    assert.equal(formatPhone(''), '');
    assert.equal(formatPhone(null), '');
    assert.equal(formatPhone(undefined), '');
  });
});

describe('money', () => {
  test('the currency follows the lead country', () => {
    assert.equal(currencyForPhone('+525512345678'), 'MXN');
    assert.equal(currencyForPhone('+34612345678'), 'EUR');
    assert.equal(currencyForPhone(null), 'EUR');
  });

  const cases = [
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
    test(`${amount} ${currency} in ${lang} -> ${expected}`, () => {
      assert.equal(plain(formatCurrency(amount, currency, lang)), expected);
    });
  }

  test('not a number gives an empty string', () => {
    assert.equal(formatCurrency('abc', 'EUR', 'es'), '');
    assert.equal(formatCurrency(undefined, 'EUR', 'es'), '');
  });

  test('an unknown language falls back to Spanish', () => {
    assert.equal(plain(formatCurrency(10, 'EUR', 'fr')), '10,00 €');
  });

  test('plain numbers', () => {
    assert.equal(formatNumber(12345, 'es'), '12.345');
    assert.equal(formatNumber(12345, 'en'), '12,345');
    assert.equal(formatNumber(0.256, 'es', 1), '0,3');
    assert.equal(formatNumber('x', 'es'), '');
  });
});

describe('dates and times', () => {
  const instant = '2026-11-24T15:05:00Z';

  test('in a lead time zone', () => {
    assert.equal(formatTime(instant, 'es', 'Europe/Madrid'), '16:05');
    assert.equal(formatTime(instant, 'es', 'America/Mexico_City'), '09:05');
    assert.equal(formatDateTime(instant, 'es', 'Europe/Madrid'), '24/11/26, 16:05');
    assert.equal(formatDateTime(instant, 'en', 'Europe/London'), '24/11/2026, 15:05');
  });

  test('missing or invalid dates give an empty string', () => {
    assert.equal(formatDateTime(null), '');
    assert.equal(formatDateTime('not a date'), '');
    assert.equal(formatTime(undefined), '');
  });

  test('values for date inputs', () => {
    const d = new Date(2026, 0, 5, 9, 7);
    assert.equal(toDateValue(d), '2026-01-05');
    assert.equal(toDateTimeLocalValue(d), '2026-01-05T09:07');
  });
});

test('initials', () => {
  assert.equal(initials('Ana María López'), 'AL');
  assert.equal(initials('luis'), 'L');
  assert.equal(initials('  '), '?');
  assert.equal(initials(null), '?');
});
