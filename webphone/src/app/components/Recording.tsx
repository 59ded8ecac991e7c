// What the calls tables show of a call's recording: a badge with
// calls.recording_status and, only for a stored one, the Listen button, whose
// player asks rpc/recording_url for a grant, then Storage for the signed URL. One recording
// plays at a time per table. Hooks: recording-status, play-recording,
// recording-player, recording-loading, recording-audio, recording-error.

import { useCallback, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { recordingUrl } from '../../data/recordings';
import { formatDateTime } from '../../i18n/format';
import { useAuth } from '../auth/auth-context';
import { describeError } from '../errors';
import { tMaybe } from '../i18n';

export const RECORDING_STATUSES = Object.freeze(['not_recorded', 'pending', 'stored', 'failed', 'purged', 'erased'] as const);

export interface RecordedCall {
  id: string;
  started_at: string;
  recording_status: string | null;
}

/** Only a stored recording can be listened to. */
export function canListen(call: { recording_status?: string | null } | null | undefined): boolean {
  return call?.recording_status === 'stored';
}

/** The badge of a call's recording_status; nothing when the PBX reported no recording (null). */
export function RecordingBadge({ status }: { status: string | null }) {
  const { i18n } = useTranslation();
  if (!status) return null;
  const tone = status === 'stored' ? 'bg-emerald-100 text-emerald-800'
    : status === 'failed' ? 'bg-red-100 text-red-800' : 'bg-slate-100 text-slate-700';
  return (
    <span data-test="recording-status" data-status={status}
      className={`inline-block rounded px-1.5 py-0.5 text-xs font-semibold ${tone}`}>
      {tMaybe(i18n, `recordingStatus.${status}`) ?? status}
    </span>
  );
}

type PlayerState =
  | { kind: 'idle' }
  | { kind: 'loading'; call: RecordedCall }
  | { kind: 'ready'; call: RecordedCall; url: string }
  | { kind: 'error'; message: string };

/** A player for one table: `play(call)`, and `player`, the element to show under the table. */
export function useRecordingPlayer() {
  const { supabase } = useAuth();
  const { t, i18n } = useTranslation();
  const [state, setState] = useState<PlayerState>({ kind: 'idle' });
  const pending = useRef<string | null>(null);

  const play = useCallback((call: RecordedCall) => {
    if (pending.current) return;
    pending.current = call.id;
    setState({ kind: 'loading', call });
    recordingUrl(supabase, call.id).then(
      (url) => { setState({ kind: 'ready', call, url }); },
      (err: unknown) => { setState({ kind: 'error', message: describeError(i18n, err) }); },
    ).finally(() => { pending.current = null; });
  }, [supabase, i18n]);

  const player = (
    <div data-test="recording-player" aria-live="polite" className="mt-3 empty:hidden">
      {state.kind === 'loading' ? (
        <p data-test="recording-loading" className="text-sm text-slate-600">{t('recording.preparing')}</p>
      ) : null}
      {state.kind === 'ready' ? (
        <div className="flex flex-col gap-1">
          <span className="text-sm text-slate-600">{t('recording.of', { when: formatDateTime(state.call.started_at, i18n.language) })}</span>
          <audio data-test="recording-audio" controls autoPlay preload="auto" src={state.url} className="w-full max-w-xl" />
        </div>
      ) : null}
      {state.kind === 'error' ? (
        <p data-test="recording-error" role="alert" className="text-sm font-medium text-red-700">{state.message}</p>
      ) : null}
    </div>
  );
  return { play, player, busy: state.kind === 'loading' };
}

/** The cell of a calls table: badge, and Listen when it can be heard here. */
export function RecordingCell({ call, onPlay, allowListen = true }:
  { call: RecordedCall; onPlay: (call: RecordedCall) => void; allowListen?: boolean }) {
  const { t } = useTranslation();
  return (
    <span className="flex items-center gap-2">
      <RecordingBadge status={call.recording_status} />
      {allowListen && canListen(call) ? (
        <button type="button" data-test="play-recording" onClick={() => { onPlay(call); }}
          className="rounded-md border border-slate-300 bg-white px-2 py-0.5 text-xs font-semibold hover:bg-slate-50">
          ▶ {t('recording.play')}
        </button>
      ) : null}
    </span>
  );
}
