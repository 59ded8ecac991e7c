// The agent's state in the top bar (a portal into the shell's status slot):
// the state with its time, the pause with a reason, back to available, and
// a pause asked for during a call. Hooks: agent-state (data-state),
// agent-state-label, agent-state-since, pause-reason, pause-button,
// resume-button, pending-pause, cancel-pending-pause.

import { useState } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { PAUSE_REASONS, type PauseReason } from '../../../desk/agent-state';
import { formatDuration } from '../../../i18n/format';
import { useStatusSlot } from '../../components/Shell';
import { useAgentSession, useDeskState } from './agent-session';
import { useNow } from '../../clock';

const DOT: Record<string, string> = {
  available: 'bg-emerald-400', on_call: 'bg-sky-400', wrap_up: 'bg-amber-400', paused: 'bg-slate-400',
};
const SMALL = 'rounded-md border border-white/30 px-2 py-1 text-xs font-semibold text-white hover:bg-white/10 focus-visible:outline-2 focus-visible:outline-white';

export function AgentStateControls({ reason, onReason }: { reason: PauseReason; onReason: (reason: PauseReason) => void }) {
  const slot = useStatusSlot();
  if (!slot) return null;
  return createPortal(<Controls reason={reason} onReason={onReason} />, slot);
}

function Controls({ reason, onReason }: { reason: PauseReason; onReason: (reason: PauseReason) => void }) {
  const { t } = useTranslation();
  const { desk } = useAgentSession();
  const { agent } = useDeskState();
  const now = useNow(1000);
  const since = formatDuration(Math.floor((now - agent.since) / 1000));
  const paused = agent.state === 'paused';
  const canPause = !paused && !agent.pendingPause;
  return (
    <div className="flex flex-wrap items-center gap-2 text-sm">
      <div id="agent-state" data-test="agent-state" data-state={agent.state} role="status"
        className="flex items-center gap-2 rounded-full bg-white/10 px-3 py-1">
        <span aria-hidden="true" className={`size-2.5 rounded-full ${DOT[agent.state] ?? 'bg-slate-400'}`} />
        <span data-test="agent-state-label" className="font-semibold">
          {t(`agentState.${agent.state}`)}{paused && agent.reason ? ` · ${t(`pauseReason.${agent.reason}`)}` : ''}
        </span>
        <span data-test="agent-state-since" className="font-mono text-xs text-slate-300">{since}</span>
      </div>
      {canPause ? (
        <>
          <select id="pause-reason" data-test="pause-reason" aria-label={t('agentState.reason')} value={reason}
            onChange={(e) => { onReason(e.target.value as PauseReason); }}
            className="rounded-md border border-white/30 bg-topbar px-2 py-1 text-xs text-white">
            {PAUSE_REASONS.map((r) => <option key={r} value={r}>{t(`pauseReason.${r}`)}</option>)}
          </select>
          <button id="pause-button" data-test="pause-button" type="button" className={SMALL} onClick={() => { desk.pause(reason); }}>
            {t('agentState.pause')}
          </button>
        </>
      ) : null}
      {paused ? (
        <button id="resume-button" data-test="resume-button" type="button" onClick={() => { desk.resume(); }}
          className="rounded-md bg-emerald-700 px-2 py-1 text-xs font-semibold text-white hover:bg-emerald-800 focus-visible:outline-2 focus-visible:outline-white">
          {t('agentState.resume')}
        </button>
      ) : null}
      {agent.pendingPause ? (
        <span data-test="pending-pause" className="text-xs text-amber-200">
          {t('agentState.pendingPause', { reason: t(`pauseReason.${agent.pendingPause}`) })}{' '}
          <button type="button" data-test="cancel-pending-pause" onClick={() => { desk.cancelPendingPause(); }}
            className="font-semibold underline">{t('common.cancel')}</button>
        </span>
      ) : null}
    </div>
  );
}

/** The current reason as state for the select and the P shortcut. */
export function usePauseReason(): [PauseReason, (reason: PauseReason) => void] {
  return useState<PauseReason>(PAUSE_REASONS[0]);
}
