// The leads screen over a fake data layer: what the URL holds reaches the
// list query, pages follow, chosen rows go to a bulk action as {"ids"} and
// "all matching" as {"filter"}, the result is said in words, and an action
// the person may not do is not offered.
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { fakeSupabase } from '../fake-supabase';
import { renderApp } from '../render-app';

const data = vi.hoisted(() => ({
  permissions: new Set(['leads.assign']),
  pages: [] as { rows: Record<string, unknown>[]; count: number | null; next: unknown }[],
}));
const mocks = vi.hoisted(() => ({ listLeadsPage: vi.fn(), runBulkAction: vi.fn() }));

vi.mock('../../../src/data/auth', async (original) => ({
  ...await original<typeof import('../../../src/data/auth')>(),
  hasPermission: (_s: unknown, p: string) => Promise.resolve(data.permissions.has(p)),
}));
vi.mock('../../../src/data/catalog', async (original) => ({
  ...await original<typeof import('../../../src/data/catalog')>(),
  listCampaigns: () => Promise.resolve([{ id: '11111111-1111-4111-8111-111111111111', name: 'Vida Otoño' }]),
}));
vi.mock('../../../src/data/imports', async (original) => ({
  ...await original<typeof import('../../../src/data/imports')>(),
  listImports: () => Promise.resolve([]),
}));
vi.mock('../../../src/data/leads', async (original) => ({
  ...await original<typeof import('../../../src/data/leads')>(),
  listLeadsPage: mocks.listLeadsPage,
  runBulkAction: mocks.runBulkAction,
  listCampaignAgents: () => Promise.resolve([{ id: 'ag-1', name: 'Lucía García' }]),
  listOutcomeCodes: () => Promise.resolve([]),
}));

const CAMPAIGN = '11111111-1111-4111-8111-111111111111';

function lead(n: number) {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, campaign_id: CAMPAIGN, owner_id: null, status: 'new',
    first_name: 'Lead', last_name: `Número ${String(n)}`, phone: '+34612345678', email: null, attempts: 0, last_outcome: null,
    next_call_at: null, last_called_at: null, created_at: '2026-12-01T10:00:00Z', updated_at: '2026-12-01T10:00:00Z',
    source: '', import_id: null, erased_at: null, owner: null, campaign: { name: 'Vida Otoño' },
  };
}

beforeEach(() => {
  data.permissions = new Set(['leads.assign']);
  mocks.listLeadsPage.mockReset();
  mocks.runBulkAction.mockReset();
  mocks.listLeadsPage.mockImplementation((_s: unknown, _f: unknown, _sort: unknown, cursor: unknown) => Promise.resolve(cursor
    ? { rows: [lead(3)], count: null, next: null }
    : { rows: [lead(1), lead(2)], count: 1234567, next: { value: '2026-12-01T10:00:00Z', id: lead(2).id } }));
});

describe('the leads screen', { timeout: 30_000 }, () => {
  test('the URL\'s filters reach the query; the estimated count; rows go to a bulk action by id', async () => {
    const user = userEvent.setup();
    renderApp(fakeSupabase({ signedInAs: 'supervisor1@demo.test' }).client,
      { path: `/supervisor/leads?campaign=${CAMPAIGN}&q=Núñez&status=new,retry&owner=pool&sort=attempts&dir=asc` });
    // The supervisor chunk loads lazily.
    expect(await screen.findByText('≈ 1.234.567', {}, { timeout: 10_000 })).toBeTruthy();
    const [, filter, sort, cursor] = mocks.listLeadsPage.mock.calls[0] as unknown[];
    expect(filter).toEqual({ campaign_id: CAMPAIGN, search: 'nunez', status: ['new', 'retry'], unassigned: true });
    expect(sort).toEqual({ column: 'attempts', ascending: true });
    expect(cursor).toBeNull();
    // The next page starts after the last row read (jsdom shows every row: the end is in view).
    await waitFor(() => { expect(mocks.listLeadsPage).toHaveBeenCalledTimes(2); });
    expect((mocks.listLeadsPage.mock.calls[1] as unknown[])[3]).toEqual({ value: '2026-12-01T10:00:00Z', id: lead(2).id });
    expect(await screen.findByText('Lead Número 3')).toBeTruthy();

    const rows = screen.getAllByRole('row').filter((r) => r.getAttribute('data-test') === 'lead-row');
    expect(rows).toHaveLength(3);
    await user.click(within(rows[0] as HTMLElement).getByRole('checkbox'));
    await user.click(within(rows[2] as HTMLElement).getByRole('checkbox'));
    expect(screen.getByText('Seleccionados: 2')).toBeTruthy();
    // Supervisors hold no leads.delete here: not offered.
    expect(screen.queryByRole('button', { name: 'Eliminar' })).toBeNull();
    mocks.runBulkAction.mockResolvedValue({ matched: 2, changed: 1, skipped: { in_call: 1 } });
    await user.click(screen.getByRole('button', { name: 'Asignar a un agente' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Se asignarán 2 leads al agente elegido.')).toBeTruthy();
    await user.selectOptions(await within(dialog).findByLabelText('Agente'), 'ag-1');
    await user.click(within(dialog).getByRole('button', { name: 'Confirmar' }));
    expect(await within(dialog).findByText('Asignados 1 de 2 leads. Sin cambios, 1: están en una llamada (1).')).toBeTruthy();
    expect(mocks.runBulkAction).toHaveBeenCalledWith(expect.anything(), { ids: [lead(1).id, lead(3).id] }, { kind: 'assign', agentId: 'ag-1' }, expect.any(Function));
  });

  test('"all matching" sends the filter; delete shows with leads.delete', async () => {
    data.permissions = new Set(['leads.assign', 'leads.delete']);
    const user = userEvent.setup();
    renderApp(fakeSupabase({ signedInAs: 'supervisor1@demo.test' }).client, { path: `/supervisor/leads?campaign=${CAMPAIGN}&amin=2` });
    await user.click(await screen.findByRole('button', { name: 'Seleccionar todos los que coinciden (≈ 1.234.567)' }, { timeout: 10_000 }));
    mocks.runBulkAction.mockResolvedValue({ matched: 1234567, changed: 1234567, skipped: {} });
    await user.click(await screen.findByRole('button', { name: 'Eliminar' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Se eliminarán ≈ 1.234.567 leads. No se puede deshacer.')).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Confirmar' }));
    expect(await within(dialog).findByText('Eliminados 1.234.567 de 1.234.567 leads.')).toBeTruthy();
    expect(mocks.runBulkAction).toHaveBeenCalledWith(expect.anything(), { filter: { campaign_id: CAMPAIGN, attempts_min: 2 } }, { kind: 'delete' }, expect.any(Function));
  });
});
