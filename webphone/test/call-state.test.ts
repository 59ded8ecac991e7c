import { describe, expect, test } from 'vitest';
import {
  createCallState, Status, Outcome, Cause, InvalidTransitionError, outcomeForFailure,
  type CallEvent, type CallSnapshot, type CallState, type FailureInfo,
} from '../src/sip/call-state';

/** A clock that moves only when told to. */
function clock(start = 1_000_000): (() => number) & { advance: (ms: number) => void } {
  let t = start;
  return Object.assign(() => t, { advance: (ms: number) => { t += ms; } });
}

const TARGET = 'sip:34612345678@crm.local';

// Every status reachable, and how to get there from idle.
const PATHS: Record<Status, (c: CallState) => void> = {
  idle: () => {},
  calling: (c) => c.dial(TARGET),
  ringing: (c) => { c.dial(TARGET); c.progress(); },
  confirmed: (c) => { c.dial(TARGET); c.progress(); c.confirm(); },
  ended: (c) => { c.dial(TARGET); c.confirm(); c.end(); },
  failed: (c) => { c.dial(TARGET); c.fail({ cause: Cause.BUSY }); },
};

const EVENTS: Record<CallEvent, (c: CallState) => CallSnapshot> = {
  dial: (c) => c.dial(TARGET),
  progress: (c) => c.progress(),
  confirm: (c) => c.confirm(),
  fail: (c) => c.fail({ cause: Cause.BUSY }),
  end: (c) => c.end(),
  reset: (c) => c.reset(),
};

// The whole transition table: [from, event] -> to. Anything missing is invalid.
const ALLOWED: Partial<Record<string, Status>> = {
  'idle dial': 'calling',
  'calling progress': 'ringing',
  'calling confirm': 'confirmed',
  'calling fail': 'failed',
  'ringing progress': 'ringing',
  'ringing confirm': 'confirmed',
  'ringing fail': 'failed',
  'confirmed end': 'ended',
  'ended reset': 'idle',
  'failed reset': 'idle',
};

describe('call state transitions', () => {
  for (const from of Object.values(Status)) {
    for (const event of Object.keys(EVENTS) as CallEvent[]) {
      const to = ALLOWED[`${from} ${event}`];
      const title = to ? `${from} --${event}--> ${to}` : `${from} rejects ${event}`;
      test(title, () => {
        const call = createCallState({ now: clock() });
        PATHS[from](call);
        expect(call.status).toBe(from);
        expect(call.can(event)).toBe(Boolean(to));
        if (to) {
          const snap = EVENTS[event](call);
          expect(snap.status).toBe(to);
          expect(call.status).toBe(to);
        } else {
          let thrown: unknown;
          try { EVENTS[event](call); } catch (err) { thrown = err; }
          expect(thrown).toBeInstanceOf(InvalidTransitionError);
          expect(thrown).toMatchObject({ from, event });
          expect(call.status, 'a rejected event changes nothing').toBe(from);
        }
      });
    }
  }

  test('dial needs a target', () => {
    const call = createCallState();
    expect(() => call.dial('')).toThrow(TypeError);
    expect(call.status).toBe(Status.IDLE);
  });

  test('the full happy path records every time stamp', () => {
    const now = clock(10_000);
    const call = createCallState({ now });
    call.dial(TARGET);
    now.advance(1_500);
    call.progress();
    now.advance(4_000);
    call.progress(); // a second 18x keeps the first ringing time
    call.confirm();
    now.advance(65_000);
    const snap = call.end({ originator: 'local' });
    expect(snap.startedAt).toBe(10_000);
    expect(snap.ringingAt).toBe(11_500);
    expect(snap.answeredAt).toBe(15_500);
    expect(snap.endedAt).toBe(80_500);
    expect(snap.outcome).toBe(Outcome.ANSWERED);
    expect(snap.originator).toBe('local');
    expect(snap.cause).toBe(Cause.BYE);
    expect(snap.talkSeconds).toBe(65);
    expect(snap.finished).toBe(true);
    expect(snap.live).toBe(false);
  });

  test('reset forgets the finished call', () => {
    const call = createCallState({ now: clock() });
    PATHS.failed(call);
    const snap = call.reset();
    expect(snap.status).toBe(Status.IDLE);
    expect(snap.target).toBe(null);
    expect(snap.outcome).toBe(null);
    expect(snap.startedAt).toBe(null);
  });

  test('listeners see every change and can unsubscribe', () => {
    const call = createCallState({ now: clock() });
    const seen: string[] = [];
    const off = call.subscribe((s) => seen.push(s.status));
    call.dial(TARGET);
    call.progress();
    call.setMuted(true);
    call.confirm();
    off();
    call.end();
    expect(seen).toStrictEqual(['calling', 'ringing', 'ringing', 'confirmed']);
  });
});

