// Accounts (issue 15): invite, deactivate, reactivate, reset a password and
// set a user's campaigns (users.manage). Each account action is a request
// (account_requests) the accounts worker carries out in Auth; the screen
// follows it by Realtime and reads the one-time link of a done invite or
// reset through rpc/account_request_link (the column itself is not granted).

import type { Supabase } from '../app/config';
import type { Database } from '../types/database';
import { unwrap, unwrapRows } from './errors';

type Role = Database['public']['Enums']['app_role'];

/** The columns of account_requests a client may read (action_link is not one). */
export const ACCOUNT_REQUEST_COLUMNS = 'id, kind, user_id, email, full_name, role, status, link_expires_at, error, created_at, finished_at, updated_at';

export interface AccountRequest {
  id: string;
  kind: string;
  user_id: string | null;
  email: string;
  full_name: string;
  role: Role | null;
  status: string;
  link_expires_at: string | null;
  error: string | null;
  created_at: string;
  finished_at: string | null;
  updated_at: string;
}

const pick = (row: AccountRequest): AccountRequest => ({
  id: row.id, kind: row.kind, user_id: row.user_id, email: row.email, full_name: row.full_name, role: row.role,
  status: row.status, link_expires_at: row.link_expires_at, error: row.error, created_at: row.created_at,
  finished_at: row.finished_at, updated_at: row.updated_at,
});

export interface Invite {
  email: string;
  fullName: string;
  role: Role;
  campaignIds: string[];
  sipExtension: string | null;
}

/** rpc/invite_user: queues the creation of a user; the request row. */
export async function inviteUser(supabase: Supabase, invite: Invite): Promise<AccountRequest> {
  // A function returning one row: PostgREST answers the object itself.
  return pick(unwrap(await supabase.rpc('invite_user', {
    p_email: invite.email, p_full_name: invite.fullName, p_role: invite.role,
    p_campaign_ids: invite.campaignIds, ...(invite.sipExtension ? { p_sip_extension: invite.sipExtension } : {}),
  })) as AccountRequest);
}

export type AccountAction = 'deactivate_user' | 'reactivate_user' | 'reset_user_password';

/** rpc/deactivate_user, reactivate_user, reset_user_password: the request row. */
export async function accountAction(supabase: Supabase, action: AccountAction, userId: string): Promise<AccountRequest> {
  return pick(unwrap(await supabase.rpc(action, { p_user_id: userId })) as AccountRequest);
}

/** Table account_requests: one request as it is now. */
export async function getAccountRequest(supabase: Supabase, requestId: string): Promise<AccountRequest> {
  return unwrap(await supabase.from('account_requests').select(ACCOUNT_REQUEST_COLUMNS).eq('id', requestId).single()) as AccountRequest;
}

/** rpc/account_request_link: the one-time link of the caller's own done request (null before). */
export async function accountRequestLink(supabase: Supabase, requestId: string): Promise<string | null> {
  return unwrap(await supabase.rpc('account_request_link', { p_request_id: requestId }));
}

/** rpc/set_user_campaigns: the user's memberships become exactly these campaigns. */
export async function setUserCampaigns(supabase: Supabase, userId: string, campaignIds: string[]) {
  return unwrapRows(await supabase.rpc('set_user_campaigns', { p_user_id: userId, p_campaign_ids: campaignIds }));
}

/** Table campaign_members: the campaigns of one user (admins read every membership). */
export async function listUserCampaignIds(supabase: Supabase, userId: string): Promise<string[]> {
  const rows = unwrapRows(await supabase.from('campaign_members').select('campaign_id').eq('user_id', userId));
  return rows.map((r) => r.campaign_id);
}

/** A request the worker is done with (the link, if any, can be read). */
export const isRequestFinished = (status: string | undefined) => status === 'done' || status === 'failed';

/** A pushed row over the held one, when it is newer (updated_at). */
export function applyRequestUpdate(held: AccountRequest | undefined, pushed: Record<string, unknown>): AccountRequest | undefined {
  if (typeof pushed.id !== 'string' || typeof pushed.status !== 'string') return held;
  if (held && held.id !== pushed.id) return held;
  const next = { ...(held ?? {}), ...pushed } as AccountRequest;
  if (held && typeof pushed.updated_at === 'string' && pushed.updated_at < held.updated_at) return held;
  return pick(next);
}

/** Why a set-up link cannot be used: the code Auth answered (otp_expired: expired or used already). */
export class SetupLinkError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'SetupLinkError';
    this.code = code;
  }
}

const codeOf = (error: unknown) => {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'unknown';
};

/** Auth: the one-time link's token, verified; opens the user's session. Returns their e-mail. */
export async function verifySetupLink(supabase: Supabase, tokenHash: string, type: 'invite' | 'recovery'): Promise<string> {
  const { data, error } = await supabase.auth.verifyOtp({ token_hash: tokenHash, type });
  if (error) throw new SetupLinkError(codeOf(error), error.message);
  return data.user?.email ?? '';
}

/** Auth: the signed-in user's new password (422 weak_password / same_password as SetupLinkError). */
export async function setMyPassword(supabase: Supabase, password: string): Promise<void> {
  const { error } = await supabase.auth.updateUser({ password });
  if (error) throw new SetupLinkError(codeOf(error), error.message);
}
