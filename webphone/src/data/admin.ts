// Admin lists: users and roles, campaigns, products (users.manage,
// campaigns.manage, products.manage; RLS refuses anyone else).

import type { Supabase } from '../app/config';
import type { Database } from '../types/database';
import { unwrap, unwrapRows } from './errors';

type Tables = Database['public']['Tables'];

/** Table profiles: every user (needs users.manage). */
export async function listProfiles(supabase: Supabase) {
  return unwrapRows(await supabase.from('profiles')
    .select('id, email, full_name, role, locale, active, sip_extension, created_at')
    .order('role')
    .order('email'));
}

export type ProfileRow = Awaited<ReturnType<typeof listProfiles>>[number];

export type ProfilePatch = Pick<Tables['profiles']['Update'], 'role' | 'active' | 'sip_extension'>;

/** Table profiles: role, activity or extension of a user (needs users.manage). */
export async function updateProfile(supabase: Supabase, userId: string, patch: ProfilePatch) {
  return unwrap(await supabase.from('profiles').update(patch).eq('id', userId)
    .select('id, role, active, sip_extension').single());
}

export type CampaignStatus = NonNullable<Tables['campaigns']['Update']['status']>;

/** Table campaigns: change a campaign's status (needs campaigns.manage). */
export async function updateCampaignStatus(supabase: Supabase, campaignId: string, status: CampaignStatus) {
  return unwrap(await supabase.from('campaigns').update({ status }).eq('id', campaignId).select('id, status').single());
}

/** Table products: switch a product on or off (needs products.manage). */
export async function setProductActive(supabase: Supabase, productId: string, active: boolean) {
  return unwrap(await supabase.from('products').update({ active }).eq('id', productId).select('id, active').single());
}