describe('mute and hold flags', () => {
  test('mute works while the call is live, before and after the answer', () => {
    const call = createCallState({ now: clock() });
    expect(call.can('mute')).toBe(false);
    expect(() => call.setMuted(true)).toThrow(InvalidTransitionError);
    call.dial(TARGET);
    expect(call.setMuted(true).muted).toBe(true);
    call.progress();
    call.confirm();
    expect(call.snapshot().muted, 'mute survives the answer').toBe(true);
    expect(call.setMuted(false).muted).toBe(false);
  });

  test('hold is only for an answered call', () => {
    const call = createCallState({ now: clock() });
    call.dial(TARGET);
    expect(call.can('hold')).toBe(false);
    expect(() => call.setOnHold(true)).toThrow(InvalidTransitionError);
    call.progress();
    expect(() => call.setOnHold(true)).toThrow(InvalidTransitionError);
    call.confirm();
    expect(call.setOnHold(true).onHold).toBe(true);
    expect(call.setOnHold(false).onHold).toBe(false);
  });

  test('flags are cleared when the call ends or fails', () => {
    const ended = createCallState({ now: clock() });
    PATHS.confirmed(ended);
    ended.setMuted(true);
    ended.setOnHold(true);
    const e = ended.end();
    expect(e.muted).toBe(false);
    expect(e.onHold).toBe(false);
    expect(() => ended.setMuted(true)).toThrow(InvalidTransitionError);
    expect(() => ended.setOnHold(false)).toThrow(InvalidTransitionError);

    const failed = createCallState({ now: clock() });
    failed.dial(TARGET);
    failed.setMuted(true);
    expect(failed.fail({ cause: Cause.BUSY }).muted).toBe(false);
  });
});

describe('timer', () => {
  test('idle shows zero', () => {
    const call = createCallState({ now: clock() });
    expect(call.snapshot().elapsed).toBe(0);
    expect(call.elapsedSeconds()).toBe(0);
  });

  test('counts ring time before the answer and talk time after it', () => {
    const now = clock(0);
    const call = createCallState({ now });
    call.dial(TARGET);
    now.advance(7_900);
    expect(call.snapshot().elapsed, 'whole seconds, rounded down').toBe(7);
    expect(call.snapshot().talkSeconds).toBe(0);
    call.confirm();
    expect(call.snapshot().elapsed, 'the timer restarts at the answer').toBe(0);
    now.advance(125_000);
    expect(call.snapshot().elapsed).toBe(125);
    expect(call.snapshot().talkSeconds).toBe(125);
  });

  test('stops when the call ends', () => {
    const now = clock(0);
    const call = createCallState({ now });
    call.dial(TARGET);
    call.confirm();
    now.advance(42_000);
    call.end();
    now.advance(60_000);
    expect(call.snapshot().elapsed).toBe(42);
    expect(call.snapshot().talkSeconds).toBe(42);
  });

  test('a failed call has no talk time', () => {
    const now = clock(0);
    const call = createCallState({ now });
    call.dial(TARGET);
    call.progress();
    now.advance(30_000);
    const snap = call.fail({ cause: Cause.NO_ANSWER, originator: 'local' });
    expect(snap.talkSeconds).toBe(0);
    expect(snap.elapsed).toBe(30);
    now.advance(10_000);
    expect(call.snapshot().elapsed).toBe(30);
  });

  test('a clock going backwards never shows a negative time', () => {
    const now = clock(10_000);
    const call = createCallState({ now });
    call.dial(TARGET);
    now.advance(-5_000);
    expect(call.snapshot().elapsed).toBe(0);
  });
});

