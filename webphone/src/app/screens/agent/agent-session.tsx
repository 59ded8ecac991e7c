// The agent's session for as long as the agent chunk is on screen: one
// softphone (registered at sign-in, unregistered at sign-out) and one desk
// machine, shared by the desk at /agent and a lead at /agent/lead/:id. The
// React side only subscribes: phone.ts and agent-desk.ts know nothing of it.

import {
  createContext, use, useCallback, useEffect, useState, useSyncExternalStore, type ReactNode,
} from 'react';
import { useTranslation } from 'react-i18next';
import { createAgentDesk, type DeskPhone, type DeskState } from '../../../desk/agent-desk';
import { createPhone, type PhoneOptions, type PhoneStatusSnapshot } from '../../../sip/phone';
import type { CallSnapshot } from '../../../sip/call-state';
import { useConfig } from '../../app-context';
import { useAuth, useProfile } from '../../auth/auth-context';
import { useNotices } from '../../components/Notices';
import { useSignOutGuard } from '../../components/Shell';
import type { Supabase } from '../../config';
import { AgentRealtime } from './agent-realtime';
import { bindDeskData, type DeskData } from './desk-data';

/** The softphone as the screens use it: sip/phone.ts, or a fake with the same surface. */
export interface AgentPhone extends DeskPhone {
  readonly status: PhoneStatusSnapshot;
  on(kind: 'status', listener: (status: PhoneStatusSnapshot) => void): () => void;
  on(kind: 'call', listener: (snapshot: CallSnapshot) => void): () => void;
  start(): Promise<void>;
  reconnect(): Promise<void>;
  destroy(): void;
  /** The dialer session whose nailed-up INVITE the phone answers (null: none). */
  setDialerSession(id: string | null): void;
}

export type AgentDesk = ReturnType<typeof createAgentDesk>;

export interface AgentSession {
  phone: AgentPhone;
  desk: AgentDesk;
  data: DeskData;
}

/** How the session gets its phone and data: the real ones, or fakes in tests. */
export interface AgentDeps {
  makePhone: (options: PhoneOptions) => AgentPhone;
  makeData: (supabase: Supabase) => DeskData;
}

export const AgentDepsContext = createContext<AgentDeps>({ makePhone: createPhone, makeData: bindDeskData });

const AgentSessionContext = createContext<AgentSession | null>(null);

export function useAgentSession(): AgentSession {
  const session = use(AgentSessionContext);
  if (!session) throw new Error('useAgentSession outside <AgentSessionProvider>');
  return session;
}

/** The desk machine's state, re-rendered on each change. */
export function useDeskState(): DeskState {
  const { desk } = useAgentSession();
  const subscribe = useCallback((fn: () => void) => desk.subscribe(fn), [desk]);
  return useSyncExternalStore(subscribe, () => desk.state);
}

export function usePhoneStatus(): PhoneStatusSnapshot {
  const { phone } = useAgentSession();
  const subscribe = useCallback((fn: () => void) => phone.on('status', fn), [phone]);
  return useSyncExternalStore(subscribe, () => phone.status);
}

declare global {
  interface Window {
    /** For diagnostics from the browser console, as the old app offered. */
    crm?: { phone: AgentPhone; desk: AgentDesk };
  }
}

export function AgentSessionProvider({ children }: { children: ReactNode }) {
  const { supabase } = useAuth();
  const profile = useProfile();
  const config = useConfig();
  const deps = use(AgentDepsContext);
  const [session, setSession] = useState<AgentSession | null>(null);
  const displayName = profile.full_name;

  useEffect(() => {
    const data = deps.makeData(supabase);
    const phone = deps.makePhone({
      config,
      fetchCredentials: () => data.sipCredentials(),
      displayName,
      // The element is rendered below; the phone looks it up when a call brings audio.
      remoteAudio: () => document.getElementById('remote-audio') as HTMLAudioElement | null,
    });
    const desk = createAgentDesk({ api: data, phone });
    // The phone and the desk are outside React: made and torn down with this effect.
    // eslint-disable-next-line react-hooks/set-state-in-effect -- publishing the external system just made
    setSession({ phone, desk, data });
    window.crm = { phone, desk };
    phone.start().catch((err: unknown) => { console.warn('[agent] phone did not start', err); });
    return () => {
      phone.destroy();
      setSession(null);
      if (window.crm?.phone === phone) delete window.crm;
    };
  }, [deps, supabase, config, displayName]);

  return (
    <>
      {/* Where the lead is heard (the old index.html's element, same id). */}
      <audio id="remote-audio" autoPlay />
      {session ? (
        <AgentSessionContext value={session}>
          <PhoneBanners />
          <LeaveGuard />
          <AgentRealtime />
          {children}
        </AgentSessionContext>
      ) : null}
    </>
  );
}

/** The SIP registration's banners (banner-sip), as the old app showed them. */
function PhoneBanners() {
  const { t } = useTranslation();
  const { phone } = useAgentSession();
  const { showBanner, hideBanner, toast } = useNotices();
  useEffect(() => {
    let shown = false;
    const retry = { label: t('common.retry'), run: () => { phone.reconnect().catch(() => undefined); } };
    const onStatus = (status: PhoneStatusSnapshot) => {
      switch (status.state) {
        case 'registered':
          if (shown) toast(t('banner.sip.back'), { level: 'info' });
          shown = false;
          hideBanner('sip');
          break;
        case 'reconnecting':
          shown = true;
          showBanner('sip', { level: 'warning', title: t('banner.sip.lostTitle'), text: t('banner.sip.lostText') });
          break;
        case 'failed':
          shown = true;
          showBanner('sip', {
            level: 'error', title: t('banner.sip.failedTitle'),
            text: t(`phone.error.${status.error ?? 'sip_unreachable'}`), action: retry,
          });
          break;
        case 'no_extension':
          shown = true;
          showBanner('sip', { level: 'warning', title: t('banner.sip.noExtensionTitle'), text: t('phone.error.no_extension') });
          break;
        default:
          break;
      }
    };
    onStatus(phone.status);
    const off = phone.on('status', onStatus);
    return () => {
      off();
      hideBanner('sip');
      hideBanner('mic');
    };
  }, [phone, t, showBanner, hideBanner, toast]);
  return null;
}

/** The browser asks before leaving a page with a call or a wrap-up on it; the sign-out refuses. */
function LeaveGuard() {
  const { desk } = useAgentSession();
  // Signing out would drop the call or its wrap-up: finish them first.
  useSignOutGuard(() => Boolean(desk.state.activeCall || desk.state.wrapUp));
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (desk.state.activeCall || desk.state.wrapUp) {
        event.preventDefault();
      }
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => { window.removeEventListener('beforeunload', onBeforeUnload); };
  }, [desk]);
  return null;
}
