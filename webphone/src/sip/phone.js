// The agent's softphone: one JsSIP user agent over WebSocket, registered with
// short-lived credentials from rpc/sip_credentials, and at most one call at a
// time, whose state lives in call-state.ts.
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

import JsSIP from 'jssip';
import { createCallState, Cause } from './call-state';
import { renewalDelayMs, retryDelayMs } from './renewal';
import { aorFor, targetFor } from './uri';
import { crmCallHeaders } from './headers';

export const PhoneStatus = Object.freeze({
  OFFLINE: 'offline',
  CONNECTING: 'connecting',
  REGISTERED: 'registered',
  RECONNECTING: 'reconnecting',
  FAILED: 'failed',
  NO_EXTENSION: 'no_extension',
});

/** An error with a code the UI translates (i18n key `phone.error.<code>`). */
export class PhoneError extends Error {
  constructor(code, message = code, cause = undefined) {
    super(message);
    this.name = 'PhoneError';
    this.code = code;
    this.cause = cause;
  }
}

const AUTH_FAILURES = new Set([Cause.AUTHENTICATION_ERROR, Cause.REJECTED]);

/**
 * @param {object} options
 * @param {{sipWsUrl?: string, sipDomain?: string, iceServers?: RTCIceServer[], ringTimeoutSeconds?: number}} options.config
 * @param {() => Promise<{username: string, password: string, extension: string, domain: string, ws_url: string, expires_at: string}>} options.fetchCredentials
 * @param {string} [options.displayName]
 * @param {HTMLAudioElement} [options.remoteAudio] where the callee is heard
 * @param {() => number} [options.now]
 */
