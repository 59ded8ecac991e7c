// What the whole app shares beside the signed-in person: the settings of
// config.json (SIP and ICE for the phone) and whether the server answers.

import { createContext, use, useSyncExternalStore } from 'react';
import type { WebphoneConfig } from './config';
import type { NetworkStatus } from './network-status';

export interface AppServices {
  config: WebphoneConfig;
  network: NetworkStatus;
}

export const AppServicesContext = createContext<AppServices | null>(null);

export function useAppServices(): AppServices {
  const value = use(AppServicesContext);
  if (!value) throw new Error('useAppServices outside <App>');
  return value;
}

export function useConfig(): WebphoneConfig {
  return useAppServices().config;
}

/** False while requests fail to reach the server. */
export function useServerReachable(): boolean {
  const { network } = useAppServices();
  return useSyncExternalStore(network.subscribe, network.reachable);
}

/** False while the browser has no network at all (navigator.onLine). */
export function useBrowserOnline(): boolean {
  const { network } = useAppServices();
  return useSyncExternalStore(network.subscribe, network.online);
}
