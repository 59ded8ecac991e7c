// The campaign editor's form: its zod schema (messages are i18n keys that
// name the field), and the conversions between the form's values and the
// campaigns row (retry delays as "1h, 4h, 1d", abandon rates in percent,
// the caller id to E.164 through libphonenumber-js). Pure, unit-tested.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import type { Database, Json } from '../../../types/database';

type CampaignsTable = Database['public']['Tables']['campaigns'];
export type CampaignStatus = NonNullable<CampaignsTable['Row']['status']>;
export type DialMode = NonNullable<CampaignsTable['Row']['dial_mode']>;
export const CAMPAIGN_STATUSES: readonly CampaignStatus[] = ['draft', 'active', 'paused', 'archived'];
export const DIAL_MODES: readonly DialMode[] = ['preview', 'progressive', 'predictive'];
export const LEAD_FIELD_TYPES = ['text', 'number', 'date', 'boolean'] as const;
export type LeadFieldType = (typeof LEAD_FIELD_TYPES)[number];
export const LEAD_FIELD_KEY = /^[a-z][a-z0-9_]{0,39}$/;

export interface LeadField {
  key: string;
  label: string;
  type: LeadFieldType;
  required: boolean;
}

// ---------------------------------------------------------------------------
// Retry delays: PostgreSQL intervals <-> "1h, 4h, 1d" (minutes m, hours h, days d)
// ---------------------------------------------------------------------------

const UNIT_MINUTES = { m: 1, h: 60, d: 1440 } as const;

/** An interval as PostgREST sends it ("01:00:00", "1 day", "2 days 04:30:00", "00:30:00") in minutes; null if unreadable. */
export function intervalToMinutes(value: string): number | null {
  const m = /^\s*(?:(-?\d+) days?)?\s*(?:(-?\d+):(\d{2}):(\d{2}(?:\.\d+)?))?\s*$/.exec(value);
  if (!m || (m[1] === undefined && m[2] === undefined)) return null;
  const days = Number(m[1] ?? 0);
  const hours = Number(m[2] ?? 0);
  const minutes = Number(m[3] ?? 0);
  const seconds = Number(m[4] ?? 0);
  return days * 1440 + hours * 60 + minutes + seconds / 60;
}

/** Minutes in the largest unit that divides them: 1440 → "1d", 90 → "90m", 240 → "4h". */
export function formatDuration(minutes: number): string {
  if (minutes > 0 && minutes % 1440 === 0) return `${String(minutes / 1440)}d`;
  if (minutes > 0 && minutes % 60 === 0) return `${String(minutes / 60)}h`;
  return `${String(Math.round(minutes))}m`;
}

/** "1h, 4h, 1d" → [60, 240, 1440]; null when a part is not a positive number with a unit m/h/d. */
export function parseDurations(text: string): number[] | null {
  const parts = text.split(/[,;\s]+/).filter(Boolean);
  if (!parts.length) return null;
  const out: number[] = [];
  for (const part of parts) {
    const m = /^(\d+(?:[.,]\d+)?)([mhd])$/i.exec(part);
    if (!m?.[1] || !m[2]) return null;
    const minutes = Number(m[1].replace(',', '.')) * UNIT_MINUTES[m[2].toLowerCase() as keyof typeof UNIT_MINUTES];
    if (!(minutes >= 1) || !Number.isInteger(minutes)) return null;
    out.push(minutes);
  }
  return out;
}

export const retryDelaysText = (intervals: readonly string[]) =>
  intervals.map((i) => { const m = intervalToMinutes(i); return m === null ? i : formatDuration(m); }).join(', ');

// ---------------------------------------------------------------------------
// Caller id
// ---------------------------------------------------------------------------

/** A caller id as typed ("912 345 678", "+34 912..."), in E.164 for `country`; null when not a valid number. */
export function callerIdE164(text: string, country: string): string | null {
  const typed = text.trim();
  if (!typed) return null;
  const parsed = parsePhoneNumberFromString(typed.replace(/^00/, '+'), country.toUpperCase() as CountryCode);
  return parsed?.isValid() ? parsed.number : null;
}

