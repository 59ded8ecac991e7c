/// <reference types="node" />
// The two dictionaries: the same keys, no empty words, every key the code
// asks for, every value turned into a key has its words; and i18next over them.
import { describe, expect, test } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import coreEs from '../src/i18n/es';
import coreEn from '../src/i18n/en';
import backofficeEn from '../src/i18n/backoffice.en';
import backofficeEs from '../src/i18n/backoffice.es';
import dashboardEn from '../src/i18n/dashboard.en';
import dashboardEs from '../src/i18n/dashboard.es';
import dialerEn from '../src/i18n/dialer.en';
import dialerEs from '../src/i18n/dialer.es';
import leadsEn from '../src/i18n/leads.en';
import leadsEs from '../src/i18n/leads.es';
import i18next from 'i18next';
import { addDictionaries, createI18n, DEFAULT_LANGUAGE, switchLanguage, tMaybe } from '../src/app/i18n';
import { AGENT_SHORTCUTS } from '../src/app/shortcuts';
import { PAUSE_REASONS, AgentState } from '../src/desk/agent-state';
import { Outcome, Status } from '../src/sip/call-state';
import { PhoneStatus } from '../src/sip/phone';
import { RECORDING_STATUSES } from '../src/app/components/Recording';

const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');
// The core dictionary and the lazy chunks' (app/i18n.ts addDictionaries): every key the code may ask for.
const ES: Record<string, string> = { ...coreEs, ...leadsEs, ...backofficeEs, ...dashboardEs, ...dialerEs };
const EN: Record<string, string> = { ...coreEn, ...leadsEn, ...backofficeEn, ...dashboardEn, ...dialerEn };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name: string) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    // .ts and .tsx too: the port to TypeScript must keep asking for existing keys.
    return /\.(js|ts|tsx)$/.test(full) && !full.includes(`${path.sep}i18n${path.sep}`) ? [full] : [];
  });
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the two languages', () => {
  test('Spanish is the default', () => {
    expect(DEFAULT_LANGUAGE).toBe('es');
    expect(createI18n().language).toBe('es');
  });

  test('es and en have exactly the same keys', () => {
    const onlyEs = Object.keys(ES).filter((k) => !(k in EN));
    const onlyEn = Object.keys(EN).filter((k) => !(k in ES));
    expect(onlyEs, 'keys missing in en.ts').toStrictEqual([]);
    expect(onlyEn, 'keys missing in es.ts').toStrictEqual([]);
  });

  test('no string is empty and placeholders match', () => {
    for (const key of Object.keys(ES)) {
      expect(ES[key]?.trim(), `es ${key} is empty`).toBeTruthy();
      expect(EN[key]?.trim(), `en ${key} is empty`).toBeTruthy();
      expect(placeholders(ES[key] ?? ''), `placeholders of ${key}`).toStrictEqual(placeholders(EN[key] ?? ''));
    }
  });

  test('every literal key the code asks for exists', () => {
    const missing: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\b(?:t|tMaybe)\('([a-zA-Z0-9_.]+)'/g)) {
        if (m[1] && !(m[1] in ES)) missing.push(`${path.relative(SRC, file)}: ${m[1]}`);
      }
      for (const m of text.matchAll(/(?:label|nav): '([a-zA-Z0-9_.]+)'/g)) {
        if (m[1] && !(m[1] in ES)) missing.push(`${path.relative(SRC, file)}: ${m[1]}`);
      }
    }
    expect(missing).toStrictEqual([]);
  });

  test('every value the code turns into a key has a label', () => {
    const families: Record<string, readonly string[]> = {
      'agentState.': [...Object.values(AgentState), 'unknown'],
      'pauseReason.': PAUSE_REASONS,
      'outcome.': Object.values(Outcome),
      'call.status.': Object.values(Status),
      'sip.': Object.values(PhoneStatus),
      'shortcut.': AGENT_SHORTCUTS.map((s) => s.label.replace('shortcut.', '')),
      'leadStatus.': ['new', 'in_call', 'retry', 'callback', 'won', 'lost', 'invalid', 'exhausted', 'do_not_call', 'erased'],
      'recordingStatus.': RECORDING_STATUSES,
      'recording.error.': ['forbidden', 'no_call', 'no_recording', 'invalid', 'failed', 'gone'],
      'accessLog.outcome.': ['granted', 'refused'],
      'compliance.error.': ['legal_hold', 'already_erased', 'in_call', 'already_released', 'conflict', 'not_found',
        'forbidden', 'unknown_target', 'invalid', 'bad_id'],
      'saleStatus.': ['pending', 'validated', 'rejected', 'cancelled'],
      'role.': ['admin', 'supervisor', 'agent'],
      'phone.error.': ['mic_denied', 'mic_missing', 'mic_failed', 'mic_unsupported', 'not_registered',
        'already_in_call', 'call_failed', 'no_extension', 'credentials', 'sip_auth', 'sip_unreachable'],
      'phone.blocked.': ['noLead', 'erased', 'wrapUp', 'phone', 'onCall'],
      'desk.error.': ['finish_call_first', 'no_campaign', 'lead_not_found', 'no_lead', 'not_available',
        'phone_not_ready', 'no_wrap_up', 'no_call', 'disposition_required', 'callback_required',
        'callback_invalid', 'callback_past', 'product_required', 'premium_invalid', 'lead_erased'],
      'frequency.': ['monthly', 'quarterly', 'yearly', 'single'],
      'line.': ['life', 'health', 'dental', 'auto', 'home', 'travel', 'accident', 'funeral', 'pet'],
      'campaignStatus.': ['draft', 'active', 'paused', 'archived'],
      'weekday.': ['1', '2', '3', '4', '5', '6', '7'],
    };
    const missing: string[] = [];
    for (const [prefix, values] of Object.entries(families)) {
      for (const v of values) if (!(`${prefix}${v}` in ES)) missing.push(`${prefix}${v}`);
    }
    expect(missing).toStrictEqual([]);
  });
});

