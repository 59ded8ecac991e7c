// The supervisor's leads: the search term as leads.search_text holds words,
// the filters as PostgREST filters and as the bulk RPCs' selection, the URL
// round trip, the keyset cursor, a bulk result in words, the lead form's
// checks, and the import helpers.

import { describe, expect, test } from 'vitest';
import {
  asBulkResult, compactFilter, cursorOf, keysetCondition, leadFilterParams, normaliseSearchTerm, quoteValue, selectionOf,
} from '../src/data/leads';
import { asPreview, importObjectName, importProgress, isImportFinished } from '../src/data/imports';
import { createI18n } from '../src/app/i18n';
import {
  DEFAULT_SORT, describeBulkResult, filterOf, hasFilters, listSearchParams, parseListParams,
} from '../src/app/screens/supervisor/leads-logic';
import {
  customFieldDefs, customFieldsOf, formValuesOf, leadFormSchema, patchOf,
} from '../src/app/screens/supervisor/lead-form';
import { toE164 } from '../src/app/lead-label';

describe('search term', () => {
  test('words: lower-case, accents and marks stripped, spaces collapsed', () => {
    expect(normaliseSearchTerm('  José  ÁLVAREZ Muñoz ')).toBe('jose alvarez munoz');
    expect(normaliseSearchTerm('Çelik Ægir')).toBe('celik ægir');
    expect(normaliseSearchTerm('ana@Example.COM')).toBe('ana@example.com');
  });

  test('wildcards and PostgREST syntax never reach the filter', () => {
    expect(normaliseSearchTerm('50% (a,b) *x* "q" o\'neil')).toBe('50 a b x q o neil');
    expect(normaliseSearchTerm('')).toBe('');
    expect(normaliseSearchTerm(null)).toBe('');
    expect(normaliseSearchTerm(' %%% ')).toBe('');
  });

  test('a phone in any format becomes its digits; +/00 numbers go through E.164', () => {
    expect(normaliseSearchTerm('612 34 56 78')).toBe('612345678');
    expect(normaliseSearchTerm('612-34.56/78')).toBe('612345678');
    expect(normaliseSearchTerm('(612) 345 678')).toBe('612345678');
    expect(normaliseSearchTerm('+34 612 34 56 78')).toBe('34612345678');
    expect(normaliseSearchTerm('0034 612 345 678')).toBe('34612345678');
    expect(normaliseSearchTerm('+52 1 55 1234 5678')).toMatch(/^52\d+$/);
    // Part of a number: digits only, as typed.
    expect(normaliseSearchTerm('3456')).toBe('3456');
    // Not a phone: letters with digits stay a word.
    expect(normaliseSearchTerm('Ref 123-B')).toBe('ref 123-b');
  });
});

