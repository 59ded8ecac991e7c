// The live floor: every agent the supervisor runs, their state and current
// call, and the day's tallies, polled every few seconds (Realtime is not in
// the local stack; polling a handful of small queries is cheap).

import { h, icon, mount } from '../dom.js';
import { t, language } from '../../i18n/index.js';
import { formatDuration, formatPhone, formatCurrency, formatTime, initials } from '../../i18n/format';
import { describeError } from '../errors.js';
import { leadName } from '../lead-label.js';

/** Each agent's state from what the database knows, newest source first. */
export function deriveFloor({ agents, states, openCalls, calls, sales, now = Date.now() }) {
  const stateBy = new Map((states ?? []).map((s) => [s.agent_id, s]));
  const callBy = new Map();
  for (const c of openCalls) if (!callBy.has(c.agent_id)) callBy.set(c.agent_id, c);
  return agents.map((agent) => {
    const mine = calls.filter((c) => c.agent_id === agent.id);
    const mySales = sales.filter((s) => s.agent_id === agent.id && s.status !== 'cancelled');
    const open = callBy.get(agent.id) ?? null;
    const published = stateBy.get(agent.id) ?? null;
    let state = published?.state ?? null;
    let since = published?.since ? new Date(published.since).getTime() : null;
    if (!state) {
      if (open && open.status !== 'ended') state = 'on_call';
      else if (open) state = 'wrap_up';
      else state = 'unknown';
      since = open ? new Date(open.ended_at ?? open.started_at).getTime() : null;
    }
    return {
      agent,
      state,
      reason: published?.reason ?? null,
      since,
      openCall: open && open.status !== 'ended' ? open : null,
      callSeconds: open ? Math.floor((now - new Date(open.answered_at ?? open.started_at).getTime()) / 1000) : 0,
      callsToday: mine.length,
      talkToday: mine.reduce((sum, c) => sum + (c.talk_seconds ?? 0), 0),
      salesToday: mySales.length,
      premiumToday: mySales.reduce((sum, s) => sum + Number(s.premium ?? 0), 0),
      currency: mySales[0]?.currency ?? 'EUR',
    };
  });
}

