// Whether the server answers: fed by every request of the Supabase client
// (config.ts NetworkWatch), read by the "server unreachable" banner. And
// whether the browser has a network at all (navigator.onLine with its
// online/offline events), read by the "sin conexión" banner and the offline screen.

type Listener = () => void;

export interface NetworkStatus {
  reachable: () => boolean;
  /** False while the browser reports no network (navigator.onLine). */
  online: () => boolean;
  subscribe: (listener: Listener) => () => void;
  failed: () => void;
  ok: () => void;
}

/** The window's network signals: its navigator.onLine and its online/offline events. */
export type NetworkSignals = Pick<Window, 'addEventListener' | 'removeEventListener'> & {
  navigator: Pick<Navigator, 'onLine'>;
};

/** Calls `listener` on every online and offline event of `win`; returns the unsubscribe. */
export function onOnlineChange(win: NetworkSignals, listener: Listener): () => void {
  win.addEventListener('online', listener);
  win.addEventListener('offline', listener);
  return () => {
    win.removeEventListener('online', listener);
    win.removeEventListener('offline', listener);
  };
}

export function createNetworkStatus(win: NetworkSignals = window): NetworkStatus {
  let reachable = true;
  const listeners = new Set<Listener>();
  const notify = () => { for (const listener of listeners) listener(); };
  const set = (value: boolean) => {
    if (value === reachable) return;
    reachable = value;
    notify();
  };
  // Requests failed while the network was down: once it is back, assume the
  // server answers until the next request says otherwise, rather than keep
  // "server unreachable" up on a screen that does not poll.
  const browserChanged = () => {
    if (win.navigator.onLine) reachable = true;
    notify();
  };
  let unwatch: (() => void) | null = null;
  return {
    reachable: () => reachable,
    online: () => win.navigator.onLine,
    subscribe: (listener) => {
      listeners.add(listener);
      unwatch ??= onOnlineChange(win, browserChanged);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && unwatch) {
          unwatch();
          unwatch = null;
        }
      };
    },
    failed: () => { set(false); },
    ok: () => { set(true); },
  };
}
