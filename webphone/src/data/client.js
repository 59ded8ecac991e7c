// The Supabase client, and the app configuration that says where it is.
//
// config.json is written by scripts/up (git-ignored): supabaseUrl,
// supabaseAnonKey, sipWsUrl, sipDomain, iceServers - the architecture's
// VITE_SIP_* settings, read at start instead of baked into the bundle.

import { createClient } from '@supabase/supabase-js';
import { isNetworkError } from './errors';

const REQUIRED = ['supabaseUrl', 'supabaseAnonKey'];

export async function loadConfig(url = './config.json') {
  let response;
  try {
    response = await fetch(url, { cache: 'no-store' });
  } catch (err) {
    throw Object.assign(new Error(`config: ${err.message}`), { kind: 'network' });
  }
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok || !type.includes('json')) {
    throw Object.assign(new Error(`config: ${url} is missing (run scripts/up)`), { kind: 'config' });
  }
  const config = await response.json();
  for (const key of REQUIRED) {
    if (!config[key]) throw Object.assign(new Error(`config: ${key} is missing`), { kind: 'config' });
  }
  return {
    iceServers: [],
    ringTimeoutSeconds: 45,
    floorPollSeconds: 5,
    ...config,
  };
}

/**
 * The one client of the app. The session is kept in localStorage and
 * refreshed before it expires; `onNetworkError` hears of every request that
 * could not reach the server (for the "server unreachable" banner).
 */
export function createSupabase(config, { onNetworkError = () => {}, onNetworkOk = () => {} } = {}) {
  const watchedFetch = async (input, init) => {
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
  return createClient(config.supabaseUrl, config.supabaseAnonKey, {
    auth: {
      autoRefreshToken: true,
      persistSession: true,
      detectSessionInUrl: false,
      storageKey: 'crm-webphone-session',
    },
    global: { fetch: watchedFetch },
  });
}
