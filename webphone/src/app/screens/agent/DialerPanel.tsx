// The desk in dialer mode (issue 16): in place of the phone panel when the
// campaign's dial_mode is progressive or predictive. Its own lazy chunk with
// its words (i18n/dialer.*.ts) and the dialer machine (desk/dialer-desk.ts):
// the preview desk never loads it. The session row is pushed by Realtime
// (postgres_changes on dialer_sessions, filter agent_id=eq.<me>) and read
// again after each join and every 15 s while a session is open.
//
// Hooks for tests and the e2e (data-test; the accessible names in Spanish):
//   dialer-panel (data-phase: off|joining|waiting|connected|leaving)
//   dialer-connect   button "Conectar al marcador"
//   dialer-leave     button "Salir del marcador"
//   dialer-status    role=status, "Conectado al marcador" once the line is up
//                    (data-phase as above)
//   dialer-agent     what the agent is doing (data-state: available|on_call|wrap_up|paused)
//   dialer-call      the popped call: dialer-lead-name (the lead's name),
//                    dialer-lead-phone, dialer-timer
//   dialer-hangup    button "Colgar" (rpc/dialer_hangup)
//   dialer-mute      button "Silenciar"
//   dialer-lost, dialer-error   messages; sip-status as in the phone panel
// The wrap-up is the desk's own form: wrap-up-form, wrap-up-disposition,
// wrap-up-notes, wrap-up-submit; the lead card is lead-card.

