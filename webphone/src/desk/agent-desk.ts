// The agent's desk: the lead in hand, the call on it and its wrap-up, tied to
// the database and the softphone. No DOM: the screens render its state and
// call its actions; tests drive it with a fake phone and fake data.
//
// A call follows the architecture's flow:
//   microphone -> rpc/start_call (the call row, refused for DNC or outside
//   calling hours) -> INVITE with X-CRM-Call-Id and X-CRM-Record -> SIP
//   events move the row to ringing and confirmed -> on hang-up or failure
//   the agent is in wrap-up -> rpc/end_call with outcome, times,
//   disposition, notes and callback.
// A dialer call (issue 16) comes the other way: the dialer connects a lead to
// the agent's nailed-up call and desk/dialer-desk.ts hands it over
// (adoptCall); its end comes from the database (dialerCallEnded), its
// hang-up goes to the PBX (attachDialer), and the wrap-up is the same.

import { createAgentState, AgentState, type AgentSnapshot, type PauseReason } from './agent-state';
import { Status, type CallSnapshot } from '../sip/call-state';
import { recordHeaderValue } from '../sip/headers';
import { isErasedLead } from './erased';

/** Which disposition a call's outcome suggests for the wrap-up form. */
export const SUGGESTED_DISPOSITION: Readonly<Partial<Record<string, string>>> = Object.freeze({
  busy: 'busy',
  no_answer: 'no_answer',
  cancelled: 'no_answer',
  failed: 'call_failed',
  congestion: 'call_failed',
});

/** An i18n key under desk.error.*: what the agent is told. */
export type DeskErrorCode =
  | 'finish_call_first' | 'no_campaign' | 'lead_not_found' | 'no_lead' | 'lead_erased' | 'not_available'
  | 'phone_not_ready' | 'no_call' | 'no_wrap_up' | 'disposition_required' | 'callback_required'
  | 'callback_invalid' | 'callback_past' | 'product_required' | 'premium_invalid';

export class DeskError extends Error {
  readonly code: DeskErrorCode;

  constructor(code: DeskErrorCode, cause?: Error) {
    // The standard `cause` option: always set, like the assignment it replaces.
    super(cause?.message ?? code, { cause });
    this.name = 'DeskError';
    this.code = code;
  }
}

/** Who hung up, in calls.hangup_by's words. */
export type HangupBy = 'agent' | 'lead' | 'system';

/** The lead in hand: the columns the desk reads; the screens read the rest. */
export interface Lead {
  id: string;
  status?: string | null;
  erased_at?: string | null;
  campaign?: { recording_enabled?: boolean | null; readonly [column: string]: unknown } | null;
  readonly [column: string]: unknown;
}

/** The row rpc/start_call returns. */
export interface StartedCall {
  id: string;
  phone_number: string;
  recording_status?: string | null;
}

/** A call of the agent's still waiting for its wrap-up (table calls). */
export interface OpenCall {
  id: string;
  lead_id: string | null;
  status: string | null;
  outcome: string | null;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  talk_seconds: number | null;
  hangup_by: HangupBy | null;
}

export interface Disposition {
  code: string;
  /** retry, callback, sale, final...: only 'callback' matters here (it needs a time). */
  effect?: string | null;
}

/** The data functions the desk uses, bound to the client (the agent screens bind them: screens/agent/desk-data.ts). */
export interface DeskApi {
  nextLead(campaignId: string): Promise<{ id: string } | null>;
  getLead(leadId: string): Promise<Lead | null>;
  listLeadHistory(leadId: string): Promise<unknown[]>;
  listCallsForLead(leadId: string): Promise<unknown[]>;
  listSalesForLead(leadId: string): Promise<unknown[]>;
  startCall(leadId: string, phoneNumber: string | null): Promise<StartedCall>;
  markCallStatus(callId: string, status: 'ringing' | 'confirmed'): Promise<unknown>;
  reportHangup(callId: string, info: { outcome: string | null; hangupBy: HangupBy | null }): Promise<unknown>;
  setAgentState(state: AgentState, reason: PauseReason | null): Promise<unknown>;
  setRecordingConsent(callId: string, consent: boolean): Promise<unknown>;
  endCall(callId: string, form: {
    disposition: string; notes: string; callbackAt: string | null; hangupBy: HangupBy | null;
  }): Promise<unknown>;
  listMyOpenCalls(userId: string): Promise<OpenCall[]>;
  createSale(sale: {
    leadId: string; productId: string; premium: number; policyNumber: string | null; callId: string | null; notes: string;
  }): Promise<unknown>;
}

