// Whether the server answers: fed by every request of the Supabase client
// (config.ts NetworkWatch), read by the "server unreachable" banner.

type Listener = () => void;

export interface NetworkStatus {
  reachable: () => boolean;
  subscribe: (listener: Listener) => () => void;
  failed: () => void;
  ok: () => void;
}

export function createNetworkStatus(): NetworkStatus {
  let reachable = true;
  const listeners = new Set<Listener>();
  const set = (value: boolean) => {
    if (value === reachable) return;
    reachable = value;
    for (const listener of listeners) listener();
  };
  return {
    reachable: () => reachable,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
    failed: () => { set(false); },
    ok: () => { set(true); },
  };
}
