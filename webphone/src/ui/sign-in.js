// The sign-in screen: email and password against Supabase Auth.

import { h, icon } from './dom.js';
import { t, language, setLanguage } from '../i18n/index.js';

/**
 * @param {{ signIn: (email: string, password: string) => Promise<void>, notice?: string|null }} props
 */
export function signInScreen({ signIn, notice = null }) {
  const error = h('p', { class: 'form-error', id: 'sign-in-error', 'data-test': 'sign-in-error', role: 'alert', hidden: !notice }, notice ?? '');
  const email = h('input', {
    id: 'sign-in-email', 'data-test': 'sign-in-email', type: 'email', name: 'email',
    autocomplete: 'username', required: true, autofocus: true, placeholder: 'agente@empresa.com',
  });
  const password = h('input', {
    id: 'sign-in-password', 'data-test': 'sign-in-password', type: 'password', name: 'password',
    autocomplete: 'current-password', required: true,
  });
  const submit = h('button', { class: 'btn btn-primary btn-block btn-lg', type: 'submit', id: 'sign-in-submit', 'data-test': 'sign-in-submit' }, t('signIn.submit'));

  async function onSubmit(event) {
    event.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    submit.textContent = t('signIn.working');
    try {
      await signIn(email.value.trim(), password.value);
    } catch (err) {
      error.textContent = err.userMessage ?? err.message;
      error.hidden = false;
      password.select();
    } finally {
      submit.disabled = false;
      submit.textContent = t('signIn.submit');
    }
  }

  const languagePicker = h('div', { class: 'lang-switch' },
    ['es', 'en'].map((code) => h('button', {
      type: 'button',
      class: { 'lang-option': true, active: language() === code },
      'data-test': `language-${code}`,
      onclick: () => {
        // Remembered on this machine, and saved to the profile once signed in.
        localStorage.setItem('crm.language', code);
        sessionStorage.setItem('crm.language.chosen', code);
        setLanguage(code);
      },
    }, code.toUpperCase())));

  return h('main', { class: 'sign-in-page', id: 'sign-in', 'data-test': 'sign-in-screen' },
    h('section', { class: 'sign-in-card' },
      h('div', { class: 'sign-in-brand' },
        h('span', { class: 'brand-mark' }, icon('phone', { size: 22 })),
        h('div', {},
          h('h1', {}, t('app.name')),
          h('p', { class: 'muted' }, t('signIn.subtitle')))),
      h('form', { id: 'sign-in-form', 'data-test': 'sign-in-form', onsubmit: onSubmit, novalidate: false },
        h('label', { class: 'field' }, h('span', {}, t('signIn.email')), email),
        h('label', { class: 'field' }, h('span', {}, t('signIn.password')), password),
        error,
        submit),
      h('footer', { class: 'sign-in-footer' },
        h('span', { class: 'muted' }, t('signIn.language')), languagePicker)));
}