describe('t()', () => {
  test('fills placeholders, in either language', () => {
    const i18n = createI18n('es');
    expect(i18n.t('phone.sipStatusWithExt', { ext: '1001', status: 'Registrado' })).toBe('Ext. 1001 · Registrado');
    expect(createI18n('en').t('phone.call')).toBe('Call');
    const unknown = createI18n('xx');
    expect(unknown.language, 'an unknown language falls back to Spanish').toBe('es');
    expect(unknown.t('phone.call')).toBe('Llamar');
  });

  test('tMaybe says null for a key that does not exist', () => {
    const i18n = createI18n('es');
    expect(tMaybe(i18n, 'no.such.key')).toBe(null);
    expect(tMaybe(i18n, 'phone.call')).toBe('Llamar');
  });
});

describe('English on demand', () => {
  test('switching brings the dictionary into an instance that started with Spanish only', async () => {
    const instance = i18next.createInstance();
    await instance.init({
      resources: { es: { translation: coreEs } }, lng: 'es', fallbackLng: 'es', keySeparator: false, nsSeparator: false,
      interpolation: { prefix: '{', suffix: '}', escapeValue: false },
    });
    expect(instance.hasResourceBundle('en', 'translation')).toBe(false);
    await switchLanguage(instance, 'en');
    expect(instance.language).toBe('en');
    expect(instance.t('nav.desk')).toBe(coreEn['nav.desk']);
    expect(coreEn['nav.desk']).not.toBe(coreEs['nav.desk']);
  });

  test('a lazy chunk\'s words reach the running instance and later ones, in both languages', () => {
    const instance = createI18n('es');
    const area = { es: { 'test.area.word': 'palabra' }, en: { 'test.area.word': 'word' } };
    addDictionaries(area);
    expect(tMaybe(instance, 'test.area.word')).toBe('palabra');
    // Later instances start with them, in English too, next to the core words.
    const english = createI18n('en');
    expect(tMaybe(english, 'test.area.word')).toBe('word');
    expect(english.t('nav.desk')).toBe(coreEn['nav.desk']);
  });
});
