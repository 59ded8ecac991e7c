import { describe, expect, test } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import es from '../src/i18n/es.js';
import en from '../src/i18n/en.js';
import { t, tMaybe, setLanguage, language, fill, DEFAULT_LANGUAGE } from '../src/i18n/index.js';
import { AGENT_SHORTCUTS } from '../src/ui/shortcuts.js';
import { PAUSE_REASONS, AgentState } from '../src/desk/agent-state';
import { Outcome, Status } from '../src/sip/call-state';
import { PhoneStatus } from '../src/sip/phone.js';
import { RECORDING_STATUSES } from '../src/ui/recordings.js';

const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    // .ts and .tsx too: the port to TypeScript must keep asking for existing keys.
    return /\.(js|ts|tsx)$/.test(full) && !full.includes(`${path.sep}i18n${path.sep}`) ? [full] : [];
  });
}

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the two languages', () => {
  test('Spanish is the default', () => {
    expect(DEFAULT_LANGUAGE).toBe('es');
    expect(language()).toBe('es');
  });

  test('es and en have exactly the same keys', () => {
    const onlyEs = Object.keys(es).filter((k) => !(k in en));
    const onlyEn = Object.keys(en).filter((k) => !(k in es));
    expect(onlyEs, 'keys missing in en.js').toStrictEqual([]);
    expect(onlyEn, 'keys missing in es.js').toStrictEqual([]);
  });

  test('no string is empty and placeholders match', () => {
    for (const key of Object.keys(es)) {
      expect(es[key].trim(), `es ${key} is empty`).toBeTruthy();
      expect(en[key].trim(), `en ${key} is empty`).toBeTruthy();
      expect(placeholders(es[key]), `placeholders of ${key}`).toStrictEqual(placeholders(en[key]));
    }
  });

  test('every literal key the code asks for exists', () => {
    const missing = [];
    for (const file of sourceFiles(SRC)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\b(?:t|tMaybe)\('([a-zA-Z0-9_.]+)'/g)) {
        if (!(m[1] in es)) missing.push(`${path.relative(SRC, file)}: ${m[1]}`);
      }
      for (const m of text.matchAll(/(?:label|nav): '([a-zA-Z0-9_.]+)'/g)) {
        if (!(m[1] in es)) missing.push(`${path.relative(SRC, file)}: ${m[1]}`);
      }
    }
    expect(missing).toStrictEqual([]);
  });

  test('every value the code turns into a key has a label', () => {
    const families = {
      'agentState.': [...Object.values(AgentState), 'unknown'],
      'pauseReason.': PAUSE_REASONS,
      'outcome.': Object.values(Outcome),
      'call.status.': Object.values(Status),
      'sip.': Object.values(PhoneStatus),
      'shortcut.': AGENT_SHORTCUTS.map((s) => s.label.replace('shortcut.', '')),
      'leadStatus.': ['new', 'in_call', 'retry', 'callback', 'won', 'lost', 'invalid', 'exhausted', 'do_not_call', 'erased'],
      'recordingStatus.': RECORDING_STATUSES,
      'recording.error.': ['forbidden', 'no_call', 'no_recording', 'invalid', 'failed', 'timeout', 'gone'],
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
    const missing = [];
    for (const [prefix, values] of Object.entries(families)) {
      for (const v of values) if (!(`${prefix}${v}` in es)) missing.push(`${prefix}${v}`);
    }
    expect(missing).toStrictEqual([]);
  });
});

describe('t()', () => {
  test('fills placeholders and switches language', () => {
    setLanguage('es');
    expect(t('phone.sipStatusWithExt', { ext: '1001', status: 'Registrado' })).toBe('Ext. 1001 · Registrado');
    setLanguage('en');
    expect(t('phone.call')).toBe('Call');
    setLanguage('xx');
    expect(language(), 'an unknown language falls back to Spanish').toBe('es');
    expect(t('phone.call')).toBe('Llamar');
  });

  test('a missing key shows itself; tMaybe says null', () => {
    const warn = console.warn;
    console.warn = () => {};
    try {
      expect(t('no.such.key')).toBe('no.such.key');
    } finally {
      console.warn = warn;
    }
    expect(tMaybe('no.such.key')).toBe(null);
  });

  test('fill leaves unknown placeholders alone', () => {
    expect(fill('{a} and {b}', { a: 1 })).toBe('1 and {b}');
  });
});
