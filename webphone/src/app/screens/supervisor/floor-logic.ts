// The live floor's plain logic: each agent's state from what the database
// knows (the published agent_states row first, else the open call), and the
// day's tallies. Pure, so it is tested without a screen.

export interface FloorAgent {
  id: string;
  email: string;
  full_name: string | null;
  sip_extension?: string | null;
}

export interface FloorStateRow { agent_id: string; state: string; reason: string | null; since: string | null }

export interface FloorOpenCall {
  id: string;
  agent_id: string | null;
  status: string;
  started_at: string;
  answered_at?: string | null;
  ended_at?: string | null;
  phone_number?: string | null;
  lead?: { first_name?: string | null; last_name?: string | null; status?: string | null } | null;
}

export interface FloorCall { agent_id: string | null; talk_seconds: number | null }
export interface FloorSale { agent_id: string | null; status: string; premium: number | string | null; currency: string | null }

export interface FloorRow<A extends FloorAgent = FloorAgent, C extends FloorOpenCall = FloorOpenCall> {
  agent: A;
  state: string;
  reason: string | null;
  /** ms since the epoch, or null when nothing says since when */
  since: number | null;
  openCall: C | null;
  callSeconds: number;
  callsToday: number;
  talkToday: number;
  salesToday: number;
  premiumToday: number;
  currency: string;
}

export interface FloorInput<A extends FloorAgent, C extends FloorOpenCall> {
  agents: readonly A[];
  states: readonly FloorStateRow[] | null;
  openCalls: readonly C[];
  calls: readonly FloorCall[];
  sales: readonly FloorSale[];
  now?: number;
}

/** Each agent's state from what the database knows, newest source first. */
export function deriveFloor<A extends FloorAgent, C extends FloorOpenCall>({
  agents, states, openCalls, calls, sales, now = Date.now(),
}: FloorInput<A, C>): FloorRow<A, C>[] {
  const stateBy = new Map((states ?? []).map((s) => [s.agent_id, s]));
  const callBy = new Map<string, C>();
  for (const c of openCalls) if (c.agent_id && !callBy.has(c.agent_id)) callBy.set(c.agent_id, c);
  return agents.map((agent) => {
    const mine = calls.filter((c) => c.agent_id === agent.id);
    const mySales = sales.filter((s) => s.agent_id === agent.id && s.status !== 'cancelled');
    const open = callBy.get(agent.id) ?? null;
    const published = stateBy.get(agent.id) ?? null;
    let state = published?.state ?? null;
    let since = published?.since ? new Date(published.since).getTime() : null;
    if (!state) {
      if (open && open.status !== 'ended') state = 'on_call';
      else if (open) state = 'wrap_up';
      else state = 'unknown';
      since = open ? new Date(open.ended_at ?? open.started_at).getTime() : null;
    }
    return {
      agent,
      state,
      reason: published?.reason ?? null,
      since,
      openCall: open && open.status !== 'ended' ? open : null,
      callSeconds: open ? Math.floor((now - new Date(open.answered_at ?? open.started_at).getTime()) / 1000) : 0,
      callsToday: mine.length,
      talkToday: mine.reduce((sum, c) => sum + (c.talk_seconds ?? 0), 0),
      salesToday: mySales.length,
      premiumToday: mySales.reduce((sum, s) => sum + Number(s.premium ?? 0), 0),
      currency: mySales[0]?.currency ?? 'EUR',
    };
  });
}

/** The floor's order: on a call first, then wrap-up, available, paused, unknown, offline; by name within. */
export const STATE_ORDER: Readonly<Record<string, number>> = { on_call: 0, wrap_up: 1, available: 2, paused: 3, unknown: 4, offline: 5 };

export function agentLabel(agent: FloorAgent): string {
  return agent.full_name || agent.email;
}

export function compareFloorRows(a: FloorRow, b: FloorRow): number {
  return (STATE_ORDER[a.state] ?? 9) - (STATE_ORDER[b.state] ?? 9) || agentLabel(a.agent).localeCompare(agentLabel(b.agent));
}

/** The states the summary and the chart count, in the floor's order (offline: the presence worker's, tab closed or network lost). */
export const FLOOR_STATES = ['available', 'on_call', 'wrap_up', 'paused', 'unknown', 'offline'] as const;

export function countStates(rows: readonly FloorRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.state] = (counts[r.state] ?? 0) + 1;
  return counts;
}

// ---------------------------------------------------------------------------
// Pushes: the floor's rows as the database broadcasts them (floor:<campaign>),
// applied to the cached snapshot instead of refetching it.
// ---------------------------------------------------------------------------

interface Versioned { updated_at?: string | null }

/** agent_states as cached and as broadcast. */
export interface FloorStateCached extends FloorStateRow, Versioned {}
/** An open call as cached (calls row, its lead embedded by the query). */
export interface FloorOpenCallCached extends FloorOpenCall, Versioned { campaign_id?: string | null; wrapped_up_at?: string | null }
/** A call of the day, for the tallies. */
export interface FloorCallCached extends FloorCall, Versioned {
  id: string;
  campaign_id?: string | null;
  started_at?: string | null;
  wrapped_up_at?: string | null;
  outcome?: string | null;
}

