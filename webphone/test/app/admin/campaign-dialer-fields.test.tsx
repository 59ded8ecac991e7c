// The campaign editor's dialer settings of issue 16: the machine false
// positives (shown in percent, kept as a fraction) and the ring time
// (15-60 s), refused by field out of range and written as the columns.
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { fakeSupabase } from '../fake-supabase';
import { renderApp } from '../render-app';
import '../agent/matchers';

const CAMPAIGN = {
  id: 'c-1', name: 'Vida Riesgo', description: '', status: 'active', calling_days: [1, 2, 3, 4, 5], calling_hours_start: '09:00:00',
  calling_hours_end: '21:00:00', default_time_zone: 'Europe/Madrid', country_code: 'ES', max_attempts: 5, retry_delays: ['01:00:00'],
  caller_id: null, allowed_dispositions: ['sale'], recording_enabled: true, recording_consent_required: true, recording_notice: '',
  agents_can_listen_own_recordings: false, recording_retention_days: 90, lead_fields: [], dial_mode: 'predictive', abandon_target: 0.025,
  abandon_cap: 0.03, max_lines_per_agent: 3, predictive_min_agents: 5, amd_enabled: true, abandon_message: '', abandon_lockout_hours: 72,
  amd_false_positive_rate: 0.05, ring_timeout_s: 25,
};

const mocks = vi.hoisted(() => ({ updateCampaign: vi.fn(), getCampaign: vi.fn() }));

vi.mock('../../../src/data/admin', async (original) => ({
  ...await original<typeof import('../../../src/data/admin')>(),
  getCampaign: mocks.getCampaign,
  updateCampaign: mocks.updateCampaign,
  listCampaignMembers: () => Promise.resolve([]),
  listCampaignProductIds: () => Promise.resolve([]),
  listProfiles: () => Promise.resolve([]),
}));
vi.mock('../../../src/data/catalog', async (original) => ({
  ...await original<typeof import('../../../src/data/catalog')>(),
  listDispositions: () => Promise.resolve([{ code: 'sale', label_es: 'Venta', label_en: 'Sale', effect: 'sale', active: true, sort_order: 1 }]),
  listProducts: () => Promise.resolve([]),
}));
vi.mock('../../../src/data/auth', async (original) => ({
  ...await original<typeof import('../../../src/data/auth')>(),
  hasPermission: () => Promise.resolve(true),
}));

beforeEach(() => {
  vi.clearAllMocks();
  mocks.getCampaign.mockResolvedValue({ ...CAMPAIGN });
  mocks.updateCampaign.mockResolvedValue(undefined);
});

describe('the campaign editor\'s dialer settings', () => {
  test('shown in percent and seconds; out of range refused by field; saved as the columns', async () => {
    renderApp(fakeSupabase({ signedInAs: 'admin@demo.test' }).client, { path: '/admin/campaigns/c-1' });
    const fp = await screen.findByTestId<HTMLInputElement>('campaign-amdFalsePositivePct', {}, { timeout: 10_000 });
    const ring = screen.getByTestId<HTMLInputElement>('campaign-ringTimeoutS');
    expect(fp.value).toBe('5');
    expect(ring.value).toBe('25');
    const user = userEvent.setup();
    await user.clear(ring);
    await user.type(ring, '10');
    await user.clear(fp);
    await user.type(fp, '60');
    await user.click(screen.getByTestId('campaign-save'));
    await waitFor(() => { expect(ring).toHaveAttribute('aria-invalid', 'true'); });
    expect(fp).toHaveAttribute('aria-invalid', 'true');
    // The admin of the fakes works in English.
    expect(screen.getByText('Ring time: 15 to 60 seconds.')).toBeInTheDocument();
    expect(screen.getByText('Machine false positives: 0 to 50 %.')).toBeInTheDocument();
    expect(mocks.updateCampaign).not.toHaveBeenCalled();

    await user.clear(ring);
    await user.type(ring, '40');
    await user.clear(fp);
    await user.type(fp, '7.5');
    await user.click(screen.getByTestId('campaign-save'));
    await waitFor(() => { expect(mocks.updateCampaign).toHaveBeenCalled(); });
    expect(mocks.updateCampaign).toHaveBeenCalledWith(expect.anything(), 'c-1', expect.objectContaining({ amd_false_positive_rate: 0.075, ring_timeout_s: 40 }));
  }, 30_000);
});
