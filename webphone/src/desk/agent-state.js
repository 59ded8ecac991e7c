// The agent's own state through a shift: plain JavaScript, no DOM.
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
});

export const PAUSE_REASONS = Object.freeze(['break', 'lunch', 'training', 'meeting', 'technical', 'personal']);

export class AgentStateError extends Error {
  constructor(from, action) {
    super(`agent state: cannot ${action} while ${from}`);
    this.name = 'AgentStateError';
    this.from = from;
    this.action = action;
  }
}

export function createAgentState({ now = () => Date.now(), initial = AgentState.AVAILABLE } = {}) {
  let state = { state: initial, reason: null, since: now(), pendingPause: null };
  const listeners = new Set();

  function set(patch) {
    state = { ...state, ...patch };
    for (const fn of listeners) fn(snapshot());
    return snapshot();
  }

  function snapshot() {
    return { ...state };
  }

  function fail(action) {
    throw new AgentStateError(state.state, action);
  }

  return {
    snapshot,
    get state() { return state.state; },

    /** Can the agent start a call now? From available, or straight out of a pause. */
    canCall() {
      return state.state === AgentState.AVAILABLE || state.state === AgentState.PAUSED;
    },

    pause(reason) {
      if (!PAUSE_REASONS.includes(reason)) throw new TypeError(`agent state: unknown pause reason ${reason}`);
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
      if (!this.canCall()) fail('start a call');
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
      return () => listeners.delete(fn);
    },
  };
}
