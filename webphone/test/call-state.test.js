import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  createCallState, Status, Outcome, Cause, InvalidTransitionError, outcomeForFailure,
} from '../src/sip/call-state.js';

function clock(start = 1_000_000) {
  let t = start;
  const now = () => t;
  now.advance = (ms) => { t += ms; };
  return now;
}

const TARGET = 'sip:34612345678@crm.local';

// Every status reachable, and how to get there from idle.
const PATHS = {
  idle: () => {},
  calling: (c) => c.dial(TARGET),
  ringing: (c) => { c.dial(TARGET); c.progress(); },
  confirmed: (c) => { c.dial(TARGET); c.progress(); c.confirm(); },
  ended: (c) => { c.dial(TARGET); c.confirm(); c.end(); },
  failed: (c) => { c.dial(TARGET); c.fail({ cause: Cause.BUSY }); },
};

const EVENTS = {
  dial: (c) => c.dial(TARGET),
  progress: (c) => c.progress(),
  confirm: (c) => c.confirm(),
  fail: (c) => c.fail({ cause: Cause.BUSY }),
  end: (c) => c.end(),
  reset: (c) => c.reset(),
};

// The whole transition table: [from, event] -> to. Anything missing is invalid.
const ALLOWED = {
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
  for (const from of Object.keys(PATHS)) {
    for (const event of Object.keys(EVENTS)) {
      const to = ALLOWED[`${from} ${event}`];
      const title = to ? `${from} --${event}--> ${to}` : `${from} rejects ${event}`;
      test(title, () => {
        const call = createCallState({ now: clock() });
        PATHS[from](call);
        assert.equal(call.status, from);
        assert.equal(call.can(event), Boolean(to));
        if (to) {
          const snap = EVENTS[event](call);
          assert.equal(snap.status, to);
          assert.equal(call.status, to);
        } else {
          assert.throws(() => EVENTS[event](call), (err) => {
            assert.ok(err instanceof InvalidTransitionError);
            assert.equal(err.from, from);
            assert.equal(err.event, event);
            return true;
          });
          assert.equal(call.status, from, 'a rejected event changes nothing');
        }
      });
    }
  }

  test('dial needs a target', () => {
    const call = createCallState();
    assert.throws(() => call.dial(''), TypeError);
    assert.equal(call.status, Status.IDLE);
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
    assert.equal(snap.startedAt, 10_000);
    assert.equal(snap.ringingAt, 11_500);
    assert.equal(snap.answeredAt, 15_500);
    assert.equal(snap.endedAt, 80_500);
    assert.equal(snap.outcome, Outcome.ANSWERED);
    assert.equal(snap.originator, 'local');
    assert.equal(snap.cause, Cause.BYE);
    assert.equal(snap.talkSeconds, 65);
    assert.equal(snap.finished, true);
    assert.equal(snap.live, false);
  });

  test('reset forgets the finished call', () => {
    const call = createCallState({ now: clock() });
    PATHS.failed(call);
    const snap = call.reset();
    assert.equal(snap.status, Status.IDLE);
    assert.equal(snap.target, null);
    assert.equal(snap.outcome, null);
    assert.equal(snap.startedAt, null);
  });

  test('listeners see every change and can unsubscribe', () => {
    const call = createCallState({ now: clock() });
    const seen = [];
    const off = call.subscribe((s) => seen.push(s.status));
    call.dial(TARGET);
    call.progress();
    call.setMuted(true);
    call.confirm();
    off();
    call.end();
    assert.deepEqual(seen, ['calling', 'ringing', 'ringing', 'confirmed']);
  });
});

