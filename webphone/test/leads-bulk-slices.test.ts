// A bulk action on a whole filter goes in id slices (data/leads.ts
// BULK_SLICE): the slice starts are read with the filter, every slice is one
// RPC with the filter plus id_from / id_to, and the answers are added up.

import { describe, expect, test } from 'vitest';
import type { Supabase } from '../src/app/config';
import { runBulkAction, sumBulkResults } from '../src/data/leads';

/** Leads "a".."z" in id order; the filter reads them; each RPC answers for its slice. */
function fakeSupabase(ids: string[]) {
  const rpcs: Record<string, unknown>[] = [];
  const reads: string[] = [];
  const supabase = {
    from: () => {
      let from: string | null = null;
      const q = {
        select: () => q,
        filter: () => q,
        gte: (_: string, v: string) => { from = v; return q; },
        order: () => q,
        range: (offset: number) => {
          reads.push(`${from ?? '-'}+${String(offset)}`);
          const rest = ids.filter((id) => from === null || id >= from);
          const row = rest[offset];
          return Promise.resolve({ data: row ? [{ id: row }] : [], error: null });
        },
      };
      return q;
    },
    rpc: (name: string, args: { p_selection: { filter?: { id_from?: string; id_to?: string } } }) => {
      rpcs.push({ name, ...args.p_selection.filter });
      const { id_from: lo, id_to: hi } = args.p_selection.filter ?? {};
      const n = ids.filter((id) => (!lo || id >= lo) && (!hi || id < hi)).length;
      return Promise.resolve({ data: { matched: n, changed: n - 1, skipped: { in_call: 1 } }, error: null });
    },
  };
  return { supabase: supabase as unknown as Supabase, rpcs, reads };
}

describe('bulk action on a filter, in slices', () => {
  const ids = 'abcdefghij'.split('');

  test('slices partition the ids and the answers add up', async () => {
    const { supabase, rpcs } = fakeSupabase(ids);
    const progress: string[] = [];
    const result = await runBulkAction(supabase, { filter: { campaign_id: 'c1' } }, { kind: 'unassign' },
      (done, total) => { progress.push(`${String(done)}/${String(total)}`); });
    // BULK_SLICE is 10,000: ten leads are one slice, no bounds.
    expect(rpcs).toEqual([{ name: 'bulk_unassign_leads', campaign_id: 'c1' }]);
    expect(result).toEqual({ matched: 10, changed: 9, skipped: { in_call: 1 } });
    expect(progress).toEqual(['0/1', '1/1']);
  });

  test('more leads than a slice: consecutive id ranges, each once', async () => {
    const { supabase, rpcs, reads } = fakeSupabase(ids);
    const progress: string[] = [];
    const result = await runBulkAction(supabase, { filter: { campaign_id: 'c1' } }, { kind: 'unassign' },
      (done, total) => { progress.push(`${String(done)}/${String(total)}`); }, 4);
    expect(reads).toEqual(['-+4', 'e+4', 'i+4']);
    expect(rpcs).toEqual([
      { name: 'bulk_unassign_leads', campaign_id: 'c1', id_to: 'e' },
      { name: 'bulk_unassign_leads', campaign_id: 'c1', id_from: 'e', id_to: 'i' },
      { name: 'bulk_unassign_leads', campaign_id: 'c1', id_from: 'i' },
    ]);
    expect(result).toEqual({ matched: 10, changed: 7, skipped: { in_call: 3 } });
    expect(progress).toEqual(['0/3', '1/3', '2/3', '3/3']);
  });

  test('ids go in one call, never sliced', async () => {
    const { supabase, rpcs, reads } = fakeSupabase(ids);
    await runBulkAction(supabase, { ids: ['a', 'b'] }, { kind: 'delete' });
    expect(reads).toEqual([]);
    expect(rpcs).toHaveLength(1);
  });

  test('answers are summed reason by reason', () => {
    expect(sumBulkResults(
      { matched: 3, changed: 2, skipped: { in_call: 1 } },
      { matched: 4, changed: 1, skipped: { in_call: 2, final_status: 1 } },
    )).toEqual({ matched: 7, changed: 3, skipped: { in_call: 3, final_status: 1 } });
  });
});
