// The softphone panel: SIP status, call status and timer, CALL / HANG UP,
// MUTE / HOLD and the DTMF keypad; and the recording notice shown above the
// lead card from the moment CALL is pressed. Hooks: phone-panel
// (data-status), sip-status (data-state), call-status (data-status,
// data-outcome), call-timer, call-who, call-number-select, call-button,
// hangup-button, mute-button, hold-button, keypad-toggle, dtmf-keypad,
// dtmf-<key>, dtmf-sent, flag-muted, flag-hold, phone-hint; consent-notice,
// consent-text, consent-yes, consent-no.

import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DeskState } from '../../../desk/agent-desk';
import { isErasedLead } from '../../../desk/erased';
import { formatDuration } from '../../../i18n/format';
import type { CallSnapshot } from '../../../sip/call-state';
import type { PhoneStatusSnapshot } from '../../../sip/phone';
import { tMaybe } from '../../i18n';
import { formatPhone, leadName } from '../../lead-label';
import { useAgentSession, useDeskState, usePhoneStatus } from './agent-session';
import { leadCard } from './desk-data';

export const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;
const KEY_LETTERS: Partial<Record<string, string>> = { 2: 'ABC', 3: 'DEF', 4: 'GHI', 5: 'JKL', 6: 'MNO', 7: 'PQRS', 8: 'TUV', 9: 'WXYZ', 0: '+' };

export type CallBlocker = 'noLead' | 'erased' | 'wrapUp' | 'phone' | 'onCall';

/** Why CALL is disabled, if it is. */
export function callBlocker(state: DeskState, sip: PhoneStatusSnapshot): CallBlocker | null {
  if (!state.lead) return 'noLead';
  if (isErasedLead(state.lead)) return 'erased';
  if (state.wrapUp) return 'wrapUp';
  if (sip.state !== 'registered') return 'phone';
  if (state.agent.state === 'on_call') return 'onCall';
  return null;
}

/** Re-renders every `ms` while `active`: the call timer runs between SIP events. */
export function useTick(active: boolean, ms = 250): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => { setTick((n) => n + 1); }, ms);
    return () => { clearInterval(timer); };
  }, [active, ms]);
}


/** The seconds the timer shows: the live call's, or a recovered wrap-up's talk time (the phone has no call then). */
export function timerSeconds(snap: CallSnapshot, state: DeskState): number {
  if (snap.status === 'idle' && state.wrapUp) return state.wrapUp.talkSeconds;
  return snap.elapsed;
}

const BTN = 'inline-flex items-center justify-center gap-2 rounded-lg font-semibold focus-visible:outline-2 focus-visible:outline-offset-2 disabled:cursor-not-allowed disabled:opacity-50';
const TOOL = `${BTN} border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-800 hover:bg-slate-50 aria-pressed:border-brand aria-pressed:bg-brand/10`;

const SIP_TONE: Record<string, string> = {
  registered: 'bg-emerald-100 text-emerald-800',
  connecting: 'bg-amber-100 text-amber-900',
  reconnecting: 'bg-amber-100 text-amber-900',
  failed: 'bg-red-100 text-red-800',
  no_extension: 'bg-red-100 text-red-800',
  offline: 'bg-slate-200 text-slate-700',
};

interface PhonePanelProps {
  onError: (err: unknown) => void;
  keypadOpen: boolean;
  onKeypad: (open: boolean) => void;
  dtmfSent: string;
  onTone: (key: string) => void;
  /** The number CALL dials (the lead's main one unless another is chosen). */
  number: string | null;
  onNumber: (number: string) => void;
}

