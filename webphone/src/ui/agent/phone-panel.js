// The softphone panel: call status and timer, CALL / HANG UP / MUTE / HOLD,
// and the DTMF keypad. The recording notice is createConsentNotice, shown
// above the lead card from the moment CALL is pressed.

import { h, icon, mount } from '../dom.js';
import { t, tMaybe } from '../../i18n/index.js';
import { formatDuration, formatPhone } from '../../i18n/format';
import { leadName as nameOf, isErasedLead } from '../lead-label.js';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
const KEY_LETTERS = { 2: 'ABC', 3: 'DEF', 4: 'GHI', 5: 'JKL', 6: 'MNO', 7: 'PQRS', 8: 'TUV', 9: 'WXYZ', 0: '+' };

/**
 * @param {{desk: object, phone: object, onError: (err: Error) => void}} props
 */
export function createPhonePanel({ desk, phone, onError }) {
  let keypadOpen = false;
  let dtmfSent = '';
  let selectedNumber = null;
  let lastLeadId = null;

  const sipPill = h('span', { class: 'sip-pill', id: 'sip-status', 'data-test': 'sip-status' });
  const status = h('div', { class: 'call-status', id: 'call-status', 'data-test': 'call-status', role: 'status', 'aria-live': 'polite' });
  const timer = h('div', { class: 'call-timer', id: 'call-timer', 'data-test': 'call-timer' }, '00:00');
  const who = h('div', { class: 'call-who', 'data-test': 'call-who' });
  const numberPicker = h('select', { class: 'number-picker', id: 'call-number-select', 'data-test': 'call-number-select', 'aria-label': t('phone.numberToCall'), onchange: (e) => { selectedNumber = e.target.value; } });
  const flags = h('div', { class: 'call-flags' });
  const hint = h('p', { class: 'phone-hint', 'data-test': 'phone-hint' });

  const callButton = h('button', {
    class: 'btn btn-call btn-xl', id: 'call-button', 'data-test': 'call-button', type: 'button',
    title: `${t('phone.call')} (C)`, onclick: () => run(() => desk.call(selectedNumber)),
  }, icon('phone', { size: 22 }), h('span', {}, t('phone.call')));
  const hangupButton = h('button', {
    class: 'btn btn-hangup btn-xl', id: 'hangup-button', 'data-test': 'hangup-button', type: 'button',
    title: `${t('phone.hangup')} (X)`, onclick: () => desk.hangup(),
  }, icon('hangup', { size: 22 }), h('span', {}, t('phone.hangup')));
  const muteButton = h('button', {
    class: 'btn btn-tool', id: 'mute-button', 'data-test': 'mute-button', type: 'button', 'aria-pressed': 'false',
    title: `${t('phone.mute')} (M)`, onclick: () => desk.mute(!phone.callSnapshot().muted),
  });
  const holdButton = h('button', {
    class: 'btn btn-tool', id: 'hold-button', 'data-test': 'hold-button', type: 'button', 'aria-pressed': 'false',
    title: `${t('phone.hold')} (H)`, onclick: () => desk.hold(!phone.callSnapshot().onHold),
  });
  const keypadButton = h('button', {
    class: 'btn btn-tool', id: 'keypad-toggle', 'data-test': 'keypad-toggle', type: 'button', 'aria-pressed': 'false',
    title: `${t('phone.keypad')} (K)`, onclick: () => toggleKeypad(),
  }, icon('keypad'), h('span', {}, t('phone.keypad')));

  const tools = h('div', { class: 'call-tools' }, muteButton, holdButton, keypadButton);
  const dtmfDisplay = h('div', { class: 'dtmf-sent', 'data-test': 'dtmf-sent', 'aria-live': 'polite' });
  const keypad = h('div', { class: 'keypad', id: 'dtmf-keypad', 'data-test': 'dtmf-keypad', hidden: true },
    dtmfDisplay,
    h('div', { class: 'keypad-grid' }, KEYS.map((key) => h('button', {
      type: 'button', class: 'key', 'data-test': `dtmf-${key === '*' ? 'star' : key === '#' ? 'hash' : key}`,
      onclick: () => sendTone(key),
    }, h('span', { class: 'key-digit' }, key), h('span', { class: 'key-letters' }, KEY_LETTERS[key] ?? '')))));

  const el = h('section', { class: 'card phone-panel', id: 'phone-panel', 'data-test': 'phone-panel' },
    h('header', { class: 'card-header' }, h('h2', {}, t('phone.title')), sipPill),
    h('div', { class: 'call-display' }, status, timer, who, numberPicker, flags),
    h('div', { class: 'call-actions' }, callButton, hangupButton),
    tools,
    hint,
    keypad);

  async function run(action) {
    try {
      await action();
    } catch (err) {
      onError(err);
    }
  }

  function sendTone(key) {
    if (desk.dtmf(key)) {
      dtmfSent = (dtmfSent + key).slice(-24);
      dtmfDisplay.textContent = dtmfSent;
    }
  }

  function toggleKeypad(open = !keypadOpen) {
    keypadOpen = open;
    keypad.hidden = !keypadOpen;
    keypadButton.setAttribute('aria-pressed', String(keypadOpen));
  }

  function statusText(snap) {
    if (snap.status === 'failed') return tMaybe(`outcome.${snap.outcome}`) ?? t('call.status.failed');
    if (snap.status === 'confirmed' && snap.onHold) return t('call.status.onHold');
    return t(`call.status.${snap.status}`);
  }

  function renderNumbers(lead) {
    // An erased lead has no numbers left (phone null).
    const numbers = lead && !isErasedLead(lead) ? [lead.phone, ...(lead.alternate_phones ?? [])].filter(Boolean) : [];
    if (lead?.id !== lastLeadId) {
      lastLeadId = lead?.id ?? null;
      selectedNumber = lead?.phone ?? null;
      mount(numberPicker, numbers.map((n, i) => h('option', { value: n, selected: n === selectedNumber },
        `${formatPhone(n)}${i === 0 ? '' : ` · ${t('phone.alternate')}`}`)));
    }
    return numbers;
  }

  function update(deskState = desk.state) {
    const snap = phone.callSnapshot();
    const sip = phone.status;
    const lead = deskState.lead;
    const numbers = renderNumbers(lead);

    sipPill.className = `sip-pill sip-${sip.state}`;
    sipPill.dataset.state = sip.state;
    sipPill.textContent = sip.extension
      ? t('phone.sipStatusWithExt', { ext: sip.extension, status: t(`sip.${sip.state}`) })
      : t(`sip.${sip.state}`);

    el.dataset.status = snap.status;
    status.dataset.status = snap.status;
    status.dataset.outcome = snap.outcome ?? '';
    status.textContent = deskState.busy.dialing && snap.status === 'idle' ? t('call.status.preparing') : statusText(snap);
    timer.textContent = formatDuration(snap.elapsed);
    timer.classList.toggle('is-live', snap.status === 'confirmed');

    const leadName = lead ? nameOf(lead) : '';
    const dialled = snap.target ? snap.target.replace(/^sip:(\d+)@.*/, '+$1') : null;
    who.textContent = snap.status !== 'idle' && dialled ? `${leadName} · ${formatPhone(dialled)}` : (leadName || t('phone.noLead'));
    numberPicker.hidden = !(snap.status === 'idle' && numbers.length > 1);

    mount(flags,
      snap.muted ? h('span', { class: 'flag flag-muted', 'data-test': 'flag-muted' }, icon('micOff', { size: 14 }), t('phone.muted')) : null,
      snap.onHold ? h('span', { class: 'flag flag-hold', 'data-test': 'flag-hold' }, icon('pause', { size: 14 }), t('phone.onHold')) : null);

    const live = snap.live;
    callButton.hidden = live;
    hangupButton.hidden = !live;
    const blocker = callBlocker(deskState, sip);
    callButton.disabled = Boolean(blocker) || deskState.busy.dialing;
    hint.textContent = !live && blocker ? t(`phone.blocked.${blocker}`) : '';
    hint.hidden = !hint.textContent;

    tools.hidden = !live;
    muteButton.disabled = !live;
    muteButton.setAttribute('aria-pressed', String(snap.muted));
    mount(muteButton, icon(snap.muted ? 'micOff' : 'mic'), h('span', {}, snap.muted ? t('phone.unmute') : t('phone.mute')));
    holdButton.disabled = snap.status !== 'confirmed';
    holdButton.setAttribute('aria-pressed', String(snap.onHold));
    mount(holdButton, icon(snap.onHold ? 'play' : 'pause'), h('span', {}, snap.onHold ? t('phone.resume') : t('phone.hold')));
    keypadButton.disabled = snap.status !== 'confirmed';
    if (snap.status !== 'confirmed' && keypadOpen) toggleKeypad(false);
    if (snap.status === 'idle' || snap.status === 'calling') dtmfSent = '';
    dtmfDisplay.textContent = dtmfSent || t('phone.keypadHint');
  }

  function callBlocker(deskState, sip) {
    if (!deskState.lead) return 'noLead';
    if (isErasedLead(deskState.lead)) return 'erased';
    if (deskState.wrapUp) return 'wrapUp';
    if (sip.state !== 'registered') return 'phone';
    if (deskState.agent.state === 'on_call') return 'onCall';
    return null;
  }

  // The timer runs between events; everything else is redrawn on events.
  const tick = setInterval(() => {
    const snap = phone.callSnapshot();
    if (snap.live) timer.textContent = formatDuration(snap.elapsed);
  }, 250);

  const offPhone = [phone.on('status', () => update()), phone.on('call', () => update())];
  const offDesk = desk.subscribe((s) => update(s));
  update();

  return {
    el,
    toggleKeypad,
    sendTone,
    destroy() {
      clearInterval(tick);
      offPhone.forEach((off) => off());
      offDesk();
    },
  };
}

