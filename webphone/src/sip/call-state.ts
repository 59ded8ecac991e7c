// The state of one outbound call, as the agent sees it: plain TypeScript, no
// DOM and no JsSIP, so every transition can be tested on its own. The SIP
// wrapper (sip/phone.ts) feeds it JsSIP's events; the UI renders its snapshot.
//
//   idle -> calling -> ringing -> confirmed -> ended
//              \           \  \___________/
//               \           \--> failed   (never answered)
//                \--> confirmed / failed
//
// ended and failed are final for this call: reset() makes a new idle call.

export const Status = Object.freeze({
  IDLE: 'idle',
  CALLING: 'calling',
  RINGING: 'ringing',
  CONFIRMED: 'confirmed',
  ENDED: 'ended',
  FAILED: 'failed',
} as const);
export type Status = (typeof Status)[keyof typeof Status];

// What became of a call, in the words calls.status / the reports use.
export const Outcome = Object.freeze({
  ANSWERED: 'answered',
  BUSY: 'busy',
  NO_ANSWER: 'no_answer',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  CONGESTION: 'congestion',
} as const);
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

// JsSIP's cause strings (JsSIP.C.causes), spelled out so this file needs no JsSIP.
export const Cause = Object.freeze({
  CONNECTION_ERROR: 'Connection Error',
  REQUEST_TIMEOUT: 'Request Timeout',
  SIP_FAILURE_CODE: 'SIP Failure Code',
  INTERNAL_ERROR: 'Internal Error',
  BUSY: 'Busy',
  REJECTED: 'Rejected',
  REDIRECTED: 'Redirected',
  UNAVAILABLE: 'Unavailable',
  NOT_FOUND: 'Not Found',
  ADDRESS_INCOMPLETE: 'Address Incomplete',
  INCOMPATIBLE_SDP: 'Incompatible SDP',
  MISSING_SDP: 'Missing SDP',
  AUTHENTICATION_ERROR: 'Authentication Error',
  BYE: 'Terminated',
  WEBRTC_ERROR: 'WebRTC Error',
  CANCELED: 'Canceled',
  NO_ANSWER: 'No Answer',
  EXPIRES: 'Expires',
  NO_ACK: 'No ACK',
  DIALOG_ERROR: 'Dialog Error',
  USER_DENIED_MEDIA_ACCESS: 'User Denied Media Access',
  BAD_MEDIA_DESCRIPTION: 'Bad Media Description',
  RTP_TIMEOUT: 'RTP Timeout',
} as const);
export type Cause = (typeof Cause)[keyof typeof Cause];

/** Who ended the call, in JsSIP's words. */
export type Originator = 'local' | 'remote' | 'system';

/** What can happen to a call: the transitions, plus mute and hold (which keep the status). */
export type CallEvent = 'dial' | 'progress' | 'confirm' | 'fail' | 'end' | 'reset';
export type CallAction = CallEvent | 'mute' | 'hold';

export class InvalidTransitionError extends Error {
  readonly from: Status;
  readonly event: CallAction;

  constructor(from: Status, event: CallAction) {
    super(`call state: "${event}" is not allowed while ${from}`);
    this.name = 'InvalidTransitionError';
    this.from = from;
    this.event = event;
  }
}

// event -> { from status: to status }
const TRANSITIONS: Readonly<Record<CallEvent, Partial<Record<Status, Status>>>> = {
  dial: { idle: 'calling' },
  progress: { calling: 'ringing', ringing: 'ringing' },
  confirm: { calling: 'confirmed', ringing: 'confirmed' },
  fail: { calling: 'failed', ringing: 'failed' },
  end: { confirmed: 'ended' },
  reset: { ended: 'idle', failed: 'idle' },
};

const LIVE: ReadonlySet<Status> = new Set([Status.CALLING, Status.RINGING, Status.CONFIRMED]);

export interface FailureInfo {
  /** JsSIP's cause: one of Cause, but JsSIP may add others (they count as failed). */
  cause?: string;
  /** The SIP status code of the final response, if there was one. */
  statusCode?: number | null;
  originator?: Originator;
}

/** The call's own fields: what the machine keeps between events. */
export interface CallFields {
  status: Status;
  target: string | null;
  muted: boolean;
  onHold: boolean;
  /** ms epoch, from the clock given to createCallState. */
  startedAt: number | null;
  ringingAt: number | null;
  answeredAt: number | null;
  endedAt: number | null;
  cause: string | null;
  statusCode: number | null;
  originator: Originator | null;
  outcome: Outcome | null;
}

/** What the UI renders: the fields plus what follows from them at a given time. */
export interface CallSnapshot extends CallFields {
  live: boolean;
  finished: boolean;
  /** Seconds the timer shows: talk time once answered, ring time before. */
  elapsed: number;
  /** Billable talk time, the duration end_call records. */
  talkSeconds: number;
}

export type CallListener = (snapshot: CallSnapshot) => void;

export interface CallState {
  readonly status: Status;
  snapshot(at?: number): CallSnapshot;
  elapsedSeconds(at?: number): number;
  can(event: CallAction): boolean;
  dial(target: string): CallSnapshot;
  progress(): CallSnapshot;
  confirm(): CallSnapshot;
  fail(info?: FailureInfo): CallSnapshot;
  end(info?: { cause?: string; originator?: Originator }): CallSnapshot;
  setMuted(muted: boolean): CallSnapshot;
  setOnHold(onHold: boolean): CallSnapshot;
  reset(): CallSnapshot;
  subscribe(listener: CallListener): () => void;
}

/**
 * The outcome of a call that was never answered, from JsSIP's cause, the SIP
 * status code of the final response (if any) and who ended it.
 * Mirrors how a PBX turns SIP answers into dial statuses (BUSY, NOANSWER,
 * CONGESTION, CHANUNAVAIL, CANCEL).
 */