/** The softphone as the desk uses it: sip/phone.ts, or a fake with the same surface. */
export interface DeskPhone {
  readonly status: { state: string };
  callSnapshot(): CallSnapshot;
  on(kind: 'call', listener: (snapshot: CallSnapshot) => void): unknown;
  acquireMicrophone(): Promise<unknown>;
  releaseMicrophone(): void;
  call(number: string, options: { crmCallId: string; record: 'yes' | 'no' }): void;
  hangup(): void;
  resetCall(): void;
  setMuted(muted: boolean): unknown;
  setOnHold(onHold: boolean): unknown;
  sendDtmf(tone: string): boolean;
}

/** The call waiting for its wrap-up, from the phone's last snapshot or a recovered row. */
export interface WrapUp {
  callId: string;
  leadId: string | null;
  outcome: string | null;
  answered: boolean;
  startedAt: number | null;
  answeredAt: number | null;
  endedAt: number | null;
  talkSeconds: number;
  /** Only for a call placed from this desk. */
  ringSeconds?: number;
  hangupBy: HangupBy | null;
  cause: string | null;
  statusCode: number | null;
  suggestedDisposition: string | null;
  /** Left open by a reload and reopened by recoverOpenCall. */
  recovered?: boolean;
}

export interface LeadDetails {
  history: unknown[];
  calls: unknown[];
  sales: unknown[];
  loading: boolean;
  leadId?: string;
}

export interface DeskBusy {
  nextLead: boolean;
  dialing: boolean;
  wrapUp: boolean;
  sale: boolean;
  lead: boolean;
}

export interface DeskState {
  agent: AgentSnapshot;
  lead: Lead | null;
  details: LeadDetails;
  call: CallSnapshot;
  /** The call placed from this desk (or connected by the dialer: `dialer`), until it ends. */
  activeCall: { id: string; leadId: string; phone: string; dialer?: boolean } | null;
  /** Until end_call succeeds. */
  wrapUp: WrapUp | null;
  /** The last call to the lead in hand, for a sale registered after it. */
  lastCallId: string | null;
  /** The lead's answer to the recording notice on this call. */
  recordingConsent: boolean | null;
  busy: DeskBusy;
}

export type DeskListener = (state: DeskState) => void;

/** What call() closes as failed when the INVITE never left: the fields callFinished reads. */
export type FinishedCall = Pick<CallSnapshot,
  'outcome' | 'answeredAt' | 'startedAt' | 'endedAt' | 'talkSeconds' | 'originator' | 'cause' | 'statusCode'>;

