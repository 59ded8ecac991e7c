// The softphone over a stand-in for JsSIP: registration with the RPC's
// credentials, the failures the agent is told about, one fresh set of
// credentials after a refused REGISTER, renewal, the microphone's errors,
// and a call's SIP events through the call state.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';

type Handler = (event: Record<string, unknown>) => void;

class FakeUA {
  static last: FakeUA | null = null;
  readonly handlers = new Map<string, Handler[]>();
  readonly settings: Record<string, unknown> = {};
  registers = 0;
  connected = true;
  started = false;
  stopped = false;
  sessions: FakeSession[] = [];

  constructor(readonly config: Record<string, unknown>) {
    FakeUA.last = this;
  }

  on(type: string, fn: Handler) {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), fn]);
    return this;
  }

  emit(type: string, event: Record<string, unknown> = {}) {
    for (const fn of this.handlers.get(type) ?? []) fn(event);
  }

  set(key: string, value: unknown) { this.settings[key] = value; return true; }
  register() { this.registers += 1; }
  start() { this.started = true; }
  stop() { this.stopped = true; }
  isConnected() { return this.connected; }
  removeAllListeners() { this.handlers.clear(); }
  call(target: string, options: { eventHandlers: Record<string, Handler>; extraHeaders: string[] }) {
    const session = new FakeSession(target, options);
    this.sessions.push(session);
    return session;
  }
}

class FakeSession {
  terminated = 0;
  constructor(readonly target: string, readonly options: { eventHandlers: Record<string, Handler>; extraHeaders: string[] }) {}
  fire(type: string, event: Record<string, unknown> = {}) { this.options.eventHandlers[type]?.(event); }
  terminate() { this.terminated += 1; }
  mute() { this.fire('muted'); }
  unmute() { this.fire('unmuted'); }
  hold() { this.fire('hold'); }
  unhold() { this.fire('unhold'); }
  sendDTMF() { /* sent */ }
}

vi.mock('jssip', () => ({
  default: {
    UA: FakeUA,
    WebSocketInterface: class { constructor(readonly url: string) {} },
    C: { DTMF_TRANSPORT: { RFC2833: 'RFC2833', INFO: 'INFO' } },
  },
}));

const { createPhone, PhoneError } = await import('../src/sip/phone');

const CREDENTIALS = {
  username: '1001', password: 'secret-1', extension: '1001', domain: 'crm.test', ws_url: 'wss://crm.test/ws',
  expires_at: new Date(Date.now() + 3600_000).toISOString(),
};

/** An incoming INVITE as JsSIP hands it: its headers read by name. */
function invite(dialerSession: string | undefined) {
  return { getHeader: (name: string) => (name === 'X-CRM-Dialer-Session' ? dialerSession : undefined) };
}

/** An incoming call's session: listeners added with on(), answer() recorded. */
class FakeIncoming {
  readonly handlers = new Map<string, Handler>();
  answered: Record<string, unknown>[] = [];
  terminate = vi.fn<(options?: unknown) => void>(() => { this.fire('ended', { originator: 'local', cause: 'Terminated' }); });
  on(type: string, fn: Handler) { this.handlers.set(type, fn); return this; }
  fire(type: string, event: Record<string, unknown> = {}) { this.handlers.get(type)?.(event); }
  answer(options: Record<string, unknown>) { this.answered.push(options); }
}

function ua(): FakeUA {
  if (!FakeUA.last) throw new Error('no user agent yet');
  return FakeUA.last;
}

function setup(fetchCredentials = vi.fn(() => Promise.resolve({ ...CREDENTIALS }))) {
  const phone = createPhone({ config: { sipDomain: '', sipWsUrl: '', ringTimeoutSeconds: 45 }, fetchCredentials, displayName: 'Ana' });
  const states: string[] = [];
  phone.on('status', (s) => { states.push(s.error ? `${s.state}:${s.error}` : s.state); });
  return { phone, states, fetchCredentials };
}

