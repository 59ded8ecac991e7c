// Erased leads on screen, the lead history's erasure row, and the compliance
// screen's logic and data calls (legal holds, export, erasure, access log).

import { test, describe } from 'vitest';
import assert from 'node:assert/strict';
import { isErasedLead } from '../src/desk/erased';
import { leadName, leadPhone } from '../src/ui/lead-label.js';
import { historyEntry } from '../src/ui/agent/lead-card.js';
import {
  isUuid, sortHolds, eraseConfirmed, exportFileName, complianceErrorCode, describeComplianceError, summaryEntries,
} from '../src/ui/admin/compliance.js';
import { accessReasonKey, dayRange } from '../src/ui/supervisor/recordings.js';
import {
  placeLegalHold, releaseLegalHold, listLegalHolds, listRecordingAccessLog, exportLeadData, eraseLead, listProfilesByIds,
} from '../src/data/compliance.js';
import { toDataError } from '../src/data/errors';
import { setLanguage, tMaybe } from '../src/i18n/index.js';

const LEAD_ID = '00000000-0000-4000-d000-000000001635';
const ERASED = {
  id: LEAD_ID, status: 'erased', erased_at: '2026-11-24T10:00:00Z', first_name: '[erased]', last_name: '', phone: null,
  alternate_phones: [], email: null, custom: {},
};

describe('erased leads', () => {
  test('recognised by status or erased_at', () => {
    assert.equal(isErasedLead(ERASED), true);
    assert.equal(isErasedLead({ status: 'new', erased_at: '2026-11-24T10:00:00Z' }), true);
    assert.equal(isErasedLead({ status: 'new', first_name: 'Ana' }), false);
    assert.equal(isErasedLead(null), false);
  });

  test('named "personal data erased", never by the placeholder, and without a phone', () => {
    setLanguage('es');
    assert.equal(leadName(ERASED), 'Datos personales borrados');
    setLanguage('en');
    assert.equal(leadName(ERASED), 'Personal data erased');
    assert.equal(leadName({ first_name: 'Ana', last_name: 'García', status: 'new' }), 'Ana García');
    assert.equal(leadPhone(ERASED), '');
    assert.equal(leadPhone({ phone: '+34612345678' }), '+34 612 34 56 78');
    setLanguage('es');
  });
});

describe('lead history rows', () => {
  test('the erasure row (old_values null) lists the erased fields, never values', () => {
    const entry = historyEntry({
      operation: 'update', via: 'rpc/erase_lead', old_values: null,
      new_values: { status: 'erased', erased_at: '2026-11-24T10:00:00Z' },
      changed_fields: ['first_name', 'last_name', 'phone', 'email', 'status', 'erased_at'],
    });
    assert.equal(entry.kind, 'erased');
    assert.deepEqual(entry.fields, ['first_name', 'last_name', 'phone', 'email', 'status', 'erased_at']);
    assert.deepEqual(entry.changes, []);
    assert.ok(tMaybe('history.via.erase_lead'));
    assert.ok(entry.fields.every((f) => tMaybe(`lead.field.${f}`)), 'every erased field has a label');
  });

  test('any update with old_values null shows only the new values', () => {
    const entry = historyEntry({ operation: 'update', via: null, old_values: null, new_values: { status: 'retry' }, changed_fields: ['status'] });
    assert.deepEqual(entry.changes, [{ field: 'status', hasOld: false, old: undefined, new: 'retry' }]);
  });

  test('an ordinary update keeps old and new', () => {
    const entry = historyEntry({
      operation: 'update', via: 'rpc/end_call', old_values: { status: 'in_call' }, new_values: { status: 'retry' },
      changed_fields: ['status', 'updated_at'],
    });
    assert.equal(entry.kind, 'updated');
    assert.equal(entry.via, 'end_call');
    assert.deepEqual(entry.changes, [{ field: 'status', hasOld: true, old: 'in_call', new: 'retry' }]);
  });

  test('an insert is "created"', () => {
    assert.equal(historyEntry({ operation: 'insert', changed_fields: null, old_values: null }).kind, 'created');
  });
});

