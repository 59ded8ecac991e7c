// The admin's screens on a fake data layer (fake-admin.ts): inline changes
// reach "the database" and show, refusals show the database's message, the
// compliance forms check their input, and each screen is gated by its
// permission. The admin of the fake works in English (profile locale 'en').
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { renderApp } from '../render-app';
import { CALL_ID, fakeAdmin, LEAD_ID } from './fake-admin';

afterEach(() => { vi.restoreAllMocks(); });

// The first screen of a run loads the lazy chunk, slow on a busy machine.
const SLOW = { timeout: 5000 };

const row = async (test: string, attr: string, id: string) => {
  await screen.findByTestId(test === 'hold-row' ? 'holds-table' : `${test.split('-')[0] ?? ''}s-table`, {}, SLOW);
  return waitFor(() => {
    const found = document.querySelector<HTMLElement>(`[data-test="${test}"][data-${attr}="${id}"]`);
    if (!found) throw new Error(`no ${test} ${id}`);
    return found;
  }, SLOW);
};

describe('users', () => {
  test('a role change is sent and shown; the own role and activity cannot change', async () => {
    const fake = fakeAdmin();
    renderApp(fake.client, { path: '/admin/users' });
    const agent = await row('user-row', 'user-id', 'a-2');
    expect(within(agent).getByText('Pablo Díaz')).toBeTruthy();
    expect(within(agent).getByText('ES')).toBeTruthy();
    const role = within(agent).getByTestId<HTMLSelectElement>('user-role');
    expect(role.value).toBe('agent');
    await userEvent.setup().selectOptions(role, 'supervisor');
    expect((await screen.findByTestId('toast')).textContent).toContain('Change saved.');
    expect(fake.writes).toStrictEqual([{ table: 'profiles', op: 'update', values: { role: 'supervisor' }, filters: [['id', 'a-2']] }]);
    await waitFor(() => { expect(within(agent).getByTestId<HTMLSelectElement>('user-role').value).toBe('supervisor'); });
    expect(fake.tables.profiles?.find((p) => p.id === 'a-2')?.role).toBe('supervisor');

    const self = await row('user-row', 'user-id', 'ad-1');
    expect(within(self).getByTestId<HTMLSelectElement>('user-role').disabled).toBe(true);
    expect(within(self).getByTestId<HTMLInputElement>('user-active').disabled).toBe(true);
  });

  test("an extension the database refuses is toasted with its message and the field goes back", async () => {
    const fake = fakeAdmin();
    renderApp(fake.client, { path: '/admin/users' });
    const agent = await row('user-row', 'user-id', 'a-2');
    const ext = within(agent).getByTestId<HTMLInputElement>('user-extension');
    expect(ext.value).toBe('1002');
    fake.refuseNext('profiles', { code: '23505', message: 'sip_extension: 1001 is already taken by agent1@demo.test' });
    const user = userEvent.setup();
    await user.clear(ext);
    await user.type(ext, '1001{Enter}');
    const toast = await screen.findByTestId('toast');
    expect(toast.textContent).toContain('Already exists');
    expect(toast.textContent).toContain('sip_extension: 1001 is already taken');
    await waitFor(() => { expect(within(agent).getByTestId<HTMLInputElement>('user-extension').value).toBe('1002'); });
    expect(fake.writes.map((w) => w.values)).toStrictEqual([{ sip_extension: '1001' }]);
  });

  test('switching a user off', async () => {
    const fake = fakeAdmin();
    renderApp(fake.client, { path: '/admin/users' });
    const agent = await row('user-row', 'user-id', 'a-1');
    await userEvent.setup().click(within(agent).getByTestId('user-active'));
    await waitFor(() => { expect(within(agent).getByTestId<HTMLInputElement>('user-active').checked).toBe(false); });
    // Through rpc/deactivate_user (the worker bans them in Auth), followed in the request panel.
    expect(fake.rpcCalls.filter((c) => c.name !== 'has_permission')).toStrictEqual([{ name: 'deactivate_user', args: { p_user_id: 'a-1' } }]);
    expect(fake.writes).toStrictEqual([]);
    expect((await screen.findByTestId('account-request')).dataset.kind).toBe('deactivate');
  });
  test('a long list of users is virtualised: only the rows in view are in the page', async () => {
    const fake = fakeAdmin();
    for (let i = 0; i < 600; i++) {
      fake.tables.profiles?.push({ id: `bulk-${String(i)}`, email: `bulk${String(i)}@demo.test`, full_name: null, role: 'agent', locale: 'es', active: true, sip_extension: null });
    }
    // jsdom lays nothing out: the list's scroller is given a height of 800 px.
    vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(800);
    renderApp(fake.client, { path: '/admin/users' });
    await row('user-row', 'user-id', 'a-1');
    const shown = screen.getAllByTestId('user-row').length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(100);
  });
});

