// The compliance screen's logic and data calls (legal holds, export, erasure, access log).

import { describe, expect, test } from 'vitest';
import {
  isUuid, sortHolds, eraseConfirmed, exportFileName, complianceErrorCode, describeComplianceError, summaryEntries,
} from '../src/ui/admin/compliance.js';
import { accessReasonKey, dayRange } from '../src/ui/supervisor/recordings.js';
import {
  placeLegalHold, releaseLegalHold, listLegalHolds, listRecordingAccessLog, exportLeadData, eraseLead, listProfilesByIds,
} from '../src/data/compliance.js';
import { toDataError } from '../src/data/errors';
import { setLanguage } from '../src/i18n/index.js';

const LEAD_ID = '00000000-0000-4000-d000-000000001635';

describe('compliance screen logic', () => {
  test('ids are UUIDs', () => {
    expect(isUuid(LEAD_ID)).toBe(true);
    expect(isUuid(` ${LEAD_ID} `)).toBe(true);
    expect(isUuid('1635')).toBe(false);
    expect(isUuid(null)).toBe(false);
  });

  test('active holds first, newest first within each group', () => {
    const holds = [
      { id: 'a', placed_at: '2026-11-01T00:00:00Z', released_at: '2026-11-02T00:00:00Z' },
      { id: 'b', placed_at: '2026-11-03T00:00:00Z', released_at: null },
      { id: 'c', placed_at: '2026-11-05T00:00:00Z', released_at: '2026-11-06T00:00:00Z' },
      { id: 'd', placed_at: '2026-11-04T00:00:00Z', released_at: null },
    ];
    expect(sortHolds(holds).map((x) => x.id)).toStrictEqual(['d', 'b', 'c', 'a']);
  });

  test('the erasure needs the lead id typed exactly', () => {
    expect(eraseConfirmed(LEAD_ID, LEAD_ID)).toBe(true);
    expect(eraseConfirmed(` ${LEAD_ID.toUpperCase()} `, LEAD_ID)).toBe(true);
    expect(eraseConfirmed(LEAD_ID.slice(0, -1), LEAD_ID)).toBe(false);
    expect(eraseConfirmed('', LEAD_ID)).toBe(false);
    expect(eraseConfirmed('x', 'x'), 'never with a non-id').toBe(false);
  });

  test('the export file is named by lead and time', () => {
    expect(exportFileName(LEAD_ID, new Date('2026-11-24T10:05:06Z'))).toBe(`lead-${LEAD_ID}-2026-11-24-10-05-06.json`);
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
    for (const [error, code] of cases) expect(complianceErrorCode(error), error.message).toBe(code);
    expect(complianceErrorCode(toDataError({ message: 'TypeError: Failed to fetch' }))).toBe(null);
    // erase_lead's details decide, whatever the message says.
    for (const detail of ['legal_hold', 'already_erased', 'in_call']) {
      expect(complianceErrorCode(toDataError({ code: 'PT409', message: 'x', details: detail }))).toBe(detail);
    }
    for (const lang of ['es', 'en']) {
      setLanguage(lang);
      const texts = cases.map(([error]) => describeComplianceError(error));
      expect(new Set(texts.map((x) => x.split(' (')[0])).size, `${lang}: distinct headlines`).toBe(cases.length);
    }
    setLanguage('es');
    expect(describeComplianceError(cases[0][0]), 'the hold and its reason are shown').toMatch(/retención legal.*claim 12/);
  });

  test('the erasure summary, in a stable order', () => {
    const summary = { lead_id: LEAD_ID, erased_at: 'x', history_rows: 4, calls: 3, recordings: 2, callbacks: 1, sales: 0, do_not_call: 1, originate_requests: 0 };
    expect(summaryEntries(summary).map(([k, v]) => `${k.split('.').pop()}=${v}`)).toStrictEqual(['calls=3', 'recordings=2', 'callbacks=1', 'sales=0', 'history_rows=4', 'do_not_call=1', 'originate_requests=0']);
    expect(summaryEntries(null)).toStrictEqual([]);
  });

  test('access log reasons and day ranges', () => {
    expect(accessReasonKey('42501')).toBe('recording.error.forbidden');
    expect(accessReasonKey('PT404')).toBe('accessLog.reason.PT404');
    expect(accessReasonKey('22023')).toBe('recording.error.invalid');
    expect(accessReasonKey('XX000')).toBe(null);
    const { from, to } = dayRange('2026-11-24');
    expect(new Date(to) - new Date(from)).toBe(24 * 3600_000);
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
    expect(inserts).toStrictEqual([{ reason: 'claim 12', call_id: 'call-1' }, { reason: 'court order', lead_id: LEAD_ID }]);
  });

  test('releasing sets released_at only (the database fills released_by)', async () => {
    const supabase = fakeClient({ legal_holds: { data: { id: 'h1' }, error: null } });
    await releaseLegalHold(supabase, 'h1');
    const steps = supabase.queries[0].steps;
    const update = steps.find(([m]) => m === 'update')[1];
    expect(Object.keys(update)).toStrictEqual(['released_at']);
    expect(Number.isNaN(Date.parse(update.released_at))).toBe(false);
    expect(steps.find(([m]) => m === 'eq')).toStrictEqual(['eq', 'id', 'h1']);
  });

  test('holds are read active first', async () => {
    const supabase = fakeClient();
    await listLegalHolds(supabase);
    const orders = supabase.queries[0].steps.filter(([m]) => m === 'order');
    expect(orders[0]).toStrictEqual(['order', 'released_at', { ascending: false, nullsFirst: true }]);
  });

  test('the access log is paged by 50, newest first, and knows whether more follow', async () => {
    const rows = Array.from({ length: 51 }, (_, i) => ({ id: 100 - i }));
    const supabase = fakeClient({ recording_access_log: { data: rows, error: null } });
    const page = await listRecordingAccessLog(supabase, { page: 2 });
    expect(page.rows.length).toBe(50);
    expect(page.hasMore).toBe(true);
    const steps = supabase.queries[0].steps;
    expect(steps.find(([m]) => m === 'range')).toStrictEqual(['range', 100, 150]);
    expect(steps.find(([m]) => m === 'order')).toStrictEqual(['order', 'requested_at', { ascending: false }]);

    const last = await listRecordingAccessLog(fakeClient({ recording_access_log: { data: rows.slice(0, 7), error: null } }));
    expect(last.hasMore).toBe(false);
    expect(last.rows.length).toBe(7);
  });

  test('export and erase call their RPCs and surface refusals', async () => {
    const supabase = fakeClient({
      export_lead_data: { data: { lead: { id: LEAD_ID } }, error: null },
      erase_lead: { data: null, error: { code: 'PT409', message: 'p_lead_id: lead x is under legal hold y (z); release it first' } },
    });
    expect(await exportLeadData(supabase, LEAD_ID)).toStrictEqual({ lead: { id: LEAD_ID } });
    await expect(eraseLead(supabase, LEAD_ID)).rejects.toSatisfy((err) => complianceErrorCode(err) === 'legal_hold');
    expect(supabase.queries.map((q) => [q.rpc, q.args])).toStrictEqual([
      ['export_lead_data', { p_lead_id: LEAD_ID }], ['erase_lead', { p_lead_id: LEAD_ID }],
    ]);
  });

  test('profile names are asked once per id, not at all for none', async () => {
    const supabase = fakeClient();
    expect(await listProfilesByIds(supabase, [null])).toStrictEqual([]);
    expect(supabase.queries.length).toBe(0);
    await listProfilesByIds(supabase, ['a', 'b', 'a']);
    expect(supabase.queries[0].steps.find(([m]) => m === 'in')).toStrictEqual(['in', 'id', ['a', 'b']]);
  });
});
