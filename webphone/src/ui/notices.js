// System messages: banners that stay while a condition lasts (server
// unreachable, SIP registration failed, microphone denied) and short toasts
// for what just happened (sale registered, wrap-up saved).

import { h, icon } from './dom.js';
import { t } from '../i18n/index.js';

export function createNotices() {
  const banners = h('div', { class: 'banners', id: 'banners', 'aria-live': 'polite' });
  const toasts = h('div', { class: 'toasts', id: 'toasts', 'aria-live': 'polite' });
  const shown = new Map();

  /**
   * Shows (or replaces) the banner `id` until hideBanner(id).
   * @param {string} id also its data-test: banner-<id>
   * @param {{level?: 'error'|'warning'|'info', title: string, text?: string, action?: {label: string, run: () => void}}} b
   */
  function showBanner(id, { level = 'error', title, text = '', action = null }) {
    const el = h('div', { class: `banner banner-${level}`, role: level === 'error' ? 'alert' : 'status', 'data-test': `banner-${id}`, id: `banner-${id}` },
      icon(level === 'info' ? 'info' : 'alert', { size: 20 }),
      h('div', { class: 'banner-text' }, h('strong', {}, title), text ? h('span', {}, ` ${text}`) : null),
      action ? h('button', { class: 'btn btn-small btn-light', type: 'button', onclick: action.run, 'data-test': `banner-${id}-action` }, action.label) : null,
      h('button', { class: 'btn-icon banner-close', type: 'button', 'aria-label': t('common.close'), onclick: () => hideBanner(id) }, icon('x', { size: 16 })));
    const old = shown.get(id);
    if (old) old.replaceWith(el);
    else banners.appendChild(el);
    shown.set(id, el);
  }

  function hideBanner(id) {
    shown.get(id)?.remove();
    shown.delete(id);
  }

  function hasBanner(id) {
    return shown.has(id);
  }

  /** A message that goes away by itself. */
  function toast(text, { level = 'success', ms = 3500 } = {}) {
    const el = h('div', { class: `toast toast-${level}`, role: 'status', 'data-test': 'toast' },
      icon(level === 'success' ? 'check' : level === 'error' ? 'alert' : 'info', { size: 18 }), h('span', {}, text));
    toasts.appendChild(el);
    setTimeout(() => el.classList.add('toast-leaving'), ms);
    setTimeout(() => el.remove(), ms + 400);
  }

  return { banners, toasts, showBanner, hideBanner, hasBanner, toast };
}
