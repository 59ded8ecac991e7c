// Formatting helpers: durations, phone numbers, money and dates. Pure
// functions of their arguments (Intl does the locale work), tested in
// test/format.test.ts. They take what the database and the forms give
// (null, numeric strings) and answer '' rather than throw.

/** A date as the database or a form gives it. */
export type DateInput = Date | string | number;

// The interface language picks the Intl locale; money follows the lead's country.
const INTL_LOCALE: Readonly<Record<string, string>> = { es: 'es-ES', en: 'en-GB' };

export function intlLocale(language: string): string {
  return INTL_LOCALE[language] ?? 'es-ES';
}

/** Seconds as mm:ss, or h:mm:ss from one hour on. Negative or missing is 00:00. */
export function formatDuration(totalSeconds: number | null | undefined): string {
  const s = typeof totalSeconds === 'number' && Number.isFinite(totalSeconds) && totalSeconds > 0
    ? Math.floor(totalSeconds) : 0;
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  const mm = String(minutes).padStart(2, '0');
  const ss = String(seconds).padStart(2, '0');
  return hours > 0 ? `${String(hours)}:${mm}:${ss}` : `${mm}:${ss}`;
}

/**
 * Is this an E.164 number as the database stores it (+, country code, number)?
 * A plain boolean, not `value is string`: false does not mean "not a string".
 */
export function isE164(value: unknown): boolean {
  return typeof value === 'string' && /^\+[1-9][0-9]{6,14}$/.test(value);
}

/** The currency of a lead's country: Mexico pays in pesos, Spain (and the rest) in euros. */
export function currencyForPhone(e164: string | null | undefined): 'EUR' | 'MXN' {
  return typeof e164 === 'string' && e164.startsWith('+52') ? 'MXN' : 'EUR';
}

// Each currency is written the way its own country writes it; the interface
// language only chooses between that and an English reader's form.
const CURRENCY_LOCALE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  es: { EUR: 'es-ES', MXN: 'es-MX' },
  en: { EUR: 'en-IE', MXN: 'en-US' },
};

/**
 * 1234.5 EUR -> "1234,50 €" (es) / "€1,234.50" (en); MXN -> "$1,234.50" (es) / "MX$1,234.50" (en).
 * `amount` may be a numeric string: PostgREST sends numeric columns that way.
 */
export function formatCurrency(amount: unknown, currency = 'EUR', language = 'es'): string {
  const value = Number(amount);
  if (!Number.isFinite(value)) return '';
  const locale = CURRENCY_LOCALE[language]?.[currency] ?? intlLocale(language);
  return numberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(value);
}

// Making an Intl formatter costs far more than using one, and long tables
// format thousands of cells: one formatter per locale and options, kept.
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n|${locale}|${JSON.stringify(options)}`;
  let made = formatters.get(key) as Intl.NumberFormat | undefined;
  if (!made) {
    made = new Intl.NumberFormat(locale, options);
    formatters.set(key, made);
  }
  return made;
}

function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d|${locale}|${JSON.stringify(options)}`;
  let made = formatters.get(key) as Intl.DateTimeFormat | undefined;
  if (!made) {
    made = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, made);
  }
  return made;
}

/** A plain number with the language's separators. */
export function formatNumber(value: unknown, language = 'es', fractionDigits = 0): string {
  const n = Number(value);
  if (!Number.isFinite(n)) return '';
  return numberFormat(intlLocale(language), {
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: fractionDigits,
  }).format(n);
}

/** The Date of a value, or null when it is missing or unreadable. */
function toDate(value: DateInput | null | undefined): Date | null {
  if (!value) return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A date and time; in timeZone if given (a lead's local time), else the browser's. */
export function formatDateTime(value: DateInput | null | undefined, language = 'es', timeZone?: string): string {
  const d = toDate(value);
  if (!d) return '';
  return dateFormat(intlLocale(language), {
    dateStyle: 'short',
    timeStyle: 'short',
    ...(timeZone ? { timeZone } : {}),
  }).format(d);
}

/** Only the time of day (HH:MM), in timeZone if given. */
export function formatTime(value: DateInput | null | undefined, language = 'es', timeZone?: string): string {
  const d = toDate(value);
  if (!d) return '';
  return dateFormat(intlLocale(language), {
    hour: '2-digit',
    minute: '2-digit',
    ...(timeZone ? { timeZone } : {}),
  }).format(d);
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** A date for <input type="datetime-local"> in the browser's zone: 2026-11-24T16:05. */
export function toDateTimeLocalValue(date: DateInput): string {
  const d = date instanceof Date ? date : new Date(date);
  return `${String(d.getFullYear())}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A calendar day for <input type="date"> and the report RPCs: 2026-11-24 (browser's zone). */
export function toDateValue(date: DateInput): string {
  const d = date instanceof Date ? date : new Date(date);
  return `${String(d.getFullYear())}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** "Ana María López" -> "AL": the initials of an avatar. */
export function initials(name: string | null | undefined): string {
  const parts = (name ?? '').trim().split(/\s+/).filter(Boolean);
  const first = parts[0];
  if (first === undefined) return '?';
  const last = parts.length > 1 ? parts[parts.length - 1] ?? '' : '';
  return (first.charAt(0) + last.charAt(0)).toUpperCase();
}
