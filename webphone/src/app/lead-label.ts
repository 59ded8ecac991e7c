// How a lead is named on screen: its name, or "personal data erased" for a
// lead erased on request; its phone in international format for reading;
// the colour of its status badge.

import type { TFunction } from 'i18next';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { isErasedLead } from '../desk/erased';

interface Named {
  first_name?: string | null;
  last_name?: string | null;
  status?: string | null;
}

export function leadName(t: TFunction, lead: Named | null | undefined): string {
  if (!lead) return '';
  if (isErasedLead(lead)) return t('lead.erased');
  return `${lead.first_name ?? ''} ${lead.last_name ?? ''}`.trim();
}

/** An E.164 number as people read it (+34 612 34 56 78); anything else as it is. */
export function formatPhone(phone: string | null | undefined): string {
  if (!phone) return '';
  const parsed = parsePhoneNumberFromString(phone);
  return parsed?.isValid() ? parsed.formatInternational() : phone;
}

/** The lead's phone for reading, or '' (an erased lead has none). */
export function leadPhone(lead: { phone?: string | null } | null | undefined): string {
  return formatPhone(lead?.phone);
}

/**
 * A phone as typed (national or international) as E.164, or null when it is
 * not a valid number: national numbers are read in `region` (the campaign's
 * country), as the import does.
 */
export function toE164(input: string | null | undefined, region = 'ES'): string | null {
  const text = (input ?? '').trim();
  if (!text) return null;
  const compact = text.replace(/[^\d+]/g, '');
  const parsed = parsePhoneNumberFromString(compact.startsWith('00') ? `+${compact.slice(2)}` : text,
    /^[A-Z]{2}$/.test(region) ? region as CountryCode : 'ES');
  return parsed?.isValid() ? parsed.number : null;
}

/** The colour of a lead status badge. */
export function statusTone(status: string | null | undefined): string {
  switch (status) {
    case 'won': return 'bg-emerald-100 text-emerald-800';
    case 'in_call': return 'bg-sky-100 text-sky-800';
    case 'callback': return 'bg-amber-100 text-amber-900';
    case 'lost': case 'invalid': case 'do_not_call': case 'exhausted': return 'bg-red-100 text-red-800';
    case 'erased': return 'bg-slate-200 text-slate-700';
    default: return 'bg-slate-100 text-slate-700';
  }
}
