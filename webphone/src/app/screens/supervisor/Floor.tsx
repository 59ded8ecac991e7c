// The live floor: every agent the supervisor runs, their state and current
// call, and the day's tallies, pushed by Realtime (database Broadcast on
// floor:<campaign>, see useFloor). A bar chart of the states reads faster
// than the counts. Hooks: floor-screen, floor-summary,
// floor-stat-<agents|available|on_call|wrap_up|paused|offline|calls|sales>,
// floor-live (data-state live|connecting|reconnecting|off), floor-updated,
// floor-refresh, floor-chart, floor-table (its scroll box: floor-scroll),
// floor-row (data-agent-id, data-state), floor-state, floor-call.

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createColumnHelper, getCoreRowModel, getSortedRowModel, useReactTable, type SortingState } from '@tanstack/react-table';
import { memo, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar, BarChart, type BarShapeProps, CartesianGrid, Rectangle, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import {
  listAgentStates, listAgents, listCallsSince, listFloorCampaignIds, listOpenCalls, listSalesSince, OPEN_CALL_HOURS,
  type CallTallyRow, type FloorAgentRow, type OpenCallRow, type SaleTallyRow,
} from '../../../data/floor';
import { asRowChange, floorTopic } from '../../../data/realtime';
import { formatCurrency, formatDuration, formatTime, initials } from '../../../i18n/format';
import { useConfig } from '../../app-context';
import { useNow } from '../../clock';
import { useAuth, useProfile } from '../../auth/auth-context';
import { describeError } from '../../errors';
import { formatPhone, leadName } from '../../lead-label';
import { tMaybe } from '../../i18n';
import { useRealtimeChannels, type RealtimeStatus } from '../../realtime';
import {
  agentLabel, applyFloorChange, compareFloorRows, countStates, deriveFloor, FLOOR_STATES, STATE_ORDER,
  type FloorChange, type FloorRow, type FloorSnapshot, type FloorWindow,
} from './floor-logic';
import { BodyRow, CARD, CELL, MUTED, NUM_CELL, Spacer, TableHead, useVirtualRows } from '../../components/table';

type Row = FloorRow<FloorAgentRow, OpenCallRow>;

/** The colours of the states, as the agent's own state pill shows them. */
export const STATE_COLORS: Readonly<Record<string, string>> = {
  available: '#15803d', on_call: '#1f5fbf', wrap_up: '#b45309', paused: '#7c3aed', unknown: '#64748b', offline: '#94a3b8',
};

/** A safety refetch while pushed: a lost push (a bug, a dropped frame) lasts a minute at most. */
const SAFETY_REFETCH_MS = 60_000;
/** Pushes kept to re-apply over a fetch they raced (the fetch may have read the rows before them). */
const RACE_MS = 15_000;
const FLOOR_KEY = ['floor', 'snapshot'] as const;
const MAX_CHANNELS = 90;

type Snapshot = FloorSnapshot<FloorAgentRow, OpenCallRow, CallTallyRow, SaleTallyRow>;

function floorWindow(): FloorWindow {
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  return { openSince: new Date(Date.now() - OPEN_CALL_HOURS * 3600_000).toISOString(), todaySince: start.toISOString() };
}


/**
 * The floor's snapshot, fetched once and then kept current by the pushes of
 * floor:<campaign> for each campaign the supervisor sees (agent_states and
 * calls rows applied to the cache, no fetch per push). It is fetched again
 * after every (re)join, since pushes are lost while disconnected, every
 * minute as a safety net, and every floorPollSeconds while Realtime is down.
 */
export function useFloor() {
  const { supabase } = useAuth();
  const profile = useProfile();
  const { floorPollSeconds } = useConfig();
  const queryClient = useQueryClient();
  const recent = useRef<{ at: number; change: FloorChange }[]>([]);
  const campaigns = useQuery({
    queryKey: ['floor', 'campaigns', profile.id],
    queryFn: () => listFloorCampaignIds(supabase, profile.id, profile.role === 'admin'),
    staleTime: 5 * 60_000,
  });
  // At most MAX_CHANNELS (Realtime refuses over 100 channels on a socket); any beyond are
  // seen by the safety refetch.
  const topics = useMemo(() => (campaigns.data ?? []).slice(0, MAX_CHANNELS).map(floorTopic), [campaigns.data]);

  const live = useRealtimeChannels(topics, {
    bind: (channel) => {
      channel.on('broadcast', { event: '*' }, (message) => {
        const change = asRowChange(message.payload);
        if (!change) return;
        const now = Date.now();
        recent.current = [...recent.current.filter((r) => r.at > now - RACE_MS), { at: now, change }];
        queryClient.setQueryData<Snapshot>(FLOOR_KEY, (old) => (old ? applyFloorChange(old, change, floorWindow(), now) : old));
      });
    },
    onJoined: () => { void queryClient.invalidateQueries({ queryKey: FLOOR_KEY }); },
  });

  const pollMs = Math.max(2, floorPollSeconds || 5) * 1000;
  const query = useQuery({
    queryKey: FLOOR_KEY,
    queryFn: async (): Promise<Snapshot> => {
      const started = Date.now();
      const range = floorWindow();
      const [agents, states, openCalls, calls, sales] = await Promise.all([
        listAgents(supabase), listAgentStates(supabase), listOpenCalls(supabase),
        listCallsSince(supabase, range.todaySince), listSalesSince(supabase, range.todaySince),
      ]);
      let snap: Snapshot = { agents, states, openCalls, calls, sales, at: Date.now() };
      // Pushes that arrived while this fetch was on its way: the older of the two loses (updated_at).
      for (const r of recent.current) if (r.at >= started - RACE_MS) snap = applyFloorChange(snap, r.change, range, snap.at);
      return snap;
    },
    // Polled only while Realtime is connecting or reconnecting (nothing to follow: 'off').
    refetchInterval: live === 'live' || live === 'off' ? SAFETY_REFETCH_MS : pollMs,
    // A hidden tab does not poll (TanStack's default), as the old screen did.
    refetchIntervalInBackground: false,
  });
  return { ...query, live };
}

/** Live, connecting or reconnecting: the floor says whether it is pushed. Hook floor-live (data-state). */
function LiveIndicator({ status }: { status: RealtimeStatus }) {
  const { t } = useTranslation();
  const dot = status === 'live' ? 'bg-emerald-600' : status === 'reconnecting' ? 'bg-amber-500' : 'bg-slate-400';
  return (
    <span data-test="floor-live" data-state={status} className="inline-flex items-center gap-1.5 text-sm text-slate-700">
      <span aria-hidden="true" className={`size-2.5 rounded-full ${dot} ${status === 'live' ? 'animate-pulse' : ''}`} />
      {t(`floor.live.${status}`)}
    </span>
  );
}

const column = createColumnHelper<Row>();
const numeric = ['callsToday', 'talkToday', 'salesToday'];
const cellClass = (id: string) => (numeric.includes(id) ? NUM_CELL : CELL);
const cellTest = (id: string) => (id === 'call' ? 'floor-call' : undefined);

/**
 * The agents' table: its own component, so that scrolling (the virtualiser
 * re-renders on every frame) re-renders only the rows, not the chart.
 */
const FloorTable = memo(function FloorTable({ rows, now, status }: { rows: Row[]; now: number; status: string }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const [sorting, setSorting] = useState<SortingState>([]);
  const scrollRef = useRef<HTMLDivElement>(null);

  const columns = useMemo(() => [
    column.accessor((r) => agentLabel(r.agent), {
      id: 'agent', header: () => t('floor.agent'),
      cell: ({ row: { original: r } }) => (
        <div className="flex items-center gap-2">
          <span aria-hidden="true" className="grid size-7 shrink-0 place-items-center rounded-full bg-slate-200 text-xs font-bold text-slate-700">
            {initials(agentLabel(r.agent))}
          </span>
          <div>
            <strong className="font-semibold">{agentLabel(r.agent)}</strong>
            <div className={MUTED}>{r.agent.sip_extension ? `${t('floor.ext')} ${r.agent.sip_extension}` : r.agent.email}</div>
          </div>
        </div>
      ),
    }),
    column.accessor((r) => STATE_ORDER[r.state] ?? 9, {
      id: 'state', header: () => t('floor.state'),
      cell: ({ row: { original: r } }) => (
        <span data-test="floor-state" className="inline-flex items-center gap-1.5">
          <span aria-hidden="true" className="size-2.5 rounded-full" style={{ background: STATE_COLORS[r.state] ?? '#64748b' }} />
          <span>
            {tMaybe(i18n, `agentState.${r.state}`) ?? r.state}
            {r.reason ? ` · ${tMaybe(i18n, `pauseReason.${r.reason}`) ?? r.reason}` : ''}
          </span>
          {r.since ? <span className={`${MUTED} tabular-nums`}>{formatDuration(Math.floor((now - r.since) / 1000))}</span> : null}
        </span>
      ),
    }),
    column.display({
      id: 'call', header: () => t('floor.currentCall'),
      cell: ({ row: { original: r } }) => (r.openCall ? (
        <div>
          <strong className="font-semibold">{(r.openCall.lead ? leadName(t, r.openCall.lead) : '') || formatPhone(r.openCall.phone_number)}</strong>
          <div className={MUTED}>
            {formatPhone(r.openCall.phone_number)} · {tMaybe(i18n, `call.status.${r.openCall.status}`) ?? r.openCall.status} · {formatDuration(r.callSeconds)}
          </div>
        </div>
      ) : <span className="text-slate-500">—</span>),
    }),
    column.accessor('callsToday', { header: () => t('floor.callsToday'), cell: (c) => String(c.getValue()) }),
    column.accessor('talkToday', { header: () => t('floor.talkToday'), cell: (c) => formatDuration(c.getValue()) }),
    column.accessor('salesToday', {
      header: () => t('floor.salesToday'),
      cell: ({ row: { original: r } }) => (
        <>
          {String(r.salesToday)}
          {r.salesToday ? <div className={MUTED}>{formatCurrency(r.premiumToday, r.currency, lang)}</div> : null}
        </>
      ),
    }),
  ], [t, i18n, lang, now]);

  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Table hands out fresh functions each render; the rows are memoised by hand (BodyRow)
  const table = useReactTable({
    data: rows, columns, state: { sorting }, onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(), getSortedRowModel: getSortedRowModel(), getRowId: (r) => r.agent.id,
  });
  const tableRows = table.getRowModel().rows;
  const virtual = useVirtualRows(tableRows.length, scrollRef, 53, false);

  return (
    <section className={CARD} aria-labelledby="floor-table-title">
      <h2 id="floor-table-title" className="sr-only">{t('floor.agents')}</h2>
      <div ref={scrollRef} data-test="floor-scroll" className="max-h-[70vh] overflow-auto" tabIndex={0} aria-labelledby="floor-table-title">
        <table id="floor-table" data-test="floor-table" className="w-full border-collapse text-sm">
          <TableHead table={table} numeric={numeric} />
          <tbody>
            {!tableRows.length ? (
              <tr><td colSpan={6} className="px-3 py-6 text-center text-slate-600">{status}</td></tr>
            ) : null}
            <Spacer height={virtual.padTop} columns={6} />
            {virtual.indexes.map((index) => {
              const row = tableRows[index];
              if (!row) return null;
              return (
                <BodyRow key={row.id} row={row} index={index} measure={virtual.measure} columns={columns}
                  className="border-b border-slate-100 hover:bg-slate-50" cellClass={cellClass} cellTest={cellTest}
                  attrs={{ 'data-test': 'floor-row', 'data-agent-id': row.original.agent.id, 'data-state': row.original.state }} />
              );
            })}
            <Spacer height={virtual.padBottom} columns={6} />
          </tbody>
        </table>
      </div>
    </section>
  );
});

export function Floor() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { data, error, refetch, isFetching, live } = useFloor();
  // The durations on the floor count up between pushes.
  const tick = useNow(5000);
  // The durations count from the newest of the last push and the clock's tick.
  const now = Math.max(tick, data?.at ?? 0);
  const rows = useMemo(() => (data ? deriveFloor({ ...data, now }) : []).sort(compareFloorRows), [data, now]);
  const counts = countStates(rows);
  const chartData = FLOOR_STATES.map((state) => ({ state, label: tMaybe(i18n, `agentState.${state}`) ?? state, value: counts[state] ?? 0 }));
  // [hook floor-stat-<key>, label, value]; the states' cards wear their colour.
  const stats: [string, string, number][] = [
    ['agents', t('floor.agents'), rows.length],
    ['available', t('agentState.available'), counts.available ?? 0],
    ['on_call', t('agentState.on_call'), counts.on_call ?? 0],
    ['wrap_up', t('agentState.wrap_up'), counts.wrap_up ?? 0],
    ['paused', t('agentState.paused'), counts.paused ?? 0],
    ['offline', t('agentState.offline'), counts.offline ?? 0],
    ['calls', t('floor.callsToday'), rows.reduce((s, r) => s + r.callsToday, 0)],
    ['sales', t('floor.salesToday'), rows.reduce((s, r) => s + r.salesToday, 0)],
  ];

  return (
    <div id="floor" data-test="floor-screen" className="mx-auto flex max-w-7xl flex-col gap-4">
      <header className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold">{t('floor.title')}</h1>
          <p className="text-slate-600">{t('floor.subtitle')}</p>
        </div>
        <div className="flex items-center gap-3">
          <LiveIndicator status={live} />
          <span id="floor-updated" data-test="floor-updated" role="status"
            className={`text-sm ${error ? 'font-medium text-red-700' : 'text-slate-600'}`}>
            {error ? describeError(i18n, error) : data ? t('floor.updatedAt', { time: formatTime(new Date(data.at), lang) }) : t('common.loading')}
          </span>
          <button type="button" data-test="floor-refresh" disabled={isFetching} onClick={() => { void refetch(); }}
            className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-semibold hover:bg-slate-50">
            ↻ {t('common.refresh')}
          </button>
        </div>
      </header>

      <div className="grid gap-4 lg:grid-cols-[1fr_minmax(0,22rem)]">
        <ul data-test="floor-summary" className="grid grid-cols-2 gap-3 self-start sm:grid-cols-4 xl:grid-cols-7">
          {stats.map(([key, label, value]) => (
            <li key={key} data-test={`floor-stat-${key}`} className={`${CARD} flex flex-col px-3 py-2`}
              style={STATE_COLORS[key] ? { borderTop: `3px solid ${STATE_COLORS[key]}` } : undefined}>
              <span className="text-2xl font-semibold tabular-nums">{value}</span>
              <span className="text-xs text-slate-600">{label}</span>
            </li>
          ))}
        </ul>
        <figure data-test="floor-chart" className={`${CARD} p-3`} aria-label={t('floor.chartTitle')}>
          <figcaption className="mb-1 text-sm font-semibold">{t('floor.chartTitle')}</figcaption>
          <ResponsiveContainer width="100%" height={150} initialDimension={{ width: 320, height: 150 }}>
            <BarChart data={chartData} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 8 }}>
              <CartesianGrid horizontal={false} stroke="#e2e8f0" />
              <XAxis type="number" allowDecimals={false} tick={{ fontSize: 11, fill: '#475569' }} />
              <YAxis type="category" dataKey="label" width={96} tick={{ fontSize: 11, fill: '#334155' }} />
              <Tooltip />
              <Bar dataKey="value" name={t('floor.agents')} isAnimationActive={false}
                shape={(props: BarShapeProps) => <Rectangle {...props} fill={STATE_COLORS[(props.payload as { state: string }).state]} />} />
            </BarChart>
          </ResponsiveContainer>
        </figure>
      </div>

      <FloorTable rows={rows} now={now}
        status={error ? describeError(i18n, error) : data ? t('floor.noAgents') : t('common.loading')} />
    </div>
  );
}
