// The lead card: who the agent is calling (contact data, local time, consent,
// attempts), and the lead's history, past calls and sales in tabs.

import { h, icon } from '../dom.js';
import { t, tMaybe, language } from '../../i18n/index.js';
import {
  formatPhone, formatDateTime, formatTime, formatDuration, formatCurrency, initials,
} from '../../i18n/format';
import { leadName, isErasedLead } from '../lead-label.js';
import { createRecordingPlayer, recordingCell } from '../recordings.js';

export { leadName };

const HISTORY_FIELDS = ['status', 'attempts', 'owner_id', 'next_call_at', 'phone', 'alternate_phones', 'email', 'first_name', 'last_name', 'city', 'notes', 'consent_contact', 'consent_recording'];

/**
 * One lead_history row as the timeline shows it: created, updated (the
 * changed fields with old and new values; old_values may be null) or erased
 * (rpc/erase_lead: only the names of the erased fields, never values).
 */
export function historyEntry(row) {
  const via = row.via ? row.via.replace(/^rpc\//, '') : null;
  if (row.operation === 'insert') return { kind: 'created', via, fields: [], changes: [] };
  const changed = row.changed_fields ?? [];
  if (via === 'erase_lead') return { kind: 'erased', via, fields: changed, changes: [] };
  const fields = changed.filter((f) => HISTORY_FIELDS.includes(f));
  const hasOld = row.old_values !== null && row.old_values !== undefined;
  return {
    kind: 'updated',
    via,
    fields,
    changes: fields.map((f) => ({ field: f, hasOld, old: row.old_values?.[f], new: row.new_values?.[f] })),
  };
}

/**
 * @param {{lead: object, details: {history: object[], calls: object[], sales: object[], loading: boolean},
 *          dispositions: object[], tab: string, onTab: (tab: string) => void, api: object,
 *          allowListen?: boolean}} props
 *   allowListen: whether this user may ask for the recordings (an agent only where the campaign allows it)
 */
export function leadCard({ lead, details, dispositions, tab, onTab, api, allowListen = true }) {
  const lang = language();
  const campaign = lead.campaign;
  const erased = isErasedLead(lead);
  const localNow = formatTime(new Date(), lang, lead.time_zone);
  const dispositionLabel = (code) => {
    const d = dispositions.find((x) => x.code === code);
    return d ? (lang === 'en' ? d.label_en : d.label_es) : code;
  };

  const contact = erased ? [
    [t('lead.attempts'), String(lead.attempts ?? 0)],
    [t('lead.lastCalled'), lead.last_called_at ? formatDateTime(lead.last_called_at, lang) : t('lead.never')],
  ] : [
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

  const custom = erased ? [] : Object.entries(lead.custom ?? {});

  const tabs = [
    ['history', t('lead.tab.history'), details.history.length],
    ['calls', t('lead.tab.calls'), details.calls.length],
    ['sales', t('lead.tab.sales'), details.sales.length],
  ];

  let body;
  if (tab === 'calls') body = callsTable(details.calls, dispositionLabel, lang, api, allowListen);
  else if (tab === 'sales') body = salesTable(details.sales, lang);
  else body = historyList(details.history, lang);

  return h('article', { class: 'card lead-card', id: 'lead-card', 'data-test': 'lead-card', 'data-lead-id': lead.id },
    h('header', { class: 'lead-head' },
      h('div', { class: { avatar: true, 'avatar-erased': erased }, 'aria-hidden': 'true' }, erased ? icon('user', { size: 20 }) : initials(leadName(lead))),
      h('div', { class: 'lead-title' },
        h('h2', { 'data-test': 'lead-name', class: { 'erased-name': erased } }, leadName(lead)),
        h('div', { class: 'lead-sub' },
          h('span', { class: `badge status-${lead.status}`, 'data-test': 'lead-status', 'data-status': lead.status }, tMaybe(`leadStatus.${lead.status}`) ?? lead.status),
          campaign ? h('span', { class: 'muted' }, campaign.name) : null)),
      erased ? null : h('div', { class: 'lead-phone-big' }, icon('phone', { size: 18 }), formatPhone(lead.phone))),
    erased ? h('p', { class: 'note note-info erased-note', 'data-test': 'lead-erased', role: 'note' },
      t('lead.erasedNote', { when: formatDateTime(lead.erased_at, lang) || '—' })) : null,
    h('dl', { class: 'contact-grid' }, contact.map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)])),
    erased ? null : h('div', { class: 'chips' }, consentChips),
    custom.length ? h('dl', { class: 'contact-grid custom-fields' }, custom.map(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'object' ? JSON.stringify(v) : String(v))])) : null,
    !erased && lead.notes ? h('p', { class: 'lead-notes' }, icon('info', { size: 16 }), ' ', lead.notes) : null,
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
    const entry = historyEntry(row);
    const what = entry.kind === 'created'
      ? t('history.created')
      : (entry.via && tMaybe(`history.via.${entry.via}`)) ?? t('history.updated');
    const actor = row.actor && row.actor !== 'user' ? tMaybe(`history.actor.${row.actor}`) ?? row.actor : null;
    let detail = null;
    if (entry.kind === 'erased') {
      detail = h('p', { class: 'muted small', 'data-test': 'history-erased' }, t('history.erasedFields', {
        fields: entry.fields.map((f) => tMaybe(`lead.field.${f}`) ?? f).join(', ') || '—',
      }));
    } else if (entry.changes.length) {
      detail = h('ul', { class: 'changes' }, entry.changes.map((c) => h('li', {},
        h('span', { class: 'field-name' }, tMaybe(`lead.field.${c.field}`) ?? c.field), ': ',
        c.hasOld ? [h('span', { class: 'old' }, historyValue(c.field, c.old, lang)), ' → '] : null,
        h('span', { class: 'new' }, historyValue(c.field, c.new, lang)))));
    }
    return h('li', { class: 'timeline-item', 'data-test': 'history-row', 'data-kind': entry.kind },
      h('time', { datetime: row.changed_at }, formatDateTime(row.changed_at, lang)),
      h('div', {},
        h('strong', {}, what),
        actor ? h('span', { class: 'muted' }, ` · ${actor}`) : null,
        detail));
  }));
}

function callsTable(calls, dispositionLabel, lang, api, allowListen) {
  if (!calls.length) return h('p', { class: 'empty' }, t('lead.noCalls'));
  const player = createRecordingPlayer({ api });
  return h('div', {},
    h('table', { class: 'table' },
      h('thead', {}, h('tr', {},
        h('th', {}, t('calls.when')), h('th', {}, t('calls.outcome')), h('th', {}, t('calls.disposition')),
        h('th', { class: 'num' }, t('calls.talk')), h('th', {}, t('calls.notes')), h('th', {}, t('calls.recording')))),
      h('tbody', {}, calls.map((c) => h('tr', { 'data-test': 'call-row', 'data-call-id': c.id },
        h('td', {}, formatDateTime(c.started_at, lang)),
        h('td', {}, c.outcome
          ? h('span', { class: `badge outcome-${c.outcome}` }, tMaybe(`outcome.${c.outcome}`) ?? c.outcome)
          : h('span', { class: 'badge status-in_call' }, tMaybe(`call.status.${c.status}`) ?? c.status)),
        h('td', {}, c.disposition ? dispositionLabel(c.disposition) : '—'),
        h('td', { class: 'num' }, c.talk_seconds !== null && c.talk_seconds !== undefined ? formatDuration(c.talk_seconds) : '—'),
        h('td', { class: 'notes-cell' }, c.notes || ''),
        recordingCell(c, player, { allowListen }))))),
    player.el);
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
