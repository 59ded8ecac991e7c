// config.json as the app reads it at /config.json: the gateway's
// SPA fallback answers a missing file with index.html, which must read as
// "missing", not as a broken JSON parse.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ConfigError, loadConfig } from '../src/app/config';

function answer(body: string, type: string, status = 200) {
  vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(new Response(body, { status, headers: { 'content-type': type } }))));
}

afterEach(() => { vi.unstubAllGlobals(); });

describe('loadConfig', () => {
  test('fills the optional settings around what the stack wrote', async () => {
    answer(JSON.stringify({ supabaseUrl: 'http://127.0.0.1:1', supabaseAnonKey: 'anon', sipDomain: 'crm.local' }), 'application/json');
    const config = await loadConfig('/config.json');
    expect(config).toMatchObject({ supabaseUrl: 'http://127.0.0.1:1', sipDomain: 'crm.local', ringTimeoutSeconds: 45, floorPollSeconds: 5, iceServers: [] });
  });

  test("the SPA fallback's index.html means the file is missing", async () => {
    answer('<!doctype html>', 'text/html');
    await expect(loadConfig('/config.json')).rejects.toMatchObject({ name: 'ConfigError', kind: 'config' });
  });

  test('a file without the anon key is refused by name', async () => {
    answer(JSON.stringify({ supabaseUrl: 'http://127.0.0.1:1' }), 'application/json');
    await expect(loadConfig('/x')).rejects.toThrow('config: supabaseAnonKey is missing');
  });

  test('an unreachable gateway is a network error', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))));
    const error = await loadConfig('/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).kind).toBe('network');
  });
});