describe('outcome of a call that was not answered', () => {
  const cases: [string, FailureInfo, Outcome][] = [
    ['busy', { cause: Cause.BUSY, statusCode: 486 }, Outcome.BUSY],
    ['busy everywhere (600)', { cause: Cause.BUSY, statusCode: 600 }, Outcome.BUSY],
    ['declined by the callee (603)', { cause: Cause.REJECTED, statusCode: 603 }, Outcome.BUSY],
    ['forbidden by the proxy (403)', { cause: Cause.REJECTED, statusCode: 403 }, Outcome.FAILED],
    ['no answer', { cause: Cause.NO_ANSWER }, Outcome.NO_ANSWER],
    ['our ring timeout', { cause: Cause.NO_ANSWER, originator: 'local' }, Outcome.NO_ANSWER],
    ['transaction timeout', { cause: Cause.REQUEST_TIMEOUT }, Outcome.NO_ANSWER],
    ['invite expired', { cause: Cause.EXPIRES }, Outcome.NO_ANSWER],
    ['request timeout (408)', { cause: Cause.UNAVAILABLE, statusCode: 408 }, Outcome.NO_ANSWER],
    ['temporarily unavailable (480)', { cause: Cause.UNAVAILABLE, statusCode: 480 }, Outcome.NO_ANSWER],
    ['gone (410)', { cause: Cause.UNAVAILABLE, statusCode: 410 }, Outcome.FAILED],
    ['agent cancelled', { cause: Cause.CANCELED, originator: 'local' }, Outcome.CANCELLED],
    ['cancelled upstream', { cause: Cause.CANCELED, originator: 'remote' }, Outcome.NO_ANSWER],
    ['487 after our CANCEL', { cause: Cause.SIP_FAILURE_CODE, statusCode: 487, originator: 'local' }, Outcome.CANCELLED],
    ['487 from the network', { cause: Cause.SIP_FAILURE_CODE, statusCode: 487, originator: 'remote' }, Outcome.NO_ANSWER],
    ['service unavailable (503)', { cause: Cause.SIP_FAILURE_CODE, statusCode: 503 }, Outcome.CONGESTION],
    ['server error (500)', { cause: Cause.SIP_FAILURE_CODE, statusCode: 500 }, Outcome.CONGESTION],
    ['other 4xx', { cause: Cause.SIP_FAILURE_CODE, statusCode: 415 }, Outcome.FAILED],
    ['not found (404)', { cause: Cause.NOT_FOUND, statusCode: 404 }, Outcome.FAILED],
    ['address incomplete (484)', { cause: Cause.ADDRESS_INCOMPLETE, statusCode: 484 }, Outcome.FAILED],
    ['authentication', { cause: Cause.AUTHENTICATION_ERROR, statusCode: 407 }, Outcome.FAILED],
    ['connection lost', { cause: Cause.CONNECTION_ERROR }, Outcome.FAILED],
    ['media refused', { cause: Cause.USER_DENIED_MEDIA_ACCESS, originator: 'local' }, Outcome.FAILED],
    ['webrtc error', { cause: Cause.WEBRTC_ERROR }, Outcome.FAILED],
    ['incompatible sdp', { cause: Cause.INCOMPATIBLE_SDP, statusCode: 488 }, Outcome.FAILED],
    ['redirected', { cause: Cause.REDIRECTED, statusCode: 302 }, Outcome.FAILED],
    ['unknown cause', { cause: 'Something New' }, Outcome.FAILED],
  ];
  for (const [name, input, expected] of cases) {
    test(`${name} -> ${expected}`, () => {
      expect(outcomeForFailure(input)).toBe(expected);
    });
  }

  test('fail() stores the mapped outcome with its cause', () => {
    const call = createCallState({ now: clock() });
    call.dial(TARGET);
    call.progress();
    const snap = call.fail({ cause: Cause.SIP_FAILURE_CODE, statusCode: 503, originator: 'remote' });
    expect(snap.outcome).toBe(Outcome.CONGESTION);
    expect(snap.cause).toBe(Cause.SIP_FAILURE_CODE);
    expect(snap.statusCode).toBe(503);
    expect(snap.originator).toBe('remote');
  });

  test('an answered call is answered whatever ended it', () => {
    for (const cause of [Cause.BYE, Cause.RTP_TIMEOUT, Cause.NO_ACK, Cause.DIALOG_ERROR]) {
      const call = createCallState({ now: clock() });
      PATHS.confirmed(call);
      expect(call.end({ cause }).outcome).toBe(Outcome.ANSWERED);
    }
  });

  test('the outcomes are the ones calls.status knows', () => {
    expect(Object.values(Outcome).sort()).toStrictEqual(['answered', 'busy', 'cancelled', 'congestion', 'failed', 'no_answer']);
  });
});
