// Reports: agent performance, campaign statistics and the daily summary,
// each as a chart and a table. The report RPCs belong to the reporting
// issue; until they exist each panel says so instead of failing. Columns are
// read from whatever the RPC answers, so new figures show without a change here.

import { h, icon, mount } from '../dom.js';
import { t, tMaybe, language } from '../../i18n/index.js';
import { formatNumber, formatDuration, formatDateTime, toDateValue } from '../../i18n/format';
import { barChart, columnChart } from '../chart.js';
import { describeError } from '../errors.js';

const LABEL_HINTS = /(^|_)(name|full_name|agent|campaign|label|email|day|date|hour)$/;

/** Which column names a row set by, and which carry numbers to chart. */
export function describeColumns(rows) {
  const first = rows[0] ?? {};
  const names = Object.keys(first);
  const isNumeric = (name) => rows.every((r) => r[name] === null || typeof r[name] === 'number'
    || (typeof r[name] === 'string' && r[name] !== '' && !Number.isNaN(Number(r[name])) && !/^\d{4}-\d{2}-\d{2}/.test(r[name])));
  const numeric = names.filter((n) => !n.endsWith('_id') && n !== 'id' && isNumeric(n));
  const text = names.filter((n) => !numeric.includes(n) && !n.endsWith('_id') && n !== 'id');
  const label = text.find((n) => LABEL_HINTS.test(n)) ?? text[0] ?? null;
  return { label, numeric, all: names.filter((n) => !n.endsWith('_id') && n !== 'id') };
}

function columnTitle(name) {
  return tMaybe(`report.col.${name}`) ?? name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

function formatCell(name, value, lang) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))) {
    const n = Number(value);
    if (/seconds|duration|talk_time|_secs?$/.test(name)) return formatDuration(n);
    if (/rate|ratio|pct|percent/.test(name)) return n <= 1 ? `${formatNumber(n * 100, lang, 1)} %` : `${formatNumber(n, lang, 1)} %`;
    return formatNumber(n, lang, Number.isInteger(n) ? 0 : 2);
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) return formatDateTime(value, lang);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function mountReports(container, { ctx }) {
  const { api } = ctx;
  const today = new Date();
  const weekAgo = new Date(Date.now() - 6 * 86400_000);
  const from = h('input', { type: 'date', id: 'report-from', 'data-test': 'report-from', value: toDateValue(weekAgo) });
  const to = h('input', { type: 'date', id: 'report-to', 'data-test': 'report-to', value: toDateValue(today) });
  const day = h('input', { type: 'date', id: 'report-day', 'data-test': 'report-day', value: toDateValue(today) });

  const panels = {
    agents: panel('agents', t('report.agentPerformance'), () => api.reportAgentPerformance(from.value, to.value), 'bars'),
    campaigns: panel('campaigns', t('report.campaignStats'), () => api.reportCampaignStats(from.value, to.value), 'bars'),
    daily: panel('daily', t('report.dailySummary'), () => api.reportDailySummary(day.value), 'summary'),
  };

  mount(container, h('div', { class: 'page', id: 'reports', 'data-test': 'reports-screen' },
    h('header', { class: 'page-header' },
      h('div', {}, h('h1', {}, t('report.title')), h('p', { class: 'muted' }, t('report.subtitle'))),
      h('form', {
        class: 'report-filters', onsubmit: (e) => { e.preventDefault(); loadAll(); },
      },
      h('label', { class: 'field compact' }, h('span', {}, t('report.from')), from),
      h('label', { class: 'field compact' }, h('span', {}, t('report.to')), to),
      h('label', { class: 'field compact' }, h('span', {}, t('report.day')), day),
      h('button', { class: 'btn btn-primary', type: 'submit', 'data-test': 'report-run' }, icon('refresh', { size: 16 }), t('report.run')))),
    panels.agents.el,
    h('div', { class: 'two-col' }, panels.campaigns.el, panels.daily.el)));

  function panel(key, title, fetchRows, kind) {
    let metric = null;
    const body = h('div', { class: 'report-body', 'data-test': `report-${key}-body` });
    const metricSelect = h('select', { class: 'metric-select', 'data-test': `report-${key}-metric`, hidden: true, 'aria-label': t('report.metric') });
    const el = h('section', { class: 'card report-card', id: `report-${key}`, 'data-test': `report-${key}` },
      h('header', { class: 'card-header' }, h('h2', {}, title), metricSelect),
      body);
    let rows = [];

    function draw() {
      const lang = language();
      const cols = describeColumns(rows);
      if (!rows.length) {
        mount(body, h('p', { class: 'empty' }, t('report.noData')));
        metricSelect.hidden = true;
        return;
      }
      if (!metric || !cols.numeric.includes(metric)) metric = cols.numeric[0] ?? null;
      metricSelect.hidden = kind === 'summary' && rows.length === 1;
      mount(metricSelect, cols.numeric.map((n) => h('option', { value: n, selected: n === metric }, columnTitle(n))));
      metricSelect.onchange = () => { metric = metricSelect.value; draw(); };
      const fmt = (v) => formatCell(metric ?? '', v, lang);
      let chart = null;
      if (kind === 'summary' && rows.length === 1) {
        chart = h('div', { class: 'kpi-grid' }, cols.numeric.map((n) => h('div', { class: 'kpi' },
          h('span', { class: 'kpi-value' }, formatCell(n, rows[0][n], lang)), h('span', { class: 'kpi-label' }, columnTitle(n)))));
      } else if (metric) {
        const items = rows.map((r) => ({ label: cols.label ? formatCell(cols.label, r[cols.label], lang) : '', value: Number(r[metric]) || 0 }));
        chart = kind === 'summary' ? columnChart(items, { format: fmt, title: columnTitle(metric) }) : barChart(items, { format: fmt, title: columnTitle(metric) });
      }
      const table = h('div', { class: 'table-scroll' }, h('table', { class: 'table compact' },
        h('thead', {}, h('tr', {}, cols.all.map((n) => h('th', { class: { num: cols.numeric.includes(n) } }, columnTitle(n))))),
        h('tbody', {}, rows.map((r) => h('tr', {}, cols.all.map((n) => h('td', { class: { num: cols.numeric.includes(n) } }, formatCell(n, r[n], lang))))))));
      mount(body, chart, kind === 'summary' && rows.length === 1 ? null : table);
    }

    async function load() {
      mount(body, h('p', { class: 'muted' }, t('common.loading')));
      try {
        const data = await fetchRows();
        rows = Array.isArray(data) ? data : data ? [data] : [];
        draw();
      } catch (err) {
        metricSelect.hidden = true;
        if (err.kind === 'not_available') {
          mount(body, h('div', { class: 'unavailable', 'data-test': 'report-unavailable' },
            icon('info', { size: 22 }), h('div', {}, h('strong', {}, t('report.unavailableTitle')), h('p', { class: 'muted' }, t('report.unavailableText')))));
        } else {
          mount(body, h('p', { class: 'form-error' }, describeError(err)));
        }
      }
    }
    return { el, load };
  }

  function loadAll() {
    Object.values(panels).forEach((p) => p.load());
  }

  loadAll();
  return { destroy() {} };
}