describe('compliance screen logic', () => {
  test('ids are UUIDs', () => {
    assert.equal(isUuid(LEAD_ID), true);
    assert.equal(isUuid(` ${LEAD_ID} `), true);
    assert.equal(isUuid('1635'), false);
    assert.equal(isUuid(null), false);
  });

  test('active holds first, newest first within each group', () => {
    const holds = [
      { id: 'a', placed_at: '2026-11-01T00:00:00Z', released_at: '2026-11-02T00:00:00Z' },
      { id: 'b', placed_at: '2026-11-03T00:00:00Z', released_at: null },
      { id: 'c', placed_at: '2026-11-05T00:00:00Z', released_at: '2026-11-06T00:00:00Z' },
      { id: 'd', placed_at: '2026-11-04T00:00:00Z', released_at: null },
    ];
    assert.deepEqual(sortHolds(holds).map((x) => x.id), ['d', 'b', 'c', 'a']);
  });

  test('the erasure needs the lead id typed exactly', () => {
    assert.equal(eraseConfirmed(LEAD_ID, LEAD_ID), true);
    assert.equal(eraseConfirmed(` ${LEAD_ID.toUpperCase()} `, LEAD_ID), true);
    assert.equal(eraseConfirmed(LEAD_ID.slice(0, -1), LEAD_ID), false);
    assert.equal(eraseConfirmed('', LEAD_ID), false);
    assert.equal(eraseConfirmed('x', 'x'), false, 'never with a non-id');
  });

  test('the export file is named by lead and time', () => {
    assert.equal(exportFileName(LEAD_ID, new Date('2026-11-24T10:05:06Z')), `lead-${LEAD_ID}-2026-11-24-10-05-06.json`);
  });

  test('each refusal has its own message', () => {
    const err = (code, message) => toDataError({ code, message });
    const cases = [
      [err('PT409', `p_lead_id: lead ${LEAD_ID} is under legal hold 9f (claim 12); release it first`), 'legal_hold'],
      [err('PT409', `p_lead_id: lead ${LEAD_ID} was already erased at 2026-11-24`), 'already_erased'],
      [err('PT409', `p_lead_id: lead ${LEAD_ID} is in a call; erase it once the call is over`), 'in_call'],
      [err('PT409', 'released_at: hold 9f was already released at 2026-11-24'), 'already_released'],
      [err('PT404', `p_lead_id: no lead ${LEAD_ID}`), 'not_found'],
      [err('42501', 'erase_lead: needs the compliance.manage permission'), 'forbidden'],
      [err('23503', 'insert or update on table "legal_holds" violates foreign key constraint'), 'unknown_target'],
      [err('23514', 'new row violates check constraint "legal_holds_reason"'), 'invalid'],
    ];
    for (const [error, code] of cases) assert.equal(complianceErrorCode(error), code, error.message);
    assert.equal(complianceErrorCode(toDataError({ message: 'TypeError: Failed to fetch' })), null);
    // erase_lead's details decide, whatever the message says.
    for (const detail of ['legal_hold', 'already_erased', 'in_call']) {
      assert.equal(complianceErrorCode(toDataError({ code: 'PT409', message: 'x', details: detail })), detail);
    }
    for (const lang of ['es', 'en']) {
      setLanguage(lang);
      const texts = cases.map(([error]) => describeComplianceError(error));
      assert.equal(new Set(texts.map((x) => x.split(' (')[0])).size, cases.length, `${lang}: distinct headlines`);
    }
    setLanguage('es');
    assert.match(describeComplianceError(cases[0][0]), /retención legal.*claim 12/, 'the hold and its reason are shown');
  });

  test('the erasure summary, in a stable order', () => {
    const summary = { lead_id: LEAD_ID, erased_at: 'x', history_rows: 4, calls: 3, recordings: 2, callbacks: 1, sales: 0, do_not_call: 1, originate_requests: 0 };
    assert.deepEqual(summaryEntries(summary).map(([k, v]) => `${k.split('.').pop()}=${v}`),
      ['calls=3', 'recordings=2', 'callbacks=1', 'sales=0', 'history_rows=4', 'do_not_call=1', 'originate_requests=0']);
    assert.deepEqual(summaryEntries(null), []);
  });

  test('access log reasons and day ranges', () => {
    assert.equal(accessReasonKey('42501'), 'recording.error.forbidden');
    assert.equal(accessReasonKey('PT404'), 'accessLog.reason.PT404');
    assert.equal(accessReasonKey('22023'), 'recording.error.invalid');
    assert.equal(accessReasonKey('XX000'), null);
    const { from, to } = dayRange('2026-11-24');
    assert.equal(new Date(to) - new Date(from), 24 * 3600_000);
  });
});

