// The supervisor's screens over a fake data layer (the data modules are
// replaced, so what reaches "the server" is what the screens ask of them):
// the floor's states, the validation queue (a reason is required to
// reject), the reports' tables and charts and the export's states, and the
// access log's pages.
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { fakeSupabase } from '../fake-supabase';
import { renderApp } from '../render-app';

const data = vi.hoisted(() => ({
  permissions: new Set(['sales.validate', 'reports.view', 'recordings.listen']),
  agents: [] as Record<string, unknown>[],
  states: [] as Record<string, unknown>[],
  openCalls: [] as Record<string, unknown>[],
  pending: [] as Record<string, unknown>[],
  decided: [] as Record<string, unknown>[],
  exportRows: [] as Record<string, unknown>[],
  fetches: 0,
  logPages: [] as { rows: Record<string, unknown>[]; hasMore: boolean }[],
}));

const mocks = vi.hoisted(() => ({
  validateSale: vi.fn(),
  requestReportExport: vi.fn(),
  getReportExport: vi.fn(),
  listRecordingAccessLog: vi.fn(),
  listProfilesByIds: vi.fn(),
}));

vi.mock('../../../src/data/auth', async (original) => ({
  ...await original<typeof import('../../../src/data/auth')>(),
  hasPermission: (_s: unknown, p: string) => Promise.resolve(data.permissions.has(p)),
}));
vi.mock('../../../src/data/floor', () => ({
  OPEN_CALL_HOURS: 12,
  listFloorCampaignIds: () => Promise.resolve(['c-1']),
  listAgents: () => { data.fetches += 1; return Promise.resolve(data.agents); },
  listAgentStates: () => Promise.resolve(data.states),
  listOpenCalls: () => Promise.resolve(data.openCalls),
  listCallsSince: () => Promise.resolve([{ agent_id: 'ag-1', talk_seconds: 90 }]),
  listSalesSince: () => Promise.resolve([]),
}));
vi.mock('../../../src/data/sales', () => ({
  listPendingSales: () => Promise.resolve(data.pending),
  listDecidedSales: () => Promise.resolve(data.decided),
  validateSale: mocks.validateSale,
}));
vi.mock('../../../src/data/reports', () => ({
  reportAgentPerformance: () => Promise.resolve([
    { agent_id: 'ag-1', agent_name: 'Lucía García', calls: 12, answered_calls: 8, conversion_rate: 0.25, talk_seconds: 600, validated_premium: { EUR: 240 }, refreshed_at: '2026-11-24T10:00:00Z' },
    { agent_id: 'ag-2', agent_name: 'Pedro Gil', calls: 5, answered_calls: 2, conversion_rate: 0, talk_seconds: 60, validated_premium: {}, refreshed_at: '2026-11-24T10:00:00Z' },
  ]),
  reportCampaignStats: () => Promise.resolve([{
    campaign_id: 'c-1', campaign_name: 'Vida Otoño', calls: 17, sales: 3,
    sales_by_product: [
      { product_id: 'p-1', product_code: 'VIDA', product_name: 'Vida Plus', status: 'validated', currency: 'EUR', sales: 2, premium: 40 },
      { product_id: 'p-1', product_code: 'VIDA', product_name: 'Vida Plus', status: 'pending', currency: 'EUR', sales: 1, premium: 20 },
    ],
    refreshed_at: '2026-11-24T10:00:00Z',
  }]),
  reportDailySummary: () => Promise.resolve(Array.from({ length: 14 }, (_, i) => ({
    hour: 8 + i, agents: 2, calls: i + 1, answered_calls: i, contacts: 1, sale_calls: 0, sales: i % 3 ? 0 : 1, validated_sales: 0, talk_seconds: 60 * i, calls_per_agent: (i + 1) / 2, refreshed_at: '2026-11-24T10:00:00Z',
  }))),
  requestReportExport: mocks.requestReportExport,
  getReportExport: mocks.getReportExport,
}));
vi.mock('../../../src/data/recordings', () => ({
  listRecentCalls: () => Promise.resolve([
    { id: 'call-1', started_at: '2026-11-24T10:00:00Z', status: 'ended', outcome: 'answered', disposition: null, talk_seconds: 75, campaign_id: 'c-1', agent_id: 'ag-1', lead_id: 'l-1', recording_status: 'stored', lead: { id: 'l-1', first_name: 'Marta', last_name: 'Sanz', status: 'contacted' }, agent: { full_name: 'Lucía García', email: 'a@x' }, campaign: { name: 'Vida Otoño' } },
    { id: 'call-2', started_at: '2026-11-24T09:00:00Z', status: 'ended', outcome: 'no_answer', disposition: null, talk_seconds: null, campaign_id: 'c-1', agent_id: 'ag-1', lead_id: 'l-2', recording_status: 'not_recorded', lead: { id: 'l-2', first_name: 'Andrés', last_name: '', status: 'new' }, agent: { full_name: 'Lucía García', email: 'a@x' }, campaign: { name: 'Vida Otoño' } },
  ]),
  recordingUrl: () => Promise.resolve('https://storage.test/signed.opus'),
}));
vi.mock('../../../src/data/compliance', () => ({
  listRecordingAccessLog: mocks.listRecordingAccessLog,
  listProfilesByIds: mocks.listProfilesByIds,
}));
vi.mock('../../../src/data/catalog', () => ({ listCampaigns: () => Promise.resolve([{ id: 'c-1', name: 'Vida Otoño' }]) }));