import { createContext, use, useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import {
  dialerHangup, dialerJoin, dialerLeave, getDialerCall, getDialerSession, myOpenDialerSession,
} from '../../../data/dialer';
import { createDialerDesk, type DialerApi, type DialerDesk, type DialerSessionRow, type DialerState } from '../../../desk/dialer-desk';
import { formatDuration } from '../../../i18n/format';
import dialerEn from '../../../i18n/dialer.en';
import dialerEs from '../../../i18n/dialer.es';
import { useAuth, useProfile } from '../../auth/auth-context';
import { useBeforeSignOut } from '../../components/Shell';
import type { Supabase } from '../../config';
import { describeError } from '../../errors';
import { addDictionaries, tMaybe } from '../../i18n';
import { formatPhone, leadName } from '../../lead-label';
import { useRealtimeChannels } from '../../realtime';
import { useAgentSession, useDeskState, usePhoneStatus } from './agent-session';
import { leadCard } from './desk-data';
import { useNow } from '../../clock';

addDictionaries({ es: dialerEs, en: dialerEn });

const REFRESH_MS = 15_000;

/** The dialer's data bound to the client (tests give a fake). */
export function bindDialerData(supabase: Supabase, userId: string): DialerApi {
  return {
    join: (campaignId) => dialerJoin(supabase, campaignId),
    leave: () => dialerLeave(supabase),
    hangup: (callId) => dialerHangup(supabase, callId),
    openSession: () => myOpenDialerSession(supabase, userId),
    getSession: (id) => getDialerSession(supabase, id),
    getCall: (callId) => getDialerCall(supabase, callId),
  };
}

export const DialerDataContext = createContext<(supabase: Supabase, userId: string) => DialerApi>(bindDialerData);

const BTN = 'inline-flex items-center justify-center gap-2 rounded-lg font-semibold focus-visible:outline-2 focus-visible:outline-offset-2 disabled:cursor-not-allowed disabled:opacity-50';
const PHASE_TONE: Record<string, string> = {
  connected: 'bg-emerald-100 text-emerald-800',
  waiting: 'bg-amber-100 text-amber-900',
  joining: 'bg-amber-100 text-amber-900',
  leaving: 'bg-slate-200 text-slate-700',
  off: 'bg-slate-200 text-slate-700',
};

function useDialerState(dialer: DialerDesk): DialerState {
  const subscribe = useCallback((fn: () => void) => dialer.subscribe(fn), [dialer]);
  return useSyncExternalStore(subscribe, () => dialer.state);
}

interface DialerPanelProps {
  campaignId: string;
  mode: string;
  onError: (err: unknown) => void;
  /** Whether a dialer session is open (the desk keeps the campaign while it is). */
  onActive: (active: boolean) => void;
}

export function DialerPanel(props: DialerPanelProps) {
  const { supabase } = useAuth();
  const profile = useProfile();
  const { desk, phone } = useAgentSession();
  const bind = use(DialerDataContext);
  const [dialer, setDialer] = useState<DialerDesk | null>(null);
  const { campaignId } = props;

  useEffect(() => {
    const made = createDialerDesk({ api: bind(supabase, profile.id), phone, desk });
    // The machine is outside React: made and disposed with this effect.
    // eslint-disable-next-line react-hooks/set-state-in-effect -- publishing the external system just made
    setDialer(made);
    // An open session (a reload) is taken up once the phone can answer its line.
    let begun = false;
    const begin = () => {
      if (begun || phone.status.state !== 'registered') return;
      begun = true;
      made.start(campaignId).catch((err: unknown) => { console.warn('[dialer] could not look for an open session', err); });
    };
    const offStatus = phone.on('status', begin);
    begin();
    return () => { offStatus(); made.dispose(); };
  }, [bind, supabase, profile.id, phone, desk, campaignId]);

  return dialer ? <Panel {...props} dialer={dialer} /> : null;
}

function Panel({ dialer, mode, campaignId, onError, onActive }: DialerPanelProps & { dialer: DialerDesk }) {
  const { t, i18n } = useTranslation();
  const profile = useProfile();
  const { desk, phone } = useAgentSession();
  const state = useDialerState(dialer);
  const deskState = useDeskState();
  const sip = usePhoneStatus();
  const open = state.session !== null || state.phase === 'joining';
  const active = deskState.activeCall?.dialer ? deskState.activeCall : null;
  const now = useNow(1000);

  // The own session row, pushed.
  const topics = open ? [`dialer-session:${profile.id}`] : [];
  useRealtimeChannels(topics, {
    private: false,
    bind: (channel) => {
      channel.on('postgres_changes', {
        event: '*', schema: 'public', table: 'dialer_sessions', filter: `agent_id=eq.${profile.id}`,
      }, (change) => {
        if (change.eventType !== 'DELETE') dialer.onSessionRow(change.new as DialerSessionRow);
      });
    },
    onJoined: () => { void dialer.refresh().catch(() => undefined); },
  });
  useEffect(() => {
    if (!open) return undefined;
    const timer = setInterval(() => { void dialer.refresh().catch(() => undefined); }, REFRESH_MS);
    return () => { clearInterval(timer); };
  }, [open, dialer]);
  useEffect(() => { onActive(open); }, [open, onActive]);
  useEffect(() => () => { onActive(false); }, [onActive]);
  // Signing out leaves the dialer first (the line is hung up with the phone anyway).
  useBeforeSignOut(() => (dialer.state.session ? dialer.leave() : Promise.resolve()));

  const error = state.error;
  const errorText = !error ? null
    : error instanceof Error && error.name === 'DialerError'
      ? tMaybe(i18n, `dialer.error.${(error as Error & { code: string }).code}`)
      : describeError(i18n, error);
  const lost = state.lost && state.phase !== 'connected'
    ? (state.lost === 'line_lost' ? t('dialer.lost.line_lost') : t('dialer.lost.other', { reason: state.lost }))
    : null;
  const lead = active && deskState.lead?.id === active.leadId ? leadCard(deskState.lead) : null;
  const agentState = deskState.agent.state;
  const snap = phone.callSnapshot();

  return (
    <section id="dialer-panel" data-test="dialer-panel" data-phase={state.phase} data-campaign={campaignId}
      aria-labelledby="dialer-title" className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <header className="flex items-center justify-between gap-2">
        <h2 id="dialer-title" className="text-base font-semibold">
          {t('dialer.title')} <span className="text-sm font-normal text-slate-600">· {tMaybe(i18n, `dialer.mode.${mode}`) ?? mode}</span>
        </h2>
        <span data-test="sip-status" data-state={sip.state} className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-semibold text-slate-700">
          {sip.extension ? t('phone.sipStatusWithExt', { ext: sip.extension, status: t(`sip.${sip.state}`) }) : t(`sip.${sip.state}`)}
        </span>
      </header>

      <p data-test="dialer-status" data-phase={state.phase} role="status" aria-live="polite"
        className={`mt-3 rounded-lg px-3 py-2 text-center text-sm font-semibold ${PHASE_TONE[state.phase] ?? ''}`}>
        {t(`dialer.phase.${state.phase}`)}
      </p>

      {state.phase === 'connected' && !active ? (
        <p data-test="dialer-agent" data-state={agentState} className="mt-2 text-sm text-slate-700">
          {tMaybe(i18n, `dialer.agent.${agentState}`) ?? ''}
        </p>
      ) : null}

      {active ? (
        <div data-test="dialer-call" className="mt-3 flex flex-col items-center gap-1 rounded-lg bg-slate-50 p-3 text-center">
          <span className="text-xs text-slate-600">{t('dialer.callWith')}</span>
          <strong data-test="dialer-lead-name" className="text-lg">{lead ? leadName(t, lead) : '…'}</strong>
          <span data-test="dialer-lead-phone" className="text-sm text-slate-700">{lead?.phone ? formatPhone(lead.phone) : ''}</span>
          <span data-test="dialer-timer" className="font-mono text-3xl font-bold text-emerald-700 tabular-nums">
            {formatDuration(state.callSince ? Math.max(0, Math.floor((now - state.callSince) / 1000)) : 0)}
          </span>
          {snap.muted ? <span data-test="flag-muted" className="rounded bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900">{t('dialer.muted')}</span> : null}
          <div className="mt-2 flex w-full gap-2">
            <button type="button" data-test="dialer-hangup" title={`${t('dialer.hangup')} (X)`} onClick={() => { desk.hangup(); }}
              className={`${BTN} flex-1 bg-red-700 px-4 py-3 text-lg text-white hover:bg-red-800 focus-visible:outline-red-700`}>
              <span aria-hidden="true">✆</span>{t('dialer.hangup')}
            </button>
            <button type="button" data-test="dialer-mute" aria-pressed={snap.muted} title={`${t('dialer.mute')} (M)`}
              onClick={() => { desk.mute(!phone.callSnapshot().muted); }}
              className={`${BTN} border border-slate-300 bg-white px-3 text-sm text-slate-800 hover:bg-slate-50`}>
              {snap.muted ? t('dialer.unmute') : t('dialer.mute')}
            </button>
          </div>
        </div>
      ) : null}

      {lost ? <p data-test="dialer-lost" role="status" className="mt-2 text-sm text-amber-800">{lost}</p> : null}
      {errorText ? <p data-test="dialer-error" role="alert" className="mt-2 text-sm text-red-700">{errorText}</p> : null}

      <div className="mt-3">
        {state.phase === 'off' ? (
          <>
            <button type="button" data-test="dialer-connect" disabled={sip.state !== 'registered'}
              onClick={() => { dialer.join(campaignId).catch(() => undefined); /* told in dialer-error */ }}
              className={`${BTN} w-full bg-emerald-700 px-4 py-3 text-lg text-white hover:bg-emerald-800 focus-visible:outline-emerald-700`}>
              <span aria-hidden="true">☎</span>{t('dialer.connect')}
            </button>
            <p className="mt-2 text-sm text-slate-600">{t('dialer.hint.off')}</p>
          </>
        ) : (
          <button type="button" data-test="dialer-leave"
            disabled={Boolean(active) || Boolean(deskState.wrapUp) || state.phase === 'leaving'}
            onClick={() => { dialer.leave().catch(onError); }}
            className={`${BTN} w-full border border-slate-300 bg-white px-4 py-2 text-slate-800 hover:bg-slate-50`}>
            {t('dialer.leave')}
          </button>
        )}
      </div>
    </section>
  );
}
