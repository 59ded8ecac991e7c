// What the webphone's /set-password page does with a one-time link, through supabase-js (the
// webphone's client): verifyOtp({ token_hash, type }) opens a session, updateUser({ password })
// sets the password; then the same link once more, and a sign-in with the new password.
// Prints what each step returned as one JSON document on stdout; this script decides nothing.
//
//   SUPABASE_URL=... SUPABASE_ANON_KEY=... TOKEN_HASH=... TYPE=invite|recovery
//   EMAIL=... NEW_PASSWORD=... node tests/support/set_password_js.mjs

import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';

const env = process.env;
// Node 20 has no global WebSocket: supabase-js wants one for Realtime even when unused.
const client = () => createClient(env.SUPABASE_URL, env.SUPABASE_ANON_KEY, {
  auth: { persistSession: false, autoRefreshToken: false },
  realtime: { transport: WebSocket },
});
const error = (e) => (e ? { code: e.code ?? null, status: e.status ?? null, message: e.message } : null);
const out = {};

const page = client();
const verified = await page.auth.verifyOtp({ token_hash: env.TOKEN_HASH, type: env.TYPE });
out.verify = {
  error: error(verified.error),
  email: verified.data?.user?.email ?? null,
  confirmed: Boolean(verified.data?.user?.email_confirmed_at),
  session: Boolean(verified.data?.session?.access_token),
};
const updated = await page.auth.updateUser({ password: env.NEW_PASSWORD });
out.update = { error: error(updated.error), email: updated.data?.user?.email ?? null };
const profile = await page.from('profiles').select('email, full_name, role, sip_extension, active')
  .eq('email', env.EMAIL);
out.profile = { error: profile.error ? profile.error.message : null, rows: profile.data };

const again = await client().auth.verifyOtp({ token_hash: env.TOKEN_HASH, type: env.TYPE });
out.again = { error: error(again.error), session: Boolean(again.data?.session) };

const signIn = await client().auth.signInWithPassword({ email: env.EMAIL, password: env.NEW_PASSWORD });
out.signIn = { error: error(signIn.error), email: signIn.data?.user?.email ?? null };

process.stdout.write(JSON.stringify(out));
