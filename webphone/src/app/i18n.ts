// i18next over the webphone's own dictionaries (src/i18n/es.ts, en.ts): the
// words agents already know. They are flat ('signIn.submit') with {name}
// placeholders, so i18next is told so instead of reshaping them: no key or
// namespace separators, single braces. Spanish, the default, is in the
// bundle; English is a chunk of its own, loaded when someone chooses it
// (most of the floor never does, and the agent's desk has a budget).

import i18next, { type i18n as I18n } from 'i18next';
import { getI18n, initReactI18next } from 'react-i18next';
import es from '../i18n/es';
import type backofficeEs from '../i18n/backoffice.es';
import type dashboardEs from '../i18n/dashboard.es';
import type dialerEs from '../i18n/dialer.es';
import type leadsEs from '../i18n/leads.es';

export const LANGUAGES = ['es', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'es';
/** Where the browser keeps the language chosen (before signing in, or for the next visit). */
export const LANGUAGE_STORAGE_KEY = 'crm.language';

/**
 * Every key the code may ask for: the core dictionary (es.ts, en.ts) and the
 * dictionaries of the screens in lazy chunks (leads, back office, dashboard, dialer),
 * which their chunk adds when it loads (addDictionaries), so the agent's
 * bundle does not carry the supervisor's and admin's words.
 */
export type Dictionary = typeof es & typeof leadsEs & typeof backofficeEs & typeof dashboardEs & typeof dialerEs;
type Words = Readonly<Record<string, string>>;
type CoreDictionary = typeof es;

const dictionaries: Partial<Record<Language, CoreDictionary>> = { es };
/** The lazy chunks' dictionaries added so far, both languages each. */
const areas: Record<Language, Words>[] = [];

/** A lazy chunk's dictionaries: kept for later i18n instances and added to the running one. */
export function addDictionaries(area: Record<Language, Words>): void {
  if (areas.includes(area)) return;
  areas.push(area);
  const running = getI18n() as I18n | undefined;
  for (const language of LANGUAGES) running?.addResourceBundle(language, 'translation', area[language], true, true);
}

const LOADERS: Readonly<Record<Exclude<Language, 'es'>, () => Promise<{ default: CoreDictionary }>>> = {
  en: () => import('../i18n/en'),
};

/** Fetches a language's dictionary once (Spanish is always there); later i18n instances have it. */
export async function loadLanguage(language: Language): Promise<void> {
  if (dictionaries[language]) return;
  if (language === 'es') return;
  dictionaries[language] = (await LOADERS[language]()).default;
}

function resourcesLoaded() {
  return Object.fromEntries(LANGUAGES.map((lng) => [lng, {
    translation: Object.assign({}, ...areas.map((area) => area[lng]), dictionaries[lng] ?? {}) as Words,
  }]));
}

declare module 'i18next' {
  interface CustomTypeOptions {
    // Every literal key given to t() is checked against es.ts at compile time.
    resources: { translation: Dictionary };
    keySeparator: false;
    nsSeparator: false;
    interpolationPrefix: '{';
    interpolationSuffix: '}';
  }
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * A started i18next instance (a new one per test; the app makes one at start) with the
 * dictionaries loaded so far: a language not loaded yet falls back to Spanish until
 * switchLanguage() brings it.
 */
export function createI18n(language: string | null = null): I18n {
  const instance = i18next.createInstance();
  void instance.use(initReactI18next).init({
    resources: resourcesLoaded(),
    lng: isLanguage(language) && dictionaries[language] ? language : DEFAULT_LANGUAGE,
    fallbackLng: DEFAULT_LANGUAGE,
    supportedLngs: LANGUAGES,
    keySeparator: false,
    nsSeparator: false,
    interpolation: { prefix: '{', suffix: '}', escapeValue: false },
    // The resources are bundled: init is synchronous and the first render has its words.
    initAsync: false,
  });
  instance.on('languageChanged', (lng) => {
    document.documentElement.lang = lng;
  });
  return instance;
}

/** The text for a key made at run time (a server's error code), or null if there is none. */
export function tMaybe(instance: I18n, key: string, params?: Record<string, unknown>): string | null {
  if (!instance.exists(key)) return null;
  // With a default value, i18next takes a key made at run time; exists() said it is there.
  return instance.t(key, { ...params, defaultValue: key });
}

/** Changes the interface language, fetching its dictionary first if it is not loaded yet. */
export async function switchLanguage(instance: I18n, language: Language): Promise<void> {
  await loadLanguage(language);
  const dictionary = dictionaries[language];
  // Deep, without overwriting: a lazy chunk may have added its words in this language already.
  if (dictionary) instance.addResourceBundle(language, 'translation', dictionary, true, false);
  await instance.changeLanguage(language);
}