const SUPERVISOR = 'supervisor1@demo.test';

function sale(id: string, first: string) {
  return {
    id, lead_id: `l-${id}`, campaign_id: 'c-1', product_id: 'p-1', agent_id: 'ag-1', call_id: null, policy_number: `POL-${id}`, premium: 30,
    payment_frequency: 'monthly', currency: 'EUR', status: 'pending', status_reason: null, validated_at: null, notes: '', sold_at: '2026-11-24T09:00:00Z',
    product: { name: 'Vida Plus', code: 'VIDA', insurance_line: 'life' }, lead: { first_name: first, last_name: 'López', phone: '+34600000001', status: 'sold' },
    agent: { full_name: 'Lucía García', email: 'a@x' }, campaign: { name: 'Vida Otoño' },
  };
}

beforeEach(() => {
  vi.clearAllMocks();
  data.fetches = 0;
  data.agents = [
    { id: 'ag-1', email: 'lucia@x', full_name: 'Lucía García', role: 'agent', active: true, sip_extension: '1001' },
    { id: 'ag-2', email: 'pedro@x', full_name: 'Pedro Gil', role: 'agent', active: true, sip_extension: '1002' },
    { id: 'ag-3', email: 'rosa@x', full_name: 'Rosa Díaz', role: 'agent', active: true, sip_extension: null },
  ];
  data.states = [
    { agent_id: 'ag-2', state: 'paused', reason: 'lunch', since: new Date(Date.now() - 65_000).toISOString(), updated_at: '' },
    { agent_id: 'ag-3', state: 'available', reason: null, since: null, updated_at: '' },
  ];
  data.openCalls = [{ id: 'oc-1', agent_id: 'ag-1', campaign_id: 'c-1', status: 'confirmed', outcome: null, started_at: new Date(Date.now() - 40_000).toISOString(), answered_at: null, ended_at: null, phone_number: '+34612345678', lead: { id: 'l-9', first_name: 'Marta', last_name: 'Sanz', status: 'contacted' } }];
  data.pending = [sale('s-1', 'Elena'), sale('s-2', 'Jorge')];
  data.decided = [];
  mocks.validateSale.mockImplementation((_s: unknown, id: string, approved: boolean, reason: string | null) => {
    const found = data.pending.find((s) => s.id === id);
    data.pending = data.pending.filter((s) => s.id !== id);
    if (found) data.decided = [{ ...found, status: approved ? 'validated' : 'rejected', status_reason: reason, validated_at: new Date().toISOString() }, ...data.decided];
    return Promise.resolve({});
  });
  data.logPages = [
    { rows: Array.from({ length: 50 }, (_, i) => ({ id: `log-${String(i)}`, call_id: `call-${String(i)}-0000`, campaign_id: 'c-1', requested_by: 's-1', requested_at: '2026-11-24T10:00:00Z', outcome: 'granted', reason_code: null, reason: null, client_address: '10.0.0.1', user_agent: 'x' })), hasMore: true },
    { rows: [{ id: 'log-50', call_id: 'call-old-0000', campaign_id: 'c-1', requested_by: 'ad-1', requested_at: '2026-11-23T10:00:00Z', outcome: 'refused', reason_code: '42501', reason: null, client_address: null, user_agent: null }], hasMore: false },
  ];
  mocks.listRecordingAccessLog.mockImplementation((_s: unknown, { page }: { page: number }) => Promise.resolve({ ...data.logPages[page], page, pageSize: 50 }));
  mocks.listProfilesByIds.mockImplementation((_s: unknown, ids: string[]) => Promise.resolve(
    [{ id: 's-1', full_name: 'Sergio Ruiz', email: 's@x' }, { id: 'ad-1', full_name: 'Ana Admin', email: 'ad@x' }].filter((p) => ids.includes(p.id)),
  ));
});

