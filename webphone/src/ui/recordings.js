// What the calls tables show of a call's recording: a small badge with
// calls.recording_status and, only for a stored one, the Listen button,
// whose player asks rpc/recording_url and waits for the signed link.

import { h, icon, mount } from './dom.js';
import { t, tMaybe, language } from '../i18n/index.js';
import { formatDateTime } from '../i18n/format';
import { describeError } from './errors.js';

export const RECORDING_STATUSES = Object.freeze(['not_recorded', 'pending', 'stored', 'failed', 'purged', 'erased']);

/** Only a stored recording can be listened to. */
export function canListen(call) {
  return call?.recording_status === 'stored';
}

/** The badge of a call's recording_status; nothing when the PBX reported no recording (null). */
export function recordingBadge(status) {
  if (!status) return null;
  return h('span', {
    class: `badge recording-badge recording-${status}`, 'data-test': 'recording-status', 'data-status': status,
  }, tMaybe(`recordingStatus.${status}`) ?? status);
}

/**
 * The player under a calls table: one recording at a time. play(call) shows
 * "preparing" while the link is signed, then the audio, or why not.
 */
export function createRecordingPlayer({ api }) {
  const el = h('div', { class: 'recording-player', 'data-test': 'recording-player', 'aria-live': 'polite' });
  let pending = null;

  async function play(call) {
    if (pending) return;
    pending = call.id;
    mount(el, h('p', { class: 'muted recording-wait', 'data-test': 'recording-loading' }, icon('clock', { size: 14 }), ' ', t('recording.preparing')));
    try {
      const url = await api.recordingUrl(call.id);
      mount(el,
        h('div', { class: 'muted small' }, icon('record', { size: 14 }), ' ',
          t('recording.of', { when: formatDateTime(call.started_at, language()) })),
        h('audio', { controls: true, autoplay: true, src: url, preload: 'auto', 'data-test': 'recording-audio' }));
    } catch (err) {
      mount(el, h('p', { class: 'form-error', role: 'alert', 'data-test': 'recording-error' }, describeError(err)));
    } finally {
      pending = null;
    }
  }

  return { el, play, busy: () => pending };
}

/** The cell of a calls table: badge, and Listen when it can be heard here. */
export function recordingCell(call, player, { allowListen = true } = {}) {
  return h('td', { class: 'recording-cell' },
    recordingBadge(call.recording_status),
    allowListen && canListen(call)
      ? h('button', {
        type: 'button', class: 'btn btn-small btn-light', 'data-test': 'play-recording',
        onclick: () => player.play(call),
      }, icon('play', { size: 14 }), t('recording.play'))
      : null);
}