export function outcomeForFailure(
  { cause, statusCode = null, originator = 'remote' }: FailureInfo = {},
): Outcome {
  switch (cause) {
    case Cause.BUSY:
      return Outcome.BUSY;
    case Cause.REJECTED:
      // 603 Decline is the callee refusing (a PBX reports it as busy);
      // 403 Forbidden is our own proxy refusing the call.
      return statusCode === 603 ? Outcome.BUSY : Outcome.FAILED;
    case Cause.NO_ANSWER:
    case Cause.REQUEST_TIMEOUT:
    case Cause.EXPIRES:
      return Outcome.NO_ANSWER;
    case Cause.UNAVAILABLE:
      // 408 and 480 are what carriers answer after ringing out; 410 and 430 are dead ends.
      return statusCode === 408 || statusCode === 480 || statusCode === null
        ? Outcome.NO_ANSWER : Outcome.FAILED;
    case Cause.CANCELED:
      return originator === 'local' ? Outcome.CANCELLED : Outcome.NO_ANSWER;
    case Cause.SIP_FAILURE_CODE:
      if (statusCode === 487) return originator === 'local' ? Outcome.CANCELLED : Outcome.NO_ANSWER;
      if (statusCode !== null && statusCode >= 500 && statusCode < 600) return Outcome.CONGESTION;
      return Outcome.FAILED;
    default:
      // Not Found, Address Incomplete, Authentication Error, WebRTC and media
      // errors, connection loss: the call could not be placed.
      return Outcome.FAILED;
  }
}

/** A new call state machine; `now` is the clock, in ms (Date.now by default). */
export function createCallState({ now = () => Date.now() }: { now?: () => number } = {}): CallState {
  let state = blank();
  const listeners = new Set<CallListener>();

  function blank(): CallFields {
    return {
      status: Status.IDLE,
      target: null,
      muted: false,
      onHold: false,
      startedAt: null,
      ringingAt: null,
      answeredAt: null,
      endedAt: null,
      cause: null,
      statusCode: null,
      originator: null,
      outcome: null,
    };
  }

  function move(event: CallEvent, patch: Partial<CallFields> = {}): CallSnapshot {
    const to = TRANSITIONS[event][state.status];
    if (!to) throw new InvalidTransitionError(state.status, event);
    state = { ...state, ...patch, status: to };
    emit();
    return snapshot();
  }

  function emit(): void {
    const snap = snapshot();
    for (const listener of listeners) listener(snap);
  }

  function elapsedSeconds(at: number = now()): number {
    if (state.answeredAt !== null) {
      const end = state.endedAt ?? at;
      return Math.max(0, Math.floor((end - state.answeredAt) / 1000));
    }
    if (state.startedAt !== null) {
      const end = state.endedAt ?? at;
      return Math.max(0, Math.floor((end - state.startedAt) / 1000));
    }
    return 0;
  }

  function snapshot(at: number = now()): CallSnapshot {
    return {
      ...state,
      live: LIVE.has(state.status),
      finished: state.status === Status.ENDED || state.status === Status.FAILED,
      // What the timer shows: talk time once answered, ring time before.
      elapsed: elapsedSeconds(at),
      // Billable talk time, the duration end_call records.
      talkSeconds: state.answeredAt === null ? 0 : elapsedSeconds(at),
    };
  }

  function requireStatus(allowed: readonly Status[], event: CallAction): void {
    if (!allowed.includes(state.status)) throw new InvalidTransitionError(state.status, event);
  }

  return {
    get status() { return state.status; },
    snapshot,
    elapsedSeconds,

    /** Can `event` happen now? (dial, progress, confirm, fail, end, reset, mute, hold) */
    can(event) {
      if (event === 'mute') return LIVE.has(state.status);
      if (event === 'hold') return state.status === Status.CONFIRMED;
      return TRANSITIONS[event][state.status] !== undefined;
    },

    dial(target) {
      if (!target) throw new TypeError('call state: dial needs a target');
      return move('dial', { target, startedAt: now() });
    },

    /** A provisional answer (180 Ringing, 183 Session Progress). */
    progress() {
      const ringingAt = state.ringingAt ?? now();
      return move('progress', { ringingAt });
    },

    /** The callee answered. */
    confirm() {
      return move('confirm', { answeredAt: now() });
    },

    /** The call ended before being answered. */
    fail({ cause = Cause.INTERNAL_ERROR, statusCode = null, originator = 'remote' } = {}) {
      const outcome = outcomeForFailure({ cause, statusCode, originator });
      return move('fail', {
        endedAt: now(), cause, statusCode, originator, outcome, muted: false, onHold: false,
      });
    },

    /** An answered call ended (BYE from either side, or a media/dialog error). */
    end({ cause = Cause.BYE, originator = 'remote' } = {}) {
      return move('end', {
        endedAt: now(), cause, originator, outcome: Outcome.ANSWERED, muted: false, onHold: false,
      });
    },

    setMuted(muted) {
      requireStatus([Status.CALLING, Status.RINGING, Status.CONFIRMED], 'mute');
      state = { ...state, muted };
      emit();
      return snapshot();
    },

    setOnHold(onHold) {
      requireStatus([Status.CONFIRMED], 'hold');
      state = { ...state, onHold };
      emit();
      return snapshot();
    },

    /** Forget a finished call: back to idle for the next one. */
    reset() {
      requireStatus([Status.ENDED, Status.FAILED], 'reset');
      state = blank();
      emit();
      return snapshot();
    },

    /** Calls listener(snapshot) after every change; returns the unsubscribe function. */
    subscribe(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
  };
}
