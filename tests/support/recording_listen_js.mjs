// supabase-js (the webphone's client) listening to a recording as the webphone does:
// rpc/recording_url, then storage.createSignedUrl under the grant, then the URL. What each step
// returned, as one JSON document on stdout; tests/recordings/test_listening.py judges it.
//
//   SUPABASE_URL=... SUPABASE_ANON_KEY=... USER_EMAIL=... OTHER_EMAIL=... USER_PASSWORD=...
//   CALL_ID=... node tests/support/recording_listen_js.mjs

import { createHash } from 'node:crypto';
import { createClient } from '@supabase/supabase-js';

const env = process.env;
// Node 20 has no WebSocket and this script never opens Realtime (see storage_js_contract.mjs).
class NoRealtime { constructor() { throw new Error('Realtime is not used here'); } }
const options = { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: NoRealtime } };
const error = (e) => (e ? { name: e.name, message: e.message, status: e.status ?? e.statusCode ?? null } : null);

async function signedIn(email) {
  const client = createClient(env.SUPABASE_URL, env.SUPABASE_ANON_KEY, options);
  const { error: e } = await client.auth.signInWithPassword({ email, password: env.USER_PASSWORD });
  if (e) throw e;
  return client;
}

const user = await signedIn(env.USER_EMAIL);
const other = await signedIn(env.OTHER_EMAIL);
const out = {};

const { data: grant, error: refused } = await user.rpc('recording_url', { p_call_id: env.CALL_ID });
out.grant = { ...(grant ?? {}), error: error(refused) };
if (grant) {
  let r = await user.storage.from(grant.bucket).createSignedUrl(grant.path, grant.expires_in);
  out.sign = { url: r.data?.signedUrl ?? null, error: error(r.error) };
  if (r.data?.signedUrl) {
    const res = await fetch(r.data.signedUrl);
    const body = Buffer.from(await res.arrayBuffer());
    out.get = { status: res.status, sha256: createHash('sha256').update(body).digest('hex') };
  }
  r = await user.storage.from(grant.bucket).createSignedUrl(grant.path, grant.expires_in);
  out.sign_again = { url: r.data?.signedUrl ?? null, error: error(r.error) };
  r = await other.storage.from(grant.bucket).createSignedUrl(grant.path, grant.expires_in);
  out.other_sign = { url: r.data?.signedUrl ?? null, error: error(r.error) };
}
process.stdout.write(`${JSON.stringify(out)}\n`);