// ---------------------------------------------------------------------------
// The form
// ---------------------------------------------------------------------------

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const intIn = (min: number, max: number, key: string) => z.string().trim()
  .refine((v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max, key);
const numIn = (min: number, max: number, key: string) => z.string().trim()
  .refine((v) => v !== '' && Number.isFinite(Number(v.replace(',', '.'))) && Number(v.replace(',', '.')) >= min
    && Number(v.replace(',', '.')) <= max, key);

export const leadFieldSchema = z.object({
  key: z.string().trim().regex(LEAD_FIELD_KEY, 'backoffice.campaign.error.fieldKey'),
  label: z.string().trim().min(1, 'backoffice.campaign.error.fieldLabel').max(200, 'backoffice.campaign.error.fieldLabel'),
  type: z.enum(LEAD_FIELD_TYPES),
  required: z.boolean(),
});

export const campaignSchema = z.object({
  name: z.string().trim().min(1, 'backoffice.campaign.error.name').max(200, 'backoffice.campaign.error.name'),
  description: z.string().max(4000, 'backoffice.campaign.error.description'),
  status: z.enum(CAMPAIGN_STATUSES as [CampaignStatus, ...CampaignStatus[]]),
  callingDays: z.array(z.string().regex(/^[1-7]$/)).min(1, 'backoffice.campaign.error.callingDays'),
  hoursStart: z.string().regex(TIME, 'backoffice.campaign.error.hours'),
  hoursEnd: z.string().regex(TIME, 'backoffice.campaign.error.hours'),
  timeZone: z.string().min(1, 'backoffice.campaign.error.timeZone'),
  countryCode: z.string().regex(/^[A-Z]{2}$/, 'backoffice.campaign.error.country'),
  maxAttempts: intIn(1, 50, 'backoffice.campaign.error.maxAttempts'),
  retryDelays: z.string().refine((v) => { const d = parseDurations(v); return d !== null && d.length <= 20; }, 'backoffice.campaign.error.retryDelays'),
  callerId: z.string(),
  allowedDispositions: z.array(z.string()).min(1, 'backoffice.campaign.error.dispositions'),
  recordingEnabled: z.boolean(),
  recordingConsentRequired: z.boolean(),
  recordingNotice: z.string().max(4000, 'backoffice.campaign.error.recordingNotice'),
  agentsListenOwn: z.boolean(),
  retentionDays: intIn(1, 3650, 'backoffice.campaign.error.retention'),
  leadFields: z.array(leadFieldSchema).max(50, 'backoffice.campaign.error.fieldCount'),
  dialMode: z.enum(DIAL_MODES as [DialMode, ...DialMode[]]),
  abandonTargetPct: numIn(0, 3, 'backoffice.campaign.error.abandonTarget'),
  abandonCapPct: numIn(0.1, 3, 'backoffice.campaign.error.abandonCap'),
  maxLinesPerAgent: numIn(1, 10, 'backoffice.campaign.error.maxLines'),
  predictiveMinAgents: intIn(1, 1000, 'backoffice.campaign.error.minAgents'),
  amdEnabled: z.boolean(),
  abandonMessage: z.string().max(4000, 'backoffice.campaign.error.abandonMessage'),
  abandonLockoutHours: intIn(0, 720, 'backoffice.campaign.error.lockout'),
  // The share of "machine" verdicts that were people (counted as abandoned): 0 to 50 %.
  amdFalsePositivePct: numIn(0, 50, 'backoffice.campaign.error.amdFalsePositive'),
  // A lead's phone rings at least 15 s before the dialer gives up (and at most a minute).
  ringTimeoutS: intIn(15, 60, 'backoffice.campaign.error.ringTimeout'),
}).superRefine((v, ctx) => {
  if (TIME.test(v.hoursStart) && TIME.test(v.hoursEnd) && v.hoursStart >= v.hoursEnd) {
    ctx.addIssue({ code: 'custom', path: ['hoursEnd'], message: 'backoffice.campaign.error.hoursOrder' });
  }
  if (v.callerId.trim() && callerIdE164(v.callerId, v.countryCode) === null) {
    ctx.addIssue({ code: 'custom', path: ['callerId'], message: 'backoffice.campaign.error.callerId' });
  }
  const target = Number(v.abandonTargetPct.replace(',', '.'));
  const cap = Number(v.abandonCapPct.replace(',', '.'));
  if (Number.isFinite(target) && Number.isFinite(cap) && target >= cap) {
    ctx.addIssue({ code: 'custom', path: ['abandonTargetPct'], message: 'backoffice.campaign.error.abandonOrder' });
  }
  const seen = new Set<string>();
  v.leadFields.forEach((f, i) => {
    if (seen.has(f.key)) ctx.addIssue({ code: 'custom', path: ['leadFields', i, 'key'], message: 'backoffice.campaign.error.fieldDuplicate' });
    seen.add(f.key);
  });
});

export type CampaignForm = z.input<typeof campaignSchema>;

/** The columns the editor reads and writes. */
export interface CampaignSettings {
  name: string;
  description: string;
  status: CampaignStatus;
  calling_days: number[];
  calling_hours_start: string;
  calling_hours_end: string;
  default_time_zone: string;
  country_code: string;
  max_attempts: number;
  retry_delays: string[];
  caller_id: string | null;
  allowed_dispositions: string[];
  recording_enabled: boolean;
  recording_consent_required: boolean;
  recording_notice: string;
  agents_can_listen_own_recordings: boolean;
  recording_retention_days: number;
  lead_fields: Json;
  dial_mode: DialMode;
  abandon_target: number;
  abandon_cap: number;
  max_lines_per_agent: number;
  predictive_min_agents: number;
  amd_enabled: boolean;
  abandon_message: string;
  abandon_lockout_hours: number;
  amd_false_positive_rate: number;
  ring_timeout_s: number;
}

/** Percent with at most 1 decimal from a fraction (0.025 → "2.5"). */
const pct = (fraction: number) => String(Math.round(fraction * 1000) / 10);

function asLeadFields(value: unknown): LeadField[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((f: unknown) => {
    if (typeof f !== 'object' || f === null) return [];
    const o = f as Record<string, unknown>;
    const type = LEAD_FIELD_TYPES.find((t) => t === o.type) ?? 'text';
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    return [{ key: text(o.key), label: text(o.label), type, required: o.required === true }];
  });
}

export const NEW_CAMPAIGN: CampaignForm = {
  name: '', description: '', status: 'draft', callingDays: ['1', '2', '3', '4', '5'], hoursStart: '09:00', hoursEnd: '21:00',
  timeZone: 'Europe/Madrid', countryCode: 'ES', maxAttempts: '6', retryDelays: '1h, 4h, 1d', callerId: '',
  allowedDispositions: [], recordingEnabled: true, recordingConsentRequired: true, recordingNotice: '',
  agentsListenOwn: false, retentionDays: '90', leadFields: [], dialMode: 'preview', abandonTargetPct: '2.5',
  abandonCapPct: '3', maxLinesPerAgent: '3', predictiveMinAgents: '5', amdEnabled: true, abandonMessage: '',
  abandonLockoutHours: '0', amdFalsePositivePct: '5', ringTimeoutS: '25',
};

/** A campaigns row as the form shows it. */
export function toForm(c: CampaignSettings): CampaignForm {
  return {
    name: c.name,
    description: c.description,
    status: c.status,
    callingDays: [...c.calling_days].sort((a, b) => a - b).map(String),
    hoursStart: c.calling_hours_start.slice(0, 5),
    hoursEnd: c.calling_hours_end.slice(0, 5),
    timeZone: c.default_time_zone,
    countryCode: c.country_code,
    maxAttempts: String(c.max_attempts),
    retryDelays: retryDelaysText(c.retry_delays),
    callerId: c.caller_id ?? '',
    allowedDispositions: [...c.allowed_dispositions],
    recordingEnabled: c.recording_enabled,
    recordingConsentRequired: c.recording_consent_required,
    recordingNotice: c.recording_notice,
    agentsListenOwn: c.agents_can_listen_own_recordings,
    retentionDays: String(c.recording_retention_days),
    leadFields: asLeadFields(c.lead_fields),
    dialMode: c.dial_mode,
    abandonTargetPct: pct(c.abandon_target),
    abandonCapPct: pct(c.abandon_cap),
    maxLinesPerAgent: String(c.max_lines_per_agent),
    predictiveMinAgents: String(c.predictive_min_agents),
    amdEnabled: c.amd_enabled,
    abandonMessage: c.abandon_message,
    abandonLockoutHours: String(c.abandon_lockout_hours),
    amdFalsePositivePct: pct(c.amd_false_positive_rate),
    ringTimeoutS: String(c.ring_timeout_s),
  };
}

const num = (v: string) => Number(v.trim().replace(',', '.'));

/** The validated form as the campaigns row to write (intervals as "N minutes", rates as fractions). */
export function toRow(f: z.output<typeof campaignSchema>): CampaignSettings {
  return {
    name: f.name.trim(),
    description: f.description,
    status: f.status,
    calling_days: [...new Set(f.callingDays.map(Number))].sort((a, b) => a - b),
    calling_hours_start: f.hoursStart,
    calling_hours_end: f.hoursEnd,
    default_time_zone: f.timeZone,
    country_code: f.countryCode,
    max_attempts: num(f.maxAttempts),
    // Whole days as days: PostgreSQL keeps '1440 minutes' as 24:00:00, '1 day' as 1 day.
    retry_delays: (parseDurations(f.retryDelays) ?? []).map((m) => (m % 1440 === 0 ? `${String(m / 1440)} days` : `${String(m)} minutes`)),
    caller_id: f.callerId.trim() ? callerIdE164(f.callerId, f.countryCode) : null,
    allowed_dispositions: f.allowedDispositions,
    recording_enabled: f.recordingEnabled,
    recording_consent_required: f.recordingConsentRequired,
    recording_notice: f.recordingNotice,
    agents_can_listen_own_recordings: f.agentsListenOwn,
    recording_retention_days: num(f.retentionDays),
    lead_fields: f.leadFields.map((l) => ({ key: l.key.trim(), label: l.label.trim(), type: l.type, required: l.required })),
    dial_mode: f.dialMode,
    abandon_target: Math.round(num(f.abandonTargetPct) * 10) / 1000,
    abandon_cap: Math.round(num(f.abandonCapPct) * 10) / 1000,
    max_lines_per_agent: num(f.maxLinesPerAgent),
    predictive_min_agents: num(f.predictiveMinAgents),
    amd_enabled: f.amdEnabled,
    abandon_message: f.abandonMessage,
    abandon_lockout_hours: num(f.abandonLockoutHours),
    amd_false_positive_rate: Math.round(num(f.amdFalsePositivePct) * 10) / 1000,
    ring_timeout_s: num(f.ringTimeoutS),
  };
}

/** The member role a user gets in a campaign: agents as agents, supervisors and admins as supervisors. */
export function memberRoleFor(role: 'agent' | 'supervisor' | 'admin'): 'agent' | 'supervisor' {
  return role === 'agent' ? 'agent' : 'supervisor';
}