describe('live floor', () => {
  test('derives each agent\'s state and shows the counts, the chart and the rows in the floor\'s order', async () => {
    renderApp(fakeSupabase({ signedInAs: SUPERVISOR }).client, { path: '/supervisor' });
    const rows = await screen.findAllByTestId('floor-row', {}, { timeout: 5000 });
    expect(rows.map((r) => [r.dataset.agentId, r.dataset.state])).toStrictEqual([
      ['ag-1', 'on_call'], ['ag-3', 'available'], ['ag-2', 'paused'],
    ]);
    expect(within(rows[0] as HTMLElement).getByTestId('floor-call').textContent).toMatch(/Marta Sanz.*\+34 612 34 56 78.*En conversación/);
    expect(within(rows[2] as HTMLElement).getByTestId('floor-state').textContent).toMatch(/En pausa · Comida\s*01:0\d/);
    const summary = screen.getByTestId('floor-summary');
    expect(within(summary).getByTestId('floor-stat-agents').textContent).toBe('3Agentes');
    expect(within(summary).getByTestId('floor-stat-on_call').textContent).toBe('1En llamada');
    expect(screen.getByTestId('floor-chart').textContent).toContain('Agentes por estado');
    expect(screen.getByTestId('floor-updated').textContent).toMatch(/^Actualizado a las/);
    expect(screen.getByText('Estado de sus agentes, al momento.')).toBeTruthy();
  });

  test('pushes on floor:<campaign> update the rows without a fetch; a rejoin fetches once', async () => {
    const fake = fakeSupabase({ signedInAs: SUPERVISOR });
    renderApp(fake.client, { path: '/supervisor/floor' });
    await screen.findAllByTestId('floor-row', {}, { timeout: 5000 });
    await waitFor(() => { expect(screen.getByTestId('floor-live').dataset.state).toBe('live'); });
    const channel = fake.realtime.open('floor:c-1');
    expect(channel?.options.config).toStrictEqual({ private: true });
    // The shell's own rights:<user> channel (permission-feed) aside.
    expect(fake.realtime.channels.map((c) => c.topic).filter((t) => !t.startsWith('rights:'))).toStrictEqual(['floor:c-1']);
    expect(fake.realtime.client.realtime.setAuth).toHaveBeenCalled();
    // The first join fetched the snapshot again (what changed before the join was not pushed).
    await waitFor(() => { expect(data.fetches).toBe(2); });
    const row = (id: string) => screen.getAllByTestId('floor-row').find((r) => r.dataset.agentId === id);

    channel?.broadcast('UPDATE', {
      schema: 'public', table: 'agent_states', operation: 'UPDATE',
      record: { agent_id: 'ag-3', state: 'offline', reason: 'disconnected', since: new Date().toISOString(), updated_at: new Date().toISOString() },
      old_record: { agent_id: 'ag-3', state: 'available' },
    });
    await waitFor(() => { expect(row('ag-3')?.dataset.state).toBe('offline'); });
    expect(within(row('ag-3') as HTMLElement).getByTestId('floor-state').textContent).toMatch(/Desconectado · Sin conexión/);
    expect(within(screen.getByTestId('floor-summary')).getByTestId('floor-stat-offline').textContent).toBe('1Desconectado');

    // Pedro takes a call: no published state change, the call row alone puts him on a call.
    channel?.broadcast('DELETE', { schema: 'public', table: 'agent_states', operation: 'DELETE', record: null, old_record: { agent_id: 'ag-2' } });
    channel?.broadcast('INSERT', {
      schema: 'public', table: 'calls', operation: 'INSERT', old_record: null,
      record: { id: 'oc-2', agent_id: 'ag-2', campaign_id: 'c-1', status: 'dialing', started_at: new Date().toISOString(), wrapped_up_at: null, talk_seconds: null, phone_number: '+34699000111', updated_at: new Date().toISOString() },
    });
    await waitFor(() => { expect(row('ag-2')?.dataset.state).toBe('on_call'); });
    expect(within(row('ag-2') as HTMLElement).getByTestId('floor-call').textContent).toContain('+34 699 00 01 11');
    expect(within(screen.getByTestId('floor-summary')).getByTestId('floor-stat-calls').textContent).toBe('2Llamadas hoy');
    expect(data.fetches).toBe(2);

    // The connection drops: "reconnecting"; back, the snapshot is read again.
    act(() => { channel?.drop(); });
    await waitFor(() => { expect(screen.getByTestId('floor-live').dataset.state).toBe('reconnecting'); });
    act(() => { channel?.rejoin(); });
    await waitFor(() => { expect(screen.getByTestId('floor-live').dataset.state).toBe('live'); });
    await waitFor(() => { expect(data.fetches).toBe(3); });
  });

  test('a thousand agents: only the rows in view are in the page', async () => {
    data.agents = Array.from({ length: 1000 }, (_, i) => ({ id: `ag-${String(i)}`, email: `a${String(i)}@x`, full_name: `Agente ${String(i).padStart(4, '0')}`, role: 'agent', active: true, sip_extension: null }));
    data.states = []; data.openCalls = [];
    // jsdom lays nothing out: the scroll box is 600 px high and a row 53 px, as in a browser.
    const height = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
      configurable: true, get(this: HTMLElement) { return this.dataset.test === 'floor-scroll' ? 600 : 0; },
    });
    const offset = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'offsetHeight');
    Object.defineProperty(HTMLElement.prototype, 'offsetHeight', {
      configurable: true, get(this: HTMLElement) { return this.tagName === 'TR' ? 53 : 0; },
    });
    renderApp(fakeSupabase({ signedInAs: SUPERVISOR }).client, { path: '/supervisor/floor' });
    await waitFor(() => { expect(screen.getAllByTestId('floor-row').length).toBeGreaterThan(5); }, { timeout: 8000 });
    const rows = screen.getAllByTestId('floor-row');
    expect(rows.length).toBeLessThan(60);
    expect(within(screen.getByTestId('floor-summary')).getByTestId('floor-stat-agents').textContent).toBe('1000Agentes');
    if (height) Object.defineProperty(HTMLElement.prototype, 'clientHeight', height);
    if (offset) Object.defineProperty(HTMLElement.prototype, 'offsetHeight', offset);
  }, 20_000);
});

