// Listening to a recording: rpc/recording_url's refusals (404/400 as
// PostgREST error bodies) and its grant, then Storage's createSignedUrl under
// that grant, at once: no polling. A fake supabase client records the calls.

import { describe, expect, test } from 'vitest';
import { recordingUrl } from '../src/data/recordings';
import { RecordingError, recordingRefusal, DataError, type RecordingErrorCode } from '../src/data/errors';
import type { Supabase } from '../src/app/config';
import { describeError } from '../src/app/errors';
import { createI18n } from '../src/app/i18n';
import { canListen, RECORDING_STATUSES } from '../src/app/components/Recording';

const CALL = 'c0000000-0000-4000-8000-000000000001';
const PATH = 'c0000000-0000-4000-8000-00000000000a/2026/11/20/c0000000-0000-4000-8000-000000000001.opus';

type Answer = Record<string, unknown>;

/**
 * A supabase-js stand-in: rpc() answers `rpcResult`; storage.from(bucket)
 * .createSignedUrl(path, seconds) answers `signResult`. Anything else throws.
 */
function fakeClient({ rpcResult, signResult = { data: null, error: null } }: { rpcResult: Answer; signResult?: Answer }) {
  const calls: { rpc: { name: string; args: unknown }[]; sign: { bucket: string; path: string; seconds: number }[] } = { rpc: [], sign: [] };
  const client = {
    rpc(name: string, args: unknown) {
      calls.rpc.push({ name, args });
      return Promise.resolve(rpcResult);
    },
    from() { throw new Error('no table is read to listen'); },
    storage: {
      from(bucket: string) {
        return {
          createSignedUrl(path: string, seconds: number) {
            calls.sign.push({ bucket, path, seconds });
            return Promise.resolve(signResult);
          },
        };
      },
    },
  };
  // Only rpc() and storage.from().createSignedUrl() are used: the cast is the test double's.
  return Object.assign(client as unknown as Supabase, { calls });
}

const granted = (extra: Answer = {}) => ({
  data: { bucket: 'recordings', path: PATH, expires_in: 300, granted_until: '2026-11-25T12:00:30Z', call_id: CALL, access_id: 7, ...extra },
  error: null,
  status: 200,
});
const signed = (url: string) => ({ data: { signedUrl: url }, error: null });
const storageError = (name: string, message: string, status?: number) => ({
  data: null, error: Object.assign(new Error(message), { name, status }),
});

describe('recordingUrl: the grant, then Storage signs', () => {
  test('rpc/recording_url, then createSignedUrl of the granted object for expires_in: the URL', async () => {
    const supabase = fakeClient({ rpcResult: granted(), signResult: signed('http://gw/storage/v1/object/sign/recordings/x?token=t') });
    expect(await recordingUrl(supabase, CALL)).toBe('http://gw/storage/v1/object/sign/recordings/x?token=t');
    expect(supabase.calls.rpc).toStrictEqual([{ name: 'recording_url', args: { p_call_id: CALL } }]);
    expect(supabase.calls.sign).toStrictEqual([{ bucket: 'recordings', path: PATH, seconds: 300 }]);
  });

  test('the bucket and lifetime are the grant\'s, not the client\'s', async () => {
    const supabase = fakeClient({ rpcResult: granted({ bucket: 'elsewhere', expires_in: 60 }), signResult: signed('http://x') });
    await recordingUrl(supabase, CALL);
    expect(supabase.calls.sign).toStrictEqual([{ bucket: 'elsewhere', path: PATH, seconds: 60 }]);
  });

  test('Storage refusing (grant used or over): failed, with Storage\'s message', async () => {
    const supabase = fakeClient({ rpcResult: granted(), signResult: storageError('StorageApiError', 'Object not found', 400) });
    const failure = recordingUrl(supabase, CALL);
    await expect(failure).rejects.toBeInstanceOf(RecordingError);
    await expect(failure).rejects.toMatchObject({ code: 'failed', details: 'Object not found' });
    expect(supabase.calls.sign.length, 'signed once, never retried').toBe(1);
  });

  test('Storage out of reach: a network DataError', async () => {
    const supabase = fakeClient({ rpcResult: granted(), signResult: storageError('StorageUnknownError', 'TypeError: fetch failed') });
    await expect(recordingUrl(supabase, CALL)).rejects.toSatisfy((err) => err instanceof DataError && err.kind === 'network');
  });

  test('an answer that is no grant: failed, and nothing is signed', async () => {
    for (const data of [null, {}, { bucket: 'recordings', path: PATH }, { bucket: 1, path: PATH, expires_in: 300 }]) {
      const supabase = fakeClient({ rpcResult: { data, error: null, status: 200 } });
      await expect(recordingUrl(supabase, CALL)).rejects.toMatchObject({ name: 'RecordingError', code: 'failed' });
      expect(supabase.calls.sign).toStrictEqual([]);
    }
  });
});

