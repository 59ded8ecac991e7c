// The whole app (providers, routes, lazy role chunks) in a memory router.
import { render } from '@testing-library/react';
import { createMemoryRouter } from 'react-router';
import { App, createQueryClient } from '../../src/app/App';
import type { Supabase } from '../../src/app/config';
import { createI18n } from '../../src/app/i18n';
import { routes } from '../../src/app/routes';

export function renderApp(supabase: Supabase, { path = '/', language = 'es' } = {}) {
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const i18n = createI18n(language);
  const view = render(<App supabase={supabase} i18n={i18n} queryClient={createQueryClient()} router={router} />);
  return { ...view, router, i18n };
}
