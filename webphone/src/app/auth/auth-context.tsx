// The signed-in person for every screen: the Supabase session and the
// profile row behind it (role, name, language), with sign-in and sign-out.
// A deactivated account is signed out again, a
// session that ends by itself brings back the sign-in with "session expired",
// and the language picked before signing in is saved to the profile.

import { useQueryClient } from '@tanstack/react-query';
import { createContext, use, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Supabase } from '../config';
import { isLanguage, LANGUAGE_STORAGE_KEY, switchLanguage, type Language } from '../i18n';
import * as auth from './profile';
import type { Profile } from './profile';

/** Why the sign-in screen is shown again: an i18n key, or an error to describe. */
export type SignInNotice = { key: 'signIn.expired' | 'signIn.inactive' } | { error: unknown };

export type AuthState =
  | { status: 'loading' }
  | { status: 'signed_out'; notice: SignInNotice | null }
  | { status: 'signed_in'; profile: Profile };

export interface Auth {
  state: AuthState;
  supabase: Supabase;
  /** Resolves once signed in with the profile loaded; throws what the form shows. */
  signIn: (email: string, password: string) => Promise<void>;
  /** `notice`: what the sign-in screen says next (a deactivated account: signIn.inactive). */
  signOut: (notice?: SignInNotice) => Promise<void>;
  changeLanguage: (language: string) => void;
}

/** A language picked on the sign-in screen; saved to the profile once signed in. */
export const CHOSEN_LANGUAGE_KEY = 'crm.language.chosen';

const AuthContext = createContext<Auth | null>(null);

/** A deactivated account: signed out again at once ("hable con su supervisor"). */
export class InactiveAccount extends Error {
  constructor() {
    super('inactive account');
    this.name = 'InactiveAccount';
  }
}

function noticeFor(err: unknown): SignInNotice {
  return err instanceof InactiveAccount ? { key: 'signIn.inactive' } : { error: err };
}

export function AuthProvider({ supabase, children }: { supabase: Supabase; children: ReactNode }) {
  const queryClient = useQueryClient();
  const { i18n } = useTranslation();
  const [state, setState] = useState<AuthState>({ status: 'loading' });
  const signingOut = useRef(false);
  const signedIn = useRef(false);

  const applyLanguage = useCallback((language: Language) => {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, language);
    void switchLanguage(i18n, language);
  }, [i18n]);

  /** The session's profile: refused when deactivated; its language applied. */
  const enter = useCallback(async (userId: string): Promise<Profile> => {
    const profile = await queryClient.query(auth.profileQuery(supabase, userId));
    if (!profile.active) {
      await auth.signOut(supabase).catch(() => undefined);
      throw new InactiveAccount();
    }
    const chosen = sessionStorage.getItem(CHOSEN_LANGUAGE_KEY);
    sessionStorage.removeItem(CHOSEN_LANGUAGE_KEY);
    if (isLanguage(chosen) && chosen !== profile.locale) {
      auth.updateMyLocale(supabase, profile.id, chosen).catch(() => undefined);
    }
    applyLanguage(isLanguage(chosen) ? chosen : isLanguage(profile.locale) ? profile.locale : 'es');
    signedIn.current = true;
    return profile;
  }, [queryClient, supabase, applyLanguage]);

  // The stored session, once at start.
  useEffect(() => {
    let live = true;
    (async () => {
      const session = await auth.currentSession(supabase);
      if (!session) return { status: 'signed_out', notice: null } as const;
      return { status: 'signed_in', profile: await enter(session.user.id) } as const;
    })().then(
      (next) => { if (live) setState(next); },
      (err: unknown) => { if (live) setState({ status: 'signed_out', notice: noticeFor(err) }); },
    );
    return () => { live = false; };
  }, [supabase, enter]);

  // A session that ends without the user asking (revoked, refresh refused).
  useEffect(() => {
    const { data } = supabase.auth.onAuthStateChange((event) => {
      if (event !== 'SIGNED_OUT' || !signedIn.current || signingOut.current) return;
      signedIn.current = false;
      queryClient.clear();
      setState({ status: 'signed_out', notice: { key: 'signIn.expired' } });
    });
    return () => { data.subscription.unsubscribe(); };
  }, [supabase, queryClient]);

  const signIn = useCallback(async (email: string, password: string) => {
    const session = await auth.signInWithPassword(supabase, email, password);
    try {
      const profile = await enter(session.user.id);
      setState({ status: 'signed_in', profile });
    } catch (err) {
      // Shown by the form: deactivated (already signed out), or the profile could not be read.
      if (!(err instanceof InactiveAccount)) await auth.signOut(supabase).catch(() => undefined);
      throw err;
    }
  }, [supabase, enter]);

  const signOut = useCallback(async (notice?: SignInNotice) => {
    signingOut.current = true;
    try {
      // Realtime channels are left while the token still counts: presence leaves at once.
      await supabase.removeAllChannels().catch(() => undefined);
      await auth.signOut(supabase);
    } finally {
      signingOut.current = false;
      signedIn.current = false;
      queryClient.clear();
      setState({ status: 'signed_out', notice: notice ?? null });
    }
  }, [supabase, queryClient]);

  const changeLanguage = useCallback((language: string) => {
    if (!isLanguage(language)) return;
    applyLanguage(language);
    if (state.status === 'signed_in') {
      auth.updateMyLocale(supabase, state.profile.id, language).catch(() => undefined);
      const profile = { ...state.profile, locale: language };
      queryClient.setQueryData(auth.profileQuery(supabase, profile.id).queryKey, profile);
      setState({ status: 'signed_in', profile });
    }
  }, [applyLanguage, state, supabase, queryClient]);

  const value = useMemo(() => ({ state, supabase, signIn, signOut, changeLanguage }),
    [state, supabase, signIn, signOut, changeLanguage]);
  return <AuthContext value={value}>{children}</AuthContext>;
}

export function useAuth(): Auth {
  const value = use(AuthContext);
  if (!value) throw new Error('useAuth outside <AuthProvider>');
  return value;
}

/** The signed-in profile; only for screens behind the sign-in. */
export function useProfile(): Profile {
  const { state } = useAuth();
  if (state.status !== 'signed_in') throw new Error('useProfile while signed out');
  return state.profile;
}
