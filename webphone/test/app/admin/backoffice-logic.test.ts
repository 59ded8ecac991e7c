// The back office's form schemas and conversions (issue 15): what each form
// accepts and refuses (with the i18n key naming the field), and the round
// trip between the form and the row the database stores.
import { describe, expect, test } from 'vitest';
import {
  callerIdE164, campaignSchema, formatDuration, intervalToMinutes, memberRoleFor, NEW_CAMPAIGN, parseDurations,
  retryDelaysText, toForm, toRow, type CampaignForm, type CampaignSettings,
} from '../../../src/app/screens/admin/campaign-logic';
import { NEW_PRODUCT, productSchema, toProductForm, toProductRow } from '../../../src/app/screens/admin/product-logic';
import { auditDiff, inviteSchema, NEW_INVITE, passwordSchema, setupParams } from '../../../src/app/screens/admin/users-logic';
import { applyRequestUpdate, type AccountRequest } from '../../../src/data/accounts';

/** The i18n keys of a refused form, by field path. */
function refusals(result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }): Record<string, string> {
  if (result.success) return {};
  return Object.fromEntries((result.error?.issues ?? []).map((i) => [i.path.join('.'), i.message]));
}

const campaign = (patch: Partial<CampaignForm>) => campaignSchema.safeParse({ ...NEW_CAMPAIGN, name: 'Vida', allowedDispositions: ['sale'], ...patch });

describe('retry delays', () => {
  test('PostgreSQL intervals read as minutes', () => {
    expect(intervalToMinutes('01:00:00')).toBe(60);
    expect(intervalToMinutes('1 day')).toBe(1440);
    expect(intervalToMinutes('2 days 04:30:00')).toBe(2 * 1440 + 270);
    expect(intervalToMinutes('00:30:00')).toBe(30);
    expect(intervalToMinutes('soon')).toBe(null);
  });
  test('written in the largest unit that divides them', () => {
    expect([30, 60, 240, 1440, 90, 2880].map(formatDuration)).toStrictEqual(['30m', '1h', '4h', '1d', '90m', '2d']);
    expect(retryDelaysText(['01:00:00', '04:00:00', '1 day'])).toBe('1h, 4h, 1d');
  });
  test('typed as a list of durations with units', () => {
    expect(parseDurations('30m, 4h, 1d')).toStrictEqual([30, 240, 1440]);
    expect(parseDurations('1,5h')).toBe(null); // a comma separates: "1" has no unit
    expect(parseDurations('1.5h 2D')).toStrictEqual([90, 2880]);
    expect(parseDurations('')).toBe(null);
    expect(parseDurations('0m')).toBe(null);
    expect(parseDurations('4 hours')).toBe(null);
  });
});

describe('caller id', () => {
  test('national and international forms to E.164 for the campaign country', () => {
    expect(callerIdE164('912 345 678', 'ES')).toBe('+34912345678');
    expect(callerIdE164('0034 912 345 678', 'MX')).toBe('+34912345678');
    expect(callerIdE164('55 1234 5678', 'MX')).toBe('+525512345678');
    expect(callerIdE164('12345', 'ES')).toBe(null);
    expect(callerIdE164('', 'ES')).toBe(null);
  });
});