describe('mute and hold flags', () => {
  test('mute works while the call is live, before and after the answer', () => {
    const call = createCallState({ now: clock() });
    assert.equal(call.can('mute'), false);
    assert.throws(() => call.setMuted(true), InvalidTransitionError);
    call.dial(TARGET);
    assert.equal(call.setMuted(true).muted, true);
    call.progress();
    call.confirm();
    assert.equal(call.snapshot().muted, true, 'mute survives the answer');
    assert.equal(call.setMuted(false).muted, false);
  });

  test('hold is only for an answered call', () => {
    const call = createCallState({ now: clock() });
    call.dial(TARGET);
    assert.equal(call.can('hold'), false);
    assert.throws(() => call.setOnHold(true), InvalidTransitionError);
    call.progress();
    assert.throws(() => call.setOnHold(true), InvalidTransitionError);
    call.confirm();
    assert.equal(call.setOnHold(true).onHold, true);
    assert.equal(call.setOnHold(false).onHold, false);
  });

  test('flags are cleared when the call ends or fails', () => {
    const ended = createCallState({ now: clock() });
    PATHS.confirmed(ended);
    ended.setMuted(true);
    ended.setOnHold(true);
    const e = ended.end();
    assert.equal(e.muted, false);
    assert.equal(e.onHold, false);
    assert.throws(() => ended.setMuted(true), InvalidTransitionError);
    assert.throws(() => ended.setOnHold(false), InvalidTransitionError);

    const failed = createCallState({ now: clock() });
    failed.dial(TARGET);
    failed.setMuted(true);
    assert.equal(failed.fail({ cause: Cause.BUSY }).muted, false);
  });
});

describe('timer', () => {
  test('idle shows zero', () => {
    const call = createCallState({ now: clock() });
    assert.equal(call.snapshot().elapsed, 0);
    assert.equal(call.elapsedSeconds(), 0);
  });

  test('counts ring time before the answer and talk time after it', () => {
    const now = clock(0);
    const call = createCallState({ now });
    call.dial(TARGET);
    now.advance(7_900);
    assert.equal(call.snapshot().elapsed, 7, 'whole seconds, rounded down');
    assert.equal(call.snapshot().talkSeconds, 0);
    call.confirm();
    assert.equal(call.snapshot().elapsed, 0, 'the timer restarts at the answer');
    now.advance(125_000);
    assert.equal(call.snapshot().elapsed, 125);
    assert.equal(call.snapshot().talkSeconds, 125);
  });

  test('stops when the call ends', () => {
    const now = clock(0);
    const call = createCallState({ now });
    call.dial(TARGET);
    call.confirm();
    now.advance(42_000);
    call.end();
    now.advance(60_000);
    assert.equal(call.snapshot().elapsed, 42);
    assert.equal(call.snapshot().talkSeconds, 42);
  });

  test('a failed call has no talk time', () => {
    const now = clock(0);
    const call = createCallState({ now });
    call.dial(TARGET);
    call.progress();
    now.advance(30_000);
    const snap = call.fail({ cause: Cause.NO_ANSWER, originator: 'local' });
    assert.equal(snap.talkSeconds, 0);
    assert.equal(snap.elapsed, 30);
    now.advance(10_000);
    assert.equal(call.snapshot().elapsed, 30);
  });

  test('a clock going backwards never shows a negative time', () => {
    const now = clock(10_000);
    const call = createCallState({ now });
    call.dial(TARGET);
    now.advance(-5_000);
    assert.equal(call.snapshot().elapsed, 0);
  });
});

describe('outcome of a call that was not answered', () => {
  const cases = [
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
      assert.equal(outcomeForFailure(input), expected);
    });
  }

  test('fail() stores the mapped outcome with its cause', () => {
    const call = createCallState({ now: clock() });
    call.dial(TARGET);
    call.progress();
    const snap = call.fail({ cause: Cause.SIP_FAILURE_CODE, statusCode: 503, originator: 'remote' });
    assert.equal(snap.outcome, Outcome.CONGESTION);
    assert.equal(snap.cause, Cause.SIP_FAILURE_CODE);
    assert.equal(snap.statusCode, 503);
    assert.equal(snap.originator, 'remote');
  });

  test('an answered call is answered whatever ended it', () => {
    for (const cause of [Cause.BYE, Cause.RTP_TIMEOUT, Cause.NO_ACK, Cause.DIALOG_ERROR]) {
      const call = createCallState({ now: clock() });
      PATHS.confirmed(call);
      assert.equal(call.end({ cause }).outcome, Outcome.ANSWERED);
    }
  });

  test('the outcomes are the ones calls.status knows', () => {
    assert.deepEqual(Object.values(Outcome).sort(),
      ['answered', 'busy', 'cancelled', 'congestion', 'failed', 'no_answer']);
  });
});
