// Rights follow the database at once, on screen too (issue 15). While
// someone is signed in, one Realtime channel carries postgres_changes of
// role_permissions (any grant added or taken: every ['permission', ...]
// answer is asked again, so navigation and screens hide or show what the
// person may now do) and of their own profile row (turned inactive: they
// are signed out with "account deactivated"). On every join, the first and
// each rejoin, the profile is read again: a change made while the channel
// was down is not pushed.
import { useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useAuth } from './auth/auth-context';
import * as auth from './auth/profile';
import { useRealtimeChannels } from './realtime';

export const permissionFeedTopic = (userId: string) => `rights:${userId}`;

export function usePermissionFeed(): void {
  const { supabase, state, signOut } = useAuth();
  const queryClient = useQueryClient();
  const userId = state.status === 'signed_in' ? state.profile.id : null;
  const topics = useMemo(() => (userId ? [permissionFeedTopic(userId)] : []), [userId]);
  const leave = () => { void signOut({ key: 'signIn.inactive' }); };
  useRealtimeChannels(topics, {
    private: false,
    bind: (channel) => {
      channel.on('postgres_changes', { event: '*', schema: 'public', table: 'role_permissions' }, () => {
        void queryClient.invalidateQueries({ queryKey: ['permission'] });
        void queryClient.invalidateQueries({ queryKey: ['admin', 'grants'] });
      });
      channel.on('postgres_changes', { event: 'UPDATE', schema: 'public', table: 'profiles', filter: `id=eq.${userId ?? ''}` }, (change) => {
        if (change.new.active === false) leave();
      });
    },
    onJoined: () => {
      if (!userId) return;
      // Missed while disconnected: the rights and the profile as they are now.
      void queryClient.invalidateQueries({ queryKey: ['permission'] });
      const { queryFn } = auth.profileQuery(supabase, userId);
      queryFn().then((profile) => { if (!profile.active) leave(); }, () => undefined);
    },
  });
}
