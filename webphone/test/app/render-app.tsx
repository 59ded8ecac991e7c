// The whole app (providers, routes, lazy role chunks) in a memory router.
import { render } from '@testing-library/react';
import { createMemoryRouter } from 'react-router';
import { App, createQueryClient } from '../../src/app/App';
import type { Supabase, WebphoneConfig } from '../../src/app/config';
import { createNetworkStatus } from '../../src/app/network-status';
import { createI18n } from '../../src/app/i18n';
import { routes } from '../../src/app/routes';

export const TEST_CONFIG: WebphoneConfig = {
  supabaseUrl: 'http://127.0.0.1:9', supabaseAnonKey: 'anon', sipWsUrl: 'ws://127.0.0.1:9/ws',
  sipDomain: 'crm.test', iceServers: [], ringTimeoutSeconds: 45, floorPollSeconds: 5,
};

export function renderApp(supabase: Supabase, { path = '/', language = 'es', config = TEST_CONFIG } = {}) {
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const i18n = createI18n(language);
  const network = createNetworkStatus();
  const view = render(<App supabase={supabase} services={{ config, network }} i18n={i18n} queryClient={createQueryClient()} router={router} />);
  return { ...view, router, i18n, network };
}
