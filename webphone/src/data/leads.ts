// Leads: the agent's queue (rpc/next_lead), their own list, one lead's card
// and its audit trail (table lead_history).

import type { Supabase } from '../app/config';
import { unwrap, unwrapRows } from './errors';

const LIST_COLUMNS = 'id, campaign_id, first_name, last_name, phone, city, region, status, attempts, next_call_at, last_called_at, time_zone';
const CARD_COLUMNS = `*, campaign:campaigns (id, name, status, recording_enabled, recording_consent_required,
  recording_notice, agents_can_listen_own_recordings, calling_hours_start, calling_hours_end, calling_days, allowed_dispositions, max_attempts)`;

/** rpc/next_lead(p_campaign_id): hands the caller the next callable lead (null when none). */
export async function nextLead(supabase: Supabase, campaignId: string) {
  const data = unwrap(await supabase.rpc('next_lead', { p_campaign_id: campaignId }));
  const row = Array.isArray(data) ? data[0] : data;
  return row?.id ? row : null;
}

// PostgREST's or=() filter syntax breaks on these; a search never needs them.
export function searchTerm(text: string | null | undefined): string {
  return (text ?? '').replace(/[,()*%\\:"']/g, ' ').trim().replace(/\s+/g, ' ');
}

/**
 * Table leads: the signed-in agent's own leads (RLS: owner_id = me), the
 * ones due first; `search` matches name, phone or city.
 */
export async function listMyLeads(supabase: Supabase, userId: string, { search = '', limit = 50 } = {}) {
  let query = supabase.from('leads').select(LIST_COLUMNS).eq('owner_id', userId);
  const term = searchTerm(search);
  if (term) {
    const digits = term.replace(/[^0-9]/g, '');
    const filters = [`first_name.ilike.*${term}*`, `last_name.ilike.*${term}*`, `city.ilike.*${term}*`];
    if (digits.length >= 3) filters.push(`phone.like.*${digits}*`);
    const [first = '', ...rest] = term.split(' ');
    if (rest.length) filters.push(`and(first_name.ilike.*${first}*,last_name.ilike.*${rest.join(' ')}*)`);
    query = query.or(filters.join(','));
  }
  return unwrapRows(await query
    .order('next_call_at', { ascending: true, nullsFirst: false })
    .order('last_name', { ascending: true })
    .limit(limit));
}

export type LeadListRow = Awaited<ReturnType<typeof listMyLeads>>[number];

/** Table leads: one lead with its campaign (null when RLS hides it or it does not exist). */
export async function getLead(supabase: Supabase, leadId: string) {
  return unwrap(await supabase.from('leads').select(CARD_COLUMNS).eq('id', leadId).maybeSingle());
}

export type LeadCard = NonNullable<Awaited<ReturnType<typeof getLead>>>;

/** Table lead_history: the lead's audit trail, newest first. */
export async function listLeadHistory(supabase: Supabase, leadId: string, { limit = 100 } = {}) {
  return unwrapRows(await supabase.from('lead_history')
    .select('id, operation, changed_fields, old_values, new_values, changed_by, actor, via, changed_at')
    .eq('lead_id', leadId)
    .order('changed_at', { ascending: false })
    .limit(limit));
}

export type LeadHistoryRow = Awaited<ReturnType<typeof listLeadHistory>>[number];