beforeEach(() => {
  FakeUA.last = null;
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('registration', () => {
  test('registers with the RPC\'s credentials on its own extension', async () => {
    const { phone, states } = setup();
    await phone.start();
    expect(ua().config).toMatchObject({ uri: 'sip:1001@crm.test', authorization_user: '1001', password: 'secret-1', display_name: 'Ana', register: true });
    ua().emit('registered');
    expect(phone.status).toStrictEqual({ state: 'registered', error: null, extension: '1001' });
    expect(states).toStrictEqual(['connecting', 'registered']);
  });

  test('no extension: told once, no retry; other failures retry with backoff', async () => {
    const noExt = setup(vi.fn(() => Promise.reject(Object.assign(new Error('no extension'), { code: '22023' }))));
    await expect(noExt.phone.start()).rejects.toMatchObject({ name: 'PhoneError', code: 'no_extension' });
    expect(noExt.phone.status.state).toBe('no_extension');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(noExt.fetchCredentials).toHaveBeenCalledTimes(1);

    const down = setup(vi.fn(() => Promise.reject(new Error('network'))));
    await expect(down.phone.start()).rejects.toBeInstanceOf(PhoneError);
    expect(down.phone.status).toMatchObject({ state: 'failed', error: 'credentials' });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(down.fetchCredentials).toHaveBeenCalledTimes(2);
    down.phone.destroy();
  });

  test('a refused REGISTER gets one fresh set of credentials, then the failure is told', async () => {
    const { phone, fetchCredentials } = setup();
    await phone.start();
    fetchCredentials.mockResolvedValueOnce({ ...CREDENTIALS, password: 'secret-2' });
    ua().emit('registrationFailed', { cause: 'Authentication Error' });
    await vi.advanceTimersByTimeAsync(0);
    expect(ua().settings.password).toBe('secret-2');
    expect(ua().registers).toBe(1);
    expect(phone.status.state).toBe('connecting');
    ua().emit('registrationFailed', { cause: 'Authentication Error' });
    await vi.advanceTimersByTimeAsync(0);
    expect(phone.status).toMatchObject({ state: 'failed', error: 'sip_auth' });
    // And it tries again by itself.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(ua().registers).toBe(2);
    phone.destroy();
  });

  test('a lost WebSocket is "reconnecting" until registered again', async () => {
    const { phone } = setup();
    await phone.start();
    ua().emit('registered');
    ua().emit('disconnected');
    expect(phone.status).toMatchObject({ state: 'reconnecting', error: 'sip_unreachable' });
    ua().emit('registered');
    expect(phone.status.state).toBe('registered');
  });

  test('credentials are renewed before they expire and the UA registers with them', async () => {
    const { phone, fetchCredentials } = setup();
    await phone.start();
    fetchCredentials.mockResolvedValueOnce({ ...CREDENTIALS, password: 'renewed' });
    // A fifth of an hour before the end: at 48 minutes.
    await vi.advanceTimersByTimeAsync(48 * 60_000);
    expect(fetchCredentials).toHaveBeenCalledTimes(2);
    expect(ua().settings.password).toBe('renewed');
    expect(ua().registers).toBe(1);
    phone.destroy();
  });

  test('stop unregisters and forgets; incoming calls are refused busy', async () => {
    const { phone } = setup();
    await phone.start();
    const incoming = { terminate: vi.fn() };
    ua().emit('newRTCSession', { originator: 'remote', session: incoming, request: invite(undefined) });
    expect(incoming.terminate).toHaveBeenCalledWith({ status_code: 486, reason_phrase: 'Busy Here' });
    const agent = ua();
    phone.stop();
    expect(agent.stopped).toBe(true);
    expect(phone.status.state).toBe('offline');
  });
});

describe('microphone', () => {
  test.each([
    ['NotAllowedError', 'mic_denied'], ['SecurityError', 'mic_denied'], ['NotFoundError', 'mic_missing'], ['AbortError', 'mic_failed'],
  ])('%s is told as %s', async (name, code) => {
    const err = Object.assign(new Error(name), { name });
    vi.stubGlobal('navigator', { mediaDevices: { getUserMedia: () => Promise.reject(err) } });
    await expect(setup().phone.acquireMicrophone()).rejects.toMatchObject({ name: 'PhoneError', code });
  });

  test('no mediaDevices at all: unsupported', async () => {
    vi.stubGlobal('navigator', {});
    await expect(setup().phone.acquireMicrophone()).rejects.toMatchObject({ code: 'mic_unsupported' });
  });
});

describe('a call', () => {
  async function registered() {
    const view = setup();
    await view.phone.start();
    ua().emit('registered');
    return view;
  }

  test('not before the registration', () => {
    const { phone } = setup();
    expect(() => phone.call('+34612345678', { crmCallId: 'c-1', record: 'yes' })).toThrow(PhoneError);
  });

  test('dials with the CRM headers; SIP events move the call state; hang-up ends it', async () => {
    const { phone } = await registered();
    const calls: string[] = [];
    phone.on('call', (snap) => { calls.push(snap.status); });
    phone.call('+34612345678', { crmCallId: 'c-1', record: 'no' });
    const [session] = ua().sessions;
    if (!session) throw new Error('no session');
    expect(session.target).toBe('sip:34612345678@crm.test');
    expect(session.options.extraHeaders).toStrictEqual(['X-CRM-Call-Id: c-1', 'X-CRM-Record: no']);
    expect(() => phone.call('+34612345678', { crmCallId: 'c-2' })).toThrow(/already_in_call/);
    session.fire('progress');
    session.fire('accepted');
    phone.setMuted(true);
    phone.setOnHold(true);
    expect(phone.callSnapshot()).toMatchObject({ status: 'confirmed', muted: true, onHold: true });
    expect(phone.sendDtmf('5')).toBe(true);
    phone.hangup();
    expect(session.terminated).toBe(1);
    session.fire('ended', { originator: 'local', cause: 'Terminated' });
    expect(phone.callSnapshot()).toMatchObject({ status: 'ended', outcome: 'answered', originator: 'local' });
    expect(calls).toStrictEqual(['calling', 'ringing', 'confirmed', 'confirmed', 'confirmed', 'ended']);
    phone.resetCall();
    expect(phone.callSnapshot().status).toBe('idle');
  });

  test('busy is a failed call with its outcome; no answer is ended by the ring timeout', async () => {
    const { phone } = await registered();
    phone.call('+34612340486', { crmCallId: 'c-1' });
    ua().sessions[0]?.fire('failed', { originator: 'remote', cause: 'Busy', message: { status_code: 486 } });
    expect(phone.callSnapshot()).toMatchObject({ status: 'failed', outcome: 'busy', statusCode: 486 });

    phone.call('+34612340408', { crmCallId: 'c-2' });
    const silent = ua().sessions[1];
    if (!silent) throw new Error('no session');
    silent.fire('progress');
    await vi.advanceTimersByTimeAsync(45_000);
    expect(silent.terminated).toBe(1);
    silent.fire('failed', { originator: 'local', cause: 'Canceled' });
    expect(phone.callSnapshot()).toMatchObject({ status: 'failed', outcome: 'no_answer' });
    phone.destroy();
  });
});

describe('the dialer\'s nailed-up call', () => {
  async function registered() {
    const view = setup();
    await view.phone.start();
    ua().emit('registered');
    return view;
  }

  function ring(session: string | undefined) {
    const incoming = new FakeIncoming();
    ua().emit('newRTCSession', { originator: 'remote', session: incoming, request: invite(session) });
    return incoming;
  }

  test('the INVITE of the open session is answered and stays up as a confirmed call', async () => {
    const { phone } = await registered();
    phone.setDialerSession('sess-1');
    const nailed = ring('sess-1');
    expect(nailed.terminate).not.toHaveBeenCalled();
    expect(nailed.answered).toHaveLength(1);
    expect(nailed.answered[0]).toMatchObject({ mediaConstraints: { audio: true, video: false } });
    expect(phone.callSnapshot()).toMatchObject({ status: 'calling', target: 'dialer:sess-1', live: true });
    nailed.fire('accepted');
    nailed.fire('confirmed');
    expect(phone.callSnapshot()).toMatchObject({ status: 'confirmed', target: 'dialer:sess-1' });
    // An outbound call cannot be placed over it.
    expect(() => phone.call('+34612345678', { crmCallId: 'c-1' })).toThrow(/already_in_call/);
    phone.hangup();
    expect(nailed.terminate).toHaveBeenCalledTimes(1);
    expect(phone.callSnapshot()).toMatchObject({ status: 'ended', originator: 'local' });
    phone.destroy();
  });

  test('a wrong or missing header, or no open session, is refused busy', async () => {
    const { phone } = await registered();
    const busy = { status_code: 486, reason_phrase: 'Busy Here' };
    // No session set yet: even a dialer INVITE is refused.
    const early = ring('sess-1');
    expect(early.terminate).toHaveBeenCalledWith(busy);
    phone.setDialerSession('sess-1');
    for (const header of ['sess-2', undefined, '']) {
      const other = ring(header);
      expect(other.terminate).toHaveBeenCalledWith(busy);
      expect(other.answered).toHaveLength(0);
    }
    phone.setDialerSession(null);
    expect(ring('sess-1').terminate).toHaveBeenCalledWith(busy);
    expect(phone.callSnapshot().status).toBe('idle');
    phone.destroy();
  });

  test('a second INVITE while a call is on is refused, the dialer\'s own included', async () => {
    const { phone } = await registered();
    phone.setDialerSession('sess-1');
    const nailed = ring('sess-1');
    nailed.fire('confirmed');
    const again = ring('sess-1');
    expect(again.terminate).toHaveBeenCalledWith({ status_code: 486, reason_phrase: 'Busy Here' });
    expect(again.answered).toHaveLength(0);
    expect(phone.callSnapshot()).toMatchObject({ status: 'confirmed', target: 'dialer:sess-1' });
    // Nor during an outbound call.
    nailed.fire('ended', { originator: 'remote', cause: 'Terminated' });
    phone.resetCall();
    phone.call('+34612345678', { crmCallId: 'c-1' });
    const during = ring('sess-1');
    expect(during.terminate).toHaveBeenCalledWith({ status_code: 486, reason_phrase: 'Busy Here' });
    phone.destroy();
  });
});
