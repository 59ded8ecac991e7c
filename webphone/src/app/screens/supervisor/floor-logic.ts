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

/** The states the summary and the chart count, in the floor's order. */
export const FLOOR_STATES = ['available', 'on_call', 'wrap_up', 'paused', 'unknown'] as const;

export function countStates(rows: readonly FloorRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.state] = (counts[r.state] ?? 0) + 1;
  return counts;
}
