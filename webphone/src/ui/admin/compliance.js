// Compliance (compliance.manage): legal holds on calls and leads, a lead's
// data export and erasure (GDPR/LOPD), and the recording access log.

import { h, icon, mount } from '../dom.js';
import { t, language } from '../../i18n/index.js';
import { formatDateTime } from '../../i18n/format';
import { describeError } from '../errors.js';
import { createAccessLog } from '../supervisor/recordings.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value) {
  return typeof value === 'string' && UUID.test(value.trim());
}

/** Active holds first, then released ones; newest placed first within each. */
export function sortHolds(holds) {
  return [...holds].sort((a, b) => (a.released_at ? 1 : 0) - (b.released_at ? 1 : 0)
    || String(b.placed_at).localeCompare(String(a.placed_at)));
}

/** The erasure is confirmed only by typing the lead's id exactly (case aside). */
export function eraseConfirmed(typed, leadId) {
  return isUuid(leadId) && String(typed ?? '').trim().toLowerCase() === leadId.trim().toLowerCase();
}

/** The file an export downloads as. */
export function exportFileName(leadId, date = new Date()) {
  const stamp = date.toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return `lead-${leadId}-${stamp}.json`;
}

/** Which compliance.error.* explains a refusal of the compliance RPCs and tables (null: the generic text). */
export function complianceErrorCode(err) {
  if (!err || err.kind === 'network') return null;
  const message = String(err.message ?? '');
  if (err.code === 'PT409') {
    // rpc/erase_lead names its conflict in details; the hold's release only in the message.
    if (['legal_hold', 'already_erased', 'in_call'].includes(err.details)) return err.details;
    if (/legal hold/i.test(message)) return 'legal_hold';
    if (/already erased/i.test(message)) return 'already_erased';
    if (/in a call/i.test(message)) return 'in_call';
    if (/already released/i.test(message)) return 'already_released';
    return 'conflict';
  }
  if (err.code === 'PT404') return 'not_found';
  if (err.code === '42501') return 'forbidden';
  if (err.code === '23503') return 'unknown_target';
  if (err.code === '22023' || err.code === '23514' || err.code === '22P02') return 'invalid';
  return null;
}

export function describeComplianceError(err) {
  const code = complianceErrorCode(err);
  if (!code) return describeError(err);
  const headline = t(`compliance.error.${code}`);
  // The database's message names the hold and its reason, worth showing.
  return err.message && code !== 'forbidden' ? `${headline} (${err.message})` : headline;
}

