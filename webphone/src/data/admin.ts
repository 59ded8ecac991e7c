// Admin lists: users and roles, campaigns, products (users.manage,
// campaigns.manage, products.manage; RLS refuses anyone else).

import type { Supabase } from '../app/config';
import type { Database } from '../types/database';
import { DataError, unwrap, unwrapRows } from './errors';

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

// ---------------------------------------------------------------------------
// Campaign editor (issue 15): every setting, members, products sold
// ---------------------------------------------------------------------------

/** Table campaigns: one campaign, every column (members read their own; admins all). */
export async function getCampaign(supabase: Supabase, campaignId: string) {
  return unwrap(await supabase.from('campaigns').select('*').eq('id', campaignId).maybeSingle());
}

export type CampaignFull = NonNullable<Awaited<ReturnType<typeof getCampaign>>>;
type CampaignWrite = Tables['campaigns']['Insert'];

/** Table campaigns: a new campaign (campaigns.manage); returns its id. */
export async function createCampaign(supabase: Supabase, values: CampaignWrite): Promise<string> {
  const row = unwrap(await supabase.from('campaigns').insert(values).select('id').single());
  if (!row) throw new DataError('unknown', 'campaigns: the new row was not returned');
  return row.id;
}

/** Table campaigns: change a campaign's settings (campaigns.manage). */
export async function updateCampaign(supabase: Supabase, campaignId: string, values: Tables['campaigns']['Update']) {
  return unwrap(await supabase.from('campaigns').update(values).eq('id', campaignId).select('*').single());
}

/** Table campaign_members with each member's profile (supervisors: their campaigns; admins: all). */
export async function listCampaignMembers(supabase: Supabase, campaignId: string) {
  return unwrapRows(await supabase.from('campaign_members')
    .select('campaign_id, user_id, member_role, created_at, profiles (email, full_name, role, active)')
    .eq('campaign_id', campaignId)
    .order('member_role')
    .order('created_at'));
}

export type MemberRow = Awaited<ReturnType<typeof listCampaignMembers>>[number];
export type MemberRole = Tables['campaign_members']['Row']['member_role'];

/** Table campaign_members: add a user (campaigns.manage; the database checks the role fits). */
export async function addCampaignMember(supabase: Supabase, campaignId: string, userId: string, memberRole: MemberRole) {
  return unwrap(await supabase.from('campaign_members')
    .insert({ campaign_id: campaignId, user_id: userId, member_role: memberRole }).select('user_id').single());
}

/** Table campaign_members: remove a user from a campaign (campaigns.manage). */
export async function removeCampaignMember(supabase: Supabase, campaignId: string, userId: string) {
  const rows = unwrapRows(await supabase.from('campaign_members').delete()
    .eq('campaign_id', campaignId).eq('user_id', userId).select('user_id'));
  if (!rows.length) throw new DataError('not_found', 'user_id: not found or not yours', { code: 'PT404' });
}

/** Table campaign_products: the products a campaign sells. */
export async function listCampaignProductIds(supabase: Supabase, campaignId: string) {
  const rows = unwrapRows(await supabase.from('campaign_products').select('product_id').eq('campaign_id', campaignId));
  return rows.map((r) => r.product_id);
}

/** Table campaign_products: start or stop selling a product in a campaign (campaigns.manage). */
export async function setCampaignProduct(supabase: Supabase, campaignId: string, productId: string, sold: boolean) {
  if (sold) {
    unwrap(await supabase.from('campaign_products').insert({ campaign_id: campaignId, product_id: productId }).select('product_id').single());
    return;
  }
  const rows = unwrapRows(await supabase.from('campaign_products').delete()
    .eq('campaign_id', campaignId).eq('product_id', productId).select('product_id'));
  if (!rows.length) throw new DataError('not_found', 'product_id: not found or not yours', { code: 'PT404' });
}

// ---------------------------------------------------------------------------
// Product editor (issue 15)
// ---------------------------------------------------------------------------

/** Table products: one product, every column (products.manage or a member of a campaign selling it). */
export async function getProduct(supabase: Supabase, productId: string) {
  return unwrap(await supabase.from('products').select('*').eq('id', productId).maybeSingle());
}

export type ProductFull = NonNullable<Awaited<ReturnType<typeof getProduct>>>;

/** Table products: a new product (products.manage); returns its id. */
export async function createProduct(supabase: Supabase, values: Tables['products']['Insert']): Promise<string> {
  const row = unwrap(await supabase.from('products').insert(values).select('id').single());
  if (!row) throw new DataError('unknown', 'products: the new row was not returned');
  return row.id;
}

/** Table products: change a product (products.manage). */
export async function updateProduct(supabase: Supabase, productId: string, values: Tables['products']['Update']) {
  return unwrap(await supabase.from('products').update(values).eq('id', productId).select('*').single());
}
