// The lead card: who the agent is calling (contact data, local time, consent,
// attempts), and the lead's history, past calls and sales in tabs.

import { h, icon, mount } from '../dom.js';
import { t, tMaybe, language } from '../../i18n/index.js';
import {
  formatPhone, formatDateTime, formatTime, formatDuration, formatCurrency, initials,
} from '../../i18n/format.js';
import { describeError } from '../errors.js';

const HISTORY_FIELDS = ['status', 'attempts', 'owner_id', 'next_call_at', 'phone', 'alternate_phones', 'email', 'first_name', 'last_name', 'city', 'notes', 'consent_contact', 'consent_recording'];

export function leadName(lead) {
  return `${lead?.first_name ?? ''} ${lead?.last_name ?? ''}`.trim();
}

/**
 * @param {{lead: object, details: {history: object[], calls: object[], sales: object[], loading: boolean},
 *          dispositions: object[], tab: string, onTab: (tab: string) => void, api: object, notices: object}} props
 */
export function leadCard({ lead, details, dispositions, tab, onTab, api, notices }) {
  const lang = language();
  const campaign = lead.campaign;
  const localNow = formatTime(new Date(), lang, lead.time_zone);
  const dispositionLabel = (code) => {
    const d = dispositions.find((x) => x.code === code);
    return d ? (lang === 'en' ? d.label_en : d.label_es) : code;
  };

  const contact = [
    [t('lead.phone'), h('span', { class: 'phone-number', 'data-test': 'lead-phone' }, formatPhone(lead.phone))],
    lead.alternate_phones?.length ? [t('lead.alternatePhones'), lead.alternate_phones.map(formatPhone).join(', ')] : null,
    [t('lead.email'), lead.email || '—'],
    [t('lead.address'), [lead.address_line, lead.postal_code, lead.city, lead.region].filter(Boolean).join(', ') || '—'],
    [t('lead.localTime'), h('span', {}, h('strong', { 'data-test': 'lead-local-time' }, localNow), ` · ${lead.time_zone}`)],
    [t('lead.birthDate'), lead.birth_date ? formatDateTime(`${lead.birth_date}T12:00:00Z`, lang).split(',')[0] : '—'],
    [t('lead.attempts'), `${lead.attempts}${campaign?.max_attempts ? ` / ${campaign.max_attempts}` : ''}`],
    [t('lead.lastCalled'), lead.last_called_at ? formatDateTime(lead.last_called_at, lang) : t('lead.never')],
    [t('lead.nextCall'), lead.next_call_at ? formatDateTime(lead.next_call_at, lang) : '—'],
    [t('lead.source'), lead.source || '—'],
  ].filter(Boolean);

  const consentChips = [
    chip(lead.consent_contact, t('lead.consentContact')),
    chip(lead.consent_recording, t('lead.consentRecording')),
    chip(lead.consent_marketing, t('lead.consentMarketing')),
  ];

  const custom = Object.entries(lead.custom ?? {});

  const tabs = [
    ['history', t('lead.tab.history'), details.history.length],
    ['calls', t('lead.tab.calls'), details.calls.length],
    ['sales', t('lead.tab.sales'), details.sales.length],
  ];

  let body;
  if (tab === 'calls') body = callsTable(details.calls, dispositionLabel, lang, api, notices);
  else if (tab === 'sales') body = salesTable(details.sales, lang);
  else body = historyList(details.history, lang);

  return h('article', { class: 'card lead-card', id: 'lead-card', 'data-test': 'lead-card', 'data-lead-id': lead.id },
    h('header', { class: 'lead-head' },
      h('div', { class: 'avatar', 'aria-hidden': 'true' }, initials(leadName(lead))),
      h('div', { class: 'lead-title' },
        h('h2', { 'data-test': 'lead-name' }, leadName(lead)),
        h('div', { class: 'lead-sub' },
          h('span', { class: `badge status-${lead.status}`, 'data-test': 'lead-status', 'data-status': lead.status }, tMaybe(`leadStatus.${lead.status}`) ?? lead.status),
          campaign ? h('span', { class: 'muted' }, campaign.name) : null)),
      h('div', { class: 'lead-phone-big' }, icon('phone', { size: 18 }), formatPhone(lead.phone))),
    h('dl', { class: 'contact-grid' }, contact.map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)])),
    h('div', { class: 'chips' }, consentChips),
    custom.length ? h('dl', { class: 'contact-grid custom-fields' }, custom.map(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'object' ? JSON.stringify(v) : String(v))])) : null,
    lead.notes ? h('p', { class: 'lead-notes' }, icon('info', { size: 16 }), ' ', lead.notes) : null,
    h('nav', { class: 'tabs', role: 'tablist' }, tabs.map(([key, label, count]) => h('button', {
      type: 'button', role: 'tab', class: { tab: true, active: tab === key }, 'aria-selected': String(tab === key),
      'data-test': `lead-tab-${key}`, onclick: () => onTab(key),
    }, label, h('span', { class: 'tab-count' }, String(count))))),
    h('div', { class: 'tab-body', 'data-test': `lead-${tab}` }, details.loading && !body ? h('p', { class: 'muted' }, t('common.loading')) : body));
}

