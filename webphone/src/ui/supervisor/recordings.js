// Recordings, for supervisors and admins: recent calls (200 at most) with their
// recording status and Listen, and the recording access log (every request
// to listen, granted or refused; RLS shows a supervisor their campaigns'
// rows). The log is also part of the admin's compliance screen.

import { h, icon, mount } from '../dom.js';
import { t, tMaybe, language } from '../../i18n/index.js';
import { formatDateTime, formatDuration, toDateValue } from '../../i18n/format';
import { describeError } from '../errors.js';
import { leadName } from '../lead-label.js';
import { createRecordingPlayer, recordingCell } from '../recordings.js';

export const ACCESS_LOG_PAGE_SIZE = 50;

/** The i18n key of a refusal's SQLSTATE in the access log. */
export function accessReasonKey(code) {
  return { 42501: 'recording.error.forbidden', PT404: 'accessLog.reason.PT404', 22023: 'recording.error.invalid' }[code] ?? null;
}

/** [start, end) of a calendar day in the browser's zone, as ISO strings. */
export function dayRange(day) {
  const start = new Date(`${day}T00:00:00`);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return { from: start.toISOString(), to: end.toISOString() };
}

/** The recording access log, newest first, 50 a page. */
export function createAccessLog({ api }) {
  let page = 0;
  let names = new Map();
  let campaigns = null;
  const body = h('tbody', {});
  const pageLabel = h('span', { class: 'muted small', 'data-test': 'access-log-page' });
  const prev = h('button', { type: 'button', class: 'btn btn-small btn-light', 'data-test': 'access-log-prev', onclick: () => load(page - 1) }, t('common.previous'));
  const next = h('button', { type: 'button', class: 'btn btn-small btn-light', 'data-test': 'access-log-next', onclick: () => load(page + 1) }, t('common.next'));
  const el = h('section', { class: 'card table-card', id: 'access-log', 'data-test': 'access-log' },
    h('header', { class: 'card-header' },
      h('div', {}, h('h2', {}, t('accessLog.title')), h('p', { class: 'muted small' }, t('accessLog.subtitle'))),
      h('div', { class: 'pager' },
        h('button', { type: 'button', class: 'btn-icon', title: t('common.refresh'), 'aria-label': t('common.refresh'), onclick: () => load(page) }, icon('refresh', { size: 16 })),
        prev, pageLabel, next)),
    h('div', { class: 'table-scroll' }, h('table', { class: 'table compact', 'data-test': 'access-log-table' },
      h('thead', {}, h('tr', {},
        h('th', {}, t('accessLog.when')), h('th', {}, t('accessLog.who')), h('th', {}, t('accessLog.call')),
        h('th', {}, t('accessLog.campaign')), h('th', {}, t('accessLog.outcome')), h('th', {}, t('accessLog.reason')),
        h('th', {}, t('accessLog.from')))),
      body)));

  function personName(id) {
    if (!id) return '—';
    const p = names.get(id);
    return p ? (p.full_name || p.email) : `${id.slice(0, 8)}…`;
  }

  async function load(target = 0) {
    const lang = language();
    mount(body, h('tr', {}, h('td', { colspan: 7, class: 'empty' }, t('common.loading'))));
    try {
      if (!campaigns) campaigns = new Map((await api.listCampaigns().catch(() => [])).map((c) => [c.id, c.name]));
      const result = await api.listRecordingAccessLog({ page: Math.max(0, target), pageSize: ACCESS_LOG_PAGE_SIZE });
      page = result.page;
      const missing = result.rows.map((r) => r.requested_by).filter((id) => id && !names.has(id));
      if (missing.length) {
        const profiles = await api.listProfilesByIds(missing).catch(() => []);
        names = new Map([...names, ...profiles.map((p) => [p.id, p])]);
      }
      prev.disabled = page === 0;
      next.disabled = !result.hasMore;
      pageLabel.textContent = t('common.page', { page: page + 1 });
      if (!result.rows.length) {
        mount(body, h('tr', {}, h('td', { colspan: 7, class: 'empty', 'data-test': 'access-log-empty' }, t('accessLog.empty'))));
        return;
      }
      mount(body, result.rows.map((r) => h('tr', { 'data-test': 'access-log-row', 'data-outcome': r.outcome, 'data-call-id': r.call_id ?? '' },
        h('td', {}, formatDateTime(r.requested_at, lang)),
        h('td', {}, personName(r.requested_by)),
        h('td', { class: 'mono', title: r.call_id ?? '' }, r.call_id ? `${r.call_id.slice(0, 8)}…` : '—'),
        h('td', {}, (r.campaign_id && campaigns.get(r.campaign_id)) || '—'),
        h('td', {}, h('span', { class: `badge access-${r.outcome}`, 'data-test': 'access-outcome' }, tMaybe(`accessLog.outcome.${r.outcome}`) ?? r.outcome)),
        h('td', {}, r.reason_code ? (tMaybe(accessReasonKey(r.reason_code) ?? '') ?? r.reason_code) : '—',
          r.reason ? h('div', { class: 'muted small' }, r.reason) : null),
        h('td', { class: 'muted small', title: r.user_agent ?? '' }, r.client_address || '—'))));
    } catch (err) {
      prev.disabled = page === 0;
      next.disabled = true;
      mount(body, h('tr', {}, h('td', { colspan: 7, class: 'empty' }, describeError(err))));
    }
  }

  return { el, load };
}

