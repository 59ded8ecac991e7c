// The agent's desk: queue and own leads on the left, the lead card in the
// middle, phone, wrap-up and sale on the right; the agent's state in the
// header. This is where an agent spends the shift.

import { h, icon, mount } from '../dom.js';
import { t, tMaybe, language } from '../../i18n/index.js';
import { formatPhone, formatDateTime, formatDuration, formatTime } from '../../i18n/format';
import { PAUSE_REASONS } from '../../desk/agent-state';
import { createPhonePanel, createConsentNotice } from './phone-panel.js';
import { createWrapUpForm } from './wrap-up-form.js';
import { createSaleForm } from './sale-form.js';
import { leadCard, leadName } from './lead-card.js';
import { isErasedLead } from '../lead-label.js';
import { describeError } from '../errors.js';
import { bindShortcuts } from '../shortcuts.js';

const REFRESH_MS = 60_000;
// The open lead's calls and sales change elsewhere too (a supervisor validates a sale).
const LEAD_REFRESH_MS = 15_000;

/**
 * @param {{ctx: object, leadId?: string|null}} props
 *   ctx: { api, desk, phone, profile, notices, statusSlot, navigate, openHelp }
 */
export function mountDesk(container, { ctx, leadId = null }) {
  const { api, desk, phone, profile, notices } = ctx;
  let campaigns = [];
  let campaignId = localStorage.getItem('crm.campaign') || null;
  let products = [];
  let dispositions = [];
  let myLeads = [];
  let callbacks = [];
  let today = { calls: 0, talk: 0, sales: 0 };
  let search = '';
  let tab = 'history';
  let wrapUpForm = null;
  let wrapUpCallId = null;
  let saleForm = null;
  let saleLeadId = null;

  // --------------------------------------------------------------------------
  // Layout
  // --------------------------------------------------------------------------

  const campaignSelect = h('select', {
    id: 'campaign-select', 'data-test': 'campaign-select', 'aria-label': t('desk.campaign'),
    onchange: (e) => { campaignId = e.target.value; localStorage.setItem('crm.campaign', campaignId); },
  });
  const nextButton = h('button', {
    class: 'btn btn-primary btn-block btn-lg', id: 'next-lead-button', 'data-test': 'next-lead', type: 'button',
    title: `${t('desk.nextLead')} (N)`, onclick: () => takeNext(),
  }, icon('next', { size: 20 }), h('span', {}, t('desk.nextLead')), h('kbd', {}, 'N'));
  const queueNote = h('p', { class: 'queue-note', id: 'queue-message', 'data-test': 'queue-message', role: 'status' });
  const todayBox = h('div', { class: 'today', 'data-test': 'today-stats' });

  const callbacksList = h('ul', { class: 'list callbacks', id: 'callbacks-list', 'data-test': 'callbacks-list' });
  const searchInput = h('input', {
    type: 'search', id: 'lead-search', 'data-test': 'lead-search', placeholder: t('desk.searchPlaceholder'),
    'aria-label': t('desk.search'), oninput: debounce((e) => { search = e.target.value; loadMyLeads(); }, 250),
  });
  const leadsList = h('ul', { class: 'list leads', id: 'my-leads', 'data-test': 'my-leads' });

  const left = h('aside', { class: 'desk-col desk-queue' },
    h('section', { class: 'card next-card' },
      h('label', { class: 'field compact' }, h('span', {}, t('desk.campaign')), campaignSelect),
      nextButton,
      queueNote,
      todayBox),
    h('section', { class: 'card' },
      h('header', { class: 'card-header' }, h('h2', {}, icon('calendar'), ' ', t('desk.callbacks'))),
      callbacksList),
    h('section', { class: 'card leads-card grow' },
      h('header', { class: 'card-header' }, h('h2', {}, t('desk.myLeads'))),
      h('div', { class: 'search-box' }, icon('search', { size: 16 }), searchInput),
      leadsList));

  const phonePanel = createPhonePanel({ desk, phone, onError: showError });
  const consentNotice = createConsentNotice({ desk, phone, onError: showError });
  const leadSlot = h('div', { class: 'lead-slot' });
  const center = h('main', { class: 'desk-col desk-lead', id: 'lead-area', 'data-test': 'lead-area' }, consentNotice.el, leadSlot);

  const wrapUpSlot = h('div', { id: 'wrap-up-slot' });
  const saleSlot = h('div', { id: 'sale-slot' });
  const right = h('aside', { class: 'desk-col desk-phone' }, phonePanel.el, wrapUpSlot, saleSlot);

  mount(container, h('div', { class: 'desk', id: 'agent-desk', 'data-test': 'agent-desk' }, left, center, right));

  // --------------------------------------------------------------------------
  // Agent state (in the header)
  // --------------------------------------------------------------------------

  const stateBadge = h('div', { class: 'agent-state', id: 'agent-state', 'data-test': 'agent-state', role: 'status' });
  const pauseReason = h('select', { id: 'pause-reason', 'data-test': 'pause-reason', 'aria-label': t('agentState.reason') },
    PAUSE_REASONS.map((r) => h('option', { value: r }, t(`pauseReason.${r}`))));
  const pauseButton = h('button', { class: 'btn btn-small btn-pause', type: 'button', id: 'pause-button', 'data-test': 'pause-button', onclick: () => pause() },
    icon('pause', { size: 14 }), t('agentState.pause'));
  const resumeButton = h('button', { class: 'btn btn-small btn-available', type: 'button', id: 'resume-button', 'data-test': 'resume-button', onclick: () => resume() },
    icon('play', { size: 14 }), t('agentState.resume'));
  const pendingNote = h('span', { class: 'pending-pause', 'data-test': 'pending-pause' });
  const stateControls = h('div', { class: 'agent-state-bar' }, stateBadge, pauseReason, pauseButton, resumeButton, pendingNote);
  mount(ctx.statusSlot, stateControls);

  function renderAgentState(s = desk.state) {
    const a = s.agent;
    stateBadge.dataset.state = a.state;
    stateBadge.className = `agent-state state-${a.state}`;
    const since = formatDuration(Math.floor((Date.now() - a.since) / 1000));
    mount(stateBadge,
      h('span', { class: 'state-dot' }),
      h('span', { class: 'state-label', 'data-test': 'agent-state-label' },
        t(`agentState.${a.state}`), a.state === 'paused' && a.reason ? ` · ${t(`pauseReason.${a.reason}`)}` : ''),
      h('span', { class: 'state-since', 'data-test': 'agent-state-since' }, since));
    pauseButton.hidden = a.state === 'paused' || Boolean(a.pendingPause);
    pauseReason.hidden = pauseButton.hidden;
    resumeButton.hidden = a.state !== 'paused';
    if (a.pendingPause) {
      mount(pendingNote, t('agentState.pendingPause', { reason: t(`pauseReason.${a.pendingPause}`) }), ' ',
        h('button', { type: 'button', class: 'btn-link', 'data-test': 'cancel-pending-pause', onclick: () => desk.cancelPendingPause() }, t('common.cancel')));
    } else {
      mount(pendingNote);
    }
  }

  function pause() {
    desk.pause(pauseReason.value);
  }

  function resume() {
    try {
      desk.resume();
    } catch { /* not paused: nothing to do */ }
  }

  // --------------------------------------------------------------------------
  // Data
  // --------------------------------------------------------------------------

  async function loadStatic() {
    const [c, p, d] = await Promise.all([
      api.listCampaigns(),
      api.listProducts(),
      api.listDispositions(),
    ]);
    campaigns = c.filter((x) => x.status === 'active');
    products = p;
    dispositions = d;
    desk.setDispositions(d);
    if (!campaigns.some((x) => x.id === campaignId)) campaignId = campaigns[0]?.id ?? null;
    mount(campaignSelect, campaigns.map((x) => h('option', { value: x.id, selected: x.id === campaignId }, x.name)));
    campaignSelect.disabled = campaigns.length < 2;
    if (!campaigns.length) setQueueMessage(t('desk.noCampaign'), 'warning');
  }

  async function loadMyLeads() {
    try {
      myLeads = await api.listMyLeads(profile.id, { search });
      renderLeads();
    } catch (err) {
      mount(leadsList, h('li', { class: 'empty' }, describeError(err)));
    }
  }

  async function loadCallbacks() {
    try {
      callbacks = await api.listMyCallbacks(profile.id);
      renderCallbacks();
    } catch (err) {
      mount(callbacksList, h('li', { class: 'empty' }, describeError(err)));
    }
  }

  async function loadToday() {
    const start = new Date();
    start.setHours(0, 0, 0, 0);
    try {
      const calls = await api.listMyCallsSince(profile.id, start.toISOString());
      today = {
        calls: calls.length,
        talk: calls.reduce((sum, c) => sum + (c.talk_seconds ?? 0), 0),
        sales: calls.filter((c) => c.disposition === 'sale').length,
      };
      renderToday();
    } catch { /* the tally is a nicety */ }
  }

  function refreshLists() {
    return Promise.all([loadMyLeads(), loadCallbacks(), loadToday()]);
  }

  // --------------------------------------------------------------------------
  // Rendering
  // --------------------------------------------------------------------------

  function setQueueMessage(text, level = 'info') {
    queueNote.textContent = text ?? '';
    queueNote.className = `queue-note note-${level}`;
    queueNote.hidden = !text;
  }

  function renderToday() {
    mount(todayBox,
      stat(t('desk.today.calls'), String(today.calls)),
      stat(t('desk.today.talk'), formatDuration(today.talk)),
      stat(t('desk.today.sales'), String(today.sales)));
  }

  function stat(label, value) {
    return h('div', { class: 'stat' }, h('span', { class: 'stat-value' }, value), h('span', { class: 'stat-label' }, label));
  }

  function renderCallbacks() {
    if (!callbacks.length) {
      mount(callbacksList, h('li', { class: 'empty' }, t('desk.noCallbacks')));
      return;
    }
    const now = Date.now();
    mount(callbacksList, callbacks.map((cb) => {
      const due = new Date(cb.due_at).getTime() <= now;
      return h('li', {
        class: { 'list-item': true, due, active: desk.state.lead?.id === cb.lead_id },
        'data-test': 'callback-row', 'data-lead-id': cb.lead_id, tabindex: 0,
        onclick: () => open(cb.lead_id), onkeydown: (e) => { if (e.key === 'Enter') open(cb.lead_id); },
      },
      h('div', { class: 'item-main' },
        h('strong', {}, cb.lead ? leadName(cb.lead) : t('desk.unknownLead')),
        h('span', { class: 'muted' }, cb.lead?.phone ? formatPhone(cb.lead.phone) : '')),
      h('div', { class: 'item-side' },
        h('span', { class: { 'due-time': true, overdue: due } }, shortDateTime(cb.due_at)),
        due ? h('span', { class: 'badge badge-due' }, t('desk.due')) : null));
    }));
  }

  function renderLeads() {
    if (!myLeads.length) {
      mount(leadsList, h('li', { class: 'empty' }, search ? t('desk.noSearchResults') : t('desk.noLeads')));
      return;
    }
    // The lead in hand is fresher than the list (its status follows the call).
    const fresh = desk.state.lead;
    const rows = myLeads.map((lead) => (fresh?.id === lead.id ? { ...lead, ...fresh } : lead));
    mount(leadsList, rows.map((lead) => h('li', {
      class: { 'list-item': true, active: desk.state.lead?.id === lead.id },
      'data-test': 'lead-row', 'data-lead-id': lead.id, tabindex: 0,
      onclick: () => open(lead.id), onkeydown: (e) => { if (e.key === 'Enter') open(lead.id); },
    },
    h('div', { class: 'item-main' },
      h('strong', {}, leadName(lead)),
      h('span', { class: 'muted' }, [lead.phone ? formatPhone(lead.phone) : null, lead.city].filter(Boolean).join(' · '))),
    h('div', { class: 'item-side' },
      h('span', { class: `badge status-${lead.status}` }, tMaybe(`leadStatus.${lead.status}`) ?? lead.status),
      nextCallLabel(lead.next_call_at)))));
  }

  function renderLead(s = desk.state) {
    if (s.lead) {
      mount(leadSlot, leadCard({
        lead: s.lead, details: s.details, dispositions, tab, api,
        // Agents hear their own calls only where the campaign allows it (the database decides anyway).
        allowListen: profile.role !== 'agent' || Boolean(s.lead.campaign?.agents_can_listen_own_recordings),
        onTab: (next) => { tab = next; renderLead(); },
      }));
    } else {
      mount(leadSlot, h('div', { class: 'card empty-lead', 'data-test': 'no-lead' },
        h('div', { class: 'empty-illustration' }, icon('user', { size: 48 })),
        h('h2', {}, t('desk.noLeadTitle')),
        h('p', { class: 'muted' }, t('desk.noLeadText')),
        h('button', { class: 'btn btn-primary btn-lg', type: 'button', onclick: () => takeNext(), 'data-test': 'next-lead-empty' },
          icon('next'), t('desk.nextLead'))));
    }
  }

  function renderWrapUp(s = desk.state) {
    if (s.wrapUp && s.wrapUp.callId !== wrapUpCallId) {
      wrapUpCallId = s.wrapUp.callId;
      wrapUpForm = createWrapUpForm({
        desk, wrapUp: s.wrapUp, lead: s.lead, dispositions,
        onDone: () => {
          notices.toast(t('wrapUp.saved'));
          refreshLists();
        },
      });
      mount(wrapUpSlot, wrapUpForm.el);
      wrapUpForm.focus();
    } else if (!s.wrapUp && wrapUpCallId) {
      wrapUpCallId = null;
      wrapUpForm = null;
      mount(wrapUpSlot);
    }
  }

  function renderSale(s = desk.state) {
    const id = s.lead?.id ?? null;
    const key = id && isErasedLead(s.lead) ? `${id}:erased` : id;
    if (key === saleLeadId) return;
    saleLeadId = key;
    // Nothing is sold to a lead whose personal data was erased.
    if (!s.lead || isErasedLead(s.lead)) {
      saleForm = null;
      mount(saleSlot);
      return;
    }
    saleForm = createSaleForm({
      desk, lead: s.lead, products,
      onSaved: () => notices.toast(t('sale.saved')),
    });
    mount(saleSlot, saleForm.el);
  }

  let lastLeadKey = null;
  function onDeskChange(s) {
    renderAgentState(s);
    const key = JSON.stringify([s.lead?.id, s.lead?.updated_at, s.lead?.status, s.details.history.length, s.details.calls.length, s.details.sales.length, s.details.loading, s.details.sales.map((x) => x.status), s.details.calls.map((x) => x.status)]);
    if (key !== lastLeadKey) {
      lastLeadKey = key;
      renderLead(s);
      renderLeads();
      renderCallbacks();
    }
    renderWrapUp(s);
    renderSale(s);
    nextButton.disabled = Boolean(s.wrapUp || s.activeCall || s.busy.nextLead || s.busy.dialing);
    nextButton.classList.toggle('is-loading', s.busy.nextLead);
  }

  // --------------------------------------------------------------------------
  // Actions
  // --------------------------------------------------------------------------

  function showError(err) {
    if (err?.name === 'PhoneError' && err.code.startsWith('mic_')) {
      // Stays until the next call gets the microphone.
      notices.showBanner('mic', { level: 'error', title: t('banner.mic.title'), text: t(`phone.error.${err.code}`) });
      return;
    }
    notices.toast(describeError(err), { level: 'error', ms: 7000 });
  }

  async function takeNext() {
    setQueueMessage(null);
    try {
      const lead = await desk.takeNextLead(campaignId);
      if (!lead) {
        setQueueMessage(t('desk.queueEmpty'), 'info');
      } else {
        tab = 'history';
        ctx.navigate(`#/lead/${lead.id}`, { silent: true });
        loadMyLeads();
      }
    } catch (err) {
      setQueueMessage(describeError(err), 'error');
    }
  }

  async function open(id) {
    try {
      tab = 'history';
      await desk.openLead(id);
      ctx.navigate(`#/lead/${id}`, { silent: true });
    } catch (err) {
      if (err?.code === 'lead_not_found') showLeadNotFound();
      else showError(err);
    }
  }

  function showLeadNotFound() {
    mount(leadSlot, h('div', { class: 'card empty-lead', id: 'lead-not-found', 'data-test': 'lead-not-found', role: 'alert' },
      h('div', { class: 'empty-illustration' }, icon('alert', { size: 48 })),
      h('h2', {}, t('desk.leadNotFoundTitle')),
      h('p', { class: 'muted' }, t('desk.error.lead_not_found'))));
  }

  const offShortcuts = bindShortcuts({
    n: () => takeNext(),
    c: () => { if (!phone.callSnapshot().live) desk.call().catch(showError); },
    x: () => desk.hangup(),
    m: () => desk.mute(!phone.callSnapshot().muted),
    h: () => desk.hold(!phone.callSnapshot().onHold),
    k: () => phonePanel.toggleKeypad(),
    dtmf: (key) => {
      if (phone.callSnapshot().status !== 'confirmed') return false;
      phonePanel.sendTone(key);
      return true;
    },
    w: () => wrapUpForm?.focus(),
    s: () => saleForm?.open(),
    '/': () => searchInput.focus(),
    p: () => pause(),
    a: () => resume(),
    '?': () => ctx.openHelp(),
  });

  // --------------------------------------------------------------------------
  // Start
  // --------------------------------------------------------------------------

  const offDesk = desk.subscribe(onDeskChange);
  const offMicBanner = phone.on('call', (snap) => { if (snap.live) notices.hideBanner('mic'); });
  const stateTick = setInterval(() => renderAgentState(), 1000);
  const refreshTimer = setInterval(() => {
    if (!desk.state.activeCall) refreshLists();
  }, REFRESH_MS);
  const leadTimer = setInterval(() => {
    if (desk.state.lead && !desk.state.activeCall && !desk.state.busy.dialing && !document.hidden) {
      desk.refreshLead().catch(() => {});
    }
  }, LEAD_REFRESH_MS);

  onDeskChange(desk.state);
  renderToday();
  (async () => {
    try {
      await loadStatic();
    } catch (err) {
      showError(err);
    }
    // The card and forms need the dispositions and products loaded above.
    lastLeadKey = null;
    saleLeadId = undefined;
    onDeskChange(desk.state);
    await refreshLists();
    const recovered = await desk.recoverOpenCall(profile.id).catch((err) => {
      console.warn('[desk] could not look for calls left open', err);
      return false;
    });
    if (recovered) {
      if (desk.state.lead) ctx.navigate(`#/lead/${desk.state.lead.id}`, { silent: true });
    } else if (leadId && desk.state.lead?.id !== leadId) {
      await open(leadId);
    }
  })();

  return {
    /** The router asks for another lead by URL. */
    async showLead(id) {
      if (id && desk.state.lead?.id !== id) await open(id);
    },
    destroy() {
      offDesk();
      offMicBanner();
      offShortcuts();
      phonePanel.destroy();
      consentNotice.destroy();
      clearInterval(stateTick);
      clearInterval(refreshTimer);
      clearInterval(leadTimer);
      mount(ctx.statusSlot);
    },
  };
}

/** When a queued lead may be called again, if that is later than now. */
function nextCallLabel(nextCallAt) {
  if (!nextCallAt || new Date(nextCallAt).getTime() <= Date.now()) return null;
  return h('span', { class: 'muted small next-call', title: t('lead.nextCall') }, icon('clock', { size: 12 }), ' ', shortDateTime(nextCallAt));
}

/** Only the time for today, the date and time otherwise. */
function shortDateTime(value) {
  const sameDay = new Date(value).toDateString() === new Date().toDateString();
  return sameDay ? formatTime(value, language()) : formatDateTime(value, language());
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
