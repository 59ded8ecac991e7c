// The interface language: Spanish by default, English selectable. Every
// string lives in es.js / en.js under the same keys (test/i18n.test.js
// checks they match); t('key', { name }) fills {name} placeholders.

import es from './es.js';
import en from './en.js';

export const LANGUAGES = Object.freeze({ es, en });
export const DEFAULT_LANGUAGE = 'es';

let current = DEFAULT_LANGUAGE;
const listeners = new Set();

export function language() {
  return current;
}

export function setLanguage(lang) {
  const next = LANGUAGES[lang] ? lang : DEFAULT_LANGUAGE;
  if (next === current) return;
  current = next;
  if (globalThis.document) document.documentElement.lang = current;
  for (const fn of listeners) fn(current);
}

export function onLanguageChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The string for key in the current language (Spanish if missing), with {placeholders} filled. */
export function t(key, params = undefined) {
  const text = LANGUAGES[current][key] ?? LANGUAGES[DEFAULT_LANGUAGE][key];
  if (text === undefined) {
    console.warn(`[i18n] missing key ${key}`);
    return key;
  }
  return params ? fill(text, params) : text;
}

/** Like t(), but null when the key does not exist (for labels keyed by server values). */
export function tMaybe(key, params = undefined) {
  const text = LANGUAGES[current][key] ?? LANGUAGES[DEFAULT_LANGUAGE][key];
  if (text === undefined) return null;
  return params ? fill(text, params) : text;
}

export function fill(text, params) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}
