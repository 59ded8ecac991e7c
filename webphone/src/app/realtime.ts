// Realtime channels with React's lifecycle: opened while the component is
// on screen, left when it goes (or its topics change), with one status for
// the lot. Every join, the first and each rejoin after a lost connection,
// calls onJoined once (debounced over the channels): pushes missed while
// disconnected are gone, so screens refetch then.

import { useEffect, useEffectEvent, useState } from 'react';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { openChannel, type ChannelStatus } from '../data/realtime';
import { useAuth } from './auth/auth-context';

/** The channels together: off (none), connecting, live (all joined) or reconnecting (one is not). */
export type RealtimeStatus = ChannelStatus | 'off';

/** Several statuses as one ('off' ones do not count). */
export function combineStatus(all: readonly RealtimeStatus[]): RealtimeStatus {
  const statuses = all.filter((s) => s !== 'off');
  if (!statuses.length) return 'off';
  if (statuses.includes('reconnecting')) return 'reconnecting';
  if (statuses.includes('connecting')) return 'connecting';
  return 'live';
}

export interface ChannelsOptions {
  /** Private channels (the default): RLS on realtime.messages decides who joins. */
  private?: boolean;
  /** Presence key for channels that track. */
  presenceKey?: string;
  /** Listeners of one channel, added before it joins. */
  bind: (channel: RealtimeChannel, topic: string) => void;
  /** After joins (debounced): refetch what the pushes would have said. */
  onJoined?: () => void;
  /** Each channel on each join (presence tracks here). */
  onChannelJoined?: (channel: RealtimeChannel, topic: string) => void;
}

const JOIN_DEBOUNCE_MS = 250;

/** Keeps one channel per topic open while mounted; returns their combined status. */
export function useRealtimeChannels(topics: readonly string[], options: ChannelsOptions): RealtimeStatus {
  const { supabase } = useAuth();
  const [statuses, setStatuses] = useState<Readonly<Record<string, ChannelStatus>>>({});
  const bind = useEffectEvent(options.bind);
  const joined = useEffectEvent(() => { options.onJoined?.(); });
  const channelJoined = useEffectEvent((channel: RealtimeChannel, topic: string) => { options.onChannelJoined?.(channel, topic); });
  const key = [...topics].sort().join(' ');
  const isPrivate = options.private ?? true;
  const { presenceKey } = options;

  useEffect(() => {
    const list = key ? key.split(' ') : [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    const closers = list.map((topic) => openChannel(supabase, topic, {
      private: isPrivate,
      presenceKey,
      bind: (channel) => { bind(channel, topic); },
      onJoined: (channel) => {
        channelJoined(channel, topic);
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => { timer = null; joined(); }, JOIN_DEBOUNCE_MS);
      },
      onStatus: (status) => { setStatuses((old) => (old[topic] === status ? old : { ...old, [topic]: status })); },
    }));
    return () => {
      if (timer) clearTimeout(timer);
      for (const close of closers) close();
      setStatuses({});
    };
  }, [supabase, key, isPrivate, presenceKey]);

  const current = key ? key.split(' ').map((topic) => statuses[topic] ?? 'connecting') : [];
  return combineStatus(current);
}