export function mountRecordings(container, { ctx }) {
  const { api, profile } = ctx;
  const from = h('input', { type: 'date', id: 'recordings-from', 'data-test': 'recordings-from', value: toDateValue(new Date(Date.now() - 6 * 86400_000)) });
  const to = h('input', { type: 'date', id: 'recordings-to', 'data-test': 'recordings-to', value: toDateValue(new Date()) });
  const onlyStored = h('input', { type: 'checkbox', id: 'recordings-stored', 'data-test': 'recordings-stored' });
  const body = h('tbody', {});
  const player = createRecordingPlayer({ api });
  const log = createAccessLog({ api });

  mount(container, h('div', { class: 'page', id: 'recordings', 'data-test': 'recordings-screen' },
    h('header', { class: 'page-header' },
      h('div', {}, h('h1', {}, t('recordings.title')), h('p', { class: 'muted' }, t('recordings.subtitle'))),
      h('form', { class: 'report-filters', onsubmit: (e) => { e.preventDefault(); loadCalls(); } },
        h('label', { class: 'field compact' }, h('span', {}, t('report.from')), from),
        h('label', { class: 'field compact' }, h('span', {}, t('report.to')), to),
        h('label', { class: 'check-field' }, onlyStored, h('span', {}, t('recordings.onlyStored'))),
        h('button', { class: 'btn btn-primary', type: 'submit', 'data-test': 'recordings-run' }, icon('refresh', { size: 16 }), t('common.refresh')))),
    // Above the list, so the player is in view whichever row was pressed.
    player.el,
    h('section', { class: 'card table-card' },
      h('div', { class: 'table-scroll' }, h('table', { class: 'table', 'data-test': 'recordings-calls' },
        h('thead', {}, h('tr', {},
          h('th', {}, t('calls.when')), h('th', {}, t('validation.agent')), h('th', {}, t('validation.lead')),
          h('th', {}, t('accessLog.campaign')), h('th', {}, t('calls.outcome')), h('th', { class: 'num' }, t('calls.talk')),
          h('th', {}, t('calls.recording')))),
        body))),
    log.el));

  async function loadCalls() {
    const lang = language();
    mount(body, h('tr', {}, h('td', { colspan: 7, class: 'empty' }, t('common.loading'))));
    try {
      const today = toDateValue(new Date());
      const calls = await api.listRecentCalls({
        from: dayRange(from.value || today).from, to: dayRange(to.value || today).to, recordedOnly: onlyStored.checked, limit: 200,
      });
      if (!calls.length) {
        mount(body, h('tr', {}, h('td', { colspan: 7, class: 'empty', 'data-test': 'recordings-empty' }, t('recordings.empty'))));
        return;
      }
      mount(body, calls.map((c) => h('tr', { 'data-test': 'call-row', 'data-call-id': c.id },
        h('td', {}, formatDateTime(c.started_at, lang)),
        h('td', {}, c.agent?.full_name || c.agent?.email || '—'),
        h('td', {}, c.lead ? leadName(c.lead) : '—'),
        h('td', {}, c.campaign?.name ?? '—'),
        h('td', {}, c.outcome
          ? h('span', { class: `badge outcome-${c.outcome}` }, tMaybe(`outcome.${c.outcome}`) ?? c.outcome)
          : h('span', { class: 'badge status-in_call' }, tMaybe(`call.status.${c.status}`) ?? c.status)),
        h('td', { class: 'num' }, c.talk_seconds !== null && c.talk_seconds !== undefined ? formatDuration(c.talk_seconds) : '—'),
        // Admins and supervisors hold recordings.listen (this screen needs it); the database checks the campaign.
        recordingCell(c, player, { allowListen: profile.role !== 'agent' }))));
    } catch (err) {
      mount(body, h('tr', {}, h('td', { colspan: 7, class: 'empty' }, describeError(err))));
    }
  }

  loadCalls();
  log.load(0);
  return { destroy() {} };
}
