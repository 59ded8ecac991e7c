// The signed-in user's rights and SIP credentials (signing in and the profile
// are in app/auth/profile.ts).

import type { Supabase } from '../app/config';
import { DataError, unwrap } from './errors';

/** rpc/has_permission(p_permission) */
export async function hasPermission(supabase: Supabase, permission: string): Promise<boolean> {
  return unwrap(await supabase.rpc('has_permission', { p_permission: permission })) === true;
}

/** rpc/sip_credentials(): short-lived SIP credentials for the caller's own extension. */
export async function sipCredentials(supabase: Supabase) {
  const row = unwrap(await supabase.rpc('sip_credentials'));
  if (!row?.username || !row.password) throw new DataError('invalid', 'sip_credentials: empty answer');
  return row;
}

export type SipCredentials = Awaited<ReturnType<typeof sipCredentials>>;
