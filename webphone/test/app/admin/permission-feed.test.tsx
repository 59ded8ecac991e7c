// Rights follow the database at once (issue 15): the shell's rights:<user>
// channel asks has_permission again when role_permissions changes, so a
// screen taken away leaves the navigation without a reload; the signed-in
// person's profile turning inactive signs them out with the reason.
import { screen, waitFor } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderApp } from '../render-app';
import { ALL_ADMIN, fakeAdmin } from './fake-admin';

const SLOW = { timeout: 5000 };

/** The admin's rights:<user> channel, once the shell opened it. */
const rightsChannel = (fake: ReturnType<typeof fakeAdmin>) => waitFor(() => {
  const found = fake.realtime.open('rights:ad-1');
  if (!found) throw new Error('no rights channel');
  return found;
}, SLOW);

describe('the permission feed', () => {
  test('a revoked permission leaves the navigation at once; given back, it returns', async () => {
    const permissions = [...ALL_ADMIN, 'permissions.manage'];
    const fake = fakeAdmin({ permissions });
    renderApp(fake.client, { path: '/admin/users' });
    await screen.findByTestId('nav-admin-products', {}, SLOW);
    const channel = await rightsChannel(fake);
    expect(channel.options.config).toStrictEqual({ private: false });

    permissions.splice(permissions.indexOf('products.manage'), 1);
    channel.change('DELETE', 'role_permissions', { role: 'admin', permission: 'products.manage' });
    await waitFor(() => { expect(screen.queryByTestId('nav-admin-products')).toBeNull(); }, SLOW);
    expect(screen.getByTestId('nav-admin-users')).toBeTruthy();

    permissions.push('products.manage');
    channel.change('INSERT', 'role_permissions', { role: 'admin', permission: 'products.manage' });
    expect(await screen.findByTestId('nav-admin-products', {}, SLOW)).toBeTruthy();
  });

  test('the own profile turned inactive signs the person out, saying why', async () => {
    const fake = fakeAdmin();
    renderApp(fake.client, { path: '/admin/users' });
    await screen.findByTestId('nav-admin-users', {}, SLOW);
    const channel = await rightsChannel(fake);
    // Another user's change is not theirs (the filter is id=eq.<me>; the row says whose).
    channel.change('UPDATE', 'profiles', { id: 'ad-1', active: true });
    expect(screen.getByTestId('nav-admin-users')).toBeTruthy();
    channel.change('UPDATE', 'profiles', { id: 'ad-1', active: false });
    expect((await screen.findByTestId('sign-in-error', {}, SLOW)).textContent).toBe('Your account is deactivated. Talk to your supervisor.');
  });
});
