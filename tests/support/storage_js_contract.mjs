// supabase-js (the webphone's client) against the Storage endpoint of a running stack: the
// calls it makes, in order, with what each returned, as one JSON document on stdout.
// tests/test_storage.py runs it and judges the results; this script decides nothing.
//
//   SUPABASE_URL=... SUPABASE_ANON_KEY=... SUPABASE_SERVICE_ROLE_KEY=... BUCKET=... \
//   USER_EMAIL=... USER_PASSWORD=... PROTECTED_BUCKET=... PROTECTED_PATH=... \
//   node tests/support/storage_js_contract.mjs

import { createClient } from '@supabase/supabase-js';

const env = process.env;
// Node 20 has no WebSocket and this script never opens Realtime: a transport that is never
// constructed lets supabase-js build its client (the browser has a real one).
class NoRealtime { constructor() { throw new Error('Realtime is not used here'); } }
const options = { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: NoRealtime } };
const service = createClient(env.SUPABASE_URL, env.SUPABASE_SERVICE_ROLE_KEY, options);
const user = createClient(env.SUPABASE_URL, env.SUPABASE_ANON_KEY, options);
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });
const out = {};
const error = (e) => (e ? { name: e.name, message: e.message, status: e.status ?? e.statusCode ?? null } : null);

const bytes = new Uint8Array(4096).map((_, i) => (i * 7) % 256);
const path = `js/${Date.now()}/clip.bin`;
const bucket = service.storage.from(env.BUCKET);

let r = await bucket.upload(path, bytes, { contentType: 'application/octet-stream' });
out.upload = { path: r.data?.path ?? null, error: error(r.error) };
r = await bucket.upload(path, bytes, { contentType: 'application/octet-stream' });
out.upload_again = { error: error(r.error) };
r = await bucket.upload(path, bytes.slice(0, 1024), { upsert: true, contentType: 'application/octet-stream' });
out.upsert = { error: error(r.error) };
r = await bucket.upload(path, bytes, { upsert: true, contentType: 'application/octet-stream' });

r = await bucket.list(path.split('/').slice(0, 2).join('/'));
out.list = { names: (r.data ?? []).map((o) => o.name), error: error(r.error) };

r = await bucket.download(path);
out.download = { size: r.data ? (await r.data.arrayBuffer()).byteLength : null, error: error(r.error) };

r = await bucket.createSignedUrl(path, 60);
const signed = r.data?.signedUrl ?? null;
out.sign = { url: signed, error: error(r.error) };
if (signed) {
  const res = await fetch(signed);
  const body = new Uint8Array(await res.arrayBuffer());
  out.signed_get = { status: res.status, size: body.length, same: body.every((b, i) => b === bytes[i]) };
}

r = await bucket.createSignedUrl(path, 1);
if (r.data?.signedUrl) {
  await sleep(2200);
  const res = await fetch(r.data.signedUrl);
  out.expired_get = { status: res.status };
}

r = await bucket.remove([path]);
out.remove = { removed: (r.data ?? []).map((o) => o.name), error: error(r.error) };
r = await bucket.download(path);
out.download_removed = { error: error(r.error) };

// A signed-in person against a bucket closed to every API role.
await user.auth.signInWithPassword({ email: env.USER_EMAIL, password: env.USER_PASSWORD });
const closed = user.storage.from(env.PROTECTED_BUCKET);
r = await closed.download(env.PROTECTED_PATH);
out.user_download = { error: error(r.error) };
r = await closed.createSignedUrl(env.PROTECTED_PATH, 60);
out.user_sign = { url: r.data?.signedUrl ?? null, error: error(r.error) };
r = await closed.list(env.PROTECTED_PATH.split('/')[0]);
out.user_list = { names: (r.data ?? []).map((o) => o.name), error: error(r.error) };

process.stdout.write(JSON.stringify(out));
