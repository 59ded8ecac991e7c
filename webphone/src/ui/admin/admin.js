// Admin screens, kept minimal: users and roles, campaigns, products.
// Every change goes through RLS and the column guards of the database.

import { h, mount } from '../dom.js';
import { t, tMaybe, language } from '../../i18n/index.js';
import { formatCurrency } from '../../i18n/format';
import { describeError } from '../errors.js';

const ROLES = ['agent', 'supervisor', 'admin'];
const CAMPAIGN_STATUSES = ['draft', 'active', 'paused', 'archived'];

function page(id, title, subtitle, ...content) {
  return h('div', { class: 'page', id, 'data-test': id },
    h('header', { class: 'page-header' }, h('div', {}, h('h1', {}, title), h('p', { class: 'muted' }, subtitle))),
    ...content);
}

async function guarded(notices, action, okText) {
  try {
    await action();
    if (okText) notices.toast(okText);
    return true;
  } catch (err) {
    notices.toast(describeError(err), { level: 'error', ms: 7000 });
    return false;
  }
}

export function mountUsers(container, { ctx }) {
  const { api, notices, profile } = ctx;
  const body = h('tbody', {});
  mount(container, page('admin-users', t('admin.users.title'), t('admin.users.subtitle'),
    h('section', { class: 'card table-card' }, h('table', { class: 'table', 'data-test': 'users-table' },
      h('thead', {}, h('tr', {},
        h('th', {}, t('admin.users.name')), h('th', {}, t('admin.users.email')), h('th', {}, t('admin.users.role')),
        h('th', {}, t('admin.users.extension')), h('th', {}, t('admin.users.language')), h('th', {}, t('admin.users.active')))),
      body))));

  async function load() {
    try {
      const users = await api.listProfiles();
      mount(body, users.map((u) => {
        const self = u.id === profile.id;
        const role = h('select', {
          'data-test': 'user-role', disabled: self,
          onchange: async (e) => {
            if (!await guarded(notices, () => api.updateProfile(u.id, { role: e.target.value }), t('admin.saved'))) load();
          },
        }, ROLES.map((r) => h('option', { value: r, selected: r === u.role }, t(`role.${r}`))));
        const ext = h('input', {
          type: 'text', class: 'input-narrow', value: u.sip_extension ?? '', placeholder: '—', pattern: '[0-9]{3,6}', 'data-test': 'user-extension',
          onchange: async (e) => {
            const value = e.target.value.trim() || null;
            if (!await guarded(notices, () => api.updateProfile(u.id, { sip_extension: value }), t('admin.saved'))) load();
          },
        });
        const active = h('input', {
          type: 'checkbox', checked: u.active, disabled: self, 'data-test': 'user-active',
          onchange: async (e) => {
            if (!await guarded(notices, () => api.updateProfile(u.id, { active: e.target.checked }), t('admin.saved'))) load();
          },
        });
        return h('tr', { 'data-test': 'user-row', 'data-user-id': u.id },
          h('td', {}, u.full_name || '—'), h('td', {}, u.email), h('td', {}, role), h('td', {}, ext),
          h('td', {}, u.locale.toUpperCase()), h('td', {}, h('label', { class: 'switch' }, active, h('span', {}))));
      }));
    } catch (err) {
      mount(body, h('tr', {}, h('td', { colspan: 6, class: 'empty' }, describeError(err))));
    }
  }
  load();
  return { destroy() {} };
}