describe('campaigns and products', () => {
  test('a campaign shows its hours, recording and retention, and its status changes', async () => {
    const fake = fakeAdmin();
    renderApp(fake.client, { path: '/admin/campaigns' });
    const campaign = await row('campaign-row', 'campaign-id', 'c-1');
    expect(within(campaign).getByText('09:00–21:00')).toBeTruthy();
    expect(within(campaign).getByTestId('campaign-retention').textContent).toBe('365 days');
    expect(within(campaign).getByText('Esta llamada puede ser grabada.')).toBeTruthy();
    await userEvent.setup().selectOptions(within(campaign).getByTestId('campaign-status'), 'paused');
    await waitFor(() => { expect(fake.tables.campaigns?.[0]?.status).toBe('paused'); });
    expect(within(campaign).getByTestId<HTMLSelectElement>('campaign-status').value).toBe('paused');
    expect(within(campaign).getByRole('option', { name: 'Paused', selected: true })).toBeTruthy();
  });

  test('a product switched off', async () => {
    const fake = fakeAdmin();
    renderApp(fake.client, { path: '/admin/products' });
    const product = await row('product-row', 'product-id', 'p-1');
    expect(within(product).getByText('VIDA-01')).toBeTruthy();
    expect(within(product).getByText('Life')).toBeTruthy();
    const active = within(product).getByRole<HTMLInputElement>('checkbox', { name: 'Active: Vida Plus' });
    expect(active.checked).toBe(true);
    await userEvent.setup().click(active);
    expect((await screen.findByTestId('toast')).textContent).toContain('Change saved.');
    expect(fake.writes).toStrictEqual([{ table: 'products', op: 'update', values: { active: false }, filters: [['id', 'p-1']] }]);
    await waitFor(() => { expect(within(product).getByTestId<HTMLInputElement>('product-active').checked).toBe(false); });
  });
});

