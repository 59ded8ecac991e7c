// Sales: registered by agents (a plain insert, born pending), validated or
// rejected by supervisors with rpc/validate_sale.

import type { Supabase } from '../app/config';
import type { Database } from '../types/database';
import { unwrap, unwrapRows } from './errors';

const SALE_COLUMNS = 'id, lead_id, campaign_id, product_id, agent_id, call_id, policy_number, premium, payment_frequency, currency, status, status_reason, validated_at, notes, sold_at';

export interface NewSale {
  leadId: string;
  productId: string;
  premium: number;
  policyNumber?: string | null;
  callId?: string | null;
  notes?: string;
}

/** Table sales: insert a pending sale of a lead (campaign, frequency and currency come from lead and product). */
export async function createSale(supabase: Supabase, { leadId, productId, premium, policyNumber = null, callId = null, notes = '' }: NewSale) {
  return unwrap(await supabase.from('sales').insert({
    lead_id: leadId,
    product_id: productId,
    premium,
    policy_number: policyNumber,
    call_id: callId,
    notes,
    // campaign_id and currency are NOT NULL without a default: the sales_guard_columns trigger
    // fills them from the lead and the product, which the generated Insert type cannot know.
  } as Database['public']['Tables']['sales']['Insert']).select(`${SALE_COLUMNS}, product:products (name, code)`).single());
}

/** Table sales: the sales of one lead, newest first. */
export async function listSalesForLead(supabase: Supabase, leadId: string) {
  return unwrapRows(await supabase.from('sales').select(`${SALE_COLUMNS}, product:products (name, code)`)
    .eq('lead_id', leadId)
    .order('sold_at', { ascending: false }));
}

export type LeadSaleRow = Awaited<ReturnType<typeof listSalesForLead>>[number];

/** Table sales: the validation queue (pending sales the supervisor may see), oldest first. */
export async function listPendingSales(supabase: Supabase, { limit = 200 } = {}) {
  return unwrapRows(await supabase.from('sales')
    .select(`${SALE_COLUMNS}, product:products (name, code, insurance_line), lead:leads (first_name, last_name, phone, status), agent:profiles!agent_id (full_name, email), campaign:campaigns (name)`)
    .eq('status', 'pending')
    .order('sold_at', { ascending: true })
    .limit(limit));
}

export type PendingSaleRow = Awaited<ReturnType<typeof listPendingSales>>[number];

/** Table sales: recently decided sales (validated or rejected), newest first. */
export async function listDecidedSales(supabase: Supabase, { limit = 20 } = {}) {
  return unwrapRows(await supabase.from('sales')
    .select(`${SALE_COLUMNS}, product:products (name), lead:leads (first_name, last_name, status), agent:profiles!agent_id (full_name, email)`)
    .in('status', ['validated', 'rejected'])
    .order('validated_at', { ascending: false, nullsFirst: false })
    .limit(limit));
}

export type DecidedSaleRow = Awaited<ReturnType<typeof listDecidedSales>>[number];

/** rpc/validate_sale(p_sale_id, p_approved, p_reason): approve, or reject with a reason. */
export async function validateSale(supabase: Supabase, saleId: string, approved: boolean, reason: string | null = null) {
  return unwrap(await supabase.rpc('validate_sale', {
    p_sale_id: saleId,
    p_approved: approved,
    ...(reason ? { p_reason: reason } : {}),
  }));
}