describe('filters', () => {
  const campaign = '11111111-1111-4111-8111-111111111111';
  const agent = '22222222-2222-4222-8222-222222222222';

  test('each key becomes its PostgREST filter', () => {
    expect(leadFilterParams({
      campaign_id: campaign, status: ['new', 'retry'], owner_id: agent, attempts_min: 1, attempts_max: 3,
      last_outcome: ['no_answer', 'busy'], next_call_from: '2026-12-01T00:00:00.000Z', next_call_to: '2026-12-02T00:00:00.000Z',
      created_from: '2026-11-01T00:00:00.000Z', created_to: '2026-12-01T00:00:00.000Z', source: 'web form', import_id: agent, search: 'ana',
    })).toEqual([
      ['campaign_id', 'eq', campaign],
      ['status', 'in', '(new,retry)'],
      ['owner_id', 'eq', agent],
      ['attempts', 'gte', '1'],
      ['attempts', 'lte', '3'],
      ['last_outcome', 'in', '(no_answer,busy)'],
      ['next_call_at', 'gte', '2026-12-01T00:00:00.000Z'],
      ['next_call_at', 'lt', '2026-12-02T00:00:00.000Z'],
      ['created_at', 'gte', '2026-11-01T00:00:00.000Z'],
      ['created_at', 'lt', '2026-12-01T00:00:00.000Z'],
      ['source', 'eq', 'web form'],
      ['import_id', 'eq', agent],
      ['search_text', 'ilike', '%ana%'],
    ]);
  });

  test('the pool is owner is null, whatever owner was set; attempts 0 is a filter', () => {
    expect(leadFilterParams({ unassigned: true, owner_id: agent, attempts_min: 0 })).toEqual([
      ['owner_id', 'is', 'null'], ['attempts', 'gte', '0'],
    ]);
  });

  test('empty keys are left out of the filter and the selection', () => {
    expect(compactFilter({ status: [], source: '', unassigned: false, search: undefined, attempts_max: Number.NaN })).toEqual({});
    expect(leadFilterParams({})).toEqual([]);
    expect(selectionOf({ filter: { campaign_id: campaign, status: [], search: 'ana' } }))
      .toEqual({ filter: { campaign_id: campaign, search: 'ana' } });
    expect(selectionOf({ ids: ['a', 'b'] })).toEqual({ ids: ['a', 'b'] });
  });

  test('the selection keys are exactly the contract\'s', () => {
    const filter = filterOf(parseListParams(new URLSearchParams(
      `q=Ana&campaign=${campaign}&status=new,lost&owner=pool&amin=1&amax=5&outcome=busy&nfrom=2026-12-01&nto=2026-12-02`
      + '&cfrom=2026-11-01&cto=2026-11-30&source=web&import=' + agent,
    )));
    const selection = selectionOf({ filter });
    expect('filter' in selection ? Object.keys(selection.filter).sort() : []).toEqual([
      'attempts_max', 'attempts_min', 'campaign_id', 'created_from', 'created_to', 'import_id', 'last_outcome',
      'next_call_from', 'next_call_to', 'search', 'source', 'status', 'unassigned',
    ]);
    expect(filter.search).toBe('ana');
    expect(filter.unassigned).toBe(true);
    expect(filter.owner_id).toBeUndefined();
    // Days: [start of the first, start of the day after the last), in the browser's zone.
    expect(filter.created_from).toBe(new Date('2026-11-01T00:00:00').toISOString());
    expect(filter.created_to).toBe(new Date('2026-12-01T00:00:00').toISOString());
  });

  test('values PostgREST would read as syntax are quoted', () => {
    expect(quoteValue('abc')).toBe('abc');
    expect(quoteValue('2026-12-01T10:00:00+00:00')).toBe('"2026-12-01T10:00:00+00:00"');
    expect(quoteValue('O"Neil, (x)')).toBe('"O\\"Neil, (x)"');
    expect(quoteValue('null')).toBe('"null"');
    expect(leadFilterParams({ last_outcome: ['a b'] })).toEqual([['last_outcome', 'in', '("a b")']]);
  });
});

describe('URL', () => {
  test('round trip, defaults left out', () => {
    const params = parseListParams(new URLSearchParams('q=ana&status=new,bogus&owner=pool&sort=attempts&dir=desc&amin=x'));
    expect(params.status).toEqual(['new']);
    expect(params.attemptsMin).toBe('');
    expect(params.sort).toEqual({ column: 'attempts', ascending: false });
    expect(listSearchParams(params).toString()).toBe('q=ana&status=new&owner=pool&sort=attempts&dir=desc');
    const empty = parseListParams(new URLSearchParams(''));
    expect(empty.sort).toEqual(DEFAULT_SORT);
    expect(listSearchParams(empty).toString()).toBe('');
    expect(hasFilters(empty)).toBe(false);
    expect(hasFilters(params)).toBe(true);
  });

  test('a hand-edited URL never breaks the screen', () => {
    const params = parseListParams(new URLSearchParams('campaign=not-a-uuid&sort=password&nfrom=yesterday&owner=<script>'));
    expect(params.campaign).toBe('');
    expect(params.sort).toEqual(DEFAULT_SORT);
    expect(params.nextFrom).toBe('');
    expect(params.owner).toBe('');
  });
});

