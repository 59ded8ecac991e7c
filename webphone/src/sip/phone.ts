// The agent's softphone: one JsSIP user agent over WebSocket, registered with
// short-lived credentials from rpc/sip_credentials, and at most one call at a
// time, whose state lives in call-state.ts. No React: the desk subscribes.
//
// Long-shift robustness lives here:
// - credentials are renewed before they expire and the UA re-registers with
//   them; a call in progress is untouched (its dialog does not depend on the
//   registration, and in-dialog requests use whatever credentials are current);
// - JsSIP reconnects the WebSocket by itself (backoff capped at 10 s) and
//   re-registers on reconnect; if the credentials expired meanwhile, the
//   failed REGISTER makes us fetch new ones and try again;
// - a REGISTER refused for authentication gets one fresh set of credentials
//   before the phone reports the failure.
//
// Incoming calls are refused (486), with one exception: the dialer's
// nailed-up call, an INVITE whose X-CRM-Dialer-Session is the session id the
// desk set (setDialerSession) while no other call is on. It is answered at
// once and stays up all shift (its call state's target is `dialer:<id>`).

import type { RTCSession, RTCSessionEventMap } from 'jssip/lib/RTCSession';
import type { RTCSessionEvent, UA } from 'jssip/lib/UA';
import { createCallState, Cause, Status, type CallSnapshot, type Originator } from './call-state';
import { renewalDelayMs, retryDelayMs } from './renewal';
import { aorFor, targetFor } from './uri';
import { crmCallHeaders } from './headers';

/** The header the PBX puts on the dialer's nailed-up INVITE (its session id). */
export const DIALER_HEADER = 'X-CRM-Dialer-Session';

export const PhoneStatus = Object.freeze({
  OFFLINE: 'offline',
  CONNECTING: 'connecting',
  REGISTERED: 'registered',
  RECONNECTING: 'reconnecting',
  FAILED: 'failed',
  NO_EXTENSION: 'no_extension',
} as const);
export type PhoneStatus = (typeof PhoneStatus)[keyof typeof PhoneStatus];

/** What the UI translates as `phone.error.<code>`. */
export type PhoneErrorCode =
  | 'mic_denied' | 'mic_missing' | 'mic_failed' | 'mic_unsupported' | 'not_registered'
  | 'already_in_call' | 'call_failed' | 'no_extension' | 'credentials' | 'sip_auth' | 'sip_unreachable';

/** An error with a code the UI translates (i18n key `phone.error.<code>`). */
export class PhoneError extends Error {
  readonly code: PhoneErrorCode;

  constructor(code: PhoneErrorCode, message: string = code, cause?: unknown) {
    super(message, { cause });
    this.name = 'PhoneError';
    this.code = code;
  }
}

export interface PhoneStatusSnapshot {
  state: PhoneStatus;
  /** Why it failed, a PhoneErrorCode; null otherwise. */
  error: PhoneErrorCode | null;
  extension: string | null;
}

/** What rpc/sip_credentials returns (the columns the phone reads). */
export interface Credentials {
  username: string;
  password: string;
  extension: string;
  domain: string;
  ws_url: string;
  expires_at: string;
}

export interface PhoneConfig {
  sipWsUrl?: string | null;
  sipDomain?: string | null;
  iceServers?: RTCIceServer[] | null;
  ringTimeoutSeconds?: number | null;
}

export interface PhoneOptions {
  config: PhoneConfig;
  fetchCredentials: () => Promise<Credentials>;
  displayName?: string;
  /** Where the callee is heard: an element, or a function that finds it when the call is up. */
  remoteAudio?: HTMLAudioElement | (() => HTMLAudioElement | null) | null;
  now?: () => number;
}

type Listeners = {
  status: Set<(status: PhoneStatusSnapshot) => void>;
  call: Set<(snapshot: CallSnapshot) => void>;
};

// JsSIP is the biggest part of the desk: loaded when the phone starts, so the
// desk is on screen while it arrives (a chunk of its own, fetched once).
type JsSIPModule = typeof import('jssip');
let jssip: Promise<JsSIPModule> | null = null;
function loadJsSIP(): Promise<JsSIPModule> {
  // A CommonJS package: its exports are the namespace's default.
  jssip ??= import('jssip').then((mod) => (mod as JsSIPModule & { default?: JsSIPModule }).default ?? mod);
  return jssip;
}

const AUTH_FAILURES: ReadonlySet<string> = new Set([Cause.AUTHENTICATION_ERROR, Cause.REJECTED]);

