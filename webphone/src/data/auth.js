// Signing in and out, and the signed-in user's profile and rights.

import { unwrap, toDataError, DataError } from './errors';

/** Auth: password sign-in (Supabase Auth /auth/v1/token?grant_type=password). */
export async function signIn(supabase, email, password) {
  const { data, error } = await supabase.auth.signInWithPassword({ email, password });
  if (error) {
    if (error.status === 400 || error.code === 'invalid_credentials') {
      throw new DataError('auth', error.message, { code: error.code ?? 'invalid_credentials' });
    }
    throw toDataError(error);
  }
  return data.session;
}

/** Auth: sign out (revokes the refresh token; local sign-out if the server is away). */
export async function signOut(supabase) {
  const { error } = await supabase.auth.signOut();
  if (error) await supabase.auth.signOut({ scope: 'local' });
}

/** Auth: the stored session, refreshed if it had expired. */
export async function currentSession(supabase) {
  const { data, error } = await supabase.auth.getSession();
  if (error) throw toDataError(error);
  return data.session;
}

/** Table profiles: the signed-in user's own row. */
export async function fetchMyProfile(supabase, userId) {
  return unwrap(await supabase.from('profiles')
    .select('id, email, full_name, role, locale, active, sip_extension')
    .eq('id', userId)
    .single());
}

/** Table profiles: the signed-in user's interface language. */
export async function updateMyLocale(supabase, userId, locale) {
  return unwrap(await supabase.from('profiles').update({ locale }).eq('id', userId).select('locale'));
}

/** rpc/has_permission(p_permission) */
export async function hasPermission(supabase, permission) {
  return unwrap(await supabase.rpc('has_permission', { p_permission: permission }));
}

/** rpc/sip_credentials(): short-lived SIP credentials for the caller's own extension. */
export async function sipCredentials(supabase) {
  const data = unwrap(await supabase.rpc('sip_credentials'));
  const row = Array.isArray(data) ? data[0] : data;
  if (!row?.username) throw new DataError('invalid', 'sip_credentials: empty answer');
  return row;
}