describe('keyset pages', () => {
  const id = '33333333-3333-4333-8333-333333333333';
  test('after the last row in (col, id) order, ascending or descending', () => {
    expect(keysetCondition({ column: 'attempts', ascending: true }, { value: 2, id }))
      .toBe(`(attempts.gt.2,and(attempts.eq.2,id.gt.${id}))`);
    expect(keysetCondition({ column: 'created_at', ascending: false }, { value: '2026-12-01T10:00:00+00:00', id }))
      .toBe(`(created_at.lt."2026-12-01T10:00:00+00:00",and(created_at.eq."2026-12-01T10:00:00+00:00",id.lt.${id}))`);
    expect(keysetCondition({ column: 'last_name', ascending: true }, { value: 'García, Ana', id }))
      .toBe(`(last_name.gt."García, Ana",and(last_name.eq."García, Ana",id.gt.${id}))`);
  });

  test('nullable columns: nulls last ascending, first descending (the index\'s order)', () => {
    expect(keysetCondition({ column: 'next_call_at', ascending: true }, { value: '2026-12-01T10:00:00Z', id }))
      .toBe(`(next_call_at.gt."2026-12-01T10:00:00Z",and(next_call_at.eq."2026-12-01T10:00:00Z",id.gt.${id}),next_call_at.is.null)`);
    expect(keysetCondition({ column: 'next_call_at', ascending: true }, { value: null, id }))
      .toBe(`(and(next_call_at.is.null,id.gt.${id}))`);
    expect(keysetCondition({ column: 'next_call_at', ascending: false }, { value: null, id }))
      .toBe(`(and(next_call_at.is.null,id.lt.${id}),next_call_at.not.is.null)`);
    expect(keysetCondition({ column: 'next_call_at', ascending: false }, { value: '2026-12-01T10:00:00Z', id }))
      .toBe(`(next_call_at.lt."2026-12-01T10:00:00Z",and(next_call_at.eq."2026-12-01T10:00:00Z",id.lt.${id}))`);
  });

  test('the cursor is the last row\'s sort value and id', () => {
    expect(cursorOf({ id, attempts: 4, status: 'new' }, { column: 'attempts', ascending: true })).toEqual({ value: 4, id });
    expect(cursorOf({ id, next_call_at: null }, { column: 'next_call_at', ascending: true })).toEqual({ value: null, id });
  });
});

describe('bulk result in words', () => {
  const es = createI18n('es');
  const en = createI18n('en');
  test('everything changed', () => {
    const r = asBulkResult({ matched: 5, changed: 5, skipped: {} });
    expect(describeBulkResult(es, 'assign', r)).toBe('Asignados 5 de 5 leads.');
    expect(describeBulkResult(en, 'assign', r)).toBe('Assigned 5 of 5 leads.');
  });

  test('skipped leads with their reasons, most first; an unknown reason as it came', () => {
    const r = asBulkResult({ matched: 7, changed: 3, skipped: { in_call: 1, final_status: 2, odd_reason: 1, zero: 0 } });
    expect(describeBulkResult(es, 'return_to_pool', r)).toBe(
      'Devueltos a la bolsa 3 de 7 leads. Sin cambios, 4: tienen un estado final (2), están en una llamada (1), odd_reason (1).');
    expect(describeBulkResult(en, 'delete', asBulkResult({ matched: 2, changed: 0, skipped: { not_found_or_not_yours: 2 } })))
      .toBe('Deleted 0 of 2 leads. Unchanged, 2: they do not exist or are not in your campaigns (2).');
  });

  test('matched but neither changed nor skipped: said as unchanged', () => {
    expect(describeBulkResult(es, 'unassign', asBulkResult({ matched: 3, changed: 1, skipped: {} })))
      .toBe('Sin agente 1 de 3 leads. Sin cambios, 2: ya estaban así (2).');
  });

  test('an answer read, not trusted', () => {
    expect(asBulkResult(null)).toEqual({ matched: 0, changed: 0, skipped: {} });
    expect(asBulkResult([{ matched: '4', changed: 2, skipped: { a: '2' } }])).toEqual({ matched: 4, changed: 2, skipped: { a: 2 } });
  });
});

