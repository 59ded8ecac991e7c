// The providers every screen relies on: settings, server-state cache, words,
// banners and toasts, the signed-in person, and the router.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { i18n as I18n } from 'i18next';
import { I18nextProvider } from 'react-i18next';
import type { ComponentProps } from 'react';
import { RouterProvider } from 'react-router';
import { AuthProvider } from './auth/auth-context';
import { AppServicesContext, type AppServices } from './app-context';
import { NoticesProvider } from './components/Notices';
import type { Supabase } from './config';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // A refused request (RLS, a business rule) will not pass on a second try.
      queries: { retry: 1, refetchOnWindowFocus: false },
    },
  });
}

export interface AppProps {
  supabase: Supabase;
  services: AppServices;
  i18n: I18n;
  queryClient: QueryClient;
  /** The browser's router in the app, a memory router in tests. */
  router: ComponentProps<typeof RouterProvider>['router'];
}

export function App({ supabase, services, i18n, queryClient, router }: AppProps) {
  return (
    <AppServicesContext value={services}>
      <QueryClientProvider client={queryClient}>
        <I18nextProvider i18n={i18n}>
          <NoticesProvider>
            <AuthProvider supabase={supabase}>
              <RouterProvider router={router} />
            </AuthProvider>
          </NoticesProvider>
        </I18nextProvider>
      </QueryClientProvider>
    </AppServicesContext>
  );
}