export function PhonePanel({ onError, keypadOpen, onKeypad, dtmfSent, onTone, number, onNumber }: PhonePanelProps) {
  const { t, i18n } = useTranslation();
  const { desk, phone } = useAgentSession();
  const state = useDeskState();
  const sip = usePhoneStatus();
  const snap = state.call;
  const live = snap.live;
  useTick(live);
  const current = live ? phone.callSnapshot() : snap;
  const lead = state.lead ? leadCard(state.lead) : null;
  const numbers = lead && !isErasedLead(lead) ? [lead.phone, ...lead.alternate_phones].filter((n): n is string => Boolean(n)) : [];
  const blocker = callBlocker(state, sip);

  const statusText = state.busy.dialing && snap.status === 'idle' ? t('call.status.preparing')
    : snap.status === 'failed' ? (tMaybe(i18n, `outcome.${snap.outcome ?? ''}`) ?? t('call.status.failed'))
      : snap.status === 'confirmed' && snap.onHold ? t('call.status.onHold')
        : t(`call.status.${snap.status}`);
  const name = lead ? leadName(t, lead) : '';
  const dialled = snap.target ? snap.target.replace(/^sip:(\d+)@.*/, '+$1') : null;
  const who = snap.status !== 'idle' && dialled ? `${name} · ${formatPhone(dialled)}` : (name || t('phone.noLead'));
  const confirmed = snap.status === 'confirmed';

  const run = (action: () => Promise<unknown>) => { action().catch(onError); };

  return (
    <section id="phone-panel" data-test="phone-panel" data-status={snap.status} aria-labelledby="phone-title"
      className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <header className="flex items-center justify-between gap-2">
        <h2 id="phone-title" className="text-base font-semibold">{t('phone.title')}</h2>
        <span id="sip-status" data-test="sip-status" data-state={sip.state}
          className={`rounded-full px-2 py-0.5 text-xs font-semibold ${SIP_TONE[sip.state] ?? 'bg-slate-200 text-slate-700'}`}>
          {sip.extension ? t('phone.sipStatusWithExt', { ext: sip.extension, status: t(`sip.${sip.state}`) }) : t(`sip.${sip.state}`)}
        </span>
      </header>
      <div className="mt-3 flex flex-col items-center gap-1 rounded-lg bg-slate-50 p-3 text-center">
        <div id="call-status" data-test="call-status" data-status={snap.status} data-outcome={snap.outcome ?? ''}
          role="status" aria-live="polite" className="text-sm font-semibold text-slate-700">
          {statusText}
        </div>
        <div id="call-timer" data-test="call-timer"
          className={`font-mono text-3xl font-bold tabular-nums ${confirmed ? 'text-emerald-700' : 'text-slate-800'}`}>
          {formatDuration(timerSeconds(current, state))}
        </div>
        <div data-test="call-who" className="text-sm text-slate-700">{who}</div>
        {snap.status === 'idle' && numbers.length > 1 ? (
          <select id="call-number-select" data-test="call-number-select" aria-label={t('phone.numberToCall')}
            value={number ?? ''} onChange={(e) => { onNumber(e.target.value); }}
            className="mt-1 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm">
            {numbers.map((n, i) => (
              <option key={n} value={n}>{formatPhone(n)}{i === 0 ? '' : ` · ${t('phone.alternate')}`}</option>
            ))}
          </select>
        ) : null}
        <div className="flex gap-2 empty:hidden">
          {snap.muted ? <span data-test="flag-muted" className="rounded bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900">{t('phone.muted')}</span> : null}
          {snap.onHold ? <span data-test="flag-hold" className="rounded bg-sky-100 px-2 py-0.5 text-xs font-semibold text-sky-900">{t('phone.onHold')}</span> : null}
        </div>
      </div>
      <div className="mt-3">
        {live ? (
          <button id="hangup-button" data-test="hangup-button" type="button" title={`${t('phone.hangup')} (X)`}
            onClick={() => { desk.hangup(); }}
            className={`${BTN} w-full bg-red-700 px-4 py-3 text-lg text-white hover:bg-red-800 focus-visible:outline-red-700`}>
            <span aria-hidden="true">✆</span>{t('phone.hangup')}
          </button>
        ) : (
          <button id="call-button" data-test="call-button" type="button" title={`${t('phone.call')} (C)`}
            disabled={Boolean(blocker) || state.busy.dialing} onClick={() => { run(() => desk.call(number)); }}
            className={`${BTN} w-full bg-emerald-700 px-4 py-3 text-lg text-white hover:bg-emerald-800 focus-visible:outline-emerald-700`}>
            <span aria-hidden="true">☎</span>{t('phone.call')}
          </button>
        )}
      </div>
      {live ? (
        <div className="mt-3 flex flex-wrap gap-2">
          <button id="mute-button" data-test="mute-button" type="button" aria-pressed={snap.muted} title={`${t('phone.mute')} (M)`}
            onClick={() => { desk.mute(!phone.callSnapshot().muted); }} className={TOOL}>
            {snap.muted ? t('phone.unmute') : t('phone.mute')}
          </button>
          <button id="hold-button" data-test="hold-button" type="button" aria-pressed={snap.onHold} title={`${t('phone.hold')} (H)`}
            disabled={!confirmed} onClick={() => { desk.hold(!phone.callSnapshot().onHold); }} className={TOOL}>
            {snap.onHold ? t('phone.resume') : t('phone.hold')}
          </button>
          <button id="keypad-toggle" data-test="keypad-toggle" type="button" aria-pressed={keypadOpen && confirmed}
            title={`${t('phone.keypad')} (K)`} disabled={!confirmed} onClick={() => { onKeypad(!keypadOpen); }} className={TOOL}>
            {t('phone.keypad')}
          </button>
        </div>
      ) : null}
      {!live && blocker ? <p data-test="phone-hint" className="mt-2 text-sm text-slate-600">{t(`phone.blocked.${blocker}`)}</p> : null}
      {keypadOpen && confirmed ? (
        <div id="dtmf-keypad" data-test="dtmf-keypad" className="mt-3">
          <div data-test="dtmf-sent" aria-live="polite" className="mb-2 min-h-6 rounded bg-slate-50 px-2 text-center font-mono text-slate-700">
            {dtmfSent || t('phone.keypadHint')}
          </div>
          <div className="grid grid-cols-3 gap-2">
            {KEYS.map((key) => (
              <button key={key} type="button" data-test={`dtmf-${key === '*' ? 'star' : key === '#' ? 'hash' : key}`}
                onClick={() => { onTone(key); }}
                className="flex flex-col items-center rounded-lg border border-slate-300 bg-white py-1.5 hover:bg-slate-50">
                <span className="text-lg font-semibold">{key}</span>
                <span className="text-[10px] text-slate-600">{KEY_LETTERS[key] ?? '\u00a0'}</span>
              </button>
            ))}
          </div>
        </div>
      ) : null}
    </section>
  );
}

