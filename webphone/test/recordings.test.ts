// Listening to a recording: rpc/recording_url's refusals (403/404/400 as
// PostgREST error bodies) and the wait for the recordings worker to sign the
// recording_links row, with a fake supabase client and a fake clock.

import { describe, expect, test } from 'vitest';
import { recordingUrl, RECORDING_LINK_POLL_MS, RECORDING_LINK_TIMEOUT_MS } from '../src/data/recordings';
import { RecordingError, recordingRefusal, DataError, type RecordingErrorCode } from '../src/data/errors';
import type { Supabase } from '../src/app/config';
import { describeError } from '../src/app/errors';
import { createI18n } from '../src/app/i18n';
import { canListen, RECORDING_STATUSES } from '../src/app/components/Recording';

const CALL = 'c0000000-0000-4000-8000-000000000001';
const LINK = 'l0000000-0000-4000-8000-000000000001';

type Answer = Record<string, unknown>;
interface Query { table: string; columns?: string; filters: [string, unknown][] }

/**
 * A supabase-js stand-in: rpc() answers `rpcResult`; each read of
 * recording_links answers the next of `reads` (the last one repeats).
 */
function fakeClient({ rpcResult, reads = [] }: { rpcResult: Answer; reads?: Answer[] }) {
  const calls: { rpc: { name: string; args: unknown }[]; reads: Query[] } = { rpc: [], reads: [] };
  let i = 0;
  const client = {
    rpc(name: string, args: unknown) {
      calls.rpc.push({ name, args });
      return Promise.resolve(rpcResult);
    },
    from(table: string) {
      const query: Query = { table, filters: [] };
      const builder = {
        select(columns: string) { query.columns = columns; return builder; },
        eq(column: string, value: unknown) { query.filters.push([column, value]); return builder; },
        maybeSingle() {
          calls.reads.push(query);
          const answer = reads[Math.min(i, reads.length - 1)];
          i += 1;
          return Promise.resolve(answer);
        },
      };
      return builder;
    },
  };
  // Only rpc() and from().select().eq().maybeSingle() are used: the cast is the test double's.
  return Object.assign(client as unknown as Supabase, { calls });
}

/** A clock that only moves when the code under test sleeps. */
function fakeTime() {
  let t = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: (ms: number) => { sleeps.push(ms); t += ms; return Promise.resolve(); },
  };
}

const granted = (status = 'signing', extra: Answer = {}) => ({
  data: { id: LINK, call_id: CALL, status, url: null, expires_at: null, error: null, ...extra }, error: null, status: 200,
});
const row = (status: string, extra: Answer = {}) => ({ data: { status, url: null, expires_at: null, error: null, ...extra }, error: null });

