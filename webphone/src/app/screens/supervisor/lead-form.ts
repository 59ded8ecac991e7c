// The lead page's form: what it shows, how it is checked (zod; phones through
// libphonenumber-js in the campaign's country, as the import reads them) and
// what it sends. Pure, tested in test/leads-logic.test.ts.

import { z } from 'zod';
import type { Json } from '../../../types/database';
import type { LeadPatch } from '../../../data/leads';
import { toE164 } from '../../lead-label';

/** A campaign's custom field (campaigns.lead_fields, H6's migration). */
export interface CustomFieldDef { key: string; label: string; type: 'text' | 'number' | 'date' | 'boolean'; required: boolean }

/**
 * campaigns.lead_fields read, not trusted; [] while the column does not exist
 * (before the migration that adds it) or holds something else.
 */
export function customFieldDefs(campaign: unknown): CustomFieldDef[] {
  if (typeof campaign !== 'object' || campaign === null) return [];
  const raw = (campaign as Record<string, unknown>).lead_fields;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((item) => {
    if (typeof item !== 'object' || item === null) return [];
    const f = item as Record<string, unknown>;
    if (typeof f.key !== 'string' || !f.key) return [];
    const type = f.type === 'number' || f.type === 'date' || f.type === 'boolean' ? f.type : 'text';
    return [{ key: f.key, label: typeof f.label === 'string' && f.label ? f.label : f.key, type, required: f.required === true }];
  });
}

/** The custom fields to show: the campaign's definitions first, then any other key the lead holds, as it is. */
export function customFieldsOf(defs: readonly CustomFieldDef[], custom: unknown): CustomFieldDef[] {
  const values = typeof custom === 'object' && custom !== null && !Array.isArray(custom) ? Object.keys(custom) : [];
  const known = new Set(defs.map((d) => d.key));
  return [...defs, ...values.filter((k) => !known.has(k)).map((k) => ({ key: k, label: k, type: 'text' as const, required: false }))];
}

export const leadFormSchema = (region: string, defs: readonly CustomFieldDef[]) => z.object({
  first_name: z.string().trim().min(1, 'required').max(200),
  last_name: z.string().trim().max(200),
  phone: z.string().trim().min(1, 'required').refine((v) => toE164(v, region) !== null, 'phone'),
  alternate_phones: z.string().refine((v) => splitPhones(v).every((p) => toE164(p, region) !== null), 'phone')
    .refine((v) => splitPhones(v).length <= 10, 'tooMany'),
  email: z.string().trim().max(320).refine((v) => v === '' || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v), 'email'),
  birth_date: z.string().refine((v) => v === '' || (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v))), 'date'),
  address_line: z.string().trim().max(500),
  city: z.string().trim().max(200),
  region: z.string().trim().max(200),
  postal_code: z.string().trim().max(20),
  notes: z.string().max(4000),
  source: z.string().trim().max(200),
  external_ref: z.string().trim().max(200),
  consent_contact: z.boolean(),
  consent_marketing: z.boolean(),
  custom: z.record(z.string(), z.string()).superRefine((values, ctx) => {
    for (const d of defs) {
      const v = (values[d.key] ?? '').trim();
      if (d.required && v === '') ctx.addIssue({ code: 'custom', path: [d.key], message: 'required' });
      else if (v && d.type === 'number' && !Number.isFinite(Number(v))) ctx.addIssue({ code: 'custom', path: [d.key], message: 'number' });
      else if (v && d.type === 'date' && Number.isNaN(Date.parse(v))) ctx.addIssue({ code: 'custom', path: [d.key], message: 'date' });
    }
  }),
});

export type LeadFormValues = z.infer<ReturnType<typeof leadFormSchema>>;

export function splitPhones(text: string): string[] {
  return text.split(/[,;\n]/).map((p) => p.trim()).filter(Boolean);
}

interface LeadLike {
  first_name: string; last_name: string; phone: string | null; alternate_phones: string[]; email: string | null;
  birth_date: string | null; address_line: string; city: string; region: string; postal_code: string; notes: string;
  source: string; external_ref: string | null; consent_contact: boolean; consent_marketing: boolean; custom: Json;
}

function customText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The lead as the form starts. */
export function formValuesOf(lead: LeadLike, fields: readonly CustomFieldDef[]): LeadFormValues {
  const custom = typeof lead.custom === 'object' && lead.custom !== null && !Array.isArray(lead.custom) ? lead.custom : {};
  return {
    first_name: lead.first_name, last_name: lead.last_name, phone: lead.phone ?? '', alternate_phones: lead.alternate_phones.join(', '),
    email: lead.email ?? '', birth_date: lead.birth_date ?? '', address_line: lead.address_line, city: lead.city, region: lead.region,
    postal_code: lead.postal_code, notes: lead.notes, source: lead.source, external_ref: lead.external_ref ?? '',
    consent_contact: lead.consent_contact, consent_marketing: lead.consent_marketing,
    custom: Object.fromEntries(fields.map((f) => [f.key, customText(custom[f.key])])),
  };
}

/** The checked form as the update: phones as E.164, empty optional fields as null, custom values typed. */
export function patchOf(values: LeadFormValues, region: string, defs: readonly CustomFieldDef[], held: Json): LeadPatch {
  const before = typeof held === 'object' && held !== null && !Array.isArray(held) ? held : {};
  const edited = new Map(Object.entries(values.custom).map(([key, raw]) => [key, raw.trim()]));
  // Keys the form does not show are kept; a field emptied is removed.
  const custom: { [key: string]: Json | undefined } = Object.fromEntries(Object.entries(before).filter(([key]) => !edited.has(key)));
  for (const [key, v] of edited) {
    if (v === '') continue;
    const def = defs.find((d) => d.key === key);
    custom[key] = def?.type === 'number' ? Number(v) : def?.type === 'boolean' ? v === 'true' : v;
  }
  return {
    first_name: values.first_name.trim(),
    last_name: values.last_name.trim(),
    phone: toE164(values.phone, region),
    alternate_phones: splitPhones(values.alternate_phones).map((p) => toE164(p, region) ?? p),
    email: values.email.trim() || null,
    birth_date: values.birth_date || null,
    address_line: values.address_line.trim(),
    city: values.city.trim(),
    region: values.region.trim(),
    postal_code: values.postal_code.trim(),
    notes: values.notes,
    source: values.source.trim(),
    external_ref: values.external_ref.trim() || null,
    consent_contact: values.consent_contact,
    consent_marketing: values.consent_marketing,
    custom,
  };
}