/** The summary rpc/erase_lead returns, as [label key, value] pairs in a stable order. */
export function summaryEntries(summary) {
  const order = ['calls', 'recordings', 'callbacks', 'sales', 'history_rows', 'do_not_call', 'originate_requests'];
  return order.filter((k) => summary && k in summary).map((k) => [`compliance.summary.${k}`, summary[k]]);
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function mountCompliance(container, { ctx }) {
  const { api, notices } = ctx;
  const holds = createHolds({ api, notices });
  const leadData = createLeadData({ api, notices, onErased: () => holds.load() });
  const log = createAccessLog({ api });
  mount(container, h('div', { class: 'page', id: 'admin-compliance', 'data-test': 'admin-compliance' },
    h('header', { class: 'page-header' },
      h('div', {}, h('h1', {}, t('compliance.title')), h('p', { class: 'muted' }, t('compliance.subtitle')))),
    holds.el,
    leadData.el,
    log.el));
  holds.load();
  log.load(0);
  return { destroy() {} };
}

function createHolds({ api, notices }) {
  let rows = [];
  let busy = false;
  const target = h('select', { id: 'hold-target', 'data-test': 'hold-target' },
    h('option', { value: 'call' }, t('compliance.holds.onCall')),
    h('option', { value: 'lead' }, t('compliance.holds.onLead')));
  const targetId = h('input', { type: 'text', id: 'hold-target-id', 'data-test': 'hold-target-id', class: 'mono', placeholder: '00000000-0000-0000-0000-000000000000', autocomplete: 'off', spellcheck: false });
  const reason = h('input', { type: 'text', id: 'hold-reason', 'data-test': 'hold-reason', maxlength: 500, placeholder: t('compliance.holds.reasonPlaceholder') });
  const formError = h('p', { class: 'form-error', role: 'alert', 'data-test': 'hold-error', hidden: true });
  const submit = h('button', { class: 'btn btn-primary', type: 'submit', 'data-test': 'hold-place' }, t('compliance.holds.place'));
  const body = h('tbody', {});

  const el = h('section', { class: 'card', id: 'legal-holds', 'data-test': 'legal-holds' },
    h('header', { class: 'card-header' },
      h('div', {}, h('h2', {}, t('compliance.holds.title')), h('p', { class: 'muted small' }, t('compliance.holds.subtitle')))),
    h('form', { class: 'compliance-form', onsubmit: (e) => { e.preventDefault(); place(); } },
      h('label', { class: 'field compact' }, h('span', {}, t('compliance.holds.target')), target),
      h('label', { class: 'field compact grow' }, h('span', {}, t('compliance.holds.targetId')), targetId),
      h('label', { class: 'field compact grow' }, h('span', {}, t('compliance.holds.reason')), reason),
      submit),
    formError,
    h('div', { class: 'table-scroll' }, h('table', { class: 'table compact', 'data-test': 'holds-table' },
      h('thead', {}, h('tr', {},
        h('th', {}, t('compliance.holds.state')), h('th', {}, t('compliance.holds.target')), h('th', {}, 'ID'),
        h('th', {}, t('compliance.holds.reason')), h('th', {}, t('compliance.holds.placed')),
        h('th', {}, t('compliance.holds.released')), h('th', { class: 'actions-col' }, ''))),
      body)));

  function showError(text) {
    formError.textContent = text ?? '';
    formError.hidden = !text;
  }

  async function place() {
    if (busy) return;
    const id = targetId.value.trim();
    const why = reason.value.trim();
    if (!isUuid(id)) { showError(t('compliance.error.bad_id')); targetId.focus(); return; }
    if (!why) { showError(t('compliance.holds.reasonRequired')); reason.focus(); return; }
    showError(null);
    busy = true;
    submit.disabled = true;
    try {
      await api.placeLegalHold(target.value === 'call' ? { callId: id, reason: why } : { leadId: id, reason: why });
      notices.toast(t('compliance.holds.placed_toast'));
      targetId.value = '';
      reason.value = '';
      await load();
    } catch (err) {
      showError(describeComplianceError(err));
    } finally {
      busy = false;
      submit.disabled = false;
    }
  }

  async function release(hold, button) {
    if (!window.confirm(t('compliance.holds.releaseConfirm', { reason: hold.reason }))) return;
    button.disabled = true;
    try {
      await api.releaseLegalHold(hold.id);
      notices.toast(t('compliance.holds.released_toast'));
      await load();
    } catch (err) {
      button.disabled = false;
      notices.toast(describeComplianceError(err), { level: 'error', ms: 7000 });
    }
  }

  function who(p) {
    return p ? (p.full_name || p.email) : null;
  }

  function render() {
    const lang = language();
    if (!rows.length) {
      mount(body, h('tr', {}, h('td', { colspan: 7, class: 'empty', 'data-test': 'holds-empty' }, t('compliance.holds.empty'))));
      return;
    }
    mount(body, rows.map((hold) => {
      const active = !hold.released_at;
      const releaseButton = active
        ? h('button', { type: 'button', class: 'btn btn-small btn-reject', 'data-test': 'hold-release', onclick: (e) => release(hold, e.currentTarget) }, t('compliance.holds.release'))
        : null;
      return h('tr', { 'data-test': 'hold-row', 'data-hold-id': hold.id, 'data-active': String(active), class: { 'is-released': !active } },
        h('td', {}, h('span', { class: `badge hold-${active ? 'active' : 'released'}` }, active ? t('compliance.holds.active') : t('compliance.holds.releasedState'))),
        h('td', {}, hold.call_id ? t('compliance.holds.onCall') : t('compliance.holds.onLead')),
        h('td', { class: 'mono small' }, hold.call_id ?? hold.lead_id),
        h('td', {}, hold.reason),
        h('td', {}, formatDateTime(hold.placed_at, lang), who(hold.placer) ? h('div', { class: 'muted small' }, who(hold.placer)) : null),
        h('td', {}, hold.released_at ? [formatDateTime(hold.released_at, lang), who(hold.releaser) ? h('div', { class: 'muted small' }, who(hold.releaser)) : null] : '—'),
        h('td', { class: 'actions-col' }, releaseButton));
    }));
  }

  async function load() {
    try {
      rows = sortHolds(await api.listLegalHolds());
      render();
    } catch (err) {
      mount(body, h('tr', {}, h('td', { colspan: 7, class: 'empty' }, describeComplianceError(err))));
    }
  }

  return { el, load };
}

function createLeadData({ api, notices, onErased }) {
  let confirming = false;
  let busy = false;
  const leadId = h('input', {
    type: 'text', id: 'compliance-lead-id', 'data-test': 'compliance-lead-id', class: 'mono', autocomplete: 'off', spellcheck: false,
    placeholder: '00000000-0000-0000-0000-000000000000', oninput: () => { confirming = false; renderConfirm(); showResult(null); },
  });
  const exportButton = h('button', { type: 'button', class: 'btn btn-light', 'data-test': 'lead-export', onclick: () => exportData() }, t('compliance.lead.export'));
  const eraseButton = h('button', { type: 'button', class: 'btn btn-reject', 'data-test': 'lead-erase', onclick: () => askErase() }, t('compliance.lead.erase'));
  const confirmSlot = h('div', { 'data-test': 'erase-confirm-slot' });
  const result = h('div', { class: 'compliance-result', 'data-test': 'compliance-result', 'aria-live': 'polite' });

  const el = h('section', { class: 'card', id: 'lead-data', 'data-test': 'lead-data' },
    h('header', { class: 'card-header' },
      h('div', {}, h('h2', {}, t('compliance.lead.title')), h('p', { class: 'muted small' }, t('compliance.lead.subtitle')))),
    h('div', { class: 'compliance-form' },
      h('label', { class: 'field compact grow' }, h('span', {}, t('compliance.lead.id')), leadId),
      exportButton, eraseButton),
    confirmSlot,
    result);

  function currentId() {
    return leadId.value.trim();
  }

  function showResult(node) {
    mount(result, node);
  }

  function showError(err) {
    showResult(h('p', { class: 'form-error', role: 'alert', 'data-test': 'compliance-error' }, describeComplianceError(err)));
  }

  function setBusy(value) {
    busy = value;
    exportButton.disabled = value;
    eraseButton.disabled = value;
  }

  async function exportData() {
    const id = currentId();
    if (!isUuid(id)) { showResult(h('p', { class: 'form-error', role: 'alert', 'data-test': 'compliance-error' }, t('compliance.error.bad_id'))); return; }
    if (busy) return;
    setBusy(true);
    try {
      const doc = await api.exportLeadData(id);
      const name = exportFileName(id);
      download(name, JSON.stringify(doc, null, 2));
      showResult(h('p', { class: 'note note-info', 'data-test': 'export-done' }, t('compliance.lead.exported', { file: name })));
    } catch (err) {
      showError(err);
    } finally {
      setBusy(false);
    }
  }

  function askErase() {
    if (!isUuid(currentId())) { showResult(h('p', { class: 'form-error', role: 'alert', 'data-test': 'compliance-error' }, t('compliance.error.bad_id'))); return; }
    confirming = true;
    showResult(null);
    renderConfirm();
  }

  function renderConfirm() {
    if (!confirming) { mount(confirmSlot); return; }
    const id = currentId();
    const typed = h('input', { type: 'text', class: 'mono', 'data-test': 'erase-confirm-input', autocomplete: 'off', spellcheck: false, 'aria-label': t('compliance.lead.confirmLabel') });
    const go = h('button', { type: 'submit', class: 'btn btn-reject', 'data-test': 'erase-confirm', disabled: true }, icon('alert', { size: 14 }), t('compliance.lead.confirmErase'));
    typed.addEventListener('input', () => { go.disabled = !eraseConfirmed(typed.value, id); });
    mount(confirmSlot, h('form', {
      class: 'erase-confirm', 'data-test': 'erase-confirm-form', role: 'alertdialog',
      onsubmit: (e) => { e.preventDefault(); if (eraseConfirmed(typed.value, id)) erase(id); },
    },
    h('p', {}, h('strong', {}, t('compliance.lead.confirmTitle')), ' ', t('compliance.lead.confirmText')),
    h('p', { class: 'muted small' }, t('compliance.lead.confirmLabel'), ' ', h('code', {}, id)),
    h('div', { class: 'inline-form' }, typed, go,
      h('button', { type: 'button', class: 'btn btn-small btn-light', onclick: () => { confirming = false; renderConfirm(); } }, t('common.cancel')))));
    setTimeout(() => typed.focus(), 0);
  }

  async function erase(id) {
    if (busy) return;
    setBusy(true);
    try {
      const summary = await api.eraseLead(id);
      confirming = false;
      renderConfirm();
      notices.toast(t('compliance.lead.erased_toast'));
      showResult(h('div', { class: 'note note-info', 'data-test': 'erase-summary' },
        h('strong', {}, t('compliance.lead.erasedTitle', { when: formatDateTime(summary?.erased_at, language()) || '—' })),
        h('dl', { class: 'summary-grid' }, summaryEntries(summary).map(([key, value]) => [h('dt', {}, t(key)), h('dd', { 'data-test': `erase-${key.split('.').pop()}` }, String(value))])),
        h('p', { class: 'muted small' }, t('compliance.lead.erasedRecordings'))));
      onErased?.();
    } catch (err) {
      showError(err);
    } finally {
      setBusy(false);
    }
  }

  return { el };
}