export interface FloorSnapshot<A extends FloorAgent = FloorAgent, C extends FloorOpenCallCached = FloorOpenCallCached,
  T extends FloorCallCached = FloorCallCached, S extends FloorSale = FloorSale> {
  agents: A[];
  states: FloorStateCached[];
  openCalls: C[];
  calls: T[];
  sales: S[];
  /** ms: the last fetch or push */
  at: number;
}

export interface FloorChange {
  table: string;
  operation: 'INSERT' | 'UPDATE' | 'DELETE';
  record: Record<string, unknown> | null;
  old_record: Record<string, unknown> | null;
}

export interface FloorWindow {
  /** ISO: open calls started before are not on the floor (the query's 12 hours). */
  openSince: string;
  /** ISO: the day's tallies count calls from here. */
  todaySince: string;
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const time = (v: unknown): number => (typeof v === 'string' ? new Date(v).getTime() : Number.NaN);

/** Whether a pushed row is older than the one held (an out-of-order or replayed push). */
function isStale(held: Versioned | undefined, pushed: Record<string, unknown>): boolean {
  const a = time(held?.updated_at);
  const b = time(pushed.updated_at);
  return !Number.isNaN(a) && !Number.isNaN(b) && b < a;
}

function upsert<T>(rows: readonly T[], row: T, same: (r: T) => boolean): T[] {
  const i = rows.findIndex(same);
  if (i < 0) return [...rows, row];
  const next = [...rows];
  next[i] = row;
  return next;
}

function applyAgentState<Snap extends FloorSnapshot>(snap: Snap, change: FloorChange): Snap {
  const rec = change.record;
  const agentId = text(rec?.agent_id) ?? text(change.old_record?.agent_id);
  if (!agentId) return snap;
  const held = snap.states.find((s) => s.agent_id === agentId);
  if (change.operation === 'DELETE' || !rec) {
    return held ? { ...snap, states: snap.states.filter((s) => s.agent_id !== agentId) } : snap;
  }
  if (isStale(held, rec)) return snap;
  const row: FloorStateCached = {
    agent_id: agentId, state: text(rec.state) ?? 'unknown', reason: text(rec.reason), since: text(rec.since), updated_at: text(rec.updated_at),
  };
  return { ...snap, states: upsert(snap.states, row, (s) => s.agent_id === agentId) };
}

function applyCall<Snap extends FloorSnapshot>(snap: Snap, change: FloorChange, window: FloorWindow): Snap {
  const rec = change.record;
  const id = text(rec?.id) ?? text(change.old_record?.id);
  if (!id) return snap;
  const open = snap.openCalls.find((c) => c.id === id);
  const tally = snap.calls.find((c) => c.id === id);
  if (change.operation === 'DELETE' || !rec) {
    return { ...snap, openCalls: snap.openCalls.filter((c) => c.id !== id), calls: snap.calls.filter((c) => c.id !== id) };
  }
  if (isStale(open ?? tally, rec)) return snap;
  const startedAt = text(rec.started_at) ?? '';
  const started = time(startedAt);
  let openCalls = snap.openCalls.filter((c) => c.id !== id);
  if (rec.wrapped_up_at == null && started >= time(window.openSince)) {
    // The lead is not in the push: the held one stays (a new call shows its number until the next fetch).
    const row = {
      ...(open ?? { lead: null }), ...rec, id, agent_id: text(rec.agent_id), status: text(rec.status) ?? 'unknown', started_at: startedAt,
    } as unknown as Snap['openCalls'][number];
    // Newest first, as the query orders them: the floor shows each agent's newest.
    openCalls = [row, ...openCalls].sort((a, b) => time(b.started_at) - time(a.started_at));
  }
  let calls = snap.calls.filter((c) => c.id !== id);
  if (started >= time(window.todaySince)) {
    const row = {
      ...(tally ?? {}), id, agent_id: text(rec.agent_id), campaign_id: text(rec.campaign_id), outcome: text(rec.outcome),
      talk_seconds: typeof rec.talk_seconds === 'number' ? rec.talk_seconds : null, started_at: startedAt,
      wrapped_up_at: text(rec.wrapped_up_at), updated_at: text(rec.updated_at),
    } as unknown as Snap['calls'][number];
    calls = [...calls, row];
  }
  return { ...snap, openCalls, calls };
}

/**
 * One pushed change (agent_states or calls) applied to the snapshot: a new
 * snapshot, or the same one when the push says nothing new (older than held).
 */
export function applyFloorChange<Snap extends FloorSnapshot>(snap: Snap, change: FloorChange, window: FloorWindow, now = Date.now()): Snap {
  let next = snap;
  if (change.table === 'agent_states') next = applyAgentState(snap, change);
  else if (change.table === 'calls') next = applyCall(snap, change, window);
  return next === snap ? snap : { ...next, at: now };
}