/**
 * The campaign's recording notice, shown from the moment CALL is pressed
 * until the call ends, with the lead's answer kept on the call row.
 */
export function ConsentNotice({ onError }: { onError: (err: unknown) => void }) {
  const { t } = useTranslation();
  const { desk } = useAgentSession();
  const state = useDeskState();
  const campaign = state.lead ? leadCard(state.lead).campaign : null;
  // The lead's call (the dialer's line is a call too, but not one with the lead).
  if (!campaign?.recording_enabled || !(state.activeCall || state.busy.dialing)) return null;
  const answer = state.recordingConsent;
  const choice = (chosen: boolean) => `rounded-md border px-3 py-1 text-sm font-semibold disabled:opacity-50 ${chosen
    ? 'border-brand bg-brand text-white' : 'border-slate-300 bg-white text-slate-800 hover:bg-slate-50'}`;
  return (
    <aside id="consent-notice" data-test="consent-notice" aria-label={t('consent.title')}
      className="mb-4 rounded-xl border border-amber-300 bg-amber-50 p-4 text-amber-950">
      <strong className="block"><span aria-hidden="true">● </span>{t('consent.title')}</strong>
      <p data-test="consent-text" className="mt-1">{campaign.recording_notice.trim() || t('consent.defaultNotice')}</p>
      {campaign.recording_consent_required ? (
        <div className="mt-2 flex flex-wrap items-center gap-2">
          <span className="text-sm">{t('consent.question')}</span>
          <button type="button" data-test="consent-yes" aria-pressed={answer === true} disabled={!state.activeCall}
            onClick={() => { desk.recordConsent(true).catch(onError); }} className={choice(answer === true)}>{t('consent.yes')}</button>
          <button type="button" data-test="consent-no" aria-pressed={answer === false} disabled={!state.activeCall}
            onClick={() => { desk.recordConsent(false).catch(onError); }} className={choice(answer === false)}>{t('consent.no')}</button>
        </div>
      ) : null}
    </aside>
  );
}
