// The agent's Realtime while the agent chunk is on screen: presence on
// presence:<campaign> for each of their campaigns (the presence worker marks
// them offline when it goes: tab closed, network lost, signed out), and the
// desk's notices from agent:<user_id> (a lead assigned to them, a sale of
// theirs decided), which read the desk's lists again. Hook: desk-live
// (data-state, hidden), the notices are toasts.

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { agentTopic, asAgentEvent, presenceTopic, type AgentEvent } from '../../../data/realtime';
import { deskNotice } from '../../../desk/agent-notices';
import { useProfile } from '../../auth/auth-context';
import { useNotices } from '../../components/Notices';
import { leadName } from '../../lead-label';
import { combineStatus, useRealtimeChannels } from '../../realtime';
import { useAgentSession } from './agent-session';
import type { LeadListRow } from './desk-data';

const NOTICE_MS = 8000;

export function AgentRealtime() {
  const profile = useProfile();
  const { data } = useAgentSession();
  const isAgent = profile.role === 'agent';
  const memberships = useQuery({
    queryKey: ['agent', 'memberships', profile.id],
    queryFn: () => data.listMyCampaignIds(profile.id),
    enabled: isAgent,
    staleTime: 5 * 60_000,
  });
  const presenceTopics = useMemo(() => (memberships.data ?? []).map(presenceTopic), [memberships.data]);
  const presence = useRealtimeChannels(presenceTopics, {
    presenceKey: profile.id,
    bind: () => undefined,
    // Tracked on every join: a rejoin after a lost connection starts with no presence.
    onChannelJoined: (channel) => {
      void channel.track({ agent_id: profile.id, online_at: new Date().toISOString() });
    },
  });
  const notices = useDeskNotices(isAgent);
  return <span data-test="desk-live" data-state={combineStatus([presence, notices])} hidden />;
}

function useDeskNotices(enabled: boolean) {
  const { t } = useTranslation();
  const profile = useProfile();
  const { desk, data } = useAgentSession();
  const { toast } = useNotices();
  const queryClient = useQueryClient();
  const topics = useMemo(() => (enabled ? [agentTopic(profile.id)] : []), [enabled, profile.id]);

  const knownName = (leadId: string | null): string | null => {
    if (!leadId) return null;
    if (desk.state.lead?.id === leadId) return leadName(t, desk.state.lead) || null;
    for (const [, rows] of queryClient.getQueriesData<LeadListRow[]>({ queryKey: ['agent', 'myLeads'] })) {
      const found = rows?.find((r) => r.id === leadId);
      if (found) return leadName(t, found) || null;
    }
    return null;
  };

  const handle = async (event: AgentEvent) => {
    const plan = deskNotice(event, null);
    if (plan.leadId && desk.state.lead?.id === plan.leadId) desk.refreshLead().catch(() => undefined);
    // The lists first, so that a lead just assigned is named from the own-leads list.
    await Promise.all(plan.lists.map((what) => queryClient.refetchQueries({ queryKey: ['agent', what] }))).catch(() => undefined);
    let name = knownName(plan.leadId);
    if (!name && plan.leadId) {
      // Not among the leads on screen (the list shows 50): the one lead is read for its name.
      name = await data.getLead(plan.leadId).then((lead) => (lead ? leadName(t, lead) || null : null), () => null);
    }
    const notice = deskNotice(event, name);
    toast(t(notice.key, notice.values), { level: notice.level, ms: NOTICE_MS });
  };

  return useRealtimeChannels(topics, {
    bind: (channel) => {
      for (const name of ['lead_assigned', 'sale_decided']) {
        channel.on('broadcast', { event: name }, (message) => {
          const event = asAgentEvent(name, message.payload);
          if (event) void handle(event);
        });
      }
    },
    // Missed while disconnected: the lists are read again (no notice for what was missed).
    onJoined: () => {
      for (const what of ['myLeads', 'callbacks', 'today']) void queryClient.invalidateQueries({ queryKey: ['agent', what] });
    },
  });
}
