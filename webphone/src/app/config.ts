// The settings the gateway serves beside the app (config.json, written by
// scripts/up per stack, never bundled) and the one typed Supabase client.

import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { isNetworkError } from '../data/errors';
import type { Database } from '../types/database';

export interface WebphoneConfig {
  supabaseUrl: string;
  supabaseAnonKey: string;
  sipWsUrl: string;
  sipDomain: string;
  iceServers: RTCIceServer[];
  ringTimeoutSeconds: number;
  floorPollSeconds: number;
}

export type Supabase = SupabaseClient<Database>;

export class ConfigError extends Error {
  /** network: the gateway did not answer; config: the file is missing or incomplete. */
  readonly kind: 'network' | 'config';

  constructor(kind: 'network' | 'config', message: string) {
    super(message);
    this.name = 'ConfigError';
    this.kind = kind;
  }
}

const REQUIRED = ['supabaseUrl', 'supabaseAnonKey'] as const;

/** config.json beside the app, written per stack by scripts/up. */
export async function loadConfig(url = `${import.meta.env.BASE_URL}config.json`): Promise<WebphoneConfig> {
  let response: Response;
  try {
    response = await fetch(url, { cache: 'no-store' });
  } catch (err) {
    throw new ConfigError('network', `config: ${err instanceof Error ? err.message : String(err)}`);
  }
  // The SPA fallback answers a missing file with index.html: only JSON counts.
  if (!response.ok || !(response.headers.get('content-type') ?? '').includes('json')) {
    throw new ConfigError('config', `config: ${url} is missing (run scripts/up)`);
  }
  const raw: unknown = await response.json();
  const config = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<WebphoneConfig>;
  for (const key of REQUIRED) {
    if (!config[key]) throw new ConfigError('config', `config: ${key} is missing`);
  }
  return { sipWsUrl: '', sipDomain: '', iceServers: [], ringTimeoutSeconds: 45, floorPollSeconds: 5, ...config } as WebphoneConfig;
}

export interface NetworkWatch {
  /** A request did not reach the server (or the gateway answered 502-504): the "server unreachable" banner. */
  onNetworkError?: (error: unknown) => void;
  /** A request got through again. */
  onNetworkOk?: () => void;
}

/**
 * The app's one client. The session is kept in localStorage and refreshed
 * before it expires; every request reports whether it reached the server.
 */
export function createSupabase(
  config: Pick<WebphoneConfig, 'supabaseUrl' | 'supabaseAnonKey'>,
  { onNetworkError = () => undefined, onNetworkOk = () => undefined }: NetworkWatch = {},
): Supabase {
  const watchedFetch: typeof fetch = async (input, init) => {
    try {
      const response = await fetch(input, init);
      if (response.status >= 502 && response.status <= 504) onNetworkError(new Error(response.statusText));
      else onNetworkOk();
      return response;
    } catch (err) {
      if (isNetworkError(err) || err instanceof TypeError) onNetworkError(err);
      throw err;
    }
  };
  return createClient<Database>(config.supabaseUrl, config.supabaseAnonKey, {
    auth: {
      autoRefreshToken: true,
      persistSession: true,
      detectSessionInUrl: false,
      storageKey: 'crm-webphone-session',
    },
    global: { fetch: watchedFetch },
  });
}
