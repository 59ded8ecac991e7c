// The agent's side of the dialer (issue 16): no DOM, loaded only in dialer
// mode (a campaign in progressive or predictive). Tests drive it with a fake
// phone, desk and data.
//
//   join: microphone -> rpc/dialer_join -> the phone answers the PBX's INVITE
//   whose X-CRM-Dialer-Session is this session (the nailed-up line, up all
//   shift) -> the session row (Realtime, and read again) says call_id/lead_id:
//   the screen pop (desk.adoptCall) -> call_id cleared or the calls row ended:
//   wrap-up as in preview (rpc/end_call), then available again; the line
//   stays up. "Colgar" -> rpc/dialer_hangup (the lead's leg is in the PBX).
//   leave / sign-out: rpc/dialer_leave, and the line is hung up.
//
// Robustness: a reloaded page finds its open session. Still `requested`, it
// is kept (the PBX's INVITE will come to this page). `ringing`/`connected`,
// its line went with the old page: the lead's leg (if any) is hung up
// (the desk recovers that call's wrap-up), the session is left and a new one
// joined, so the worker originates a new nailed-up call. A line lost later
// (network, PBX) is rejoined the same way, at most MAX_REJOINS times in a row
// without a line coming up, waiting longer each time.

import type { CallSnapshot } from '../sip/call-state';
import { DeskError, type FinishedCall, type HangupBy, type OpenCall } from './agent-desk';

/** The columns of a dialer_sessions row the desk reads. */
export interface DialerSessionRow {
  id: string;
  campaign_id: string;
  status: string;
  call_id: string | null;
  lead_id: string | null;
  end_reason?: string | null;
  updated_at?: string | null;
}

/** The dialer's call as the desk reads it: a preview call's columns (table calls). */
export type DialerCallRow = Omit<OpenCall, 'id' | 'lead_id' | 'hangup_by'> & { hangup_by: string | null };

export interface DialerApi {
  join(campaignId: string): Promise<DialerSessionRow>;
  leave(): Promise<unknown>;
  hangup(callId: string): Promise<unknown>;
  /** The agent's open session, or null. */
  openSession(): Promise<DialerSessionRow | null>;
  getSession(id: string): Promise<DialerSessionRow | null>;
  getCall(callId: string): Promise<DialerCallRow | null>;
}

export interface DialerPhone {
  setDialerSession(id: string | null): void;
  callSnapshot(): CallSnapshot;
  on(kind: 'call', listener: (snapshot: CallSnapshot) => void): () => void;
  acquireMicrophone(): Promise<unknown>;
  releaseMicrophone(): void;
  hangup(): void;
}

/** What the dialer needs of the desk machine (agent-desk.ts). */
export interface DialerDeskHost {
  readonly state: { activeCall: { id: string; dialer?: boolean } | null; wrapUp: { callId: string } | null };
  subscribe(fn: () => void): () => void;
  adoptCall(callId: string, leadId: string): Promise<void>;
  dialerCallEnded(snap: FinishedCall): void;
  attachDialer(fn: ((callId: string) => void) | null): void;
}

/**
 * off: not in the dialer; joining: asking for a session; waiting: the
 * session is open, its line not up yet; connected: the nailed-up line is up
 * (ready, on a call or in wrap-up: the desk says which); leaving.
 */
export type DialerPhase = 'off' | 'joining' | 'waiting' | 'connected' | 'leaving';

export interface DialerState {
  phase: DialerPhase;
  session: DialerSessionRow | null;
  /** The last failure (join refused, line lost for good), for the screen. */
  error: unknown;
  /** Why the last session ended when the agent did not leave (its end_reason), or 'line_lost'. */
  lost: string | null;
  /** ms epoch: when the call in hand was connected (the timer). */
  callSince: number | null;
}

export const MAX_REJOINS = 3;

/** What the dialer itself tells the agent (i18n dialer.error.<code>). */
export class DialerError extends Error {
  readonly code: 'dialer_lost';

  constructor(code: 'dialer_lost') {
    super(code);
    this.name = 'DialerError';
    this.code = code;
  }
}

