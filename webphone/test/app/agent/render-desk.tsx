// The whole app signed in as an agent, with the fake phone and data in place of the real ones.
import { vi } from 'vitest';
import { render } from '@testing-library/react';
import { createMemoryRouter } from 'react-router';
import { App, createQueryClient } from '../../../src/app/App';
import { createI18n } from '../../../src/app/i18n';
import { createNetworkStatus } from '../../../src/app/network-status';
import { routes } from '../../../src/app/routes';
import { AgentDepsContext } from '../../../src/app/screens/agent/agent-session';
import { bindDialerData, DialerDataContext } from '../../../src/app/screens/agent/DialerPanel';
import type { DialerApi } from '../../../src/desk/dialer-desk';
import { fakeSupabase } from '../fake-supabase';
import { TEST_CONFIG } from '../render-app';
import type { DeskData } from '../../../src/app/screens/agent/desk-data';
import { fakeData, fakePhone } from './fake-desk';

export function renderDesk(
  { path = '/agent', phone = fakePhone(), data = fakeData(), dialerData = null as DialerApi | null } = {},
) {
  const { client, realtime, auth } = fakeSupabase({ signedInAs: 'agent1@demo.test' });
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const makePhone = vi.fn(() => phone);
  const view = render(
    // The fixtures stand for the generated row types: the desk reads only their columns.
    <AgentDepsContext value={{ makePhone, makeData: () => data as unknown as DeskData }}>
      <DialerDataContext value={dialerData ? () => dialerData : bindDialerData}>
        <App supabase={client} services={{ config: TEST_CONFIG, network: createNetworkStatus() }} i18n={createI18n('es')}
          queryClient={createQueryClient()} router={router} />
      </DialerDataContext>
    </AgentDepsContext>,
  );
  return { ...view, router, phone, data, makePhone, realtime, auth };
}
