// /supervisor/dialer over a fake data layer: a card per campaign with its
// modes (the fallback in words), live figures, abandonment against target
// and cap, the samples' charts; pause / resume and the mode switch only
// after confirming; a Realtime push applied; English.
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { fakeSupabase } from '../fake-supabase';
import { renderApp } from '../render-app';
import '../agent/matchers';

const W = (live: number, abandoned: number, machine = 0, fp = 0, rate: number | null = null) => ({
  live_answers: live, abandoned, machine, machine_false_positive_estimate: fp, rate,
});

const mocks = vi.hoisted(() => ({
  listDialerCampaigns: vi.fn(),
  listDialerStates: vi.fn(),
  listDialerSamples: vi.fn(),
  dialerCompliance: vi.fn(),
  dialerSetPaused: vi.fn(),
  dialerSetMode: vi.fn(),
}));

vi.mock('../../../src/data/dialer', () => mocks);
vi.mock('../../../src/data/auth', async (original) => ({
  ...await original<typeof import('../../../src/data/auth')>(),
  hasPermission: () => Promise.resolve(true),
}));

const STATE = {
  campaign_id: 'c-1', paused: false, paused_by: null, paused_at: null, effective_mode: 'progressive', fallback_reason: 'few_answers',
  dial_ratio: 1.8, lines_in_progress: 5, ready_agents: 2, talking_agents: 6, wrap_up_agents: 1, paused_agents: 1,
  live_answer_rate: 0.31, worker: 'dialer-1', updated_at: new Date().toISOString(),
};

beforeEach(() => {
  vi.clearAllMocks();
  mocks.listDialerCampaigns.mockResolvedValue([
    { id: 'c-1', name: 'Vida Otoño', status: 'active', dial_mode: 'predictive', abandon_target: 0.025, abandon_cap: 0.03 },
    { id: 'c-2', name: 'Hogar', status: 'active', dial_mode: 'preview', abandon_target: 0.025, abandon_cap: 0.03 },
  ]);
  mocks.listDialerStates.mockResolvedValue([STATE]);
  mocks.listDialerSamples.mockResolvedValue([
    { at: new Date(Date.now() - 30_000).toISOString(), lines: 4, dial_ratio: 1.5, ready: 2, talking: 5, wrap_up: 1, live_answer_rate: 0.3, abandon_rate_24h: 0.01 },
    { at: new Date(Date.now() - 15_000).toISOString(), lines: 5, dial_ratio: 1.8, ready: 2, talking: 6, wrap_up: 1, live_answer_rate: 0.31, abandon_rate_24h: 0.012 },
  ]);
  mocks.dialerCompliance.mockResolvedValue({
    campaign_id: 'c-1', target: 0.025, cap: 0.03, lockout_hours: 72,
    today: W(40, 0), h24: W(100, 2, 10, 0.5, 2.5 / 100.5), d30: W(1000, 31, 0, 0, 0.031),
  });
  mocks.dialerSetPaused.mockImplementation((_s: unknown, id: string, paused: boolean) => Promise.resolve({ ...STATE, campaign_id: id, paused, effective_mode: paused ? 'paused' : 'progressive', updated_at: new Date().toISOString() }));
  mocks.dialerSetMode.mockResolvedValue({});
});

// The first test loads the lazy chunks on a busy machine.
const SLOW = { timeout: 10_000 };

async function openBoard(who: 'supervisor1@demo.test' | 'admin@demo.test' = 'supervisor1@demo.test') {
  const supabase = fakeSupabase({ signedInAs: who });
  const view = renderApp(supabase.client, { path: '/supervisor/dialer' });
  const cards = await screen.findAllByTestId('dialer-card', {}, SLOW);
  const [card, preview] = cards;
  if (!card || !preview) throw new Error('expected two cards');
  return { ...view, card, preview, realtime: supabase.realtime };
}