describe('compliance', () => {
  test('a hold is placed on a lead with its reason, listed first, and released', async () => {
    const fake = fakeAdmin();
    renderApp(fake.client, { path: '/admin/compliance' });
    const old = await row('hold-row', 'hold-id', 'h-old');
    expect(old.dataset.active).toBe('false');
    expect(within(old).queryByTestId('hold-release')).toBeNull();

    const user = userEvent.setup();
    await user.selectOptions(screen.getByTestId('hold-target'), 'lead');
    await user.type(screen.getByTestId('hold-target-id'), LEAD_ID);
    await user.type(screen.getByTestId('hold-reason'), 'claim 2026/114');
    await user.click(screen.getByTestId('hold-place'));
    await waitFor(() => { expect(screen.getAllByTestId('hold-row')).toHaveLength(2); });
    expect(fake.writes[0]).toMatchObject({ table: 'legal_holds', op: 'insert', values: { reason: 'claim 2026/114', lead_id: LEAD_ID } });
    const placed = screen.getAllByTestId('hold-row')[0] ?? document.body;
    expect(placed.dataset.active, 'the active hold first').toBe('true');
    expect(within(placed).getByText(LEAD_ID)).toBeTruthy();
    expect(screen.getByTestId<HTMLInputElement>('hold-reason').value, 'the form is emptied').toBe('');

    const confirm = vi.spyOn(window, 'confirm').mockReturnValueOnce(false).mockReturnValueOnce(true);
    await user.click(within(placed).getByTestId('hold-release'));
    expect(confirm).toHaveBeenLastCalledWith(expect.stringContaining('"claim 2026/114"'));
    expect(fake.writes).toHaveLength(1);
    await user.click(within(placed).getByTestId('hold-release'));
    await waitFor(() => { expect(screen.getAllByTestId('hold-row').every((r) => r.dataset.active === 'false')).toBe(true); });
    expect(Object.keys(fake.writes[1]?.values ?? {})).toStrictEqual(['released_at']);
    expect(screen.getByText('Hold released.', { exact: false })).toBeTruthy();
  });

  test('the hold form checks the id and the reason before anything is sent', async () => {
    const fake = fakeAdmin();
    renderApp(fake.client, { path: '/admin/compliance' });
    const user = userEvent.setup();
    await user.type(await screen.findByTestId('hold-target-id', {}, SLOW), '1635');
    await user.click(screen.getByTestId('hold-place'));
    expect((await screen.findByTestId('hold-error')).textContent).toBe('Type a valid ID (format 00000000-0000-0000-0000-000000000000).');
    expect(screen.getByTestId('hold-target-id').getAttribute('aria-invalid')).toBe('true');
    await user.clear(screen.getByTestId('hold-target-id'));
    await user.type(screen.getByTestId('hold-target-id'), CALL_ID);
    await user.click(screen.getByTestId('hold-place'));
    await waitFor(() => { expect(screen.getByTestId('hold-error').textContent).toBe('Give the reason for the hold.'); });
    expect(fake.writes).toStrictEqual([]);
  });

  test('a hold on an unknown call: the database says so', async () => {
    const fake = fakeAdmin();
    renderApp(fake.client, { path: '/admin/compliance' });
    fake.refuseNext('legal_holds', { code: '23503', message: 'insert or update on table "legal_holds" violates foreign key constraint "legal_holds_call_id_fkey"' });
    const user = userEvent.setup();
    await user.type(await screen.findByTestId('hold-target-id', {}, SLOW), CALL_ID);
    await user.type(screen.getByTestId('hold-reason'), 'x');
    await user.click(screen.getByTestId('hold-place'));
    const error = await screen.findByTestId('hold-error');
    expect(error.textContent).toMatch(/^There is no call or lead with that ID \(.*legal_holds_call_id_fkey/);
  });

  test('erasure is refused until the lead id is typed, then erases and sums up', async () => {
    const fake = fakeAdmin();
    renderApp(fake.client, { path: '/admin/compliance' });
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('lead-erase', {}, SLOW));
    expect((await screen.findByTestId('compliance-error')).textContent).toContain('Type a valid ID');
    expect(screen.queryByTestId('erase-confirm')).toBeNull();

    await user.type(screen.getByTestId('compliance-lead-id'), LEAD_ID);
    await user.click(screen.getByTestId('lead-erase'));
    const go = await screen.findByTestId<HTMLButtonElement>('erase-confirm');
    expect(go.disabled).toBe(true);
    const typed = screen.getByTestId('erase-confirm-input');
    expect(document.activeElement).toBe(typed);
    await user.type(typed, `${LEAD_ID.slice(0, -1)}{Enter}`);
    expect(go.disabled).toBe(true);
    expect(fake.rpcCalls.filter((c) => c.name === 'erase_lead'), 'nothing erased').toStrictEqual([]);

    await user.type(typed, LEAD_ID.slice(-1).toUpperCase());
    await waitFor(() => { expect(go.disabled).toBe(false); });
    await user.click(go);
    const summary = await screen.findByTestId('erase-summary');
    expect(fake.rpcCalls.filter((c) => c.name === 'erase_lead')).toStrictEqual([{ name: 'erase_lead', args: { p_lead_id: LEAD_ID } }]);
    expect(within(summary).getByTestId('erase-calls').textContent).toBe('3');
    expect(within(summary).getByTestId('erase-history_rows').textContent).toBe('4');
    expect(screen.queryByTestId('erase-confirm-form')).toBeNull();
  });

  test("the database's refusal of an erasure is shown with its message", async () => {
    const fake = fakeAdmin();
    renderApp(fake.client, { path: '/admin/compliance' });
    fake.refuseNext('erase_lead', {
      code: 'PT409', details: 'legal_hold', message: `p_lead_id: lead ${LEAD_ID} is under legal hold h-1 (claim 12); release it first`,
    });
    const user = userEvent.setup();
    await user.type(await screen.findByTestId('compliance-lead-id', {}, SLOW), LEAD_ID);
    await user.click(screen.getByTestId('lead-erase'));
    await user.type(await screen.findByTestId('erase-confirm-input'), LEAD_ID);
    await user.click(screen.getByTestId('erase-confirm'));
    const error = await screen.findByTestId('compliance-error');
    expect(error.textContent).toBe(`The lead is under a legal hold: release it before erasing its data (p_lead_id: lead ${LEAD_ID} is under legal hold h-1 (claim 12); release it first)`);
    expect(screen.queryByTestId('erase-summary')).toBeNull();
    // Asking again starts an empty confirmation.
    await user.click(screen.getByTestId('lead-erase'));
    await waitFor(() => { expect(screen.getByTestId<HTMLInputElement>('erase-confirm-input').value).toBe(''); });
    expect(screen.getByTestId<HTMLButtonElement>('erase-confirm').disabled).toBe(true);
  });

  test("a lead's data is exported as a JSON download", async () => {
    const fake = fakeAdmin();
    const created: Blob[] = [];
    URL.createObjectURL = vi.fn((blob: Blob) => { created.push(blob); return 'blob:export'; });
    URL.revokeObjectURL = vi.fn();
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    renderApp(fake.client, { path: '/admin/compliance' });
    const user = userEvent.setup();
    await user.type(await screen.findByTestId('compliance-lead-id', {}, SLOW), LEAD_ID);
    await user.click(screen.getByTestId('lead-export'));
    const done = await screen.findByTestId('export-done');
    expect(done.textContent).toMatch(new RegExp(`^Export downloaded: lead-${LEAD_ID}-\\d{4}-\\d\\d-\\d\\d-\\d\\d-\\d\\d-\\d\\d\\.json$`));
    expect(click).toHaveBeenCalledTimes(1);
    expect(JSON.parse(await (created[0] ?? new Blob()).text())).toStrictEqual({ lead: { id: LEAD_ID, first_name: 'Marta' }, calls: [] });
    expect(fake.rpcCalls.filter((c) => c.name === 'export_lead_data')).toStrictEqual([{ name: 'export_lead_data', args: { p_lead_id: LEAD_ID } }]);
  });
});