describe('recordingUrl: waiting for the signed link', () => {
  test('signing, signing, then ready: the url, read by the link id every 250 ms', async () => {
    const time = fakeTime();
    const supabase = fakeClient({
      rpcResult: granted(),
      reads: [row('signing'), row('signing'), row('ready', { url: 'https://x/signed?token=abc', expires_at: '2026-11-24T12:05:00Z' })],
    });
    const url = await recordingUrl(supabase, CALL, time);
    expect(url).toBe('https://x/signed?token=abc');
    expect(supabase.calls.rpc).toStrictEqual([{ name: 'recording_url', args: { p_call_id: CALL } }]);
    expect(supabase.calls.reads.length).toBe(3);
    for (const q of supabase.calls.reads) {
      expect(q.table).toBe('recording_links');
      expect(q.columns?.replace(/\s/g, '')).toBe('status,url,expires_at,error');
      expect(q.filters).toStrictEqual([['id', LINK]]);
    }
    expect(time.sleeps).toStrictEqual([250, 250, 250]);
    expect(RECORDING_LINK_POLL_MS).toBe(250);
  });

  test('a link the worker already signed needs no polling', async () => {
    const time = fakeTime();
    const supabase = fakeClient({ rpcResult: granted('ready', { url: 'https://x/now', expires_at: '2026-11-24T12:05:00Z' }) });
    expect(await recordingUrl(supabase, CALL, time)).toBe('https://x/now');
    expect(supabase.calls.reads.length).toBe(0);
    expect(time.sleeps).toStrictEqual([]);
  });

  test('failed: the worker\'s error', async () => {
    const time = fakeTime();
    const supabase = fakeClient({ rpcResult: granted(), reads: [row('signing'), row('failed', { error: 'object not found in bucket recordings' })] });
    const failure = recordingUrl(supabase, CALL, time);
    await expect(failure).rejects.toBeInstanceOf(RecordingError);
    await expect(failure).rejects.toMatchObject({ code: 'failed', details: 'object not found in bucket recordings' });
    expect(supabase.calls.reads.length).toBe(2);
  });

  test('no answer within the timeout (15 s): timeout, after polling all along', async () => {
    const time = fakeTime();
    const start = time.now();
    const supabase = fakeClient({ rpcResult: granted(), reads: [row('signing')] });
    await expect(recordingUrl(supabase, CALL, time)).rejects.toSatisfy((err) => err instanceof RecordingError && err.code === 'timeout');
    expect(RECORDING_LINK_TIMEOUT_MS).toBe(15_000);
    expect(time.now() - start, 'gave up at the deadline, not before or long after').toBe(15_000);
    expect(supabase.calls.reads.length).toBe(15_000 / 250);
  });

  test('the timeout and interval can be chosen', async () => {
    const time = fakeTime();
    const supabase = fakeClient({ rpcResult: granted(), reads: [row('signing')] });
    await expect(recordingUrl(supabase, CALL, { ...time, pollMs: 100, timeoutMs: 1000 })).rejects.toMatchObject({ code: 'timeout' });
    expect(supabase.calls.reads.length).toBe(10);
    expect(time.sleeps.every((ms) => ms === 100)).toBeTruthy();
  });

  test('a lost poll is retried; another read error is final', async () => {
    const time = fakeTime();
    const lost = { data: null, error: { message: 'TypeError: fetch failed', details: '', hint: '', code: '' } };
    const supabase = fakeClient({ rpcResult: granted(), reads: [lost, row('ready', { url: 'https://x/after', expires_at: 'x' })] });
    expect(await recordingUrl(supabase, CALL, time)).toBe('https://x/after');

    const denied = { data: null, error: { code: '42501', message: 'permission denied for table recording_links' } };
    const other = fakeClient({ rpcResult: granted(), reads: [denied] });
    await expect(recordingUrl(other, CALL, fakeTime())).rejects.toSatisfy((err) => err instanceof DataError && err.kind === 'forbidden');
  });

  test('a link that vanished meanwhile (the lead was erased): gone', async () => {
    const supabase = fakeClient({ rpcResult: granted(), reads: [{ data: null, error: null }] });
    await expect(recordingUrl(supabase, CALL, fakeTime())).rejects.toMatchObject({ name: 'RecordingError', code: 'gone' });
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
      const time = fakeTime();
      const supabase = fakeClient({ rpcResult: answer });
      const refusal = recordingUrl(supabase, CALL, time);
      await expect(refusal).rejects.toBeInstanceOf(RecordingError);
      await expect(refusal).rejects.toMatchObject({ code, recordingStatus });
      expect(supabase.calls.reads.length, 'a refusal is not polled').toBe(0);
      expect(time.sleeps).toStrictEqual([]);
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
    const codes: RecordingErrorCode[] = ['forbidden', 'no_call', 'no_recording', 'invalid', 'failed', 'timeout', 'gone'];
    for (const lang of ['es', 'en']) {
      const i18n = createI18n(lang);
      const texts = codes.map((code) => describeError(i18n, new RecordingError(code, 'server text')));
      expect(new Set(texts).size, `${lang}: distinct messages`).toBe(codes.length);
      expect(texts.every((text) => !text.includes('server text')), 'the English server message is not shown raw').toBeTruthy();
    }
    const en = createI18n('en');
    expect(describeError(en, new RecordingError('timeout'))).toMatch(/not answering/);
    expect(describeError(en, new RecordingError('no_recording', 'x', { recordingStatus: 'purged' }))).toMatch(/\(Expired\)/);
    expect(describeError(en, new RecordingError('failed', 'x', { details: 'bucket gone' }))).toMatch(/bucket gone/);
    const es = createI18n('es');
    expect(describeError(es, new RecordingError('timeout'))).toMatch(/no responde/);
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