describe('the campaign form', () => {
  test('a complete form passes', () => {
    expect(campaign({}).success).toBe(true);
  });
  test('each refusal names its field', () => {
    expect(refusals(campaign({ name: '  ' }))).toStrictEqual({ name: 'backoffice.campaign.error.name' });
    expect(refusals(campaign({ callingDays: [] }))).toStrictEqual({ callingDays: 'backoffice.campaign.error.callingDays' });
    expect(refusals(campaign({ hoursStart: '21:00', hoursEnd: '09:00' }))).toStrictEqual({ hoursEnd: 'backoffice.campaign.error.hoursOrder' });
    expect(refusals(campaign({ maxAttempts: '51' }))).toStrictEqual({ maxAttempts: 'backoffice.campaign.error.maxAttempts' });
    expect(refusals(campaign({ retryDelays: 'pronto' }))).toStrictEqual({ retryDelays: 'backoffice.campaign.error.retryDelays' });
    expect(refusals(campaign({ callerId: '123' }))).toStrictEqual({ callerId: 'backoffice.campaign.error.callerId' });
    expect(refusals(campaign({ allowedDispositions: [] }))).toStrictEqual({ allowedDispositions: 'backoffice.campaign.error.dispositions' });
    expect(refusals(campaign({ retentionDays: '0' }))).toStrictEqual({ retentionDays: 'backoffice.campaign.error.retention' });
    expect(refusals(campaign({ abandonTargetPct: '3', abandonCapPct: '3' }))).toStrictEqual({ abandonTargetPct: 'backoffice.campaign.error.abandonOrder' });
    expect(refusals(campaign({ abandonCapPct: '3.5' }))).toStrictEqual({ abandonCapPct: 'backoffice.campaign.error.abandonCap' });
    expect(refusals(campaign({ maxLinesPerAgent: '0.5' }))).toStrictEqual({ maxLinesPerAgent: 'backoffice.campaign.error.maxLines' });
    expect(refusals(campaign({ abandonLockoutHours: '721' }))).toStrictEqual({ abandonLockoutHours: 'backoffice.campaign.error.lockout' });
    expect(refusals(campaign({ amdFalsePositivePct: '50.1' }))).toStrictEqual({ amdFalsePositivePct: 'backoffice.campaign.error.amdFalsePositive' });
    expect(refusals(campaign({ amdFalsePositivePct: '-1' }))).toStrictEqual({ amdFalsePositivePct: 'backoffice.campaign.error.amdFalsePositive' });
    expect(campaign({ amdFalsePositivePct: '50' }).success).toBe(true);
    expect(campaign({ amdFalsePositivePct: '0' }).success).toBe(true);
    expect(refusals(campaign({ ringTimeoutS: '14' }))).toStrictEqual({ ringTimeoutS: 'backoffice.campaign.error.ringTimeout' });
    expect(refusals(campaign({ ringTimeoutS: '61' }))).toStrictEqual({ ringTimeoutS: 'backoffice.campaign.error.ringTimeout' });
    expect(refusals(campaign({ ringTimeoutS: '20.5' }))).toStrictEqual({ ringTimeoutS: 'backoffice.campaign.error.ringTimeout' });
    expect(campaign({ ringTimeoutS: '15' }).success).toBe(true);
    expect(campaign({ ringTimeoutS: '60' }).success).toBe(true);
  });
  test('a new campaign: 5 % machine false positives, 25 s of ringing (the database\'s defaults)', () => {
    expect(toRow(campaignSchema.parse({ ...NEW_CAMPAIGN, name: 'Nueva', allowedDispositions: ['sale'] })))
      .toMatchObject({ amd_false_positive_rate: 0.05, ring_timeout_s: 25 });
  });
  test('custom lead fields: key format and uniqueness, label required', () => {
    const field = { key: 'age', label: 'Edad', type: 'number' as const, required: false };
    expect(campaign({ leadFields: [field] }).success).toBe(true);
    expect(refusals(campaign({ leadFields: [{ ...field, key: 'Edad' }] }))).toStrictEqual({ 'leadFields.0.key': 'backoffice.campaign.error.fieldKey' });
    expect(refusals(campaign({ leadFields: [field, { ...field, label: 'Otra' }] }))).toStrictEqual({ 'leadFields.1.key': 'backoffice.campaign.error.fieldDuplicate' });
    expect(refusals(campaign({ leadFields: [{ ...field, label: '' }] }))).toStrictEqual({ 'leadFields.0.label': 'backoffice.campaign.error.fieldLabel' });
  });
  test('a row round-trips through the form', () => {
    const row: CampaignSettings = {
      name: 'Vida', description: 'd', status: 'paused', calling_days: [5, 1, 3], calling_hours_start: '09:30:00',
      calling_hours_end: '20:00:00', default_time_zone: 'Europe/Madrid', country_code: 'ES', max_attempts: 4,
      retry_delays: ['00:30:00', '04:00:00', '1 day'], caller_id: '+34912345678', allowed_dispositions: ['sale', 'busy'],
      recording_enabled: true, recording_consent_required: false, recording_notice: 'n', agents_can_listen_own_recordings: true,
      recording_retention_days: 30, lead_fields: [{ key: 'age', label: 'Edad', type: 'number', required: true }],
      dial_mode: 'predictive', abandon_target: 0.025, abandon_cap: 0.03, max_lines_per_agent: 2.5, predictive_min_agents: 5,
      amd_enabled: false, abandon_message: 'm', abandon_lockout_hours: 72, amd_false_positive_rate: 0.125, ring_timeout_s: 30,
    };
    const form = toForm(row);
    expect(form.callingDays).toStrictEqual(['1', '3', '5']);
    expect(form.retryDelays).toBe('30m, 4h, 1d');
    expect(form.abandonTargetPct).toBe('2.5');
    // Shown in percent; back as the fraction the column keeps (numeric(4,3)).
    expect(form.amdFalsePositivePct).toBe('12.5');
    expect(form.ringTimeoutS).toBe('30');
    const back = toRow(campaignSchema.parse(form));
    expect(back).toStrictEqual({ ...row, calling_days: [1, 3, 5], calling_hours_start: '09:30', calling_hours_end: '20:00',
      retry_delays: ['30 minutes', '240 minutes', '1 days'] });
  });
  test('the member role follows the user role', () => {
    expect(['agent', 'supervisor', 'admin'].map((r) => memberRoleFor(r as 'agent'))).toStrictEqual(['agent', 'supervisor', 'supervisor']);
  });
});