function errorInfo(err: unknown): { code?: unknown; kind?: unknown; message: string; name?: unknown } {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; kind?: unknown; message?: unknown; name?: unknown };
    return { code: e.code, kind: e.kind, name: e.name, message: typeof e.message === 'string' ? e.message : 'unknown error' };
  }
  return { message: String(err) };
}

function originatorOf(value: unknown): Originator {
  return value === 'local' || value === 'remote' ? value : 'system';
}

export function createPhone({ config, fetchCredentials, displayName = '', remoteAudio = null, now = () => Date.now() }: PhoneOptions) {
  const listeners: Listeners = { status: new Set(), call: new Set() };
  let ua: UA | null = null;
  let credentials: (Credentials & { receivedAt: number }) | null = null;
  let status: PhoneStatusSnapshot = { state: PhoneStatus.OFFLINE, error: null, extension: null };
  let renewTimer: ReturnType<typeof setTimeout> | undefined;
  let renewAttempts = 0;
  let authRetryUsed = false;
  let stopped = true;
  let startAttempts = 0;
  let startRetryTimer: ReturnType<typeof setTimeout> | undefined;
  let registerAttempts = 0;
  let registerRetryTimer: ReturnType<typeof setTimeout> | undefined;

  let session: RTCSession | null = null;
  let lib: JsSIPModule | null = null;
  let localStream: MediaStream | null = null;
  const callState = createCallState({ now });
  let ringTimer: ReturnType<typeof setTimeout> | undefined;
  let pendingCause: string | null = null;
  /** The open dialer session whose INVITE is answered; null: every incoming call is refused. */
  let dialerSession: string | null = null;
  const unsubscribeCall = callState.subscribe((snap) => { emitCall(snap); });

  function emitCall(snap: CallSnapshot): void {
    for (const fn of listeners.call) {
      try { fn(snap); } catch (err) { console.error('[phone] listener failed', err); }
    }
  }

  function setStatus(state: PhoneStatus, error: PhoneErrorCode | null = null): void {
    status = { state, error, extension: credentials?.extension ?? null };
    for (const fn of listeners.status) {
      try { fn(status); } catch (err) { console.error('[phone] listener failed', err); }
    }
  }

  function audioElement(): HTMLAudioElement | null {
    return typeof remoteAudio === 'function' ? remoteAudio() : remoteAudio;
  }

  // --------------------------------------------------------------------------
  // Credentials
  // --------------------------------------------------------------------------

  async function loadCredentials(): Promise<Credentials> {
    try {
      const fresh = await fetchCredentials();
      credentials = { ...fresh, receivedAt: now() };
      return credentials;
    } catch (err) {
      const info = errorInfo(err);
      if (info.code === '22023' || info.kind === 'no_extension') throw new PhoneError('no_extension', info.message, err);
      throw new PhoneError('credentials', info.message, err);
    }
  }

  function scheduleRenewal(): void {
    clearTimeout(renewTimer);
    if (stopped || !credentials) return;
    const delay = renewalDelayMs(credentials.expires_at, credentials.receivedAt, now());
    renewTimer = setTimeout(() => { void renew(); }, delay);
  }

  async function renew(): Promise<void> {
    if (stopped) return;
    try {
      await loadCredentials();
      renewAttempts = 0;
      applyCredentials();
      if (ua?.isConnected()) ua.register();
      scheduleRenewal();
    } catch (err) {
      renewAttempts += 1;
      console.warn('[phone] credential renewal failed, retrying', err);
      clearTimeout(renewTimer);
      renewTimer = setTimeout(() => { void renew(); }, retryDelayMs(renewAttempts));
    }
  }

  function applyCredentials(): void {
    if (!ua || !credentials) return;
    // JsSIP keeps an ha1 of the old password after a challenge; a plain
    // password takes precedence over it, so setting both fields is enough.
    ua.set('authorization_user', credentials.username);
    ua.set('password', credentials.password);
    authRetryUsed = false;
  }

  // --------------------------------------------------------------------------
  // User agent
  // --------------------------------------------------------------------------

  async function start(): Promise<void> {
    if (!stopped) return;
    stopped = false;
    clearTimeout(startRetryTimer);
    setStatus(PhoneStatus.CONNECTING);
    let creds: Credentials;
    try {
      creds = await loadCredentials();
      startAttempts = 0;
    } catch (err) {
      stopped = true;
      const code = err instanceof PhoneError ? err.code : 'credentials';
      if (code === 'no_extension') {
        setStatus(PhoneStatus.NO_EXTENSION, code);
      } else {
        // The server may be briefly unreachable: keep trying, with backoff.
        setStatus(PhoneStatus.FAILED, code);
        startAttempts += 1;
        startRetryTimer = setTimeout(() => { start().catch(() => undefined); }, retryDelayMs(startAttempts));
      }
      throw err;
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may run during the await
    if (stopped) return; // stopped while the credentials were on their way
    const domain = config.sipDomain || creds.domain;
    const wsUrl = config.sipWsUrl || creds.ws_url;
    let JsSIP: JsSIPModule;
    try {
      JsSIP = await loadJsSIP();
      lib = JsSIP;
    } catch (err) {
      // The chunk did not arrive (network): like any other failed start, try again.
      jssip = null;
      stopped = true;
      setStatus(PhoneStatus.FAILED, 'sip_unreachable');
      startAttempts += 1;
      startRetryTimer = setTimeout(() => { start().catch(() => undefined); }, retryDelayMs(startAttempts));
      throw new PhoneError('sip_unreachable', errorInfo(err).message, err);
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may run during the await
    if (stopped) return;
    const socket = new JsSIP.WebSocketInterface(wsUrl);
    const agent = new JsSIP.UA({
      sockets: [socket],
      uri: aorFor(creds.extension, domain),
      authorization_user: creds.username,
      password: creds.password,
      display_name: displayName || undefined,
      register: true,
      register_expires: 300,
      session_timers: false,
      connection_recovery_min_interval: 2,
      connection_recovery_max_interval: 10,
      user_agent: 'CRM-Webphone',
    });
    ua = agent;
    agent.on('connecting', () => {
      if (status.state !== PhoneStatus.REGISTERED) {
        setStatus(status.state === PhoneStatus.RECONNECTING ? PhoneStatus.RECONNECTING : PhoneStatus.CONNECTING);
      }
    });
    agent.on('disconnected', () => {
      if (!stopped) setStatus(PhoneStatus.RECONNECTING, 'sip_unreachable');
    });
    agent.on('registered', () => {
      authRetryUsed = false;
      registerAttempts = 0;
      clearTimeout(registerRetryTimer);
      setStatus(PhoneStatus.REGISTERED);
    });
    agent.on('unregistered', () => {
      if (!stopped && agent.isConnected()) setStatus(PhoneStatus.CONNECTING);
    });
    agent.on('registrationFailed', ({ cause }) => { void onRegistrationFailed(cause ?? ''); });
    // Calls to the agent are not part of outbound telesales: refuse them,
    // except the dialer's nailed-up call for the open session, when free.
    agent.on('newRTCSession', (event: RTCSessionEvent) => {
      if ((event.originator as string) !== 'remote') return;
      const id = event.request.getHeader(DIALER_HEADER) as string | undefined;
      if (dialerSession && id === dialerSession && !session && !callState.snapshot().live) answerDialer(event.session, id);
      else event.session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
    });
    agent.start();
    scheduleRenewal();
  }

  async function onRegistrationFailed(cause: string): Promise<void> {
    if (stopped || !ua) return;
    if (AUTH_FAILURES.has(cause) && !authRetryUsed) {
      // Most likely the credentials expired while the network was down.
      authRetryUsed = true;
      try {
        await loadCredentials();
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may run during the await
        if (!ua || !credentials) return;
        ua.set('authorization_user', credentials.username);
        ua.set('password', credentials.password);
        scheduleRenewal();
        ua.register();
        return;
      } catch (err) {
        console.warn('[phone] could not refresh credentials after a refused REGISTER', err);
      }
    }
    setStatus(PhoneStatus.FAILED, AUTH_FAILURES.has(cause) ? 'sip_auth' : 'sip_unreachable');
    // JsSIP retries a REGISTER only when the WebSocket reconnects: try again
    // ourselves, with backoff, with fresh credentials on the next attempt.
    registerAttempts += 1;
    clearTimeout(registerRetryTimer);
    registerRetryTimer = setTimeout(() => {
      if (stopped || !ua) return;
      authRetryUsed = false;
      if (ua.isConnected()) ua.register();
    }, retryDelayMs(registerAttempts));
  }

  function stop(): void {
    stopped = true;
    clearTimeout(renewTimer);
    clearTimeout(startRetryTimer);
    clearTimeout(registerRetryTimer);
    if (session) {
      try { session.terminate(); } catch { /* already gone */ }
    }
    if (ua) {
      // JsSIP's UA is an EventEmitter; its typings leave that out.
      (ua as UA & { removeAllListeners(): void }).removeAllListeners();
      ua.stop();
      ua = null;
    }
    releaseMicrophone();
    credentials = null;
    setStatus(PhoneStatus.OFFLINE);
  }

  /** Try again now (after a failure the agent has read about). */
  async function reconnect(): Promise<void> {
    if (ua || !stopped) stop();
    startAttempts = 0;
    await start();
  }

  // --------------------------------------------------------------------------
  // Microphone
  // --------------------------------------------------------------------------

  /** Opens the microphone; PhoneError mic_denied / mic_missing / mic_failed / mic_unsupported. */
  async function acquireMicrophone(): Promise<MediaStream> {
    // Old or insecure browsers have no mediaDevices at all (the DOM types say otherwise).
    const devices = (globalThis.navigator as Navigator | undefined)?.mediaDevices as Partial<MediaDevices> | undefined;
    if (!devices?.getUserMedia) throw new PhoneError('mic_unsupported');
    try {
      localStream = await devices.getUserMedia({ audio: true, video: false });
      return localStream;
    } catch (err) {
      const { name, message } = errorInfo(err);
      if (name === 'NotAllowedError' || name === 'SecurityError') throw new PhoneError('mic_denied', message, err);
      if (name === 'NotFoundError' || name === 'OverconstrainedError') throw new PhoneError('mic_missing', message, err);
      throw new PhoneError('mic_failed', message, err);
    }
  }

  function releaseMicrophone(): void {
    if (localStream) {
      for (const track of localStream.getTracks()) track.stop();
      localStream = null;
    }
  }

  // --------------------------------------------------------------------------
  // The call
  // --------------------------------------------------------------------------

  function ready(): { agent: UA; creds: Credentials } {
    if (!ua || !credentials || status.state !== PhoneStatus.REGISTERED) throw new PhoneError('not_registered');
    if (callState.snapshot().live) throw new PhoneError('already_in_call');
    return { agent: ua, creds: credentials };
  }

  /**
   * Dials a lead's number. The caller has already opened the microphone
   * (acquireMicrophone) and recorded the call (start_call), whose id rides
   * along as X-CRM-Call-Id so the PBX side can match it; `record` ('yes' |
   * 'no', see headers.ts) rides along as X-CRM-Record.
   */
  function call(
    e164: string,
    { crmCallId = null, record = null, stream = localStream }:
      { crmCallId?: string | null; record?: string | null; stream?: MediaStream | null } = {},
  ): CallSnapshot {
    const { agent, creds } = ready();
    const target = targetFor(e164, config.sipDomain || creds.domain);
    if (callState.snapshot().finished) callState.reset();
    pendingCause = null;
    callState.dial(target);

    try {
      session = agent.call(target, {
        extraHeaders: crmCallHeaders({ crmCallId, record }),
        mediaStream: stream ?? undefined,
        mediaConstraints: { audio: true, video: false },
        pcConfig: { iceServers: config.iceServers ?? [] },
        rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: false },
        eventHandlers: sessionHandlers(),
      });
    } catch (err) {
      finishFailed({ cause: Cause.INTERNAL_ERROR, originator: 'local' });
      throw new PhoneError('call_failed', errorInfo(err).message, err);
    }
    const ringSeconds = config.ringTimeoutSeconds ?? 45;
    ringTimer = setTimeout(() => {
      if (session && !callState.snapshot().answeredAt) {
        pendingCause = Cause.NO_ANSWER;
        try { session.terminate(); } catch { /* already ending */ }
      }
    }, ringSeconds * 1000);
    return callState.snapshot();
  }

  /** Answers the dialer's INVITE: the agent's line to the PBX for the shift. */
  function answerDialer(incoming: RTCSession, id: string): void {
    if (callState.snapshot().finished) callState.reset();
    pendingCause = null;
    callState.dial(`dialer:${id}`);
    session = incoming;
    // The same handlers an outgoing call gets through eventHandlers, by name.
    const emitter = incoming as unknown as { on(name: string, listener: unknown): unknown };
    for (const [name, fn] of Object.entries(sessionHandlers())) emitter.on(name, fn);
    try {
      incoming.answer({
        mediaStream: localStream ?? undefined,
        mediaConstraints: { audio: true, video: false },
        pcConfig: { iceServers: config.iceServers ?? [] },
      });
    } catch (err) {
      console.warn('[phone] could not answer the dialer', err);
      finishFailed({ cause: Cause.INTERNAL_ERROR, originator: 'local' });
    }
  }

  function sessionHandlers(): Partial<RTCSessionEventMap> {
    return {
      peerconnection: ({ peerconnection }) => {
        peerconnection.addEventListener('track', (event: RTCTrackEvent) => {
          const audio = audioElement();
          const stream = event.streams[0];
          if (audio && stream) {
            audio.srcObject = stream;
            audio.play().catch(() => { /* autoplay is allowed after the click */ });
          }
        });
      },
      'peerconnection:setremotedescriptionfailed': (err: unknown) => {
        // The far end's SDP was refused by the browser (the call fails with Bad Media Description).
        console.warn('[phone] the answer SDP was refused:', errorInfo(err).message);
      },
      progress: () => {
        if (callState.can('progress')) callState.progress();
      },
      accepted: () => {
        clearTimeout(ringTimer);
        if (callState.can('confirm')) callState.confirm();
      },
      confirmed: () => {
        clearTimeout(ringTimer);
        if (callState.can('confirm')) callState.confirm();
      },
      hold: () => {
        if (callState.can('hold')) callState.setOnHold(true);
      },
      unhold: () => {
        if (callState.can('hold')) callState.setOnHold(false);
      },
      muted: () => {
        if (callState.can('mute')) callState.setMuted(true);
      },
      unmuted: () => {
        if (callState.can('mute')) callState.setMuted(false);
      },
      ended: ({ originator, cause }) => {
        clearTimeout(ringTimer);
        if (callState.can('end')) callState.end({ cause, originator: originatorOf(originator) });
        cleanupCall();
      },
      failed: ({ originator, cause, message }) => {
        const statusCode = (message as { status_code?: number } | null | undefined)?.status_code ?? null;
        finishFailed({
          cause: pendingCause ?? cause,
          statusCode,
          originator: pendingCause ? 'local' : originatorOf(originator),
        });
      },
    };
  }

  function finishFailed({ cause, statusCode = null, originator }: { cause: string; statusCode?: number | null; originator: Originator }): void {
    clearTimeout(ringTimer);
    if (callState.can('fail')) callState.fail({ cause, statusCode, originator });
    else if (callState.can('end')) callState.end({ cause, originator });
    cleanupCall();
  }

  function cleanupCall(): void {
    session = null;
    pendingCause = null;
    releaseMicrophone();
    const audio = audioElement();
    if (audio) audio.srcObject = null;
  }

  function hangup(): void {
    if (!session) return;
    try {
      session.terminate();
    } catch (err) {
      // The session was already terminating; make sure the state is final.
      console.warn('[phone] terminate failed', err);
      finishFailed({ cause: Cause.CANCELED, originator: 'local' });
    }
  }

  function setMuted(muted: boolean): void {
    if (!session || !callState.can('mute')) return;
    if (muted) session.mute({ audio: true });
    else session.unmute({ audio: true });
  }

  function setOnHold(onHold: boolean): void {
    if (!session || !callState.can('hold')) return;
    if (onHold) session.hold();
    else session.unhold();
  }

  function sendDtmf(tone: string): boolean {
    if (!session || !lib || callState.status !== Status.CONFIRMED) return false;
    try {
      session.sendDTMF(tone, { transportType: lib.C.DTMF_TRANSPORT.RFC2833, duration: 120, interToneGap: 70 });
    } catch {
      session.sendDTMF(tone, { duration: 120, interToneGap: 70 });
    }
    return true;
  }

  /** Forget the last finished call (after wrap-up). */
  function resetCall(): void {
    if (callState.snapshot().finished) callState.reset();
  }

  /** The dialer session whose nailed-up INVITE is answered (null: refuse them all). */
  function setDialerSession(id: string | null): void {
    dialerSession = id;
  }

  function on(kind: 'status', fn: (status: PhoneStatusSnapshot) => void): () => void;
  function on(kind: 'call', fn: (snapshot: CallSnapshot) => void): () => void;
  function on(kind: keyof Listeners, fn: ((status: PhoneStatusSnapshot) => void) | ((snapshot: CallSnapshot) => void)): () => void {
    const set = listeners[kind] as Set<typeof fn>;
    set.add(fn);
    return () => { set.delete(fn); };
  }

  return {
    start,
    stop,
    reconnect,
    acquireMicrophone,
    releaseMicrophone,
    call,
    hangup,
    setMuted,
    setOnHold,
    sendDtmf,
    resetCall,
    setDialerSession,
    get status(): PhoneStatusSnapshot { return status; },
    callSnapshot: (): CallSnapshot => callState.snapshot(),
    credentialsExpireAt: (): string | null => credentials?.expires_at ?? null,
    /** Renew the credentials now (tests and the diagnostics panel use it). */
    renewNow: renew,
    on,
    destroy(): void {
      stop();
      unsubscribeCall();
      listeners.status.clear();
      listeners.call.clear();
    },
  };
}

export type Phone = ReturnType<typeof createPhone>;