/**
 * The campaign's recording notice, shown from the moment CALL is pressed
 * until the call ends, with the lead's answer kept on the call row.
 */
export function createConsentNotice({ desk, phone, onError }) {
  const consent = h('div', { class: 'consent-notice', id: 'consent-notice', 'data-test': 'consent-notice', role: 'note', hidden: true });

  async function run(action) {
    try {
      await action();
    } catch (err) {
      onError(err);
    }
  }

  function renderConsent(deskState, snap) {
    const campaign = deskState.lead?.campaign;
    const showNotice = campaign?.recording_enabled && (snap.live || deskState.busy.dialing);
    consent.hidden = !showNotice;
    if (!showNotice) return;
    const answer = deskState.recordingConsent;
    const noticeText = campaign.recording_notice?.trim() || t('consent.defaultNotice');
    mount(consent,
      h('div', { class: 'consent-head' }, icon('record', { size: 18 }), h('strong', {}, t('consent.title'))),
      h('p', { class: 'consent-text', 'data-test': 'consent-text' }, noticeText),
      campaign.recording_consent_required
        ? h('div', { class: 'consent-answer' },
          h('span', { class: 'muted' }, t('consent.question')),
          h('button', {
            type: 'button', class: { btn: true, 'btn-small': true, 'btn-light': answer !== true, 'btn-choice': true, chosen: answer === true },
            'data-test': 'consent-yes', disabled: !deskState.activeCall, onclick: () => run(() => desk.recordConsent(true)),
          }, t('consent.yes')),
          h('button', {
            type: 'button', class: { btn: true, 'btn-small': true, 'btn-light': answer !== false, 'btn-choice': true, chosen: answer === false },
            'data-test': 'consent-no', disabled: !deskState.activeCall, onclick: () => run(() => desk.recordConsent(false)),
          }, t('consent.no')))
        : null);
  }

  const update = (s = desk.state) => renderConsent(s, phone.callSnapshot());
  const off = [phone.on('call', () => update()), desk.subscribe((s) => update(s))];
  update();
  return { el: consent, destroy: () => off.forEach((f) => f()) };
}