describe('the product form', () => {
  const product = (patch: object) => productSchema.safeParse({ ...NEW_PRODUCT, code: 'VIDA-01', name: 'Vida', premium: '25.50', ...patch });
  test('accepts a product and refuses by field', () => {
    expect(product({}).success).toBe(true);
    expect(refusals(product({ code: 'vida' }))).toStrictEqual({ code: 'backoffice.product.error.code' });
    expect(refusals(product({ premium: '0' }))).toStrictEqual({ premium: 'backoffice.product.error.premium' });
    expect(refusals(product({ premium: '1.234' }))).toStrictEqual({ premium: 'backoffice.product.error.premium' });
    expect(refusals(product({ currency: 'eu' }))).toStrictEqual({ currency: 'backoffice.product.error.currency' });
    expect(refusals(product({ coverageAmount: '-5' }))).toStrictEqual({ coverageAmount: 'backoffice.product.error.coverage' });
    expect(product({ saleRequirements: ['shoe_size'] }).success).toBe(false);
  });
  test('round trip, requirements in the list order, empty coverage as null', () => {
    const row = toProductRow(productSchema.parse({ ...NEW_PRODUCT, code: 'X1', name: 'X', premium: '9,90', coverageAmount: '', saleRequirements: ['iban', 'policy_holder_id'] }));
    expect(row).toMatchObject({ premium: 9.9, coverage_amount: null, sale_requirements: ['policy_holder_id', 'iban'] });
    expect(toProductForm({ ...row, coverage_amount: 3000 })).toMatchObject({ premium: '9.90', coverageAmount: '3000.00', saleRequirements: ['policy_holder_id', 'iban'] });
  });
});

describe('users', () => {
  test('the invitation checks e-mail, name and extension', () => {
    const ok = inviteSchema.safeParse({ ...NEW_INVITE, email: ' Nueva@Demo.Test ', fullName: 'Nueva' });
    expect(ok.success && ok.data.email).toBe('nueva@demo.test');
    expect(refusals(inviteSchema.safeParse({ ...NEW_INVITE, email: 'nueva', fullName: 'N' }))).toStrictEqual({ email: 'backoffice.invite.error.email' });
    expect(refusals(inviteSchema.safeParse({ ...NEW_INVITE, email: 'a@b.co', fullName: ' ' }))).toStrictEqual({ fullName: 'backoffice.invite.error.name' });
    expect(refusals(inviteSchema.safeParse({ ...NEW_INVITE, email: 'a@b.co', fullName: 'N', sipExtension: '12' }))).toStrictEqual({ sipExtension: 'backoffice.invite.error.extension' });
  });
  test('the new password: at least 6 characters, typed twice', () => {
    expect(passwordSchema.safeParse({ password: 'abcdef', confirm: 'abcdef' }).success).toBe(true);
    expect(refusals(passwordSchema.safeParse({ password: 'abcde', confirm: 'abcde' }))).toStrictEqual({ password: 'backoffice.setPassword.error.short' });
    expect(refusals(passwordSchema.safeParse({ password: 'abcdefg', confirm: 'abcdefh' }))).toStrictEqual({ confirm: 'backoffice.setPassword.error.mismatch' });
    expect(refusals(passwordSchema.safeParse({ password: 'ñ'.repeat(37), confirm: 'ñ'.repeat(37) }))).toStrictEqual({ password: 'backoffice.setPassword.error.long' });
  });
  test('the set-up link parameters', () => {
    expect(setupParams('?token_hash=abc&type=invite')).toStrictEqual({ tokenHash: 'abc', type: 'invite' });
    expect(setupParams('?token_hash=abc&type=recovery')).toStrictEqual({ tokenHash: 'abc', type: 'recovery' });
    expect(setupParams('?token_hash=abc&type=signup')).toBe(null);
    expect(setupParams('?type=invite')).toBe(null);
  });
  test('a pushed request row replaces the held one unless older', () => {
    const held = { id: 'r', kind: 'invite', status: 'queued', updated_at: '2026-01-01T00:00:01Z' } as AccountRequest;
    expect(applyRequestUpdate(held, { id: 'r', status: 'done', updated_at: '2026-01-01T00:00:02Z' })?.status).toBe('done');
    expect(applyRequestUpdate(held, { id: 'r', status: 'running', updated_at: '2026-01-01T00:00:00Z' })?.status).toBe('queued');
    expect(applyRequestUpdate(held, { id: 'other', status: 'done', updated_at: '2026-01-01T00:00:02Z' })?.status).toBe('queued');
  });
});

describe('the audit diff', () => {
  test('an update shows its changed fields, before and after', () => {
    expect(auditDiff({ status: 'active', name: 'A' }, { status: 'paused', name: 'A' }, ['status'])).toStrictEqual([
      { field: 'status', before: 'active', after: 'paused' },
    ]);
  });
  test('an insert shows every field after; values as JSON', () => {
    expect(auditDiff(null, { role: 'supervisor', permission: 'reports.view', n: 3, x: null }, [])).toStrictEqual([
      { field: 'n', before: '', after: '3' },
      { field: 'permission', before: '', after: 'reports.view' },
      { field: 'role', before: '', after: 'supervisor' },
      { field: 'x', before: '', after: 'null' },
    ]);
  });
});
