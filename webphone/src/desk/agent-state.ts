// The agent's own state through a shift: plain TypeScript, no DOM.
//
//   available <-> paused (with a reason)
//   available -> on_call -> wrap_up -> available (or paused, if the agent
//   asked for a pause during the call: it starts once the wrap-up is saved)
//
// A pause asked for on a call or in wrap-up never interrupts the work in hand.

export const AgentState = Object.freeze({
  AVAILABLE: 'available',
  ON_CALL: 'on_call',
  WRAP_UP: 'wrap_up',
  PAUSED: 'paused',
} as const);
export type AgentState = (typeof AgentState)[keyof typeof AgentState];

export const PAUSE_REASONS = Object.freeze(['break', 'lunch', 'training', 'meeting', 'technical', 'personal'] as const);
export type PauseReason = (typeof PAUSE_REASONS)[number];

/** A pause reason as it comes from a <select> or the database, checked. */
export function isPauseReason(value: unknown): value is PauseReason {
  return (PAUSE_REASONS as readonly unknown[]).includes(value);
}

export class AgentStateError extends Error {
  readonly from: AgentState;
  readonly action: string;

  constructor(from: AgentState, action: string) {
    super(`agent state: cannot ${action} while ${from}`);
    this.name = 'AgentStateError';
    this.from = from;
    this.action = action;
  }
}

export interface AgentSnapshot {
  state: AgentState;
  /** Why the agent is paused; null otherwise. */
  reason: PauseReason | null;
  /** ms epoch of the last change of state. */
  since: number;
  /** A pause asked for on a call or in wrap-up, waiting for the wrap-up to be saved. */
  pendingPause: PauseReason | null;
}

export type AgentListener = (snapshot: AgentSnapshot) => void;

export interface AgentStateMachine {
  readonly state: AgentState;
  snapshot(): AgentSnapshot;
  canCall(): boolean;
  /** Takes a string because the reason comes from the UI; an unknown one is a TypeError. */
  pause(reason: string): AgentSnapshot;
  cancelPendingPause(): AgentSnapshot;
  resume(): AgentSnapshot;
  callStarted(): AgentSnapshot;
  callFinished(): AgentSnapshot;
  resumeWrapUp(): AgentSnapshot;
  wrapUpDone(): AgentSnapshot;
  subscribe(listener: AgentListener): () => void;
}

export function createAgentState(
  { now = () => Date.now(), initial = AgentState.AVAILABLE }: { now?: () => number; initial?: AgentState } = {},
): AgentStateMachine {
  let state: AgentSnapshot = { state: initial, reason: null, since: now(), pendingPause: null };
  const listeners = new Set<AgentListener>();

  function set(patch: Partial<AgentSnapshot>): AgentSnapshot {
    state = { ...state, ...patch };
    for (const fn of listeners) fn(snapshot());
    return snapshot();
  }

  function snapshot(): AgentSnapshot {
    return { ...state };
  }

  function fail(action: string): never {
    throw new AgentStateError(state.state, action);
  }

  /** Can the agent start a call now? From available, or straight out of a pause. */
  function canCall(): boolean {
    return state.state === AgentState.AVAILABLE || state.state === AgentState.PAUSED;
  }

  return {
    snapshot,
    get state() { return state.state; },
    canCall,

    pause(reason) {
      if (!isPauseReason(reason)) throw new TypeError(`agent state: unknown pause reason ${reason}`);
      if (state.state === AgentState.AVAILABLE || state.state === AgentState.PAUSED) {
        return set({ state: AgentState.PAUSED, reason, since: now(), pendingPause: null });
      }
      // On a call or in wrap-up: the pause waits for the wrap-up to be saved.
      return set({ pendingPause: reason });
    },

    cancelPendingPause() {
      return set({ pendingPause: null });
    },

    resume() {
      if (state.state !== AgentState.PAUSED) fail('resume');
      return set({ state: AgentState.AVAILABLE, reason: null, since: now() });
    },

    callStarted() {
      if (!canCall()) fail('start a call');
      return set({ state: AgentState.ON_CALL, reason: null, since: now() });
    },

    callFinished() {
      if (state.state !== AgentState.ON_CALL) fail('finish a call');
      return set({ state: AgentState.WRAP_UP, since: now() });
    },

    /** A call left without wrap-up (the page was reloaded) must be wrapped up first. */
    resumeWrapUp() {
      if (state.state !== AgentState.AVAILABLE && state.state !== AgentState.PAUSED) fail('resume a wrap-up');
      return set({ state: AgentState.WRAP_UP, reason: null, since: now() });
    },

    wrapUpDone() {
      if (state.state !== AgentState.WRAP_UP) fail('finish the wrap-up');
      if (state.pendingPause) {
        return set({ state: AgentState.PAUSED, reason: state.pendingPause, pendingPause: null, since: now() });
      }
      return set({ state: AgentState.AVAILABLE, since: now() });
    },

    subscribe(fn) {
      listeners.add(fn);
      return () => { listeners.delete(fn); };
    },
  };
}