export function createDialerDesk({
  api, phone, desk, now = () => Date.now(), rejoinDelayMs = 2000, callPollMs = 3000,
}: {
  api: DialerApi; phone: DialerPhone; desk: DialerDeskHost; now?: () => number; rejoinDelayMs?: number; callPollMs?: number;
}) {
  let state: DialerState = { phase: 'off', session: null, error: null, lost: null, callSince: null };
  const listeners = new Set<(s: DialerState) => void>();
  let campaign: string | null = null;
  let leaving = false;
  let disposed = false;
  let rejoins = 0;
  let rejoinTimer: ReturnType<typeof setTimeout> | undefined;
  /** A rejoin is waiting: the line's end and the session's end are one loss, not two. */
  let rejoinPending = false;
  let callTimer: ReturnType<typeof setInterval> | undefined;
  let hungUp: string | null = null;
  let pending: { callId: string; leadId: string } | null = null;

  function set(patch: Partial<DialerState>): void {
    state = { ...state, ...patch };
    for (const fn of listeners) {
      try { fn(state); } catch (err) { console.error('[dialer] listener failed', err); }
    }
  }

  const lineOf = (id: string | undefined) => `dialer:${id ?? ''}`;
  function lineUp(): boolean {
    const snap = phone.callSnapshot();
    return Boolean(state.session) && snap.status === 'confirmed' && snap.target === lineOf(state.session?.id);
  }
  function lineLive(): boolean {
    const snap = phone.callSnapshot();
    return snap.live && snap.target?.startsWith('dialer:') === true;
  }
  function dropLine(): void {
    phone.setDialerSession(null);
    if (lineLive()) phone.hangup();
  }

  desk.attachDialer((callId) => { void hangupCall(callId); });
  const offDesk = desk.subscribe(() => {
    // A pop that came during a wrap-up (it should not: the dialer only takes available agents).
    const next = pending;
    if (next && !desk.state.activeCall && !desk.state.wrapUp) {
      pending = null;
      pop(next.callId, next.leadId);
    }
  });
  const offLine = phone.on('call', onLine);

  // --------------------------------------------------------------------------
  // The session
  // --------------------------------------------------------------------------

  /** A session row, from join, Realtime or a read: the line, the pop and the end follow from it. */
  function apply(row: DialerSessionRow): void {
    if (disposed) return;
    const current = state.session;
    // Only the session in hand is followed (join, start and rejoin set it first).
    if (!current || (row.id !== current.id && row.status === 'ended')) return;
    // An older version of the row (a read that raced a push) is ignored.
    if (current.id === row.id && current.updated_at && row.updated_at && Date.parse(row.updated_at) < Date.parse(current.updated_at)) return;
    if (row.status === 'ended') { sessionEnded(row); return; }
    phone.setDialerSession(row.id);
    set({ session: row, phase: lineUp() ? 'connected' : 'waiting' });
    const active = desk.state.activeCall;
    if (row.call_id && row.lead_id) {
      if (active?.id !== row.call_id && desk.state.wrapUp?.callId !== row.call_id) pop(row.call_id, row.lead_id);
    } else if (active?.dialer) {
      void callEnded(active.id);
    }
  }

  async function join(campaignId: string): Promise<void> {
    if (state.phase !== 'off') return;
    campaign = campaignId;
    leaving = false;
    rejoins = 0;
    rejoinPending = false;
    set({ phase: 'joining', error: null, lost: null });
    try {
      // The microphone first: a line nobody can speak on would take leads.
      await phone.acquireMicrophone();
      const row = await api.join(campaignId);
      set({ session: row });
      apply(row);
    } catch (err) {
      phone.releaseMicrophone();
      set({ phase: 'off', session: null, error: err });
      throw err;
    }
  }

  async function leave(): Promise<void> {
    if (desk.state.activeCall?.dialer) throw new DeskError('finish_call_first');
    leaving = true;
    clearTimeout(rejoinTimer);
    rejoinPending = false;
    set({ phase: 'leaving' });
    try {
      await api.leave();
    } finally {
      // Hung up even if the database did not answer: the worker sees the line go.
      dropLine();
      set({ phase: 'off', session: null, lost: null });
    }
  }

  function sessionEnded(row: DialerSessionRow): void {
    // Forgotten first: the line hung up here is not a line lost.
    set({ session: null, phase: 'off' });
    dropLine();
    const active = desk.state.activeCall;
    if (active?.dialer) void callEnded(active.id);
    if (leaving || row.end_reason === 'agent_left') return;
    set({ lost: row.end_reason ?? 'line_lost' });
    scheduleRejoin();
  }

  /** After a reload (or a remount): the open session, kept or replaced (see the top). */
  async function start(campaignId: string): Promise<void> {
    campaign = campaignId;
    const open = await api.openSession();
    if (!open || disposed || state.phase !== 'off') return;
    if (open.campaign_id !== campaignId) return;
    if (phone.callSnapshot().target === lineOf(open.id) || open.status === 'requested') {
      set({ session: open, phase: 'waiting' });
      apply(open);
      return;
    }
    set({ phase: 'joining', error: null });
    try {
      if (open.call_id) await api.hangup(open.call_id).catch(() => undefined);
      await api.leave();
      const row = await api.join(campaignId);
      set({ session: row });
      apply(row);
    } catch (err) {
      set({ phase: 'off', session: null, error: err });
    }
  }

  /** Reads the session again (after a Realtime join, or as a safety net). */
  async function refresh(): Promise<void> {
    const id = state.session?.id;
    if (!id) return;
    const row = await api.getSession(id);
    if (row) apply(row);
  }

  function scheduleRejoin(): void {
    if (rejoinPending || leaving || disposed || !campaign) return;
    if (rejoins >= MAX_REJOINS) {
      set({ phase: 'off', session: null, error: new DialerError('dialer_lost') });
      return;
    }
    rejoins += 1;
    rejoinPending = true;
    // 2 s, 4 s, 8 s: a PBX coming back, or a phone registering again, gets time.
    rejoinTimer = setTimeout(() => { void rejoin(); }, rejoinDelayMs * 2 ** (rejoins - 1));
  }

  async function rejoin(): Promise<void> {
    rejoinPending = false;
    if (leaving || disposed || !campaign || lineUp()) return;
    const old = state.session;
    set({ phase: 'joining', session: null });
    dropLine();
    try {
      if (old) await api.leave().catch(() => undefined);
      const row = await api.join(campaign);
      set({ session: row });
      apply(row);
    } catch (err) {
      set({ phase: 'off', session: null, error: err });
      scheduleRejoin();
    }
  }

  // --------------------------------------------------------------------------
  // The line (the phone's call)
  // --------------------------------------------------------------------------

  function onLine(snap: CallSnapshot): void {
    const id = state.session?.id;
    if (!id || snap.target !== lineOf(id)) return;
    if (snap.status === 'confirmed' && state.phase !== 'connected') {
      rejoins = 0;
      set({ phase: 'connected', lost: null, error: null });
    } else if (snap.finished && !leaving) {
      // Lost under the agent: a call on it cannot go on (nobody hears the lead).
      const active = desk.state.activeCall;
      if (active?.dialer) {
        void api.hangup(active.id).catch(() => undefined);
        void callEnded(active.id, 'system');
      }
      set({ phase: 'waiting', lost: 'line_lost' });
      scheduleRejoin();
    }
  }

  // --------------------------------------------------------------------------
  // A dialer call
  // --------------------------------------------------------------------------

  function pop(callId: string, leadId: string): void {
    if (desk.state.activeCall || desk.state.wrapUp) {
      pending = { callId, leadId };
      return;
    }
    hungUp = null;
    set({ callSince: now() });
    desk.adoptCall(callId, leadId).catch((err: unknown) => { set({ error: err }); });
    clearInterval(callTimer);
    // The calls row is not pushed: read while the call is on.
    callTimer = setInterval(() => { void watchCall(callId); }, callPollMs);
  }

  async function watchCall(callId: string): Promise<void> {
    if (desk.state.activeCall?.id !== callId) { clearInterval(callTimer); return; }
    const row = await api.getCall(callId).catch(() => null);
    if (row && (row.status === 'ended' || row.ended_at)) await callEnded(callId, null, row);
  }

  async function callEnded(callId: string, by: HangupBy | null = null, known: DialerCallRow | null = null): Promise<void> {
    clearInterval(callTimer);
    if (desk.state.activeCall?.id !== callId) return;
    const row = known ?? await api.getCall(callId).catch(() => null);
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- another end may have come during the await
    if (desk.state.activeCall?.id !== callId) return;
    const endedAt = row?.ended_at ? Date.parse(row.ended_at) : now();
    const answeredAt = row?.answered_at ? Date.parse(row.answered_at) : state.callSince ?? endedAt;
    const who = by ?? (hungUp === callId ? 'agent' : 'lead');
    desk.dialerCallEnded({
      outcome: (row?.outcome ?? 'answered') as FinishedCall['outcome'],
      answeredAt,
      startedAt: row?.started_at ? Date.parse(row.started_at) : answeredAt,
      endedAt,
      talkSeconds: row?.talk_seconds ?? Math.max(0, Math.round((endedAt - answeredAt) / 1000)),
      originator: who === 'agent' ? 'local' : who === 'lead' ? 'remote' : 'system',
      cause: null,
      statusCode: null,
    });
    // A refused dialer_hangup (the call was over already) is moot now.
    set({ callSince: null, error: null });
  }

  async function hangupCall(callId: string): Promise<void> {
    hungUp = callId;
    try {
      await api.hangup(callId);
    } catch (err) {
      set({ error: err });
    }
    // The worker hangs the lead up and clears the session's call: that ends it here.
  }

  return {
    get state(): DialerState { return state; },
    subscribe(fn: (s: DialerState) => void): () => void {
      listeners.add(fn);
      return () => { listeners.delete(fn); };
    },
    join,
    leave,
    start,
    refresh,
    /** A row pushed by Realtime (postgres_changes on dialer_sessions). */
    onSessionRow: apply,
    hangup: () => {
      const active = desk.state.activeCall;
      if (active?.dialer) void hangupCall(active.id);
    },
    /** The desk leaves dialer mode (unmount): the session is left, the line hung up. */
    dispose(): void {
      if (disposed) return;
      const open = state.session !== null && !leaving;
      disposed = true;
      leaving = true;
      clearTimeout(rejoinTimer);
      clearInterval(callTimer);
      offDesk();
      offLine();
      desk.attachDialer(null);
      listeners.clear();
      if (open) void api.leave().catch(() => undefined);
      dropLine();
    },
  };
}

export type DialerDesk = ReturnType<typeof createDialerDesk>;