export function mountFloor(container, { ctx }) {
  const { api, config } = ctx;
  const pollMs = Math.max(2, Number(config.floorPollSeconds ?? 5)) * 1000;
  let rows = [];
  let statesAvailable = true;
  let lastUpdate = null;
  let error = null;

  const summary = h('div', { class: 'stat-strip', 'data-test': 'floor-summary' });
  const updated = h('span', { class: 'muted small', id: 'floor-updated', 'data-test': 'floor-updated' });
  const note = h('p', { class: 'note note-info', 'data-test': 'floor-note', hidden: true });
  const tableBody = h('tbody', {});
  const table = h('table', { class: 'table floor-table', id: 'floor-table', 'data-test': 'floor-table' },
    h('thead', {}, h('tr', {},
      h('th', {}, t('floor.agent')), h('th', {}, t('floor.state')), h('th', {}, t('floor.currentCall')),
      h('th', { class: 'num' }, t('floor.callsToday')), h('th', { class: 'num' }, t('floor.talkToday')),
      h('th', { class: 'num' }, t('floor.salesToday')))),
    tableBody);

  mount(container, h('div', { class: 'page', id: 'floor', 'data-test': 'floor-screen' },
    h('header', { class: 'page-header' },
      h('div', {}, h('h1', {}, t('floor.title')), h('p', { class: 'muted' }, t('floor.subtitle', { seconds: pollMs / 1000 }))),
      h('div', { class: 'page-actions' }, updated,
        h('button', { class: 'btn btn-light btn-small', type: 'button', onclick: () => poll(), 'data-test': 'floor-refresh' }, icon('refresh', { size: 14 }), t('common.refresh')))),
    summary,
    note,
    h('section', { class: 'card table-card' }, table)));

  async function poll() {
    const start = new Date();
    start.setHours(0, 0, 0, 0);
    const since = start.toISOString();
    try {
      const [agents, states, openCalls, calls, sales] = await Promise.all([
        api.listAgents(),
        statesAvailable ? api.listAgentStates() : Promise.resolve(null),
        api.listOpenCalls(),
        api.listCallsSince(since),
        api.listSalesSince(since),
      ]);
      if (states === null) statesAvailable = false;
      rows = deriveFloor({ agents, states, openCalls, calls, sales });
      lastUpdate = new Date();
      error = null;
    } catch (err) {
      error = err;
    }
    render();
  }

  function render() {
    const lang = language();
    updated.textContent = error
      ? describeError(error)
      : lastUpdate ? t('floor.updatedAt', { time: formatTime(lastUpdate, lang) }) : t('common.loading');
    updated.classList.toggle('text-error', Boolean(error));
    note.hidden = statesAvailable;
    note.textContent = statesAvailable ? '' : t('floor.statesUnavailable');

    const count = (state) => rows.filter((r) => r.state === state).length;
    mount(summary,
      statCard(t('floor.agents'), rows.length, 'neutral'),
      statCard(t('agentState.available'), statesAvailable ? count('available') : '—', 'available'),
      statCard(t('agentState.on_call'), count('on_call'), 'on_call'),
      statCard(t('agentState.wrap_up'), count('wrap_up'), 'wrap_up'),
      statCard(t('agentState.paused'), statesAvailable ? count('paused') : '—', 'paused'),
      statCard(t('floor.callsToday'), rows.reduce((s, r) => s + r.callsToday, 0), 'neutral'),
      statCard(t('floor.salesToday'), rows.reduce((s, r) => s + r.salesToday, 0), 'sale'));

    if (!rows.length) {
      mount(tableBody, h('tr', {}, h('td', { colspan: 6, class: 'empty' }, error ? describeError(error) : t('floor.noAgents'))));
      return;
    }
    const order = { on_call: 0, wrap_up: 1, available: 2, paused: 3, unknown: 4, offline: 5 };
    const sorted = [...rows].sort((a, b) => (order[a.state] ?? 9) - (order[b.state] ?? 9)
      || (a.agent.full_name || a.agent.email).localeCompare(b.agent.full_name || b.agent.email));
    const now = Date.now();
    mount(tableBody, sorted.map((r) => h('tr', { 'data-test': 'floor-row', 'data-agent-id': r.agent.id, 'data-state': r.state },
      h('td', {}, h('div', { class: 'person' },
        h('span', { class: 'avatar small' }, initials(r.agent.full_name || r.agent.email)),
        h('div', {}, h('strong', {}, r.agent.full_name || r.agent.email),
          h('div', { class: 'muted small' }, r.agent.sip_extension ? `${t('floor.ext')} ${r.agent.sip_extension}` : r.agent.email)))),
      h('td', {}, h('span', { class: `agent-state state-${r.state}`, 'data-test': 'floor-state' },
        h('span', { class: 'state-dot' }),
        h('span', {}, t(`agentState.${r.state}`), r.reason ? ` · ${t(`pauseReason.${r.reason}`)}` : ''),
        r.since ? h('span', { class: 'state-since' }, formatDuration(Math.floor((now - r.since) / 1000))) : null)),
      h('td', { 'data-test': 'floor-call' }, r.openCall
        ? h('div', {},
          h('strong', {}, (r.openCall.lead ? leadName(r.openCall.lead) : '') || formatPhone(r.openCall.phone_number)),
          h('div', { class: 'muted small' }, `${formatPhone(r.openCall.phone_number)} · ${t(`call.status.${r.openCall.status}`)} · ${formatDuration(r.callSeconds)}`))
        : h('span', { class: 'muted' }, '—')),
      h('td', { class: 'num' }, String(r.callsToday)),
      h('td', { class: 'num' }, formatDuration(r.talkToday)),
      h('td', { class: 'num' }, String(r.salesToday), r.salesToday ? h('div', { class: 'muted small' }, formatCurrency(r.premiumToday, r.currency, lang)) : null))));
  }

  function statCard(label, value, kind) {
    return h('div', { class: `stat-card stat-${kind}` }, h('span', { class: 'stat-value' }, String(value)), h('span', { class: 'stat-label' }, label));
  }

  poll();
  const timer = setInterval(() => { if (!document.hidden) poll(); }, pollMs);
  return { destroy: () => clearInterval(timer) };
}
