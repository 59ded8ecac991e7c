// Who is signed in: Supabase Auth for the password, the `profiles` row for
// the name, role, language and whether the account is active (as data/auth.js).

import type { Session } from '@supabase/supabase-js';
import { DataError, toDataError, unwrap } from '../../data/errors';
import type { Database } from '../../types/database';
import type { Supabase } from '../config';

export type Role = Database['public']['Enums']['app_role'];
export type Profile = Pick<
  Database['public']['Tables']['profiles']['Row'],
  'id' | 'email' | 'full_name' | 'role' | 'locale' | 'active' | 'sip_extension'
>;

/** Auth: password sign-in. A wrong password is DataError('auth', code invalid_credentials). */
export async function signInWithPassword(supabase: Supabase, email: string, password: string): Promise<Session> {
  const { data, error } = await supabase.auth.signInWithPassword({ email, password });
  if (error) {
    if (error.status === 400 || error.code === 'invalid_credentials') {
      throw new DataError('auth', error.message, { code: error.code ?? 'invalid_credentials' });
    }
    throw toDataError(error);
  }
  return data.session;
}

/** Auth: the stored session (refreshed if it had expired), or null. */
export async function currentSession(supabase: Supabase): Promise<Session | null> {
  const { data, error } = await supabase.auth.getSession();
  if (error) throw toDataError(error);
  return data.session;
}

/**
 * Auth: sign out of this browser. Scope `local` ends this session on the server (its refresh
 * token is revoked, the API refuses it) but not the person's other sessions: an agent leaving
 * one desk must not cut the supervisor's tablet or a second screen of the same account. If the
 * server is away, the session is still forgotten here.
 */
export async function signOut(supabase: Supabase): Promise<void> {
  await supabase.auth.signOut({ scope: 'local' });
}

/** TanStack Query: the signed-in user's own profile row. */
export function profileQuery(supabase: Supabase, userId: string) {
  return {
    queryKey: ['profile', userId] as const,
    queryFn: async (): Promise<Profile> => {
      const profile = unwrap(await supabase.from('profiles')
        .select('id, email, full_name, role, locale, active, sip_extension')
        .eq('id', userId)
        .single());
      if (!profile) throw new DataError('not_found', 'profile: no row for this user', { code: 'PGRST116' });
      return profile;
    },
    staleTime: Infinity,
  };
}

/** Table profiles: the signed-in user's interface language. */
export async function updateMyLocale(supabase: Supabase, userId: string, locale: string): Promise<void> {
  unwrap(await supabase.from('profiles').update({ locale }).eq('id', userId));
}
