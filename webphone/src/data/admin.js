// Admin lists: users and roles, campaigns, products (users.manage,
// campaigns.manage, products.manage; RLS refuses anyone else).

import { unwrap } from './errors';

/** Table profiles: every user (needs users.manage). */
export async function listProfiles(supabase) {
  return unwrap(await supabase.from('profiles')
    .select('id, email, full_name, role, locale, active, sip_extension, created_at')
    .order('role')
    .order('email'));
}

/** Table profiles: role, activity or extension of a user (needs users.manage). */
export async function updateProfile(supabase, userId, patch) {
  return unwrap(await supabase.from('profiles').update(patch).eq('id', userId)
    .select('id, role, active, sip_extension').single());
}

/** Table campaigns: change a campaign's status (needs campaigns.manage). */
export async function updateCampaignStatus(supabase, campaignId, status) {
  return unwrap(await supabase.from('campaigns').update({ status }).eq('id', campaignId).select('id, status').single());
}

/** Table products: switch a product on or off (needs products.manage). */
export async function setProductActive(supabase, productId, active) {
  return unwrap(await supabase.from('products').update({ active }).eq('id', productId).select('id, active').single());
}
