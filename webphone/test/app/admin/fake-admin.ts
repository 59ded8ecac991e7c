// The shell's supabase stand-in (fake-supabase.ts) extended with what the
// admin's screens read and write: tables held in memory (profiles, campaigns,
// products, legal_holds) behind a PostgREST-like query builder, the
// permission RPC, export_lead_data and erase_lead. Every write is recorded;
// a test can make the "database" refuse the next one with its own error.
import { vi } from 'vitest';
import type { Supabase } from '../../../src/app/config';
import { fakeSupabase, PEOPLE } from '../fake-supabase';

type Row = Record<string, unknown>;
type Email = keyof typeof PEOPLE;
interface PgError { code: string; message: string; details?: string | null; hint?: string | null }
type Result = { data: unknown; error: PgError | null };

export const LEAD_ID = '0a1b2c3d-0000-4000-8000-000000000001';
export const CALL_ID = '0a1b2c3d-0000-4000-8000-0000000000c1';

export const ALL_ADMIN = ['users.manage', 'campaigns.manage', 'products.manage', 'compliance.manage'];

function seed(): Record<string, Row[]> {
  return {
    profiles: [
      ...Object.values(PEOPLE).map((p) => ({ ...p, created_at: '2026-01-01T00:00:00Z' })),
      { id: 'a-2', email: 'agent2@demo.test', full_name: 'Pablo Díaz', role: 'agent', locale: 'es', active: true, sip_extension: '1002', created_at: '2026-01-01T00:00:00Z' },
    ],
    campaigns: [{
      id: 'c-1', name: 'Vida Riesgo', description: 'Seguro de vida', status: 'active', dial_mode: 'preview',
      calling_hours_start: '09:00:00', calling_hours_end: '21:00:00', calling_days: [1, 2, 3, 4, 5], max_attempts: 5,
      recording_enabled: true, recording_consent_required: true, recording_notice: 'Esta llamada puede ser grabada.',
      recording_retention_days: 365, agents_can_listen_own_recordings: false, allowed_dispositions: null, default_time_zone: 'Europe/Madrid',
    }],
    products: [
      { id: 'p-1', code: 'VIDA-01', name: 'Vida Plus', description: null, insurance_line: 'life', premium: '25.50', payment_frequency: 'monthly',
        currency: 'EUR', coverage_amount: '100000', coverage_summary: 'Fallecimiento e invalidez', active: true, campaign_products: [] },
    ],
    legal_holds: [
      { id: 'h-old', call_id: CALL_ID, lead_id: null, reason: 'reclamación 2025/7', placed_at: '2026-10-01T10:00:00Z', released_at: '2026-10-05T10:00:00Z',
        placed_by: 'ad-1', released_by: 'ad-1', placer: { full_name: 'Ana Admin', email: 'admin@demo.test' }, releaser: { full_name: 'Ana Admin', email: 'admin@demo.test' } },
    ],
  };
}

let nextId = 1;