export function createAgentDesk(
  { api, phone, now = () => Date.now() }: { api: DeskApi; phone: DeskPhone; now?: () => number },
) {
  const agent = createAgentState({ now });
  const listeners = new Set<DeskListener>();
  let dispositions: readonly Disposition[] = [];
  let recoveryUser: string | null = null;
  let statusWrites: Promise<unknown> = Promise.resolve();
  /** In dialer mode: how a dialer call is hung up (the phone's own call is the nailed-up line). */
  let dialerHangup: ((callId: string) => void) | null = null;
  let state: DeskState = {
    agent: agent.snapshot(),
    lead: null,
    details: { history: [], calls: [], sales: [], loading: false },
    call: phone.callSnapshot(),
    activeCall: null,
    wrapUp: null,
    lastCallId: null,
    recordingConsent: null,
    busy: { nextLead: false, dialing: false, wrapUp: false, sale: false, lead: false },
  };

  function set(patch: Partial<DeskState>): void {
    state = { ...state, ...patch };
    for (const fn of listeners) {
      try { fn(state); } catch (err) { console.error('[desk] listener failed', err); }
    }
  }

  function setBusy(key: keyof DeskBusy, value: boolean): void {
    set({ busy: { ...state.busy, [key]: value } });
  }

  function publishAgentState(snap: AgentSnapshot): void {
    // The live floor reads the agent's state; losing one update is harmless.
    api.setAgentState(snap.state, snap.reason)
      .catch((err: unknown) => { console.warn('[desk] could not publish agent state', err); });
  }

  agent.subscribe((snap) => {
    set({ agent: snap });
    publishAgentState(snap);
  });
  // A new desk (sign-in, reload) starts available: say so, or the floor keeps
  // showing whatever the previous session published last.
  publishAgentState(agent.snapshot());

  phone.on('call', onCallChange);

  // --------------------------------------------------------------------------
  // SIP events -> call row and agent state
  // --------------------------------------------------------------------------

  function onCallChange(snap: CallSnapshot): void {
    const previous = state.call;
    set({ call: snap });
    const active = state.activeCall;
    // A dialer call is not the phone's: the phone holds the nailed-up line.
    if (!active || active.dialer || snap.status === previous.status) return;
    const status = snap.status;
    if (status === Status.RINGING || status === Status.CONFIRMED) {
      // In order: the database refuses a call going back from confirmed to ringing.
      statusWrites = statusWrites
        .then(() => api.markCallStatus(active.id, status))
        .catch((err: unknown) => { console.warn(`[desk] could not mark call ${status}`, err); });
    }
    if (snap.finished) callFinished(snap);
  }

  function callFinished(snap: FinishedCall): void {
    const active = state.activeCall;
    if (!active) return;
    const wrapUp: WrapUp = {
      callId: active.id,
      leadId: active.leadId,
      outcome: snap.outcome,
      answered: snap.answeredAt !== null,
      startedAt: snap.startedAt,
      answeredAt: snap.answeredAt,
      endedAt: snap.endedAt,
      talkSeconds: snap.talkSeconds,
      ringSeconds: ringSeconds(snap),
      hangupBy: hangupBy(snap),
      cause: snap.cause,
      statusCode: snap.statusCode,
      suggestedDisposition: snap.answeredAt !== null || snap.outcome === null
        ? null : (SUGGESTED_DISPOSITION[snap.outcome] ?? null),
    };
    if (agent.state === AgentState.ON_CALL) agent.callFinished();
    set({ wrapUp, activeCall: null, lastCallId: active.id });
    // The dialer's worker closed the row already.
    if (active.dialer) return;
    // The hang-up time and outcome as the phone saw them, before the wrap-up
    // (where the database offers it; otherwise end_call derives them). After
    // the status writes: an answered call must be confirmed in the row first.
    statusWrites = statusWrites
      .then(() => api.reportHangup(active.id, { outcome: wrapUp.outcome, hangupBy: wrapUp.hangupBy }))
      .catch((err: unknown) => { console.warn('[desk] could not report the hang-up', err); });
  }

  /** Seconds from the INVITE to the answer, or to the end of a call never answered. */
  function ringSeconds(snap: FinishedCall): number {
    const until = snap.answeredAt ?? snap.endedAt;
    if (until === null || snap.startedAt === null) return 0;
    return Math.max(0, Math.round((until - snap.startedAt) / 1000));
  }

  function hangupBy(snap: FinishedCall): HangupBy {
    if (snap.originator === 'local') return 'agent';
    if (snap.originator === 'remote') return snap.answeredAt !== null ? 'lead' : 'system';
    return 'system';
  }

  // --------------------------------------------------------------------------
  // Leads
  // --------------------------------------------------------------------------

  function busyWithCall(): boolean {
    return Boolean(state.activeCall) || Boolean(state.wrapUp) || state.busy.dialing;
  }

  async function takeNextLead(campaignId: string | null | undefined): Promise<Lead | null> {
    if (busyWithCall()) throw new DeskError('finish_call_first');
    if (!campaignId) throw new DeskError('no_campaign');
    setBusy('nextLead', true);
    try {
      const lead = await api.nextLead(campaignId);
      if (!lead) return null;
      await openLead(lead.id);
      return state.lead;
    } finally {
      setBusy('nextLead', false);
    }
  }

  async function openLead(leadId: string): Promise<Lead> {
    if (busyWithCall() && state.lead?.id !== leadId) throw new DeskError('finish_call_first');
    setBusy('lead', true);
    try {
      const lead = await api.getLead(leadId);
      if (!lead) throw new DeskError('lead_not_found');
      const changed = state.lead?.id !== lead.id;
      set({ lead, lastCallId: changed ? null : state.lastCallId });
      await refreshDetails();
      return lead;
    } finally {
      setBusy('lead', false);
    }
  }

  async function refreshLead(): Promise<void> {
    if (!state.lead) return;
    const lead = await api.getLead(state.lead.id);
    if (lead) set({ lead });
    await refreshDetails();
  }

  async function refreshDetails(): Promise<void> {
    const leadId = state.lead?.id;
    if (!leadId) return;
    // "Loading" only for a lead whose details are not on screen yet.
    if (state.details.leadId !== leadId) set({ details: { history: [], calls: [], sales: [], loading: true, leadId } });
    const [history, calls, sales] = await Promise.all([
      api.listLeadHistory(leadId).catch(() => []),
      api.listCallsForLead(leadId).catch(() => []),
      api.listSalesForLead(leadId).catch(() => []),
    ]);
    if (state.lead?.id === leadId) set({ details: { history, calls, sales, loading: false, leadId } });
  }

  function closeLead(): void {
    if (busyWithCall()) throw new DeskError('finish_call_first');
    set({ lead: null, details: { history: [], calls: [], sales: [], loading: false }, lastCallId: null });
  }

  // --------------------------------------------------------------------------
  // The call
  // --------------------------------------------------------------------------

  /** Dials the lead in hand, on its main number or one of its alternates. */
  async function call(phoneNumber: string | null = null): Promise<void> {
    const lead = state.lead;
    if (!lead) throw new DeskError('no_lead');
    if (isErasedLead(lead)) throw new DeskError('lead_erased');
    if (busyWithCall()) throw new DeskError('finish_call_first');
    // In dialer mode the dialer places the calls (and the phone holds its line).
    if (!agent.canCall() || dialerHangup) throw new DeskError('not_available');
    if (phone.status.state !== 'registered') throw new DeskError('phone_not_ready');
    setBusy('dialing', true);
    // Widened on purpose: TypeScript would keep it `null` in the catch below.
    let row = null as StartedCall | null;
    try {
      // The microphone first: no call row for a call that could never be heard.
      await phone.acquireMicrophone();
      try {
        row = await api.startCall(lead.id, phoneNumber);
      } catch (err) {
        phone.releaseMicrophone();
        throw err;
      }
      set({ activeCall: { id: row.id, leadId: lead.id, phone: row.phone_number }, lastCallId: row.id, recordingConsent: null });
      agent.callStarted();
      // X-CRM-Record tells the PBX whether to record at all (consent, campaign).
      phone.call(row.phone_number, { crmCallId: row.id, record: recordHeaderValue(row, lead.campaign) });
      // start_call counted the attempt and marked the lead in_call: show it.
      refreshLead().catch(() => {});
    } catch (err) {
      if (row && !state.call.live && !state.wrapUp) {
        // The row exists but the INVITE never left: close it as failed.
        set({ activeCall: { id: row.id, leadId: lead.id, phone: row.phone_number } });
        if (agent.state !== AgentState.ON_CALL) agent.callStarted();
        callFinished({
          outcome: 'failed', answeredAt: null, startedAt: now(), endedAt: now(), talkSeconds: 0,
          originator: 'local', cause: 'Internal Error', statusCode: null,
        });
      }
      throw err;
    } finally {
      setBusy('dialing', false);
    }
  }

  function hangup(): void {
    const active = state.activeCall;
    if (active?.dialer) dialerHangup?.(active.id);
    else if (!dialerHangup) phone.hangup();
  }

  /** The dialer connected a lead to this agent: it is the lead in hand and the agent is on the call. */
  async function adoptCall(callId: string, leadId: string): Promise<void> {
    if (state.activeCall?.id === callId) return;
    if (busyWithCall()) throw new DeskError('finish_call_first');
    set({ activeCall: { id: callId, leadId, phone: '', dialer: true }, lastCallId: callId, recordingConsent: null });
    if (agent.canCall()) agent.callStarted();
    const lead = await api.getLead(leadId);
    if (!lead || state.activeCall?.id !== callId) return;
    set({ lead, activeCall: { ...state.activeCall, phone: typeof lead.phone === 'string' ? lead.phone : '' } });
    await refreshDetails();
  }

  /** The lead's answer to the campaign's recording notice, kept on the call row. */
  async function recordConsent(consent: boolean): Promise<void> {
    const callId = state.activeCall?.id ?? state.wrapUp?.callId;
    if (!callId) throw new DeskError('no_call');
    await api.setRecordingConsent(callId, consent);
    set({ recordingConsent: consent });
  }

  /** Closes the call in wrap-up with rpc/end_call. */
  async function submitWrapUp(
    { disposition, notes = '', callbackAt = null }: { disposition: string; notes?: string; callbackAt?: string | Date | null },
  ): Promise<void> {
    const wrapUp = state.wrapUp;
    if (!wrapUp) throw new DeskError('no_wrap_up');
    if (!disposition) throw new DeskError('disposition_required');
    const effect = dispositions.find((d) => d.code === disposition)?.effect;
    const callback = callbackAt ? new Date(callbackAt) : null;
    if (effect === 'callback' && !callback) throw new DeskError('callback_required');
    if (callback && Number.isNaN(callback.getTime())) throw new DeskError('callback_invalid');
    if (callback && callback.getTime() <= now()) throw new DeskError('callback_past');
    setBusy('wrapUp', true);
    try {
      await statusWrites; // the hang-up report first, so end_call keeps its times
      await api.endCall(wrapUp.callId, {
        disposition,
        notes: notes.trim(),
        callbackAt: callback ? callback.toISOString() : null,
        hangupBy: wrapUp.hangupBy,
      });
      const { recovered } = wrapUp;
      set({ wrapUp: null, recordingConsent: null });
      phone.resetCall();
      if (agent.state === AgentState.WRAP_UP) agent.wrapUpDone();
      await refreshLead().catch((err: unknown) => { console.warn('[desk] refresh after wrap-up failed', err); });
      // Several calls may have been left open; close them one by one.
      if (recovered && recoveryUser) await recoverOpenCall(recoveryUser).catch(() => false);
    } finally {
      setBusy('wrapUp', false);
    }
  }

  /**
   * After a reload, a call of this agent may still wait for its wrap-up
   * (its lead stays in_call until then): reopen it so the agent closes it.
   * Returns whether one was found.
   */
  async function recoverOpenCall(userId: string): Promise<boolean> {
    if (state.activeCall || state.wrapUp || state.call.live) return false;
    const open = await api.listMyOpenCalls(userId);
    const stranded = open[0];
    if (!stranded) return false;
    if (stranded.lead_id) {
      const lead = await api.getLead(stranded.lead_id);
      if (lead) {
        set({ lead });
        refreshDetails().catch(() => {});
      }
    }
    const answeredAt = stranded.answered_at;
    const answered = Boolean(answeredAt);
    const outcome = stranded.outcome ?? (answered ? 'answered' : 'failed');
    const answeredMs = answeredAt ? new Date(answeredAt).getTime() : null;
    const endedMs = stranded.ended_at ? new Date(stranded.ended_at).getTime() : now();
    set({
      lastCallId: stranded.id,
      wrapUp: {
        callId: stranded.id,
        leadId: stranded.lead_id,
        outcome,
        answered,
        startedAt: new Date(stranded.started_at).getTime(),
        answeredAt: answeredMs,
        endedAt: endedMs,
        // The row's talk time once it ended; for a call the reload cut, answer to now.
        talkSeconds: stranded.talk_seconds
          ?? (answeredMs !== null ? Math.max(0, Math.round((endedMs - answeredMs) / 1000)) : 0),
        hangupBy: stranded.hangup_by ?? null,
        cause: null,
        statusCode: null,
        suggestedDisposition: answered ? null : (SUGGESTED_DISPOSITION[outcome] ?? 'call_failed'),
        recovered: true,
      },
    });
    if (agent.state === AgentState.AVAILABLE || agent.state === AgentState.PAUSED) agent.resumeWrapUp();
    if (stranded.status && stranded.status !== 'ended') {
      // The reload cut the call: it ended by now at the latest. Say so, so
      // its talk time does not run on until the wrap-up is saved.
      statusWrites = statusWrites
        .then(() => api.reportHangup(stranded.id, { outcome, hangupBy: 'system' }))
        .catch((err: unknown) => { console.warn('[desk] could not report the hang-up of a recovered call', err); });
    }
    return true;
  }

  // --------------------------------------------------------------------------
  // Sales
  // --------------------------------------------------------------------------

  /** Registers a sale on the lead in hand (pending until a supervisor validates it). */
  async function registerSale(
    { productId, premium, policyNumber = '', notes = '' }:
      { productId: string; premium: number | string; policyNumber?: string; notes?: string },
  ): Promise<unknown> {
    const lead = state.lead;
    if (!lead) throw new DeskError('no_lead');
    if (isErasedLead(lead)) throw new DeskError('lead_erased');
    if (!productId) throw new DeskError('product_required');
    const amount = Number(premium);
    if (!Number.isFinite(amount) || amount <= 0) throw new DeskError('premium_invalid');
    setBusy('sale', true);
    try {
      const sale = await api.createSale({
        leadId: lead.id,
        productId,
        premium: Math.round(amount * 100) / 100,
        policyNumber: policyNumber.trim() || null,
        callId: state.activeCall?.id ?? state.wrapUp?.callId ?? state.lastCallId ?? null,
        notes: notes.trim(),
      });
      await refreshDetails();
      return sale;
    } finally {
      setBusy('sale', false);
    }
  }

  return {
    get state(): DeskState { return state; },
    subscribe(fn: DeskListener): () => void {
      listeners.add(fn);
      return () => { listeners.delete(fn); };
    },
    setDispositions(list: readonly Disposition[]): void { dispositions = list; },
    takeNextLead,
    openLead,
    refreshLead,
    closeLead,
    call,
    hangup,
    adoptCall,
    /** The dialer call ended (the database said so): its wrap-up, as after any call. */
    dialerCallEnded: (snap: FinishedCall): void => { if (state.activeCall?.dialer) callFinished(snap); },
    /** Dialer mode: hang-ups go to `hangup` (null: back to the phone). */
    attachDialer: (fn: ((callId: string) => void) | null): void => { dialerHangup = fn; },
    recordConsent,
    submitWrapUp,
    registerSale,
    recoverOpenCall: (userId: string): Promise<boolean> => { recoveryUser = userId; return recoverOpenCall(userId); },
    pause: (reason: string): AgentSnapshot => agent.pause(reason),
    cancelPendingPause: (): AgentSnapshot => agent.cancelPendingPause(),
    resume: (): AgentSnapshot => agent.resume(),
    mute: (on: boolean): unknown => phone.setMuted(on),
    hold: (on: boolean): unknown => phone.setOnHold(on),
    dtmf: (tone: string): boolean => phone.sendDtmf(tone),
  };
}
