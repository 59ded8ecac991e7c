// Erased leads on the desk (named "personal data erased", no phone) and the
// lead history's rows as the lead card's timeline tells them.
import { describe, expect, test } from 'vitest';
import { isErasedLead } from '../../../src/desk/erased';
import { createI18n, tMaybe } from '../../../src/app/i18n';
import { leadName, leadPhone } from '../../../src/app/lead-label';
import { historyEntry } from '../../../src/app/screens/agent/lead-history';

const LEAD_ID = '00000000-0000-4000-d000-000000001635';
const ERASED = {
  id: LEAD_ID, status: 'erased', erased_at: '2026-11-24T10:00:00Z', first_name: '[erased]', last_name: '', phone: null,
  alternate_phones: [], email: null, custom: {},
};

describe('erased leads', () => {
  test('recognised by status or erased_at', () => {
    expect(isErasedLead(ERASED)).toBe(true);
    expect(isErasedLead({ status: 'new', erased_at: '2026-11-24T10:00:00Z' })).toBe(true);
    const named = { status: 'new', first_name: 'Ana' };
    expect(isErasedLead(named)).toBe(false);
    expect(isErasedLead(null)).toBe(false);
  });

  test('named "personal data erased", never by the placeholder, and without a phone', () => {
    expect(leadName(createI18n('es').t, ERASED)).toBe('Datos personales borrados');
    const en = createI18n('en').t;
    expect(leadName(en, ERASED)).toBe('Personal data erased');
    expect(leadName(en, { first_name: 'Ana', last_name: 'García', status: 'new' })).toBe('Ana García');
    expect(leadPhone(ERASED)).toBe('');
    expect(leadPhone({ phone: '+34612345678' })).toBe('+34 612 34 56 78');
  });
});

describe('lead history rows', () => {
  test('the erasure row (old_values null) lists the erased fields, never values', () => {
    const entry = historyEntry({
      operation: 'update', via: 'rpc/erase_lead', old_values: null,
      new_values: { status: 'erased', erased_at: '2026-11-24T10:00:00Z' },
      changed_fields: ['first_name', 'last_name', 'phone', 'email', 'status', 'erased_at'],
    });
    expect(entry.kind).toBe('erased');
    expect(entry.fields).toStrictEqual(['first_name', 'last_name', 'phone', 'email', 'status', 'erased_at']);
    expect(entry.changes).toStrictEqual([]);
    const i18n = createI18n('es');
    expect(tMaybe(i18n, 'history.via.erase_lead')).toBeTruthy();
    expect(entry.fields.every((f) => tMaybe(i18n, `lead.field.${f}`)), 'every erased field has a label').toBeTruthy();
  });

  test('any update with old_values null shows only the new values', () => {
    const entry = historyEntry({ operation: 'update', via: null, old_values: null, new_values: { status: 'retry' }, changed_fields: ['status'] });
    expect(entry.changes).toStrictEqual([{ field: 'status', hasOld: false, old: undefined, new: 'retry' }]);
  });

  test('an ordinary update keeps old and new', () => {
    const entry = historyEntry({
      operation: 'update', via: 'rpc/end_call', old_values: { status: 'in_call' }, new_values: { status: 'retry' },
      changed_fields: ['status', 'updated_at'],
    });
    expect(entry.kind).toBe('updated');
    expect(entry.via).toBe('end_call');
    expect(entry.changes).toStrictEqual([{ field: 'status', hasOld: true, old: 'in_call', new: 'retry' }]);
  });

  test('an insert is "created"', () => {
    expect(historyEntry({ operation: 'insert', changed_fields: null, old_values: null }).kind).toBe('created');
  });
});
