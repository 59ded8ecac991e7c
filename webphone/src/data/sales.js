// Sales: registered by agents (a plain insert, born pending), validated or
// rejected by supervisors with rpc/validate_sale.

import { unwrap } from './errors';

const SALE_COLUMNS = 'id, lead_id, campaign_id, product_id, agent_id, call_id, policy_number, premium, payment_frequency, currency, status, status_reason, validated_at, notes, sold_at';

/** Table sales: insert a pending sale of a lead (campaign, frequency and currency come from lead and product). */
export async function createSale(supabase, { leadId, productId, premium, policyNumber = null, callId = null, notes = '' }) {
  return unwrap(await supabase.from('sales').insert({
    lead_id: leadId,
    product_id: productId,
    premium,
    policy_number: policyNumber,
    call_id: callId,
    notes,
  }).select(`${SALE_COLUMNS}, product:products (name, code)`).single());
}

/** Table sales: the sales of one lead, newest first. */
export async function listSalesForLead(supabase, leadId) {
  return unwrap(await supabase.from('sales').select(`${SALE_COLUMNS}, product:products (name, code)`)
    .eq('lead_id', leadId)
    .order('sold_at', { ascending: false }));
}

/** Table sales: the validation queue (pending sales the supervisor may see), oldest first. */
export async function listPendingSales(supabase, { limit = 200 } = {}) {
  return unwrap(await supabase.from('sales')
    .select(`${SALE_COLUMNS}, product:products (name, code, insurance_line), lead:leads (first_name, last_name, phone, status), agent:profiles!agent_id (full_name, email), campaign:campaigns (name)`)
    .eq('status', 'pending')
    .order('sold_at', { ascending: true })
    .limit(limit));
}

/** Table sales: recently decided sales (validated or rejected), newest first. */
export async function listDecidedSales(supabase, { limit = 20 } = {}) {
  return unwrap(await supabase.from('sales')
    .select(`${SALE_COLUMNS}, product:products (name), lead:leads (first_name, last_name, status), agent:profiles!agent_id (full_name, email)`)
    .in('status', ['validated', 'rejected'])
    .order('validated_at', { ascending: false, nullsFirst: false })
    .limit(limit));
}

/** rpc/validate_sale(p_sale_id, p_approved, p_reason): approve, or reject with a reason. */
export async function validateSale(supabase, saleId, approved, reason = null) {
  const data = unwrap(await supabase.rpc('validate_sale', {
    p_sale_id: saleId,
    p_approved: approved,
    p_reason: reason,
  }));
  return Array.isArray(data) ? data[0] : data;
}
