// The sign-in screen: today's words, its own field checks, what reaches
// Supabase Auth, and what an agent reads when it is refused.
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { fakeSupabase, PASSWORD } from './fake-supabase';
import { renderApp } from './render-app';

async function signInScreen(fake = fakeSupabase(), language = 'es') {
  const view = renderApp(fake.client, { language });
  await screen.findByRole('button', { name: language === 'es' ? 'Entrar' : 'Sign in' });
  return { ...view, fake, user: userEvent.setup() };
}

const email = () => screen.getByLabelText<HTMLInputElement>('Correo electrónico');
const password = () => screen.getByLabelText<HTMLInputElement>('Contraseña');

describe('the sign-in screen', () => {
  test('speaks Spanish by default with the words agents know', async () => {
    await signInScreen();
    expect(screen.getByRole('heading', { name: 'Call Center CRM' })).toBeTruthy();
    expect(screen.getByText('Webphone y CRM de televenta')).toBeTruthy();
    expect(email().type).toBe('email');
    expect(password().type).toBe('password');
    expect(document.activeElement).toBe(email());
  });

  test('an empty form says what is missing and asks nothing of the server', async () => {
    const { user, fake } = await signInScreen();
    await user.click(screen.getByRole('button', { name: 'Entrar' }));
    expect(await screen.findByText('Escriba su correo electrónico.')).toBeTruthy();
    expect(screen.getByText('Escriba su contraseña.')).toBeTruthy();
    expect(email().getAttribute('aria-invalid')).toBe('true');
    expect(email().getAttribute('aria-describedby')).toBe('sign-in-email-error');
    expect(document.activeElement).toBe(email());
    expect(fake.auth.signInWithPassword).not.toHaveBeenCalled();
  });

  test('a malformed email is refused before sending', async () => {
    const { user, fake } = await signInScreen();
    await user.type(email(), 'lucia.garcia');
    await user.type(password(), PASSWORD);
    await user.click(screen.getByRole('button', { name: 'Entrar' }));
    expect(await screen.findByText('Ese correo electrónico no es válido.')).toBeTruthy();
    expect(screen.queryByText('Escriba su contraseña.')).toBeNull();
    expect(fake.auth.signInWithPassword).not.toHaveBeenCalled();
  });

  test('signing in sends the trimmed email and the password to Supabase Auth, then opens the desk', async () => {
    const { user, fake } = await signInScreen();
    await user.type(email(), '  agent1@demo.test ');
    await user.type(password(), PASSWORD);
    await user.click(screen.getByRole('button', { name: 'Entrar' }));
    expect(await screen.findByTestId('agent-desk', {}, { timeout: 3000 })).toBeTruthy();
    expect(fake.auth.signInWithPassword).toHaveBeenCalledWith({ email: 'agent1@demo.test', password: PASSWORD });
    expect(screen.getByTestId('user-name').textContent).toBe('Lucía García');
  });

  test('a wrong password says so, keeps the email and selects the password again', async () => {
    const { user, fake } = await signInScreen();
    await user.type(email(), 'agent1@demo.test');
    await user.type(password(), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Entrar' }));
    const error = await screen.findByTestId('sign-in-error');
    expect(error.textContent).toBe('Correo o contraseña incorrectos.');
    // Announced: it sits in an alert region that is always in the page.
    expect(error.closest('[role="alert"]')).toBeTruthy();
    expect(email().value).toBe('agent1@demo.test');
    await waitFor(() => { expect(document.activeElement).toBe(password()); });
    expect(screen.getByRole('button', { name: 'Entrar' })).toHaveProperty('disabled', false);
    expect(fake.auth.signInWithPassword).toHaveBeenCalledTimes(1);
  });

  test('a deactivated account is signed out again with its own message', async () => {
    const { user, fake } = await signInScreen();
    await user.type(email(), 'gone@demo.test');
    await user.type(password(), PASSWORD);
    await user.click(screen.getByRole('button', { name: 'Entrar' }));
    expect((await screen.findByTestId('sign-in-error')).textContent)
      .toBe('Su cuenta está desactivada. Hable con su supervisor.');
    expect(fake.auth.signOut).toHaveBeenCalled();
  });

  test('an unreachable server and an Auth refusal (429) are told as the old screen told them', async () => {
    const fake = fakeSupabase();
    fake.auth.signInWithPassword
      .mockResolvedValueOnce({ data: { session: null, user: null }, error: { name: 'AuthRetryableFetchError', status: 0, code: undefined, message: 'Failed to fetch' } } as never)
      .mockResolvedValueOnce({ data: { session: null, user: null }, error: { name: 'AuthApiError', status: 429, code: 'over_request_rate_limit', message: 'Request rate limit reached' } });
    const { user } = await signInScreen(fake);
    await user.type(email(), 'agent1@demo.test');
    await user.type(password(), 'x');
    await user.click(screen.getByRole('button', { name: 'Entrar' }));
    expect((await screen.findByTestId('sign-in-error')).textContent)
      .toBe('No se puede conectar con el servidor. Compruebe la red; se reintentará automáticamente.');
    await user.click(screen.getByRole('button', { name: 'Entrar' }));
    await waitFor(() => {
      expect(screen.getByTestId('sign-in-error').textContent).toBe('Error del servidor. (Request rate limit reached)');
    });
  });

  test('English is one click away, and the choice is saved to the profile on entering', async () => {
    const { user, fake } = await signInScreen();
    await user.click(screen.getByRole('button', { name: 'EN' }));
    expect(await screen.findByLabelText('Email')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'EN' }).getAttribute('aria-pressed')).toBe('true');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Enter your email.')).toBeTruthy();
    await user.type(screen.getByLabelText('Email'), 'agent1@demo.test');
    await user.type(screen.getByLabelText('Password'), PASSWORD);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByTestId('agent-desk')).toBeTruthy();
    expect(screen.getByTestId('user-role').textContent).toContain('Agent');
    expect(fake.updates).toStrictEqual([{ table: 'profiles', values: { locale: 'en' }, id: 'a-1' }]);
    expect(localStorage.getItem('crm.language')).toBe('en');
  });
});