function chip(value, label) {
  const state = value === true ? 'yes' : value === false ? 'no' : 'unknown';
  return h('span', { class: `chip chip-${state}` }, icon(state === 'yes' ? 'check' : state === 'no' ? 'x' : 'help', { size: 14 }), label);
}

function historyValue(field, value, lang) {
  if (value === null || value === undefined || value === '') return '—';
  if (field === 'status') return tMaybe(`leadStatus.${value}`) ?? value;
  if (field.endsWith('_at')) return formatDateTime(value, lang);
  if (field === 'owner_id') return t('history.agent');
  if (field === 'phone') return formatPhone(value);
  if (typeof value === 'boolean') return value ? t('common.yes') : t('common.no');
  if (Array.isArray(value)) return value.join(', ') || '—';
  return String(value);
}

function historyList(history, lang) {
  if (!history.length) return h('p', { class: 'empty' }, t('lead.noHistory'));
  return h('ol', { class: 'timeline' }, history.map((row) => {
    const fields = (row.changed_fields ?? []).filter((f) => HISTORY_FIELDS.includes(f));
    const what = row.operation === 'insert'
      ? t('history.created')
      : (row.via && tMaybe(`history.via.${row.via.replace('rpc/', '')}`)) ?? t('history.updated');
    return h('li', { class: 'timeline-item' },
      h('time', { datetime: row.changed_at }, formatDateTime(row.changed_at, lang)),
      h('div', {},
        h('strong', {}, what),
        row.actor !== 'user' ? h('span', { class: 'muted' }, ` · ${t(`history.actor.${row.actor}`)}`) : null,
        row.operation === 'update' && fields.length
          ? h('ul', { class: 'changes' }, fields.map((f) => h('li', {},
            h('span', { class: 'field-name' }, tMaybe(`lead.field.${f}`) ?? f), ': ',
            h('span', { class: 'old' }, historyValue(f, row.old_values?.[f], lang)), ' → ',
            h('span', { class: 'new' }, historyValue(f, row.new_values?.[f], lang)))))
          : null));
  }));
}

function callsTable(calls, dispositionLabel, lang, api, notices) {
  if (!calls.length) return h('p', { class: 'empty' }, t('lead.noCalls'));
  const player = h('div', { class: 'recording-player' });
  async function play(call) {
    try {
      const url = await api.recordingUrl(call.id);
      if (!url) throw new Error(t('recording.none'));
      mount(player, h('audio', { controls: true, autoplay: true, src: url, 'data-test': 'recording-audio' }));
    } catch (err) {
      notices.toast(describeError(err), { level: 'error' });
    }
  }
  return h('div', {},
    h('table', { class: 'table' },
      h('thead', {}, h('tr', {},
        h('th', {}, t('calls.when')), h('th', {}, t('calls.outcome')), h('th', {}, t('calls.disposition')),
        h('th', { class: 'num' }, t('calls.talk')), h('th', {}, t('calls.notes')), h('th', {}, ''))),
      h('tbody', {}, calls.map((c) => h('tr', { 'data-test': 'call-row', 'data-call-id': c.id },
        h('td', {}, formatDateTime(c.started_at, lang)),
        h('td', {}, c.outcome
          ? h('span', { class: `badge outcome-${c.outcome}` }, tMaybe(`outcome.${c.outcome}`) ?? c.outcome)
          : h('span', { class: 'badge status-in_call' }, tMaybe(`call.status.${c.status}`) ?? c.status)),
        h('td', {}, c.disposition ? dispositionLabel(c.disposition) : '—'),
        h('td', { class: 'num' }, c.talk_seconds !== null && c.talk_seconds !== undefined ? formatDuration(c.talk_seconds) : '—'),
        h('td', { class: 'notes-cell' }, c.notes || ''),
        h('td', {}, c.recording_path
          ? h('button', { type: 'button', class: 'btn btn-small btn-light', 'data-test': 'play-recording', onclick: () => play(c) }, icon('play', { size: 14 }), t('recording.play'))
          : null))))),
    player);
}

function salesTable(sales, lang) {
  if (!sales.length) return h('p', { class: 'empty' }, t('lead.noSales'));
  return h('table', { class: 'table' },
    h('thead', {}, h('tr', {},
      h('th', {}, t('sales.when')), h('th', {}, t('sales.product')), h('th', { class: 'num' }, t('sales.premium')),
      h('th', {}, t('sales.policy')), h('th', {}, t('sales.status')))),
    h('tbody', {}, sales.map((s) => h('tr', { 'data-test': 'sale-row', 'data-sale-id': s.id, 'data-status': s.status },
      h('td', {}, formatDateTime(s.sold_at, lang)),
      h('td', {}, s.product?.name ?? '—'),
      h('td', { class: 'num' }, formatCurrency(s.premium, s.currency, lang), h('small', { class: 'muted' }, ` / ${tMaybe(`frequency.${s.payment_frequency}`) ?? s.payment_frequency}`)),
      h('td', { class: 'mono' }, s.policy_number || '—'),
      h('td', {},
        h('span', { class: `badge sale-${s.status}`, 'data-test': 'sale-status' }, tMaybe(`saleStatus.${s.status}`) ?? s.status),
        s.status_reason ? h('div', { class: 'muted small' }, s.status_reason) : null)))));
}