describe('permission gate', () => {
  test('/admin opens the first screen the admin may open', async () => {
    const { router } = renderApp(fakeAdmin({ permissions: ['products.manage', 'compliance.manage'] }).client, { path: '/admin' });
    await screen.findByTestId('admin-products', {}, SLOW);
    expect(router.state.location.pathname).toBe('/admin/products');
    expect(screen.queryByTestId('nav-admin-users')).toBeNull();
    expect(screen.getByTestId('nav-admin-compliance')).toBeTruthy();
  });

  test('an admin without a permission is sent away from its screen', async () => {
    const { router } = renderApp(fakeAdmin({ permissions: ['compliance.manage'] }).client, { path: '/admin/users' });
    await waitFor(() => { expect(router.state.location.pathname).toMatch(/^\/supervisor(\/floor)?$/); }, SLOW);
    expect(screen.queryByTestId('admin-users')).toBeNull();
  });

  test('a supervisor does not see the admin screens and is sent home from /admin/users', async () => {
    const fake = fakeAdmin({ signedInAs: 'supervisor1@demo.test', permissions: [] });
    const { router } = renderApp(fake.client, { path: '/admin/users' });
    await waitFor(() => { expect(router.state.location.pathname).toMatch(/^\/supervisor(\/floor)?$/); }, SLOW);
    expect(screen.queryByTestId('admin-users')).toBeNull();
    for (const nav of ['nav-admin-users', 'nav-admin-campaigns', 'nav-admin-products', 'nav-admin-compliance']) {
      expect(screen.queryByTestId(nav)).toBeNull();
    }
    expect(fake.from.mock.calls.map(([table]) => table), 'no list was read').not.toContain('campaigns');
  });

  test('a supervisor with compliance.manage opens compliance, and only that', async () => {
    const fake = fakeAdmin({ signedInAs: 'supervisor1@demo.test', permissions: ['compliance.manage', 'users.manage'] });
    const { router } = renderApp(fake.client, { path: '/admin' });
    await screen.findByTestId('admin-compliance', {}, SLOW);
    expect(router.state.location.pathname).toBe('/admin/compliance');
    expect(screen.getByRole('heading', { level: 1, name: 'Cumplimiento' })).toBeTruthy();
    expect(screen.queryByTestId('nav-admin-users'), 'users stay an admin screen').toBeNull();
    const { router: again } = renderApp(fake.client, { path: '/admin/users' });
    await waitFor(() => { expect(again.state.location.pathname).toMatch(/^\/supervisor(\/floor)?$/); }, SLOW);
  });
});
