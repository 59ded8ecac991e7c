// The sale validation queue: pending sales of the supervisor's campaigns,
// oldest first; validate in one click, reject with a required reason.

import { h, icon, mount } from '../dom.js';
import { t, tMaybe, language } from '../../i18n/index.js';
import { formatCurrency, formatDateTime } from '../../i18n/format';
import { describeError } from '../errors.js';
import { leadName, leadPhone } from '../lead-label.js';

const POLL_MS = 15_000;

export function mountValidation(container, { ctx }) {
  const { api, notices } = ctx;
  let pending = [];
  let decided = [];
  let rejecting = null; // sale id whose reason form is open
  let busy = new Set();
  let error = null;

  const count = h('span', { class: 'badge badge-count', 'data-test': 'validation-count' }, '0');
  const body = h('tbody', {});
  const decidedBody = h('tbody', {});

  mount(container, h('div', { class: 'page', id: 'validation', 'data-test': 'validation-screen' },
    h('header', { class: 'page-header' },
      h('div', {}, h('h1', {}, t('validation.title'), ' ', count), h('p', { class: 'muted' }, t('validation.subtitle'))),
      h('div', { class: 'page-actions' },
        h('button', { class: 'btn btn-light btn-small', type: 'button', onclick: () => load(), 'data-test': 'validation-refresh' }, icon('refresh', { size: 14 }), t('common.refresh')))),
    h('section', { class: 'card table-card' },
      h('table', { class: 'table validation-table', id: 'validation-queue', 'data-test': 'validation-queue' },
        h('thead', {}, h('tr', {},
          h('th', {}, t('validation.soldAt')), h('th', {}, t('validation.agent')), h('th', {}, t('validation.lead')),
          h('th', {}, t('validation.product')), h('th', { class: 'num' }, t('validation.premium')),
          h('th', {}, t('validation.policy')), h('th', { class: 'actions-col' }, t('validation.decision')))),
        body)),
    h('section', { class: 'card table-card' },
      h('header', { class: 'card-header' }, h('h2', {}, t('validation.recent'))),
      h('table', { class: 'table', 'data-test': 'validation-decided' },
        h('thead', {}, h('tr', {},
          h('th', {}, t('validation.decidedAt')), h('th', {}, t('validation.agent')), h('th', {}, t('validation.lead')),
          h('th', {}, t('validation.product')), h('th', { class: 'num' }, t('validation.premium')), h('th', {}, t('sales.status')))),
        decidedBody))));

  async function load() {
    try {
      [pending, decided] = await Promise.all([api.listPendingSales(), api.listDecidedSales()]);
      error = null;
    } catch (err) {
      error = err;
    }
    render();
  }

  async function decide(sale, approved, reason = null) {
    busy.add(sale.id);
    render();
    try {
      await api.validateSale(sale.id, approved, reason);
      notices.toast(approved ? t('validation.approvedToast') : t('validation.rejectedToast'));
      rejecting = null;
      await load();
    } catch (err) {
      notices.toast(describeError(err), { level: 'error', ms: 7000 });
    } finally {
      busy.delete(sale.id);
      render();
    }
  }

  function render() {
    const lang = language();
    count.textContent = String(pending.length);
    if (error) {
      mount(body, h('tr', {}, h('td', { colspan: 7, class: 'empty' }, describeError(error))));
    } else if (!pending.length) {
      mount(body, h('tr', {}, h('td', { colspan: 7, class: 'empty', 'data-test': 'validation-empty' }, t('validation.empty'))));
    } else {
      mount(body, pending.map((s) => row(s, lang)));
    }
    mount(decidedBody, decided.length
      ? decided.map((s) => h('tr', { 'data-test': 'decided-row', 'data-sale-id': s.id },
        h('td', {}, formatDateTime(s.validated_at, lang)),
        h('td', {}, s.agent?.full_name || s.agent?.email || '—'),
        h('td', {}, s.lead ? leadName(s.lead) : '—'),
        h('td', {}, s.product?.name ?? '—'),
        h('td', { class: 'num' }, formatCurrency(s.premium, s.currency, lang)),
        h('td', {}, h('span', { class: `badge sale-${s.status}` }, tMaybe(`saleStatus.${s.status}`) ?? s.status),
          s.status_reason ? h('div', { class: 'muted small' }, s.status_reason) : null)))
      : h('tr', {}, h('td', { colspan: 6, class: 'empty' }, t('validation.noneDecided'))));
  }

  function row(s, lang) {
    const isBusy = busy.has(s.id);
    const main = h('tr', { 'data-test': 'validation-row', 'data-sale-id': s.id, class: { 'is-busy': isBusy } },
      h('td', {}, formatDateTime(s.sold_at, lang)),
      h('td', {}, s.agent?.full_name || s.agent?.email || '—', h('div', { class: 'muted small' }, s.campaign?.name ?? '')),
      h('td', {}, s.lead ? leadName(s.lead) : '—', s.lead?.phone ? h('div', { class: 'muted small' }, leadPhone(s.lead)) : null),
      h('td', {}, s.product?.name ?? '—', h('div', { class: 'muted small' }, s.product?.code ?? '')),
      h('td', { class: 'num' }, formatCurrency(s.premium, s.currency, lang),
        h('div', { class: 'muted small' }, tMaybe(`frequency.${s.payment_frequency}`) ?? s.payment_frequency)),
      h('td', { class: 'mono' }, s.policy_number || '—', s.notes ? h('div', { class: 'muted small' }, s.notes) : null),
      h('td', { class: 'actions-col' },
        h('div', { class: 'btn-group' },
          h('button', {
            class: 'btn btn-small btn-approve', type: 'button', 'data-test': 'sale-approve', disabled: isBusy,
            onclick: () => decide(s, true),
          }, icon('check', { size: 14 }), t('validation.approve')),
          h('button', {
            class: 'btn btn-small btn-reject', type: 'button', 'data-test': 'sale-reject', disabled: isBusy,
            onclick: () => { rejecting = rejecting === s.id ? null : s.id; render(); },
          }, icon('x', { size: 14 }), t('validation.reject')))));
    if (rejecting !== s.id) return main;
    const reason = h('input', {
      type: 'text', class: 'reason-input', id: `reject-reason-${s.id}`, 'data-test': 'sale-reject-reason', required: true,
      maxlength: 500, placeholder: t('validation.reasonPlaceholder'),
    });
    const err = h('span', { class: 'form-error inline', role: 'alert', hidden: true }, t('validation.reasonRequired'));
    const form = h('tr', { class: 'reject-row', 'data-test': 'reject-form' }, h('td', { colspan: 7 },
      h('form', {
        class: 'inline-form',
        onsubmit: (e) => {
          e.preventDefault();
          if (!reason.value.trim()) { err.hidden = false; reason.focus(); return; }
          decide(s, false, reason.value.trim());
        },
      },
      h('label', { for: reason.id }, t('validation.reason')), reason, err,
      h('button', { class: 'btn btn-small btn-reject', type: 'submit', 'data-test': 'sale-reject-confirm', disabled: isBusy }, t('validation.confirmReject')),
      h('button', { class: 'btn btn-small btn-light', type: 'button', onclick: () => { rejecting = null; render(); } }, t('common.cancel')))));
    setTimeout(() => reason.focus(), 0);
    return [main, form];
  }

  load();
  const timer = setInterval(() => { if (!document.hidden && rejecting === null) load(); }, POLL_MS);
  return { destroy: () => clearInterval(timer) };
}
