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

import { createAgentState, AgentState } from './agent-state';
import { Status } from '../sip/call-state';
import { recordHeaderValue } from '../sip/headers';
import { isErasedLead } from './erased';

/** Which disposition a call's outcome suggests for the wrap-up form. */
export const SUGGESTED_DISPOSITION = Object.freeze({
  busy: 'busy',
  no_answer: 'no_answer',
  cancelled: 'no_answer',
  failed: 'call_failed',
  congestion: 'call_failed',
});

export class DeskError extends Error {
  /** @param {string} code an i18n key under desk.error.* */
  constructor(code, cause = undefined) {
    super(cause?.message ?? code);
    this.name = 'DeskError';
    this.code = code;
    this.cause = cause;
  }
}

/**
 * @param {object} deps
 * @param {object} deps.api the data functions, bound to the client (see main.js)
 * @param {object} deps.phone sip/phone.js (or a fake with the same surface)
 * @param {() => number} [deps.now]
 */
export function createAgentDesk({ api, phone, now = () => Date.now() }) {
  const agent = createAgentState({ now });
  const listeners = new Set();
  let dispositions = [];
  let recoveryUser = null;
  let statusWrites = Promise.resolve();
  let state = {
    agent: agent.snapshot(),
    lead: null,
    details: { history: [], calls: [], sales: [], loading: false },
    call: phone.callSnapshot(),
    activeCall: null, // { id, leadId, phone } of the call placed from this desk
    wrapUp: null, // { callId, leadId, outcome, answered, talkSeconds, ... } until end_call succeeds
    lastCallId: null, // the last call to the lead in hand, for a sale registered after it
    recordingConsent: null, // the lead's answer to the recording notice on this call
    busy: { nextLead: false, dialing: false, wrapUp: false, sale: false, lead: false },
  };

  function set(patch) {
    state = { ...state, ...patch };
    for (const fn of listeners) {
      try { fn(state); } catch (err) { console.error('[desk] listener failed', err); }
    }
  }

  function setBusy(key, value) {
    set({ busy: { ...state.busy, [key]: value } });
  }

  function publishAgentState(snap) {
    // The live floor reads the agent's state; losing one update is harmless.
    api.setAgentState?.(snap.state, snap.reason, state.activeCall?.id ?? null)
      ?.catch((err) => console.warn('[desk] could not publish agent state', err));
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

  function onCallChange(snap) {
    const previous = state.call;
    set({ call: snap });
    const active = state.activeCall;
    if (!active || snap.status === previous.status) return;
    if (snap.status === Status.RINGING || snap.status === Status.CONFIRMED) {
      // In order: the database refuses a call going back from confirmed to ringing.
      statusWrites = statusWrites
        .then(() => api.markCallStatus(active.id, snap.status))
        .catch((err) => console.warn(`[desk] could not mark call ${snap.status}`, err));
    }
    if (snap.finished) callFinished(snap);
  }

  function callFinished(snap) {
    const active = state.activeCall;
    const wrapUp = {
      callId: active.id,
      leadId: active.leadId,
      outcome: snap.outcome,
      answered: snap.answeredAt !== null,
      startedAt: snap.startedAt,
      answeredAt: snap.answeredAt,
      endedAt: snap.endedAt,
      talkSeconds: snap.talkSeconds,
      ringSeconds: Math.max(0, Math.round(((snap.answeredAt ?? snap.endedAt) - snap.startedAt) / 1000)),
      hangupBy: hangupBy(snap),
      cause: snap.cause,
      statusCode: snap.statusCode,
      suggestedDisposition: snap.answeredAt !== null ? null : (SUGGESTED_DISPOSITION[snap.outcome] ?? null),
    };
    if (agent.state === AgentState.ON_CALL) agent.callFinished();
    set({ wrapUp, activeCall: null, lastCallId: active.id });
    // The hang-up time and outcome as the phone saw them, before the wrap-up
    // (where the database offers it; otherwise end_call derives them). After
    // the status writes: an answered call must be confirmed in the row first.
    statusWrites = statusWrites
      .then(() => api.reportHangup?.(active.id, { outcome: wrapUp.outcome, hangupBy: wrapUp.hangupBy }))
      .catch((err) => console.warn('[desk] could not report the hang-up', err));
  }

  function hangupBy(snap) {
    if (snap.originator === 'local') return 'agent';
    if (snap.originator === 'remote') return snap.answeredAt !== null ? 'lead' : 'system';
    return 'system';
  }

  // --------------------------------------------------------------------------
  // Leads
  // --------------------------------------------------------------------------

  function busyWithCall() {
    return Boolean(state.activeCall) || Boolean(state.wrapUp) || state.busy.dialing;
  }

  async function takeNextLead(campaignId) {
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

  async function openLead(leadId) {
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

  async function refreshLead() {
    if (!state.lead) return;
    const lead = await api.getLead(state.lead.id);
    if (lead) set({ lead });
    await refreshDetails();
  }

  async function refreshDetails() {
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

  function closeLead() {
    if (busyWithCall()) throw new DeskError('finish_call_first');
    set({ lead: null, details: { history: [], calls: [], sales: [], loading: false }, lastCallId: null });
  }

  // --------------------------------------------------------------------------
  // The call
  // --------------------------------------------------------------------------

  /** Dials the lead in hand, on its main number or one of its alternates. */
  async function call(phoneNumber = null) {
    const lead = state.lead;
    if (!lead) throw new DeskError('no_lead');
    if (isErasedLead(lead)) throw new DeskError('lead_erased');
    if (busyWithCall()) throw new DeskError('finish_call_first');
    if (!agent.canCall()) throw new DeskError('not_available');
    if (phone.status.state !== 'registered') throw new DeskError('phone_not_ready');
    setBusy('dialing', true);
    let row = null;
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

  function hangup() {
    phone.hangup();
  }

  /** The lead's answer to the campaign's recording notice, kept on the call row. */
  async function recordConsent(consent) {
    const callId = state.activeCall?.id ?? state.wrapUp?.callId;
    if (!callId) throw new DeskError('no_call');
    await api.setRecordingConsent(callId, consent);
    set({ recordingConsent: consent });
  }

  /**
   * Closes the call in wrap-up with rpc/end_call.
   * @param {{disposition: string, notes?: string, callbackAt?: string|Date|null}} form
   */
  async function submitWrapUp({ disposition, notes = '', callbackAt = null }) {
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
      await refreshLead().catch((err) => console.warn('[desk] refresh after wrap-up failed', err));
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
  async function recoverOpenCall(userId) {
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
    const answered = Boolean(stranded.answered_at);
    const outcome = stranded.outcome ?? (answered ? 'answered' : 'failed');
    set({
      lastCallId: stranded.id,
      wrapUp: {
        callId: stranded.id,
        leadId: stranded.lead_id,
        outcome,
        answered,
        startedAt: new Date(stranded.started_at).getTime(),
        answeredAt: answered ? new Date(stranded.answered_at).getTime() : null,
        endedAt: stranded.ended_at ? new Date(stranded.ended_at).getTime() : now(),
        talkSeconds: stranded.talk_seconds ?? 0,
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
        .then(() => api.reportHangup?.(stranded.id, { outcome, hangupBy: 'system' }))
        .catch((err) => console.warn('[desk] could not report the hang-up of a recovered call', err));
    }
    return true;
  }

  // --------------------------------------------------------------------------
  // Sales
  // --------------------------------------------------------------------------

  /** Registers a sale on the lead in hand (pending until a supervisor validates it). */
  async function registerSale({ productId, premium, policyNumber = '', notes = '' }) {
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
    get state() { return state; },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    setDispositions(list) { dispositions = list; },
    takeNextLead,
    openLead,
    refreshLead,
    closeLead,
    call,
    hangup,
    recordConsent,
    submitWrapUp,
    registerSale,
    recoverOpenCall: (userId) => { recoveryUser = userId; return recoverOpenCall(userId); },
    pause: (reason) => agent.pause(reason),
    cancelPendingPause: () => agent.cancelPendingPause(),
    resume: () => agent.resume(),
    mute: (on) => phone.setMuted(on),
    hold: (on) => phone.setOnHold(on),
    dtmf: (tone) => phone.sendDtmf(tone),
  };
}
