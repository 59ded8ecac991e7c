// The providers every screen relies on: server-state cache, words, the
// signed-in person, and the router.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { i18n as I18n } from 'i18next';
import { I18nextProvider } from 'react-i18next';
import type { ComponentProps } from 'react';
import { RouterProvider } from 'react-router';
import { AuthProvider } from './auth/auth-context';
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
  i18n: I18n;
  queryClient: QueryClient;
  /** The browser's router in the app, a memory router in tests. */
  router: ComponentProps<typeof RouterProvider>['router'];
}

export function App({ supabase, i18n, queryClient, router }: AppProps) {
  return (
    <QueryClientProvider client={queryClient}>
      <I18nextProvider i18n={i18n}>
        <AuthProvider supabase={supabase}>
          <RouterProvider router={router} />
        </AuthProvider>
      </I18nextProvider>
    </QueryClientProvider>
  );
}