export function fakeAdmin({ signedInAs = 'admin@demo.test', permissions = ALL_ADMIN }: { signedInAs?: Email; permissions?: string[] } = {}) {
  const base = fakeSupabase({ signedInAs });
  const tables = seed();
  const writes: { table: string; op: 'update' | 'insert'; values: Row; filters: [string, unknown][] }[] = [];
  const refusals = new Map<string, PgError>();
  const rpcCalls: { name: string; args: Row }[] = [];
  const me = PEOPLE[signedInAs];

  /** The next write to `table` (or call of rpc `name`) is refused with `error`. */
  const refuseNext = (target: string, error: PgError) => { refusals.set(target, error); };
  const takeRefusal = (target: string) => {
    const error = refusals.get(target) ?? null;
    refusals.delete(target);
    return error;
  };

  function builder(table: string) {
    let op: 'select' | 'update' | 'insert' = 'select';
    let values: Row = {};
    const filters: [string, unknown][] = [];
    const matches = (row: Row) => filters.every(([column, value]) => row[column] === value);
    const run = (single: boolean): Result => {
      const rows = tables[table] ?? [];
      if (op !== 'select') {
        const refused = takeRefusal(table);
        writes.push({ table, op, values, filters: [...filters] });
        if (refused) return { data: null, error: refused };
      }
      let result: Row[];
      if (op === 'update') {
        result = rows.filter(matches);
        for (const row of result) {
          Object.assign(row, values);
          if (table === 'legal_holds' && 'released_at' in values) {
            Object.assign(row, { released_by: me.id, releaser: { full_name: me.full_name, email: me.email } });
          }
        }
      } else if (op === 'insert') {
        const row: Row = { id: `new-${String(nextId++)}`, call_id: null, lead_id: null, released_at: null, placed_at: new Date().toISOString(),
          placed_by: me.id, released_by: null, placer: { full_name: me.full_name, email: me.email }, releaser: null, ...values };
        rows.push(row);
        result = [row];
      } else {
        result = rows.filter(matches);
      }
      const copies = result.map((r) => ({ ...r }));
      if (!single) return { data: copies, error: null };
      return copies.length === 1
        ? { data: copies[0], error: null }
        : { data: null, error: { code: 'PGRST116', message: 'JSON object requested, multiple (or no) rows returned' } };
    };
    const chain = {
      select: () => chain,
      order: () => chain,
      limit: () => chain,
      range: () => chain,
      in: () => chain,
      eq: (column: string, value: unknown) => { filters.push([column, value]); return chain; },
      update: (patch: Row) => { op = 'update'; values = patch; return chain; },
      insert: (row: Row) => { op = 'insert'; values = row; return chain; },
      single: () => Promise.resolve(run(true)),
      then: (resolve: (r: Result) => unknown, reject: (e: unknown) => unknown) => Promise.resolve(run(false)).then(resolve, reject),
    };
    return chain;
  }

  const from = vi.fn((table: string) => builder(table));
  const rpc = vi.fn((name: string, args: Row) => {
    rpcCalls.push({ name, args });
    if (name === 'has_permission') return Promise.resolve({ data: permissions.includes(args.p_permission as string), error: null });
    const refused = takeRefusal(name);
    if (refused) return Promise.resolve({ data: null, error: refused });
    if (name === 'deactivate_user' || name === 'reactivate_user' || name === 'reset_user_password' || name === 'invite_user') {
      const user = tables.profiles?.find((p) => p.id === args.p_user_id);
      if (user && name !== 'reset_user_password') user.active = name === 'reactivate_user';
      const kind = name === 'invite_user' ? 'invite' : name === 'reset_user_password' ? 'reset_password' : name.replace('_user', '');
      return Promise.resolve({ data: {
        id: `req-${String(nextId++)}`, kind, user_id: args.p_user_id ?? null, email: user?.email ?? args.p_email, full_name: '', role: null,
        status: 'queued', link_expires_at: null, error: null, created_at: '2026-11-24T10:00:00Z', finished_at: null, updated_at: '2026-11-24T10:00:00Z',
      }, error: null });
    }
    if (name === 'export_lead_data') return Promise.resolve({ data: { lead: { id: args.p_lead_id, first_name: 'Marta' }, calls: [] }, error: null });
    if (name === 'erase_lead') {
      return Promise.resolve({ data: { lead_id: args.p_lead_id, erased_at: '2026-11-24T10:00:00Z', calls: 3, recordings: 2, callbacks: 1, sales: 0, history_rows: 4, do_not_call: 1, originate_requests: 0 }, error: null });
    }
    return Promise.resolve({ data: null, error: { code: 'PGRST202', message: `no function ${name}` } });
  });

  // The shell's auth calls from the base fake; the tables and RPCs from here.
  const client = { auth: base.auth, from, rpc, ...base.realtime.client } as unknown as Supabase;
  return { client, from, rpc, tables, writes, rpcCalls, refuseNext, realtime: base.realtime };
}