export function createPhone({ config, fetchCredentials, displayName = '', remoteAudio = null, now = () => Date.now() }) {
  const listeners = { status: new Set(), call: new Set() };
  let ua = null;
  let credentials = null;
  let status = { state: PhoneStatus.OFFLINE, error: null, extension: null };
  let renewTimer = null;
  let renewAttempts = 0;
  let authRetryUsed = false;
  let stopped = true;
  let startAttempts = 0;
  let startRetryTimer = null;
  let registerAttempts = 0;
  let registerRetryTimer = null;

  let session = null;
  let localStream = null;
  const callState = createCallState({ now });
  let ringTimer = null;
  let pendingCause = null;
  const unsubscribeCall = callState.subscribe((snap) => emit('call', snap));

  function emit(kind, payload) {
    for (const fn of listeners[kind]) {
      try { fn(payload); } catch (err) { console.error('[phone] listener failed', err); }
    }
  }

  function setStatus(state, error = null) {
    status = { state, error, extension: credentials?.extension ?? null };
    emit('status', status);
  }

  // --------------------------------------------------------------------------
  // Credentials
  // --------------------------------------------------------------------------

  async function loadCredentials() {
    try {
      credentials = await fetchCredentials();
      credentials.receivedAt = now();
      return credentials;
    } catch (err) {
      if (err?.code === '22023' || err?.kind === 'no_extension') {
        throw new PhoneError('no_extension', err.message, err);
      }
      throw new PhoneError('credentials', err?.message ?? String(err), err);
    }
  }

  function scheduleRenewal() {
    clearTimeout(renewTimer);
    if (stopped || !credentials) return;
    const delay = renewalDelayMs(credentials.expires_at, credentials.receivedAt, now());
    renewTimer = setTimeout(renew, delay);
  }

  async function renew() {
    if (stopped) return;
    try {
      await loadCredentials();
      renewAttempts = 0;
      applyCredentials();
      if (ua.isConnected()) ua.register();
      scheduleRenewal();
    } catch (err) {
      renewAttempts += 1;
      console.warn('[phone] credential renewal failed, retrying', err);
      clearTimeout(renewTimer);
      renewTimer = setTimeout(renew, retryDelayMs(renewAttempts));
    }
  }

  function applyCredentials() {
    // JsSIP keeps an ha1 of the old password after a challenge; a plain
    // password takes precedence over it, so setting both fields is enough.
    ua.set('authorization_user', credentials.username);
    ua.set('password', credentials.password);
    authRetryUsed = false;
  }

  // --------------------------------------------------------------------------
  // User agent
  // --------------------------------------------------------------------------

  async function start() {
    if (!stopped) return;
    stopped = false;
    clearTimeout(startRetryTimer);
    setStatus(PhoneStatus.CONNECTING);
    try {
      await loadCredentials();
      startAttempts = 0;
    } catch (err) {
      stopped = true;
      if (err.code === 'no_extension') {
        setStatus(PhoneStatus.NO_EXTENSION, err.code);
      } else {
        // The server may be briefly unreachable: keep trying, with backoff.
        setStatus(PhoneStatus.FAILED, err.code);
        startAttempts += 1;
        startRetryTimer = setTimeout(() => start().catch(() => {}), retryDelayMs(startAttempts));
      }
      throw err;
    }
    const domain = config.sipDomain || credentials.domain;
    const wsUrl = config.sipWsUrl || credentials.ws_url;
    const socket = new JsSIP.WebSocketInterface(wsUrl);
    ua = new JsSIP.UA({
      sockets: [socket],
      uri: aorFor(credentials.extension, domain),
      authorization_user: credentials.username,
      password: credentials.password,
      display_name: displayName || undefined,
      register: true,
      register_expires: 300,
      session_timers: false,
      connection_recovery_min_interval: 2,
      connection_recovery_max_interval: 10,
      user_agent: 'CRM-Webphone',
    });
    ua.on('connecting', () => {
      if (status.state !== PhoneStatus.REGISTERED) {
        setStatus(status.state === PhoneStatus.RECONNECTING ? PhoneStatus.RECONNECTING : PhoneStatus.CONNECTING);
      }
    });
    ua.on('disconnected', () => {
      if (!stopped) setStatus(PhoneStatus.RECONNECTING, 'sip_unreachable');
    });
    ua.on('registered', () => {
      authRetryUsed = false;
      registerAttempts = 0;
      clearTimeout(registerRetryTimer);
      setStatus(PhoneStatus.REGISTERED);
    });
    ua.on('unregistered', () => {
      if (!stopped && ua.isConnected()) setStatus(PhoneStatus.CONNECTING);
    });
    ua.on('registrationFailed', onRegistrationFailed);
    // Calls to the agent are not part of outbound telesales: refuse them.
    ua.on('newRTCSession', ({ originator, session: incoming }) => {
      if (originator === 'remote') incoming.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
    });
    ua.start();
    scheduleRenewal();
  }

  async function onRegistrationFailed({ cause }) {
    if (stopped) return;
    if (AUTH_FAILURES.has(cause) && !authRetryUsed) {
      // Most likely the credentials expired while the network was down.
      authRetryUsed = true;
      try {
        await loadCredentials();
        ua.set('authorization_user', credentials.username);
        ua.set('password', credentials.password);
        scheduleRenewal();
        ua.register();
        return;
      } catch (err) {
        console.warn('[phone] could not refresh credentials after a refused REGISTER', err);
      }
    }
    const error = AUTH_FAILURES.has(cause) ? 'sip_auth' : 'sip_unreachable';
    setStatus(PhoneStatus.FAILED, error);
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

  function stop() {
    stopped = true;
    clearTimeout(renewTimer);
    clearTimeout(startRetryTimer);
    clearTimeout(registerRetryTimer);
    if (session) {
      try { session.terminate(); } catch { /* already gone */ }
    }
    if (ua) {
      ua.removeAllListeners();
      ua.stop();
      ua = null;
    }
    releaseMicrophone();
    credentials = null;
    setStatus(PhoneStatus.OFFLINE);
  }

  /** Try again now (after a failure the agent has read about). */
  async function reconnect() {
    if (ua || !stopped) stop();
    startAttempts = 0;
    await start();
  }

  // --------------------------------------------------------------------------
  // Microphone
  // --------------------------------------------------------------------------

  /** Opens the microphone; PhoneError mic_denied / mic_missing / mic_failed. */
  async function acquireMicrophone() {
    if (!globalThis.navigator?.mediaDevices?.getUserMedia) {
      throw new PhoneError('mic_unsupported');
    }
    try {
      localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
      return localStream;
    } catch (err) {
      const name = err?.name;
      if (name === 'NotAllowedError' || name === 'SecurityError') throw new PhoneError('mic_denied', err.message, err);
      if (name === 'NotFoundError' || name === 'OverconstrainedError') throw new PhoneError('mic_missing', err.message, err);
      throw new PhoneError('mic_failed', err?.message ?? String(err), err);
    }
  }

  function releaseMicrophone() {
    if (localStream) {
      for (const track of localStream.getTracks()) track.stop();
      localStream = null;
    }
  }

  // --------------------------------------------------------------------------
  // The call
  // --------------------------------------------------------------------------

  function ensureReady() {
    if (!ua || status.state !== PhoneStatus.REGISTERED) throw new PhoneError('not_registered');
    if (callState.snapshot().live) throw new PhoneError('already_in_call');
  }

  /**
   * Dials a lead's number. The caller has already opened the microphone
   * (acquireMicrophone) and recorded the call (start_call), whose id rides
   * along as X-CRM-Call-Id so the PBX side can match it; `record` ('yes' |
   * 'no', see headers.ts) rides along as X-CRM-Record.
   */
  function call(e164, { crmCallId, record = null, stream = localStream } = {}) {
    ensureReady();
    const domain = config.sipDomain || credentials.domain;
    const target = targetFor(e164, domain);
    if (callState.snapshot().finished) callState.reset();
    pendingCause = null;
    callState.dial(target);

    const extraHeaders = crmCallHeaders({ crmCallId, record });
    try {
      session = ua.call(target, {
        extraHeaders,
        mediaStream: stream ?? undefined,
        mediaConstraints: { audio: true, video: false },
        pcConfig: { iceServers: config.iceServers ?? [] },
        rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: false },
        eventHandlers: sessionHandlers(),
      });
    } catch (err) {
      finishFailed({ cause: Cause.INTERNAL_ERROR, originator: 'local' });
      throw new PhoneError('call_failed', err?.message ?? String(err), err);
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

  function sessionHandlers() {
    return {
      peerconnection: ({ peerconnection }) => {
        peerconnection.addEventListener('track', (event) => {
          if (remoteAudio && event.streams?.[0]) {
            remoteAudio.srcObject = event.streams[0];
            remoteAudio.play?.().catch(() => { /* autoplay is allowed after the click */ });
          }
        });
      },
      'peerconnection:setremotedescriptionfailed': (err) => {
        // The far end's SDP was refused by the browser (the call fails with Bad Media Description).
        console.warn('[phone] the answer SDP was refused:', err?.message ?? err);
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
        if (callState.can('end')) callState.end({ cause, originator });
        cleanupCall();
      },
      failed: ({ originator, cause, message }) => {
        finishFailed({
          cause: pendingCause ?? cause,
          statusCode: message?.status_code ?? null,
          originator: pendingCause ? 'local' : originator,
        });
      },
    };
  }

  function finishFailed({ cause, statusCode = null, originator }) {
    clearTimeout(ringTimer);
    if (callState.can('fail')) callState.fail({ cause, statusCode, originator });
    else if (callState.can('end')) callState.end({ cause, originator });
    cleanupCall();
  }

  function cleanupCall() {
    session = null;
    pendingCause = null;
    releaseMicrophone();
    if (remoteAudio) remoteAudio.srcObject = null;
  }

  function hangup() {
    if (!session) return;
    try {
      session.terminate();
    } catch (err) {
      // The session was already terminating; make sure the state is final.
      console.warn('[phone] terminate failed', err);
      finishFailed({ cause: Cause.CANCELED, originator: 'local' });
    }
  }

  function setMuted(muted) {
    if (!session || !callState.can('mute')) return;
    if (muted) session.mute({ audio: true });
    else session.unmute({ audio: true });
  }

  function setOnHold(onHold) {
    if (!session || !callState.can('hold')) return;
    if (onHold) session.hold();
    else session.unhold();
  }

  function sendDtmf(tone) {
    if (!session || callState.status !== 'confirmed') return false;
    try {
      session.sendDTMF(tone, { transportType: 'RFC2833', duration: 120, interToneGap: 70 });
    } catch {
      session.sendDTMF(tone, { duration: 120, interToneGap: 70 });
    }
    return true;
  }

  /** Forget the last finished call (after wrap-up). */
  function resetCall() {
    if (callState.snapshot().finished) callState.reset();
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
    get status() { return status; },
    callSnapshot: () => callState.snapshot(),
    credentialsExpireAt: () => credentials?.expires_at ?? null,
    /** Renew the credentials now (tests and the diagnostics panel use it). */
    renewNow: renew,
    on(kind, fn) {
      listeners[kind].add(fn);
      return () => listeners[kind].delete(fn);
    },
    destroy() {
      stop();
      unsubscribeCall();
      listeners.status.clear();
      listeners.call.clear();
    },
  };
}
