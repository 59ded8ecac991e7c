// The data the agent's desk reads and writes, bound to the client once: the
// desk machine's DeskApi (desk/agent-desk.ts) plus the lists around it. Tests
// give the desk a fake of this shape instead of a Supabase client.

import type { Supabase } from '../../config';
import type { DeskApi, HangupBy, Lead } from '../../../desk/agent-desk';
import { DataError } from '../../../data/errors';
import { sipCredentials } from '../../../data/auth';
import { listMyCallbacks, type CallbackRow } from '../../../data/callbacks';
import {
  endCall, listCallsForLead, listMyCallsSince, listMyOpenCalls, markCallStatus, reportHangup, setRecordingConsent, startCall,
  type LeadCallRow,
} from '../../../data/calls';
import {
  listCampaigns, listDispositions, listProducts, type CampaignRow, type DispositionRow, type ProductRow,
} from '../../../data/catalog';
import { setAgentState } from '../../../data/floor';
import { getLead, listLeadHistory, listMyLeads, nextLead, type LeadCard, type LeadHistoryRow, type LeadListRow } from '../../../data/leads';
import { listMyCampaignIds } from '../../../data/realtime';
import { createSale, listSalesForLead, type LeadSaleRow } from '../../../data/sales';
import type { Credentials } from '../../../sip/phone';

export interface DeskData extends DeskApi {
  sipCredentials(): Promise<Credentials>;
  listCampaigns(): Promise<CampaignRow[]>;
  listProducts(): Promise<ProductRow[]>;
  listDispositions(): Promise<DispositionRow[]>;
  listMyLeads(userId: string, options: { search: string }): Promise<LeadListRow[]>;
  listMyCallbacks(userId: string): Promise<CallbackRow[]>;
  listMyCallsSince(userId: string, since: string): Promise<{ talk_seconds: number | null; disposition: string | null }[]>;
  /** The campaigns the agent is a member of: their presence topics. */
  listMyCampaignIds(userId: string): Promise<string[]>;
}

export type { CallbackRow, CampaignRow, DispositionRow, LeadCallRow, LeadCard, LeadHistoryRow, LeadListRow, LeadSaleRow, ProductRow };

/** The lead in hand; its campaign may be hidden from the agent (RLS), whatever the embedding's type says. */
export type LeadInHand = Omit<LeadCard, 'campaign'> & { campaign: LeadCard['campaign'] | null };

/** The lead in hand as the desk machine keeps it is the card getLead read: its columns, typed. */
export function leadCard(lead: Lead): LeadInHand {
  return lead as unknown as LeadInHand;
}

function isHangupBy(value: string | null): value is HangupBy {
  return value === 'agent' || value === 'lead' || value === 'system';
}

export function bindDeskData(supabase: Supabase): DeskData {
  return {
    sipCredentials: async () => {
      const { username, password, extension, domain, ws_url, expires_at } = await sipCredentials(supabase);
      // sipCredentials checked username and password; the rest comes with them.
      if (!username || !password || !extension || !domain || !ws_url || !expires_at) {
        throw new DataError('invalid', 'sip_credentials: incomplete answer');
      }
      return { username, password, extension, domain, ws_url, expires_at };
    },
    nextLead: (campaignId) => nextLead(supabase, campaignId),
    getLead: (leadId) => getLead(supabase, leadId),
    listLeadHistory: (leadId) => listLeadHistory(supabase, leadId),
    listCallsForLead: (leadId) => listCallsForLead(supabase, leadId),
    listSalesForLead: (leadId) => listSalesForLead(supabase, leadId),
    startCall: async (leadId, phoneNumber) => {
      const row = await startCall(supabase, leadId, phoneNumber);
      if (!row?.phone_number) throw new DataError('invalid', 'start_call: no call row');
      return { ...row, phone_number: row.phone_number };
    },
    markCallStatus: (callId, status) => markCallStatus(supabase, callId, status),
    reportHangup: (callId, { outcome, hangupBy }) => reportHangup(supabase, callId, { outcome: outcome ?? 'failed', hangupBy }),
    setAgentState: (state, reason) => setAgentState(supabase, state, reason),
    setRecordingConsent: (callId, consent) => setRecordingConsent(supabase, callId, consent),
    endCall: (callId, form) => endCall(supabase, callId, form),
    listMyOpenCalls: async (userId) => (await listMyOpenCalls(supabase, userId))
      .map((row) => ({ ...row, hangup_by: isHangupBy(row.hangup_by) ? row.hangup_by : null })),
    createSale: (sale) => createSale(supabase, sale),
    listCampaigns: () => listCampaigns(supabase),
    listProducts: () => listProducts(supabase),
    listDispositions: () => listDispositions(supabase),
    listMyLeads: (userId, { search }) => listMyLeads(supabase, userId, { search }),
    listMyCallbacks: (userId) => listMyCallbacks(supabase, userId),
    listMyCallsSince: (userId, since) => listMyCallsSince(supabase, userId, since),
    listMyCampaignIds: (userId) => listMyCampaignIds(supabase, userId),
  };
}