describe('validation queue', () => {
  test('approves in one click; rejecting needs a reason', async () => {
    const user = userEvent.setup();
    renderApp(fakeSupabase({ signedInAs: SUPERVISOR }).client, { path: '/supervisor/validation' });
    expect(await screen.findAllByTestId('validation-row', {}, { timeout: 5000 })).toHaveLength(2);
    expect(screen.getByTestId('validation-count').textContent).toBe('2');

    const rowOf = (id: string) => screen.getAllByTestId('validation-row').find((r) => r.dataset.saleId === id) as HTMLElement;
    await user.click(within(rowOf('s-1')).getByTestId('sale-approve'));
    expect(mocks.validateSale).toHaveBeenCalledWith(expect.anything(), 's-1', true, null);
    expect(await screen.findByText('Venta validada.')).toBeTruthy();
    await waitFor(() => { expect(screen.getAllByTestId('decided-row').map((r) => r.dataset.saleId)).toStrictEqual(['s-1']); });

    await user.click(within(rowOf('s-2')).getByTestId('sale-reject'));
    const reason = await screen.findByTestId('sale-reject-reason');
    expect(document.activeElement).toBe(reason);
    await user.click(screen.getByTestId('sale-reject-confirm'));
    expect((await screen.findByRole('alert')).textContent).toBe('Indique el motivo.');
    await user.type(reason, '   ');
    await user.click(screen.getByTestId('sale-reject-confirm'));
    expect(mocks.validateSale).toHaveBeenCalledTimes(1);

    await user.type(reason, 'Falta la grabación');
    await user.click(screen.getByTestId('sale-reject-confirm'));
    expect(mocks.validateSale).toHaveBeenLastCalledWith(expect.anything(), 's-2', false, 'Falta la grabación');
    expect(await screen.findByTestId('validation-empty')).toBeTruthy();
    const decided = screen.getAllByTestId('decided-row');
    expect(decided.map((r) => r.dataset.saleId)).toStrictEqual(['s-2', 's-1']);
    expect(decided[0]?.textContent).toMatch(/Rechazada.*Falta la grabación/);
  });

  test('without sales.validate the queue is not reachable', async () => {
    data.permissions.delete('sales.validate');
    const { router } = renderApp(fakeSupabase({ signedInAs: SUPERVISOR }).client, { path: '/supervisor/validation' });
    expect(await screen.findByTestId('floor-screen')).toBeTruthy();
    expect(router.state.location.pathname).toBe('/supervisor/floor');
    expect(screen.queryByTestId('nav-validation')).toBeNull();
    data.permissions.add('sales.validate');
  });
});