export function mountCampaigns(container, { ctx }) {
  const { api, notices } = ctx;
  const body = h('tbody', {});
  mount(container, page('admin-campaigns', t('admin.campaigns.title'), t('admin.campaigns.subtitle'),
    h('section', { class: 'card table-card' }, h('table', { class: 'table', 'data-test': 'campaigns-table' },
      h('thead', {}, h('tr', {},
        h('th', {}, t('admin.campaigns.name')), h('th', {}, t('admin.campaigns.status')), h('th', {}, t('admin.campaigns.hours')),
        h('th', { class: 'num' }, t('admin.campaigns.maxAttempts')), h('th', {}, t('admin.campaigns.recording')),
        h('th', { class: 'num' }, t('admin.campaigns.retention')))),
      body))));

  async function load() {
    try {
      const campaigns = await api.listCampaigns();
      mount(body, campaigns.map((c) => h('tr', { 'data-test': 'campaign-row', 'data-campaign-id': c.id },
        h('td', {}, h('strong', {}, c.name), c.description ? h('div', { class: 'muted small' }, c.description) : null),
        h('td', {}, h('select', {
          'data-test': 'campaign-status',
          onchange: async (e) => {
            if (!await guarded(notices, () => api.updateCampaignStatus(c.id, e.target.value), t('admin.saved'))) load();
          },
        }, CAMPAIGN_STATUSES.map((s) => h('option', { value: s, selected: s === c.status }, tMaybe(`campaignStatus.${s}`) ?? s)))),
        h('td', {}, `${String(c.calling_hours_start).slice(0, 5)}–${String(c.calling_hours_end).slice(0, 5)}`,
          h('div', { class: 'muted small' }, (c.calling_days ?? []).map((d) => t(`weekday.${d}`)).join(' '))),
        h('td', { class: 'num' }, String(c.max_attempts)),
        h('td', {}, c.recording_enabled ? t('common.yes') : t('common.no'),
          c.recording_notice ? h('div', { class: 'muted small clamp' }, c.recording_notice) : null),
        h('td', { class: 'num', 'data-test': 'campaign-retention' },
          c.recording_retention_days ? t('admin.campaigns.retentionDays', { days: c.recording_retention_days }) : '—'))));
    } catch (err) {
      mount(body, h('tr', {}, h('td', { colspan: 6, class: 'empty' }, describeError(err))));
    }
  }
  load();
  return { destroy() {} };
}

export function mountProducts(container, { ctx }) {
  const { api, notices } = ctx;
  const body = h('tbody', {});
  mount(container, page('admin-products', t('admin.products.title'), t('admin.products.subtitle'),
    h('section', { class: 'card table-card' }, h('table', { class: 'table', 'data-test': 'products-table' },
      h('thead', {}, h('tr', {},
        h('th', {}, t('admin.products.code')), h('th', {}, t('admin.products.name')), h('th', {}, t('admin.products.line')),
        h('th', { class: 'num' }, t('admin.products.premium')), h('th', { class: 'num' }, t('admin.products.coverage')), h('th', {}, t('admin.products.active')))),
      body))));

  async function load() {
    const lang = language();
    try {
      const products = await api.listProducts({ includeInactive: true });
      mount(body, products.map((p) => h('tr', { 'data-test': 'product-row', 'data-product-id': p.id },
        h('td', { class: 'mono' }, p.code),
        h('td', {}, h('strong', {}, p.name), p.coverage_summary ? h('div', { class: 'muted small' }, p.coverage_summary) : null),
        h('td', {}, tMaybe(`line.${p.insurance_line}`) ?? p.insurance_line),
        h('td', { class: 'num' }, formatCurrency(p.premium, p.currency, lang), h('div', { class: 'muted small' }, tMaybe(`frequency.${p.payment_frequency}`) ?? p.payment_frequency)),
        h('td', { class: 'num' }, p.coverage_amount ? formatCurrency(p.coverage_amount, p.currency, lang) : '—'),
        h('td', {}, h('label', { class: 'switch' }, h('input', {
          type: 'checkbox', checked: p.active, 'data-test': 'product-active',
          onchange: async (e) => {
            if (!await guarded(notices, () => api.setProductActive(p.id, e.target.checked), t('admin.saved'))) load();
          },
        }), h('span', {}))))));
    } catch (err) {
      mount(body, h('tr', {}, h('td', { colspan: 6, class: 'empty' }, describeError(err))));
    }
  }
  load();
  return { destroy() {} };
}
