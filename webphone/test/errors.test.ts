// How the data layer names what went wrong (data/errors.ts): the kind the
// screens branch on, from PostgREST's and Auth's error objects or anything
// thrown. The recording refusals are in recordings.test.js.

import { describe, expect, test } from 'vitest';
import { DataError, isNetworkError, toDataError, unwrap, type DataErrorKind } from '../src/data/errors';

describe('toDataError', () => {
  const cases: [string, unknown, DataErrorKind][] = [
    ['fetch could not reach the server', new TypeError('Failed to fetch'), 'network'],
    ['Firefox says it differently', { message: 'NetworkError when attempting to fetch resource.' }, 'network'],
    ['the gateway is down (details)', { message: 'x', details: '502 Bad Gateway' }, 'network'],
    ['Auth retries on its own', Object.assign(new Error('x'), { name: 'AuthRetryableFetchError' }), 'network'],
    ['503 from the gateway', { message: 'x', status: 503 }, 'network'],
    ['no such function', { code: 'PGRST202', message: 'Could not find the function' }, 'not_available'],
    ['no such table', { code: '42P01', message: 'relation does not exist' }, 'not_available'],
    ['no row for .single()', { code: 'PGRST116', message: 'JSON object requested, multiple (or no) rows returned' }, 'not_found'],
    ['refused by a policy', { code: '42501', message: 'permission denied for table calls' }, 'forbidden'],
    ['an expired token', { code: 'PGRST303', message: 'JWT expired' }, 'auth'],
    ['401 from Auth', { message: 'Invalid Refresh Token', status: 401 }, 'auth'],
    ['bad input', { code: '22023', message: 'p_phone_number: not E.164' }, 'invalid'],
    ['a unique violation', { code: '23505', message: 'duplicate key' }, 'invalid'],
    ['a business rule (do-not-call)', { code: 'R0001', message: 'on the do-not-call list' }, 'invalid'],
    ['a conflict', { code: 'PT409', message: 'already validated' }, 'invalid'],
    ['anything else', { code: 'XX000', message: 'internal error' }, 'unknown'],
    ['a thrown string', 'something broke', 'unknown'],
  ];
  for (const [name, error, kind] of cases) {
    test(`${name} -> ${kind}`, () => {
      expect(toDataError(error).kind).toBe(kind);
    });
  }

  test('keeps the code, message, details and hint', () => {
    const err = toDataError({ code: '23514', message: 'premium must be positive', details: 'Failing row', hint: 'check it' });
    expect(err).toBeInstanceOf(DataError);
    expect(err).toMatchObject({ code: '23514', message: 'premium must be positive', details: 'Failing row', hint: 'check it' });
  });

  test('something without a message is shown as text', () => {
    expect(toDataError('something broke').message).toBe('something broke');
    expect(toDataError({ code: 'XX000' }).message).toBe('[object Object]');
  });

  test('a DataError passes through unchanged', () => {
    const err = new DataError('forbidden', 'no');
    expect(toDataError(err)).toBe(err);
  });
});

describe('isNetworkError', () => {
  test('nothing is not a network error', () => {
    expect(isNetworkError(null)).toBe(false);
    expect(isNetworkError(undefined)).toBe(false);
  });

  test('a DataError says so by its kind', () => {
    expect(isNetworkError(new DataError('network', 'x'))).toBe(true);
    expect(isNetworkError(new DataError('invalid', 'Failed to fetch'))).toBe(false);
  });

  test('a server answer is not a network error', () => {
    expect(isNetworkError({ code: '42501', message: 'permission denied', status: 403 })).toBe(false);
  });
});

describe('unwrap', () => {
  test('the data of a successful result', () => {
    expect(unwrap({ data: [{ id: 1 }], error: null })).toStrictEqual([{ id: 1 }]);
  });

  test('a failed result throws its DataError', () => {
    let thrown: unknown;
    try {
      unwrap({ data: null, error: { code: '42501', message: 'permission denied' } });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DataError);
    expect(thrown).toMatchObject({ kind: 'forbidden', message: 'permission denied' });
  });
});
