// What the agent's desk does with a push on agent:<user_id>: the notice it
// shows (an i18n key and its values) and what it reads again. Pure, so it is
// tested without a screen.

import type { AgentEvent } from '../data/realtime';

export type DeskNoticeKey =
  | 'desk.notice.leadAssigned' | 'desk.notice.leadAssignedNoName'
  | 'desk.notice.saleValidated' | 'desk.notice.saleValidatedNoName'
  | 'desk.notice.saleRejected' | 'desk.notice.saleRejectedNoName';

export interface DeskNotice {
  key: DeskNoticeKey;
  values: { name?: string; reason?: string };
  level: 'info' | 'success' | 'warning';
  /** The desk's lists to read again (query keys under ['agent', ...]). */
  lists: ('myLeads' | 'callbacks' | 'today')[];
  /** The lead whose card is read again if it is the one in hand. */
  leadId: string | null;
}

/**
 * The notice for an event. `name` is the lead's name when the desk knows it
 * (the lead in hand, or the own-leads list once read again).
 */
export function deskNotice(event: AgentEvent, name: string | null): DeskNotice {
  const named = name ? { name } : {};
  if (event.event === 'lead_assigned') {
    return {
      key: name ? 'desk.notice.leadAssigned' : 'desk.notice.leadAssignedNoName',
      values: named, level: 'info', lists: ['myLeads', 'callbacks'], leadId: event.lead_id,
    };
  }
  if (event.status === 'validated') {
    return {
      key: name ? 'desk.notice.saleValidated' : 'desk.notice.saleValidatedNoName',
      values: named, level: 'success', lists: ['today'], leadId: event.lead_id,
    };
  }
  return {
    key: name ? 'desk.notice.saleRejected' : 'desk.notice.saleRejectedNoName',
    values: { ...named, reason: event.reason ?? '—' }, level: 'warning', lists: ['today'], leadId: event.lead_id,
  };
}
