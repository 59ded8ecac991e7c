// Phones on screen: libphonenumber-js groups a stored E.164 number as people
// read it in its country; anything else is shown as it came.
import { describe, expect, test } from 'vitest';
import { formatPhone, leadPhone } from '../src/app/lead-label';

describe('formatPhone', () => {
  const cases: [string, string, string][] = [
    ['+34612345678', '+34 612 34 56 78', 'Spanish mobile'],
    ['+34912345678', '+34 912 34 56 78', 'Spanish landline'],
    ['+525512345678', '+52 55 1234 5678', 'Mexico City'],
    ['+522221234567', '+52 222 123 4567', 'Puebla (three-digit area)'],
    ['+12125550123', '+1 212 555 0123', 'North America'],
    ['+447911123456', '+44 7911 123456', 'United Kingdom mobile'],
  ];
  for (const [input, expected, name] of cases) {
    test(`${name}: ${input} -> ${expected}`, () => { expect(formatPhone(input)).toBe(expected); });
  }

  test('anything that is not a valid number is shown as it is', () => {
    expect(formatPhone('612 34 56 78')).toBe('612 34 56 78');
    expect(formatPhone('+3400')).toBe('+3400');
    expect(formatPhone('')).toBe('');
    expect(formatPhone(null)).toBe('');
    expect(formatPhone(undefined)).toBe('');
  });

  test("a lead's phone, or nothing for an erased lead", () => {
    expect(leadPhone({ phone: '+34612345678' })).toBe('+34 612 34 56 78');
    expect(leadPhone({ phone: null })).toBe('');
    expect(leadPhone(null)).toBe('');
  });
});