describe('the dialer board', () => {
  test('a card per campaign: modes, the fallback in words, the figures, abandonment against target and cap', async () => {
    const { card, preview } = await openBoard();
    expect(screen.getByTestId('nav-dialer')).toHaveTextContent('Marcador');
    expect(card).toHaveAttribute('data-effective', 'progressive');
    expect(within(card).getByTestId('dialer-configured')).toHaveTextContent('Predictivo');
    expect(within(card).getByTestId('dialer-effective')).toHaveTextContent('Progresivo');
    expect(within(card).getByTestId('dialer-reason')).toHaveTextContent('aún hay pocas respuestas para estimar');
    expect(within(card).getByTestId('dialer-stat-lines')).toHaveTextContent('5');
    expect(within(card).getByTestId('dialer-stat-ratio')).toHaveTextContent('1,80');
    expect(within(card).getByTestId('dialer-stat-talking')).toHaveTextContent('6');
    expect(within(card).getByTestId('dialer-stat-paused')).toHaveTextContent('1');
    expect(within(card).getByTestId('dialer-stat-live_rate')).toHaveTextContent('31,0 %');
    await waitFor(() => { expect(within(card).getByTestId('dialer-abandon-d30')).toHaveAttribute('data-level', 'over_cap'); }, SLOW);
    expect(within(card).getByTestId('dialer-abandon-d30')).toHaveTextContent('3,10 %');
    expect(within(card).getByTestId('dialer-abandon-h24')).toHaveAttribute('data-level', 'ok');
    expect(within(card).getByTestId('dialer-abandon-h24')).toHaveTextContent('2 abandonadas de 100 respuestas humanas; 10 contestadores (≈ 0,5 personas)');
    expect(within(card).getByTestId('dialer-chart-compliance')).toBeInTheDocument();
    await within(card).findByTestId('dialer-chart-lines', {}, SLOW);
    expect(within(card).getByTestId('dialer-chart-abandon')).toBeInTheDocument();
    expect(mocks.dialerCompliance).toHaveBeenCalledWith(expect.anything(), 'c-1');
    // A preview campaign the dialer never saw: only its mode and the switch.
    expect(within(preview).getByTestId('dialer-effective')).toHaveTextContent('aún no ha visto');
    expect(within(preview).queryByTestId('dialer-pause')).toBeNull();
    expect(mocks.dialerCompliance).not.toHaveBeenCalledWith(expect.anything(), 'c-2');
  }, 30_000);

  test('pause and the mode switch only once confirmed', async () => {
    const { card } = await openBoard();
    const confirm = vi.spyOn(window, 'confirm').mockReturnValueOnce(false);
    await userEvent.click(within(card).getByTestId('dialer-pause'));
    expect(mocks.dialerSetPaused).not.toHaveBeenCalled();
    confirm.mockReturnValueOnce(true);
    await userEvent.click(within(card).getByTestId('dialer-pause'));
    await waitFor(() => { expect(mocks.dialerSetPaused).toHaveBeenCalledWith(expect.anything(), 'c-1', true); });
    expect(await within(card).findByTestId('dialer-resume')).toBeInTheDocument();
    expect(within(card).getByTestId('dialer-effective')).toHaveTextContent('En pausa');

    expect(within(card).getByTestId('dialer-mode-apply')).toBeDisabled();
    await userEvent.selectOptions(within(card).getByTestId('dialer-mode-select'), 'progressive');
    confirm.mockReturnValueOnce(true);
    await userEvent.click(within(card).getByTestId('dialer-mode-apply'));
    expect(confirm).toHaveBeenLastCalledWith('¿Cambiar «Vida Otoño» a modo Progresivo?');
    await waitFor(() => { expect(mocks.dialerSetMode).toHaveBeenCalledWith(expect.anything(), 'c-1', 'progressive'); });
    confirm.mockRestore();
  });

  test('a Realtime push of dialer_campaign_state is shown at once', async () => {
    const { card, realtime } = await openBoard();
    const channel = realtime.open('dialer-campaign-state');
    expect(channel?.handlers[0]?.filter).toMatchObject({ table: 'dialer_campaign_state' });
    act(() => {
      channel?.change('UPDATE', 'dialer_campaign_state', {
        ...STATE, effective_mode: 'stopped_cap', fallback_reason: 'abandon_cap', lines_in_progress: 0,
        updated_at: new Date(Date.now() + 1000).toISOString(),
      });
    });
    await waitFor(() => { expect(within(card).getByTestId('dialer-effective')).toHaveTextContent('Detenido: tope de abandono'); });
    expect(within(card).getByTestId('dialer-reason')).toHaveTextContent('el abandono ha llegado al tope');
    expect(within(card).getByTestId('dialer-stat-lines')).toHaveTextContent('0');
  });

  test('in English (an admin whose profile says so)', async () => {
    const { card } = await openBoard('admin@demo.test');
    await waitFor(() => { expect(within(card).getByTestId('dialer-reason')).toHaveTextContent('too few answers yet'); });
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Dialer');
  });
});