describe('reports', () => {
  test('tables and charts of the three reports, sales by product as text', async () => {
    renderApp(fakeSupabase({ signedInAs: SUPERVISOR }).client, { path: '/supervisor/reports' });
    const agents = await screen.findByTestId('report-agents-table');
    expect(within(agents).getAllByRole('row')).toHaveLength(3);
    expect(agents.textContent).toContain('25,0 %');
    expect(agents.textContent).not.toContain('refreshed');
    expect(screen.getByTestId('report-agents-chart')).toBeTruthy();
    const campaigns = screen.getByTestId('report-campaigns-table');
    expect(within(campaigns).getByTestId('sales-by-product').textContent).toBe('Vida Plus: 2 Validada, 1 Pendiente');
    expect(campaigns.textContent).not.toMatch(/[{}"]/);
    expect(screen.getByTestId('report-daily-chart')).toBeTruthy();
    expect(within(screen.getByTestId('report-daily-kpis')).getByText('Llamadas').nextSibling?.textContent).toBe('105');
    expect(within(screen.getByTestId('report-daily-table')).getAllByRole('row')).toHaveLength(15);

    // Sorting a column by its header: numbers most first, then fewest first.
    const user = userEvent.setup();
    const sortByCalls = () => user.click(within(agents).getByRole('button', { name: /^Llamadas/ }));
    await sortByCalls();
    expect(within(agents).getAllByRole('columnheader').find((th) => th.textContent.startsWith('Llamadas'))?.getAttribute('aria-sort')).toBe('descending');
    await sortByCalls();
    expect(within(agents).getAllByRole('row')[1]?.textContent).toMatch(/^Pedro Gil/);
  });

  test('an export is queued, runs with its progress, then offers the download: pushed, read once after the join', async () => {
    const user = userEvent.setup();
    const base = { id: 'ex-1', report: 'agent_performance', format: 'xlsx', rows_done: 0, rows_total: null, signed_url: null, signed_url_expires_at: null, error: null, requested_at: '', finished_at: null };
    mocks.requestReportExport.mockResolvedValue({ ...base, status: 'queued', updated_at: '2026-11-24T10:00:00Z' });
    // The one read after the join: the worker had already started.
    mocks.getReportExport.mockResolvedValue({ ...base, status: 'running', rows_done: 1, rows_total: 2, updated_at: '2026-11-24T10:00:01Z' });
    const fake = fakeSupabase({ signedInAs: SUPERVISOR });
    renderApp(fake.client, { path: '/supervisor/reports' });
    await user.click(await screen.findByTestId('report-agents-export-xlsx'));
    const status = screen.getByTestId('report-agents-export');
    expect(mocks.requestReportExport).toHaveBeenCalledWith(expect.anything(), 'agent_performance', expect.objectContaining({ p_from: expect.stringMatching(/^\d{4}-\d\d-\d\d$/) as unknown, p_to: expect.any(String) as unknown }), 'xlsx');
    await waitFor(() => { expect(status.dataset.status).toBe('running'); });
    expect(status.textContent).toContain('1 de 2 filas');
    expect(screen.getByTestId('report-agents-export-progress')).toBeTruthy();
    expect(screen.getByTestId('report-agents-export-csv')).toHaveProperty('disabled', true);
    const channel = fake.realtime.open('report-export:ex-1');
    expect(channel?.handlers[0]?.filter).toStrictEqual({ event: 'UPDATE', schema: 'public', table: 'report_exports', filter: 'id=eq.ex-1' });
    // An older push (before the read) changes nothing; the newer one finishes it.
    act(() => { channel?.change('UPDATE', 'report_exports', { ...base, status: 'queued', updated_at: '2026-11-24T10:00:00Z' }); });
    expect(status.dataset.status).toBe('running');
    act(() => { channel?.change('UPDATE', 'report_exports', { ...base, status: 'done', rows_done: 2, rows_total: 2, signed_url: 'https://storage.test/exports/ex-1.xlsx?token=t', updated_at: '2026-11-24T10:00:02Z' }); });
    await waitFor(() => { expect(status.dataset.status).toBe('done'); });
    const link = screen.getByTestId('report-agents-download');
    expect(link.getAttribute('href')).toBe('https://storage.test/exports/ex-1.xlsx?token=t');
    expect(link.textContent).toBe('Descargar XLSX');
    // Never polled: one read, after the join; the channel is left once the export is done.
    expect(mocks.getReportExport).toHaveBeenCalledTimes(1);
    await waitFor(() => { expect(channel?.removed).toBe(true); });
  });

  test('a failed export says why', async () => {
    mocks.requestReportExport.mockResolvedValue({ id: 'ex-2', report: 'daily_summary', format: 'csv', status: 'queued', rows_done: 0, rows_total: null, signed_url: null, error: null });
    mocks.getReportExport.mockResolvedValue({ id: 'ex-2', report: 'daily_summary', format: 'csv', status: 'queued', rows_done: 0, rows_total: null, signed_url: null, error: null });
    const fake = fakeSupabase({ signedInAs: SUPERVISOR });
    renderApp(fake.client, { path: '/supervisor/reports' });
    await userEvent.setup().click(await screen.findByTestId('report-daily-export-csv'));
    expect(mocks.requestReportExport).toHaveBeenCalledWith(expect.anything(), 'daily_summary', { p_day: expect.any(String) as unknown }, 'csv');
    await waitFor(() => { expect(mocks.getReportExport).toHaveBeenCalledTimes(1); });
    act(() => { fake.realtime.open('report-export:ex-2')?.change('UPDATE', 'report_exports', { id: 'ex-2', status: 'failed', error: 'storage unavailable' }); });
    const status = screen.getByTestId('report-daily-export');
    await waitFor(() => { expect(status.dataset.status).toBe('failed'); });
    expect(status.textContent).toBe('La exportación ha fallado: storage unavailable');
    expect(screen.queryByTestId('report-daily-download')).toBeNull();
  });
});

describe('recordings', () => {
  test('calls with their recording, Listen plays the signed link, the access log pages with names', async () => {
    const user = userEvent.setup();
    renderApp(fakeSupabase({ signedInAs: SUPERVISOR }).client, { path: '/supervisor/recordings' });
    const calls = await screen.findAllByTestId('call-row');
    expect(calls.map((c) => c.dataset.callId)).toStrictEqual(['call-1', 'call-2']);
    expect(within(calls[1] as HTMLElement).queryByTestId('play-recording')).toBeNull();
    await user.click(within(calls[0] as HTMLElement).getByTestId('play-recording'));
    expect((await screen.findByTestId('recording-audio')).getAttribute('src')).toBe('https://storage.test/signed.opus');

    await waitFor(() => { expect(screen.getAllByTestId('access-log-row')).toHaveLength(50); });
    expect(screen.getAllByTestId('access-log-row')[0]?.textContent).toContain('Sergio Ruiz');
    expect(screen.getByTestId('access-log-prev')).toHaveProperty('disabled', true);
    await user.click(screen.getByTestId('access-log-next'));
    await waitFor(() => { expect(screen.getAllByTestId('access-log-row')).toHaveLength(1); });
    const [refused] = screen.getAllByTestId('access-log-row');
    expect(refused?.dataset).toMatchObject({ outcome: 'refused', callId: 'call-old-0000' });
    expect(refused?.textContent).toMatch(/Ana Admin.*Denegado/);
    expect(screen.getByTestId('access-log-page').textContent).toBe('Página 2');
    expect(screen.getByTestId('access-log-next')).toHaveProperty('disabled', true);
    expect(mocks.listRecordingAccessLog).toHaveBeenLastCalledWith(expect.anything(), { page: 1, pageSize: 50 });
  });
});