/** A supabase-js stand-in recording each query's chain. */
function fakeClient(answers = {}) {
  const queries = [];
  return {
    queries,
    rpc: async (name, args) => {
      queries.push({ rpc: name, args });
      return answers[name] ?? { data: null, error: null };
    },
    from(table) {
      const q = { table, steps: [] };
      queries.push(q);
      const answer = () => answers[table] ?? { data: [], error: null };
      const builder = new Proxy({}, {
        get(_, method) {
          if (method === 'then') return (resolve, reject) => Promise.resolve(answer()).then(resolve, reject);
          return (...args) => { q.steps.push([method, ...args]); return method === 'single' ? Promise.resolve(answer()) : builder; };
        },
      });
      return builder;
    },
  };
}

describe('compliance data calls', () => {
  test('a hold on a call or on a lead, with its reason', async () => {
    const supabase = fakeClient({ legal_holds: { data: { id: 'h1' }, error: null } });
    await placeLegalHold(supabase, { callId: 'call-1', reason: 'claim 12' });
    await placeLegalHold(supabase, { leadId: LEAD_ID, reason: 'court order' });
    const inserts = supabase.queries.map((q) => q.steps.find(([m]) => m === 'insert')[1]);
    assert.deepEqual(inserts, [{ reason: 'claim 12', call_id: 'call-1' }, { reason: 'court order', lead_id: LEAD_ID }]);
  });

  test('releasing sets released_at only (the database fills released_by)', async () => {
    const supabase = fakeClient({ legal_holds: { data: { id: 'h1' }, error: null } });
    await releaseLegalHold(supabase, 'h1');
    const steps = supabase.queries[0].steps;
    const update = steps.find(([m]) => m === 'update')[1];
    assert.deepEqual(Object.keys(update), ['released_at']);
    assert.ok(!Number.isNaN(Date.parse(update.released_at)));
    assert.deepEqual(steps.find(([m]) => m === 'eq'), ['eq', 'id', 'h1']);
  });

  test('holds are read active first', async () => {
    const supabase = fakeClient();
    await listLegalHolds(supabase);
    const orders = supabase.queries[0].steps.filter(([m]) => m === 'order');
    assert.deepEqual(orders[0], ['order', 'released_at', { ascending: false, nullsFirst: true }]);
  });

  test('the access log is paged by 50, newest first, and knows whether more follow', async () => {
    const rows = Array.from({ length: 51 }, (_, i) => ({ id: 100 - i }));
    const supabase = fakeClient({ recording_access_log: { data: rows, error: null } });
    const page = await listRecordingAccessLog(supabase, { page: 2 });
    assert.equal(page.rows.length, 50);
    assert.equal(page.hasMore, true);
    const steps = supabase.queries[0].steps;
    assert.deepEqual(steps.find(([m]) => m === 'range'), ['range', 100, 150]);
    assert.deepEqual(steps.find(([m]) => m === 'order'), ['order', 'requested_at', { ascending: false }]);

    const last = await listRecordingAccessLog(fakeClient({ recording_access_log: { data: rows.slice(0, 7), error: null } }));
    assert.equal(last.hasMore, false);
    assert.equal(last.rows.length, 7);
  });

  test('export and erase call their RPCs and surface refusals', async () => {
    const supabase = fakeClient({
      export_lead_data: { data: { lead: { id: LEAD_ID } }, error: null },
      erase_lead: { data: null, error: { code: 'PT409', message: 'p_lead_id: lead x is under legal hold y (z); release it first' } },
    });
    assert.deepEqual(await exportLeadData(supabase, LEAD_ID), { lead: { id: LEAD_ID } });
    await assert.rejects(eraseLead(supabase, LEAD_ID), (err) => complianceErrorCode(err) === 'legal_hold');
    assert.deepEqual(supabase.queries.map((q) => [q.rpc, q.args]), [
      ['export_lead_data', { p_lead_id: LEAD_ID }], ['erase_lead', { p_lead_id: LEAD_ID }],
    ]);
  });

  test('profile names are asked once per id, not at all for none', async () => {
    const supabase = fakeClient();
    assert.deepEqual(await listProfilesByIds(supabase, [null]), []);
    assert.equal(supabase.queries.length, 0);
    await listProfilesByIds(supabase, ['a', 'b', 'a']);
    assert.deepEqual(supabase.queries[0].steps.find(([m]) => m === 'in'), ['in', 'id', ['a', 'b']]);
  });
});
