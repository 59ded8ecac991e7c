// The users screen's pure parts: the invitation form's schema (messages are
// i18n keys naming the field), the password rules of the set-up page (the
// Auth stand-in's policy: at least 6 characters), and the audit diff.
import { z } from 'zod';

export const ROLES = ['agent', 'supervisor', 'admin'] as const;

export const inviteSchema = z.object({
  email: z.string().trim().toLowerCase().max(254, 'backoffice.invite.error.email')
    .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'backoffice.invite.error.email'),
  fullName: z.string().trim().min(1, 'backoffice.invite.error.name').max(200, 'backoffice.invite.error.name'),
  role: z.enum(ROLES),
  campaignIds: z.array(z.string()),
  sipExtension: z.string().trim().refine((v) => v === '' || /^[0-9]{3,6}$/.test(v), 'backoffice.invite.error.extension'),
});

export type InviteForm = z.input<typeof inviteSchema>;
export const NEW_INVITE: InviteForm = { email: '', fullName: '', role: 'agent', campaignIds: [], sipExtension: '' };

/** The Auth stand-in's password policy (supabase/config.toml minimum_password_length = 6; bcrypt reads at most 72 bytes). */
export const PASSWORD_MIN = 6;
export const PASSWORD_MAX_BYTES = 72;

export const passwordSchema = z.object({
  password: z.string()
    .min(PASSWORD_MIN, 'backoffice.setPassword.error.short')
    .refine((v) => new TextEncoder().encode(v).length <= PASSWORD_MAX_BYTES, 'backoffice.setPassword.error.long'),
  confirm: z.string(),
}).refine((v) => v.password === v.confirm, { path: ['confirm'], error: 'backoffice.setPassword.error.mismatch' });

export type PasswordForm = z.input<typeof passwordSchema>;

/** The set-up link's parameters: token_hash and type (invite or recovery); null when missing or unknown. */
export function setupParams(search: string): { tokenHash: string; type: 'invite' | 'recovery' } | null {
  const params = new URLSearchParams(search);
  const tokenHash = params.get('token_hash')?.trim() ?? '';
  const type = params.get('type');
  if (!tokenHash || (type !== 'invite' && type !== 'recovery')) return null;
  return { tokenHash, type };
}

export interface DiffLine {
  field: string;
  before: string;
  after: string;
}

const show = (v: unknown): string => (v === undefined ? '' : v === null ? 'null' : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * What an audit row changed, field by field: the changed fields of an update,
 * every field of an insert (after) or a delete (before), keys sorted.
 */
export function auditDiff(oldValues: unknown, newValues: unknown, changedFields: readonly string[]): DiffLine[] {
  const before = (oldValues && typeof oldValues === 'object' ? oldValues : {}) as Record<string, unknown>;
  const after = (newValues && typeof newValues === 'object' ? newValues : {}) as Record<string, unknown>;
  const fields = changedFields.length ? [...changedFields] : [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return fields.sort().map((field) => ({ field, before: show(before[field]), after: show(after[field]) }));
}
