// A stand-in for the parts of supabase-js the shell uses: password sign-in,
// the stored session, sign-out, auth events and the caller's profile row.
// Every call is recorded so a test can say what reached "the server".
import { vi } from 'vitest';
import type { Supabase } from '../../src/app/config';
import type { Profile } from '../../src/app/auth/profile';

export const PEOPLE = {
  'agent1@demo.test': { id: 'a-1', email: 'agent1@demo.test', full_name: 'Lucía García', role: 'agent', locale: 'es', active: true, sip_extension: '1001' },
  'supervisor1@demo.test': { id: 's-1', email: 'supervisor1@demo.test', full_name: 'Sergio Ruiz', role: 'supervisor', locale: 'es', active: true, sip_extension: null },
  'admin@demo.test': { id: 'ad-1', email: 'admin@demo.test', full_name: 'Ana Admin', role: 'admin', locale: 'en', active: true, sip_extension: null },
  'gone@demo.test': { id: 'g-1', email: 'gone@demo.test', full_name: 'Baja', role: 'agent', locale: 'es', active: false, sip_extension: null },
} as const satisfies Record<string, Profile>;

export const PASSWORD = 'correct horse';

type Email = keyof typeof PEOPLE;

export function fakeSupabase({ signedInAs = null as Email | null } = {}) {
  let current: Profile | null = signedInAs ? PEOPLE[signedInAs] : null;
  const session = () => (current ? { access_token: 't', user: { id: current.id, email: current.email } } : null);
  const listeners = new Set<(event: string) => void>();

  const auth = {
    getSession: vi.fn(() => Promise.resolve({ data: { session: session() }, error: null })),
    signInWithPassword: vi.fn(({ email, password }: { email: string; password: string }) => {
      const person = (PEOPLE as Record<string, Profile | undefined>)[email];
      if (!person || password !== PASSWORD) {
        return Promise.resolve({
          data: { session: null, user: null },
          error: { name: 'AuthApiError', status: 400, code: 'invalid_credentials', message: 'Invalid login credentials' },
        });
      }
      current = person;
      return Promise.resolve({ data: { session: session(), user: session()?.user }, error: null });
    }),
    signOut: vi.fn(() => {
      current = null;
      for (const fn of listeners) fn('SIGNED_OUT');
      return Promise.resolve({ error: null });
    }),
    onAuthStateChange: vi.fn((fn: (event: string) => void) => {
      listeners.add(fn);
      return { data: { subscription: { unsubscribe: () => listeners.delete(fn) } } };
    }),
  };

  const updates: { table: string; values: unknown; id: unknown }[] = [];
  const from = vi.fn((table: string) => ({
    select: () => ({
      eq: (_column: string, id: unknown) => ({
        single: () => {
          const row = Object.values(PEOPLE).find((p) => p.id === id);
          return Promise.resolve(row
            ? { data: row, error: null }
            : { data: null, error: { code: 'PGRST116', message: 'no rows', details: null, hint: null } });
        },
      }),
    }),
    update: (values: unknown) => ({
      eq: (_column: string, id: unknown) => {
        updates.push({ table, values, id });
        return Promise.resolve({ data: null, error: null });
      },
    }),
  }));

  /** The server ends the session by itself (token revoked, refresh refused). */
  const expire = () => {
    current = null;
    for (const fn of listeners) fn('SIGNED_OUT');
  };

  const realtime = fakeRealtime();
  // Only the calls above are made by the shell; the cast is the test double's.
  const client = { auth, from, ...realtime.client } as unknown as Supabase;
  return { client, auth, from, updates, expire, realtime };
}

type Handler = { type: string; filter: Record<string, unknown>; callback: (message: unknown) => void };

/** A Realtime channel as the app uses it: listeners, subscribe's status callback, presence track. */
export class FakeChannel {
  readonly handlers: Handler[] = [];
  readonly tracked: unknown[] = [];
  removed = false;
  get state() { return this.removed ? 'closed' : 'joined'; }
  private status: ((state: string, err?: Error) => void) | null = null;

  constructor(readonly topic: string, readonly options: { config?: Record<string, unknown> }) {}

  on(type: string, filter: Record<string, unknown>, callback: (message: unknown) => void) {
    this.handlers.push({ type, filter, callback });
    return this;
  }

  subscribe(callback: (state: string, err?: Error) => void) {
    this.status = callback;
    // Joined at once, as a live server answers.
    queueMicrotask(() => { if (!this.removed) callback('SUBSCRIBED'); });
    return this;
  }

  track(payload: unknown) {
    this.tracked.push(payload);
    return Promise.resolve('ok');
  }

  untrack() {
    return Promise.resolve('ok');
  }

  /** A database Broadcast on this topic. */
  broadcast(event: string, payload: unknown) {
    for (const h of this.handlers) {
      if (h.type === 'broadcast' && (h.filter.event === '*' || h.filter.event === event)) h.callback({ type: 'broadcast', event, payload });
    }
  }

  /** A postgres_changes message (UPDATE/INSERT/DELETE) for this channel's bindings. */
  change(eventType: string, table: string, record: Record<string, unknown>) {
    for (const h of this.handlers) {
      if (h.type === 'postgres_changes' && h.filter.table === table && (h.filter.event === '*' || h.filter.event === eventType)) {
        h.callback({ schema: 'public', table, eventType, commit_timestamp: new Date().toISOString(), new: record, old: {}, errors: null });
      }
    }
  }

  /** The connection drops (CHANNEL_ERROR) and comes back (SUBSCRIBED again). */
  drop() { this.status?.('CHANNEL_ERROR', new Error('socket closed')); }
  rejoin() { this.status?.('SUBSCRIBED'); }
}

/** supabase.channel / removeChannel / realtime.setAuth, recording the channels made. */
export function fakeRealtime() {
  const channels: FakeChannel[] = [];
  const client = {
    realtime: { setAuth: vi.fn(() => Promise.resolve()) },
    channel: vi.fn((topic: string, options: { config?: Record<string, unknown> } = {}) => {
      const channel = new FakeChannel(topic, options);
      channels.push(channel);
      return channel;
    }),
    removeChannel: vi.fn((channel: FakeChannel) => {
      channel.removed = true;
      return Promise.resolve('ok');
    }),
    removeAllChannels: vi.fn(() => {
      for (const channel of channels) channel.removed = true;
      return Promise.resolve([]);
    }),
  };
  /** The open (not removed) channel of a topic. */
  const open = (topic: string) => channels.find((c) => c.topic === topic && !c.removed);
  return { client, channels, open };
}
