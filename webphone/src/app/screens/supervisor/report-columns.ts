// How the reports read and print whatever columns a report RPC answers:
// which column labels a row, which carry numbers to chart, and each cell as
// text (durations, rates, money per currency, the sales-by-product breakdown;
// never raw JSON).

import type { i18n as I18n } from 'i18next';
import { formatCurrency, formatDateTime, formatDuration, formatNumber } from '../../../i18n/format';
import { tMaybe } from '../../i18n';

export type ReportRow = Record<string, unknown>;

const LABEL_HINTS = /(^|_)(name|full_name|agent|campaign|label|email|day|date|hour)$/;
/** Bookkeeping columns no one reads in a table. */
const HIDDEN = new Set(['id', 'refreshed_at']);

function isNumericValue(value: unknown): boolean {
  return value === null || typeof value === 'number'
    || (typeof value === 'string' && value !== '' && !Number.isNaN(Number(value)) && !/^\d{4}-\d{2}-\d{2}/.test(value));
}

/** Which column names a row set by, and which carry numbers to chart. */
export function describeColumns(rows: readonly ReportRow[]): { label: string | null; numeric: string[]; all: string[] } {
  const names = Object.keys(rows[0] ?? {});
  const shown = (n: string) => !n.endsWith('_id') && n !== 'id';
  const numeric = names.filter((n) => shown(n) && rows.every((r) => isNumericValue(r[n])));
  const text = names.filter((n) => !numeric.includes(n) && shown(n));
  const label = text.find((n) => LABEL_HINTS.test(n)) ?? text[0] ?? null;
  return { label, numeric, all: names.filter(shown) };
}

/** The columns a report table shows (no ids, no refresh stamp). */
export function tableColumns(rows: readonly ReportRow[]): string[] {
  return describeColumns(rows).all.filter((n) => !HIDDEN.has(n));
}

export function columnTitle(i18n: I18n, name: string): string {
  return tMaybe(i18n, `report.col.${name}`) ?? name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

export interface ProductSales {
  product_name?: string | null;
  product_code?: string | null;
  status?: string | null;
  currency?: string | null;
  sales?: number | string | null;
  premium?: number | string | null;
}

function isProductSales(value: unknown): value is ProductSales[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v)
    && ('product_name' in v || 'product_code' in v));
}

/** sales_by_product, one line per product: "Vida Plus: 2 Validada, 1 Pendiente". */
export function productBreakdown(i18n: I18n, items: readonly ProductSales[]): string[] {
  const byProduct = new Map<string, string[]>();
  for (const item of items) {
    const name = item.product_name || item.product_code || '—';
    const status = item.status ? (tMaybe(i18n, `saleStatus.${item.status}`) ?? item.status) : '';
    const part = `${formatNumber(Number(item.sales ?? 0), i18n.language)} ${status}`.trim();
    byProduct.set(name, [...(byProduct.get(name) ?? []), part]);
  }
  return [...byProduct].map(([name, parts]) => `${name}: ${parts.join(', ')}`);
}

/** A money amount per currency ({"EUR": 120.5}) as "120,50 €". */
function perCurrency(value: Record<string, unknown>, language: string): string {
  const entries = Object.entries(value);
  if (!entries.length) return '—';
  return entries.map(([currency, amount]) => formatCurrency(amount, currency, language)).join(' · ');
}

/** A cell as text; `name` says how a number reads (durations, rates). */
export function formatCell(i18n: I18n, name: string, value: unknown): string {
  const lang = i18n.language;
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))) {
    const n = Number(value);
    if (name === 'hour') return `${String(n).padStart(2, '0')}:00`;
    if (/seconds|duration|talk_time|_secs?$/.test(name)) return formatDuration(n);
    if (/rate|ratio|pct|percent/.test(name)) return n <= 1 ? `${formatNumber(n * 100, lang, 1)} %` : `${formatNumber(n, lang, 1)} %`;
    return formatNumber(n, lang, Number.isInteger(n) ? 0 : 2);
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) return formatDateTime(value, lang);
  if (isProductSales(value)) return value.length ? productBreakdown(i18n, value).join('; ') : '—';
  if (typeof value === 'object' && !Array.isArray(value)) return perCurrency(value as Record<string, unknown>, lang);
  if (Array.isArray(value)) return value.length ? value.map((v) => formatCell(i18n, name, v)).join(', ') : '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Whether a column holds numbers (right-aligned, chartable, sortable as numbers). */
export function isNumericColumn(rows: readonly ReportRow[], name: string): boolean {
  return rows.every((r) => isNumericValue(r[name]));
}
