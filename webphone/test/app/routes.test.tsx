// Who sees what: the sign-in when signed out, each role its own lazily
// loaded page, and back to the sign-in on sign-out or an expired session.
import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { fakeAdmin } from './admin/fake-admin';
import { fakeSupabase } from './fake-supabase';
import { renderApp } from './render-app';

describe('role routing', () => {
  test('signed out, a role page sends to the sign-in', async () => {
    const { router } = renderApp(fakeSupabase().client, { path: '/agent' });
    expect(await screen.findByRole('button', { name: 'Entrar' })).toBeTruthy();
    expect(router.state.location.pathname).toBe('/');
  });

  test('an agent lands on the desk with their name and role', async () => {
    const { router } = renderApp(fakeSupabase({ signedInAs: 'agent1@demo.test' }).client);
    expect(await screen.findByTestId('agent-desk')).toBeTruthy();
    expect(router.state.location.pathname).toBe('/agent');
    expect(screen.getByRole('heading', { name: 'Mi puesto' })).toBeTruthy();
    expect(screen.getByTestId('user-name').textContent).toBe('Lucía García');
    expect(screen.getByTestId('user-role').textContent).toBe('Agente · Ext. 1001');
  });

  test('a supervisor lands on the supervisor page', async () => {
    renderApp(fakeSupabase({ signedInAs: 'supervisor1@demo.test' }).client);
    // The lazy chunk, cold on a busy machine.
    expect(await screen.findByTestId('floor-screen', {}, { timeout: 8000 })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Sala en vivo' })).toBeTruthy();
    expect(screen.getByTestId('user-name').textContent).toBe('Sergio Ruiz');
  });

  test("an agent cannot open the supervisor's or the admin's pages", async () => {
    const fake = fakeSupabase({ signedInAs: 'agent1@demo.test' });
    for (const path of ['/supervisor', '/admin']) {
      const { router, unmount } = renderApp(fake.client, { path });
      expect(await screen.findByTestId('agent-desk')).toBeTruthy();
      expect(router.state.location.pathname).toBe('/agent');
      unmount();
    }
  });

  test("an admin has the admin screens and the supervisors' pages, in the profile's language", async () => {
    const fake = fakeAdmin({ signedInAs: 'admin@demo.test' });
    const { router } = renderApp(fake.client);
    expect(await screen.findByTestId('admin-users')).toBeTruthy();
    expect(router.state.location.pathname).toBe('/admin/users');
    expect(screen.getByRole('heading', { name: 'Users and roles' })).toBeTruthy();
    await act(() => router.navigate('/supervisor'));
    expect(await screen.findByTestId('floor-screen')).toBeTruthy();
    await act(() => router.navigate('/agent'));
    expect(await screen.findByTestId('admin-users')).toBeTruthy();
  });

  test('signing out goes back to the sign-in', async () => {
    const fake = fakeSupabase({ signedInAs: 'agent1@demo.test' });
    const { router } = renderApp(fake.client);
    await screen.findByTestId('agent-desk');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Cerrar sesión' }));
    expect(await screen.findByRole('button', { name: 'Entrar' })).toBeTruthy();
    expect(fake.auth.signOut).toHaveBeenCalledTimes(1);
    // This browser only: the person's other sessions (a tablet, a second desk) stay open.
    expect(fake.auth.signOut).toHaveBeenCalledWith({ scope: 'local' });
    expect(router.state.location.pathname).toBe('/');
    expect(screen.queryByTestId('sign-in-error')).toBeNull();
  });

  test('a session that ends by itself brings the sign-in back with "session expired"', async () => {
    const fake = fakeSupabase({ signedInAs: 'supervisor1@demo.test' });
    renderApp(fake.client);
    await screen.findByTestId('floor-screen');
    act(() => { fake.expire(); });
    expect((await screen.findByTestId('sign-in-error')).textContent).toBe('Su sesión ha caducado. Vuelva a entrar.');
  });

  test('the language select re-words the page and saves the choice to the profile', async () => {
    const fake = fakeSupabase({ signedInAs: 'agent1@demo.test' });
    renderApp(fake.client);
    await screen.findByTestId('agent-desk');
    await userEvent.setup().selectOptions(screen.getByRole('combobox', { name: 'Idioma' }), 'en');
    expect(await screen.findByRole('heading', { name: 'My desk' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeTruthy();
    expect(fake.updates).toStrictEqual([{ table: 'profiles', values: { locale: 'en' }, id: 'a-1' }]);
    expect(document.documentElement.lang).toBe('en');
  });
});
