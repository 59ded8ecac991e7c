// The settings the gateway serves beside the app (config.json, written by
// scripts/up per stack, never bundled) and the one typed Supabase client.

import { createClient, type SupabaseClient } from '@supabase/supabase-js';
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

/**
 * The app's one client. Same storage key as the old app: one sign-in serves
 * both while they live side by side on the same origin.
 */
export function createSupabase(config: Pick<WebphoneConfig, 'supabaseUrl' | 'supabaseAnonKey'>): Supabase {
  return createClient<Database>(config.supabaseUrl, config.supabaseAnonKey, {
    auth: {
      autoRefreshToken: true,
      persistSession: true,
      detectSessionInUrl: false,
      storageKey: 'crm-webphone-session',
    },
  });
}