describe('recordingUrl: refusals', () => {
  const refusal = (code: string, status: number, message: string, details: string | null = null) => ({ data: null, status, error: { code, message, details, hint: null } });

  const cases: [string, Answer, string, string | null][] = [
    ['403 (42501): forbidden', refusal('42501', 403, `p_call_id: you may not listen to the recording of call ${CALL}`), 'forbidden', null],
    ['404 (PT404), no such call or not yours: no_call', refusal('PT404', 404, 'p_call_id: not found or not yours'), 'no_call', null],
    ['404 (PT404), a call without recording: no_recording, with its status',
      refusal('PT404', 404, `p_call_id: call ${CALL} has no recording to listen to`, 'recording_status: purged'), 'no_recording', 'purged'],
    ['404 (PT404), never recorded: no_recording', refusal('PT404', 404, 'x', 'recording_status: none'), 'no_recording', null],
    ['404 (PT404) for a call still marked stored (its lead is being erased): gone',
      refusal('PT404', 404, 'x', 'recording_status: stored'), 'gone', 'stored'],
    ['400 (22023): invalid', refusal('22023', 400, 'p_call_id: required'), 'invalid', null],
  ];
  for (const [name, answer, code, recordingStatus] of cases) {
    test(name, async () => {
      const supabase = fakeClient({ rpcResult: answer });
      const refusal = recordingUrl(supabase, CALL);
      await expect(refusal).rejects.toBeInstanceOf(RecordingError);
      await expect(refusal).rejects.toMatchObject({ code, recordingStatus });
      expect(supabase.calls.sign, 'a refusal signs nothing').toStrictEqual([]);
    });
  }

  test('a body without a code is read by its HTTP status', () => {
    expect(recordingRefusal({ message: 'Forbidden' }, 403).code).toBe('forbidden');
    expect(recordingRefusal({ message: 'Not Found' }, 404).code).toBe('no_call');
    expect(recordingRefusal({ message: 'Bad Request' }, 400).code).toBe('invalid');
  });

  test('a network failure or a missing function stays an ordinary DataError', () => {
    const network = recordingRefusal({ message: 'TypeError: Failed to fetch' }, 0);
    expect(network).toBeInstanceOf(DataError);
    expect(network).toMatchObject({ name: 'DataError', kind: 'network' });
    const missing = recordingRefusal({ code: 'PGRST202', message: 'Could not find the function public.recording_url' }, 404);
    expect(missing).toMatchObject({ kind: 'not_available' });
  });
});

describe('recording messages', () => {
  test('each refusal has its own sentence in both languages', () => {
    const codes: RecordingErrorCode[] = ['forbidden', 'no_call', 'no_recording', 'invalid', 'failed', 'gone'];
    for (const lang of ['es', 'en']) {
      const i18n = createI18n(lang);
      const texts = codes.map((code) => describeError(i18n, new RecordingError(code, 'server text')));
      expect(new Set(texts).size, `${lang}: distinct messages`).toBe(codes.length);
      expect(texts.every((text) => !text.includes('server text')), 'the English server message is not shown raw').toBeTruthy();
    }
    const en = createI18n('en');
    expect(describeError(en, new RecordingError('failed'))).toMatch(/Listen again/);
    expect(describeError(en, new RecordingError('no_recording', 'x', { recordingStatus: 'purged' }))).toMatch(/\(Expired\)/);
    expect(describeError(en, new RecordingError('failed', 'x', { details: 'bucket gone' }))).toMatch(/bucket gone/);
    const es = createI18n('es');
    expect(describeError(es, new RecordingError('failed'))).toMatch(/Escuchar otra vez/);
    expect(describeError(es, new RecordingError('forbidden'))).toMatch(/permiso/);
  });
});

describe('the Listen button', () => {
  test('only for a stored recording', () => {
    expect(RECORDING_STATUSES.filter((status) => canListen({ recording_status: status }))).toStrictEqual(['stored']);
    expect(canListen({ recording_status: null })).toBe(false);
    expect(canListen(null)).toBe(false);
  });
});
