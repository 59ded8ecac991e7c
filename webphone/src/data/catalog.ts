// What the screens choose from: campaigns, their products, the dispositions.

import type { Supabase } from '../app/config';
import { unwrapRows } from './errors';

/** Table campaigns: the campaigns the user may see (RLS: members, or every one for admins). */
export async function listCampaigns(supabase: Supabase) {
  return unwrapRows(await supabase.from('campaigns')
    .select('id, name, description, status, dial_mode, calling_hours_start, calling_hours_end, calling_days, max_attempts, recording_enabled, recording_consent_required, recording_notice, recording_retention_days, agents_can_listen_own_recordings, allowed_dispositions, default_time_zone')
    .order('name'));
}

export type CampaignRow = Awaited<ReturnType<typeof listCampaigns>>[number];

/** Table products (with campaign_products): active products, each with the campaigns that sell it. */
export async function listProducts(supabase: Supabase, { includeInactive = false } = {}) {
  let query = supabase.from('products')
    .select('id, code, name, description, insurance_line, premium, payment_frequency, currency, coverage_amount, coverage_summary, active, campaign_products (campaign_id)')
    .order('name');
  if (!includeInactive) query = query.eq('active', true);
  const rows = unwrapRows(await query);
  return rows.map((p) => ({ ...p, campaign_ids: p.campaign_products.map((cp) => cp.campaign_id) }));
}

export type ProductRow = Awaited<ReturnType<typeof listProducts>>[number];

/** Table dispositions: the wrap-up codes, in their display order. */
export async function listDispositions(supabase: Supabase) {
  return unwrapRows(await supabase.from('dispositions')
    .select('code, label_es, label_en, effect, active, sort_order')
    .eq('active', true)
    .order('sort_order'));
}

export type DispositionRow = Awaited<ReturnType<typeof listDispositions>>[number];