describe('lead form', () => {
  const lead = {
    first_name: 'Ana', last_name: 'García', phone: '+34612345678', alternate_phones: ['+34911234567'], email: null, birth_date: null,
    address_line: '', city: 'Madrid', region: '', postal_code: '', notes: '', source: 'web', external_ref: null,
    consent_contact: true, consent_marketing: false, custom: { policy: 'P-1', extra: 3 },
  };
  const defs = customFieldDefs({ lead_fields: [{ key: 'policy', label: 'Póliza', type: 'text', required: true }, { key: 'age', type: 'number' }, { bad: 1 }] });

  test('custom field definitions: read when there, [] before the column exists', () => {
    expect(defs).toEqual([
      { key: 'policy', label: 'Póliza', type: 'text', required: true }, { key: 'age', label: 'age', type: 'number', required: false },
    ]);
    expect(customFieldDefs({ name: 'no lead_fields yet' })).toEqual([]);
    expect(customFieldDefs(null)).toEqual([]);
    expect(customFieldsOf(defs, lead.custom).map((f) => f.key)).toEqual(['policy', 'age', 'extra']);
  });

  test('a bad phone is refused, a national one is read in the campaign\'s country and saved as E.164', () => {
    const fields = customFieldsOf(defs, lead.custom);
    const schema = leadFormSchema('ES', defs);
    const values = formValuesOf(lead, fields);
    expect(values.custom).toEqual({ policy: 'P-1', age: '', extra: '3' });
    const bad = schema.safeParse({ ...values, phone: '12345' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['phone', 'phone']]);
    const good = schema.safeParse({ ...values, phone: '699 11 22 33', alternate_phones: '+52 55 1234 5678, 911 23 45 67' });
    expect(good.success).toBe(true);
    if (!good.data) throw new Error('parsed');
    const patch = patchOf(good.data, 'ES', defs, lead.custom);
    expect(patch.phone).toBe('+34699112233');
    expect(patch.alternate_phones).toEqual(['+525512345678', '+34911234567']);
    expect(patch.email).toBeNull();
    expect(patch.custom).toEqual({ policy: 'P-1', extra: '3' });
  });

  test('required and typed custom fields, email, date', () => {
    const fields = customFieldsOf(defs, lead.custom);
    const values = formValuesOf(lead, fields);
    const r = leadFormSchema('ES', defs).safeParse({
      ...values, email: 'nope', birth_date: '2026-13-45', custom: { ...values.custom, policy: ' ', age: 'x' },
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => `${i.path.join('.')}:${i.message}`).sort()).toEqual([
      'birth_date:date', 'custom.age:number', 'custom.policy:required', 'email:email',
    ]);
    const ok = leadFormSchema('ES', defs).parse({ ...values, custom: { ...values.custom, age: '41' } });
    expect(patchOf(ok, 'ES', defs, lead.custom).custom).toEqual({ policy: 'P-1', age: 41, extra: '3' });
  });

  test('toE164', () => {
    expect(toE164('612 34 56 78', 'ES')).toBe('+34612345678');
    expect(toE164('0034612345678', 'MX')).toBe('+34612345678');
    expect(toE164('55 1234 5678', 'MX')).toBe('+525512345678');
    expect(toE164('123', 'ES')).toBeNull();
    expect(toE164('', 'ES')).toBeNull();
  });
});

describe('imports', () => {
  test('the object name is under the user\'s folder, unique and safe', () => {
    expect(importObjectName('u1', 'C:\\fakepath\\Leads Año 2026.csv', 'abc')).toBe('u1/abc-Leads_Ano_2026.csv');
    expect(importObjectName('u1', '../../etc/passwd', 'x')).toBe('u1/x-passwd');
    expect(importObjectName('u1', '***', 'x')).toBe('u1/x-leads');
  });

  test('the preview is read, not trusted', () => {
    expect(asPreview(null)).toBeNull();
    expect(asPreview({ rows: [] })).toBeNull();
    const p = asPreview({
      delimiter: ';', encoding: 'utf-8', headers: ['Nombre', 'Tel'], mapping: { Nombre: 'first_name', Tel: null }, fields: ['first_name', 'phone'],
      rows: [{ line: 2, values: { first_name: 'Ana', phone: 612 }, errors: [{ field: 'phone', code: 'phone_invalid', message: 'x' }] }],
      total_rows_estimate: 10,
    });
    expect(p).toEqual({
      delimiter: ';', encoding: 'utf-8', headers: ['Nombre', 'Tel'], mapping: { Nombre: 'first_name', Tel: 'ignore' }, fields: ['first_name', 'phone'],
      rows: [{ line: 2, values: { first_name: 'Ana', phone: '612' }, errors: [{ field: 'phone', code: 'phone_invalid', message: 'x' }] }],
      totalRowsEstimate: 10,
    });
  });

  test('progress and final states', () => {
    expect(importProgress({ status: 'running', processed_rows: 50, total_rows: 200 })).toBe(0.25);
    expect(importProgress({ status: 'running', processed_rows: 50, total_rows: null })).toBeNull();
    expect(importProgress({ status: 'done', processed_rows: 0, total_rows: 0 })).toBe(1);
    expect(isImportFinished('cancelled')).toBe(true);
    expect(isImportFinished('running')).toBe(false);
  });
});
