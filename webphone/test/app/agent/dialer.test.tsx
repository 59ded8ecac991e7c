// The desk in dialer mode, rendered: a progressive campaign shows the dialer
// panel instead of the phone panel; connect, the line answered, the pop
// pushed by Realtime (dialer_sessions), "Colgar" through dialer_hangup, the
// end, the wrap-up and back to ready on the same line; leaving; signing out
// leaves the dialer first.
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import type { DialerSessionRow } from '../../../src/desk/dialer-desk';
import { CAMPAIGN, fakeData, fakePhone, LEAD } from './fake-desk';
import { renderDesk } from './render-desk';
import './matchers';

const DIALER_CAMPAIGN = { ...CAMPAIGN, dial_mode: 'progressive' };

function session(patch: Partial<DialerSessionRow> = {}): DialerSessionRow {
  return { id: 'sess-1', campaign_id: 'camp-1', status: 'connected', call_id: null, lead_id: null, end_reason: null, updated_at: '2026-12-07T10:00:00Z', ...patch };
}

function fakeDialer() {
  const log: string[] = [];
  return {
    log,
    join: vi.fn((campaignId: string) => { log.push(`join ${campaignId}`); return Promise.resolve(session({ status: 'requested' })); }),
    leave: vi.fn(() => { log.push('leave'); return Promise.resolve(null); }),
    hangup: vi.fn((callId: string) => { log.push(`hangup ${callId}`); return Promise.resolve(); }),
    openSession: vi.fn(() => Promise.resolve(null as DialerSessionRow | null)),
    getSession: vi.fn(() => Promise.resolve(null as DialerSessionRow | null)),
    getCall: vi.fn(() => Promise.resolve({
      status: 'ended', outcome: 'answered', started_at: '2026-12-07T10:00:00Z', answered_at: '2026-12-07T10:00:02Z',
      ended_at: '2026-12-07T10:01:02Z', talk_seconds: 60, hangup_by: 'agent',
    })),
  };
}

async function openDialerDesk({ phone = fakePhone(), dialerData = fakeDialer() } = {}) {
  const data = fakeData();
  data.listCampaigns.mockResolvedValue([DIALER_CAMPAIGN, { ...CAMPAIGN, id: 'camp-2', name: 'Preview', dial_mode: 'preview' }]);
  const view = renderDesk({ phone, data, dialerData });
  await screen.findByTestId('dialer-panel');
  return { ...view, dialerData };
}

async function connect(view: Awaited<ReturnType<typeof openDialerDesk>>) {
  await userEvent.click(screen.getByRole('button', { name: /Conectar al marcador/ }));
  await waitFor(() => { expect(view.dialerData.join).toHaveBeenCalledWith('camp-1'); });
  expect(view.phone.setDialerSession).toHaveBeenLastCalledWith('sess-1');
  expect(screen.getByTestId('dialer-status')).toHaveTextContent('Esperando la llamada del marcador');
  // The PBX calls; the phone answers it (phone.ts's rule, tested there).
  act(() => { view.phone.sip.dial('dialer:sess-1'); view.phone.sip.confirm(); });
  expect(screen.getByTestId('dialer-status')).toHaveTextContent('Conectado al marcador');
  await waitFor(() => { expect(view.realtime.open('dialer-session:a-1')).toBeTruthy(); });
}

describe('the desk in dialer mode', () => {
  test('a dialer campaign: the dialer panel instead of the phone, no "next lead"', async () => {
    await openDialerDesk();
    expect(screen.queryByTestId('phone-panel')).toBeNull();
    expect(screen.getByTestId('dialer-status')).toHaveTextContent('Sin conectar al marcador');
    expect(screen.getByTestId('next-lead')).toBeDisabled();
    expect(screen.getByTestId('queue-message')).toHaveTextContent('los leads los trae el marcador');
  });

  test('connect -> line up -> pop -> Colgar -> wrap-up -> ready, the line still up', async () => {
    const view = await openDialerDesk();
    expect(screen.getByTestId('campaign-select')).not.toBeDisabled();
    await connect(view);
    // The session is the campaign's: the campaign stays while it is open.
    expect(screen.getByTestId('campaign-select')).toBeDisabled();
    expect(screen.getByTestId('dialer-agent')).toHaveAttribute('data-state', 'available');

    const channel = view.realtime.open('dialer-session:a-1');
    expect(channel?.handlers[0]?.filter).toMatchObject({ table: 'dialer_sessions', filter: 'agent_id=eq.a-1' });
    act(() => { channel?.change('UPDATE', 'dialer_sessions', { ...session({ call_id: 'call-9', lead_id: LEAD.id, updated_at: '2026-12-07T10:01:00Z' }) }); });
    const call = await screen.findByTestId('dialer-call');
    await waitFor(() => { expect(within(call).getByTestId('dialer-lead-name')).toHaveTextContent('Ana García'); });
    expect(await screen.findByTestId('lead-card')).toBeInTheDocument();
    expect(screen.getByTestId('agent-state')).toHaveAttribute('data-state', 'on_call');
    expect(screen.getByTestId('dialer-leave')).toBeDisabled();

    await userEvent.click(within(call).getByRole('button', { name: /Colgar/ }));
    expect(view.dialerData.log).toContain('hangup call-9');
    expect(view.phone.hangup).not.toHaveBeenCalled();
    act(() => { channel?.change('UPDATE', 'dialer_sessions', { ...session({ updated_at: '2026-12-07T10:02:00Z' }) }); });

    const form = await screen.findByTestId('wrap-up-form');
    expect(screen.getByTestId('agent-state')).toHaveAttribute('data-state', 'wrap_up');
    await userEvent.selectOptions(within(form).getByTestId('wrap-up-disposition'), 'not_interested');
    await userEvent.click(within(form).getByTestId('wrap-up-submit'));
    await waitFor(() => { expect(view.data.endCall).toHaveBeenCalledWith('call-9', expect.objectContaining({ disposition: 'not_interested', hangupBy: 'agent' })); });
    await waitFor(() => { expect(screen.getByTestId('agent-state')).toHaveAttribute('data-state', 'available'); });
    expect(view.data.setAgentState).toHaveBeenLastCalledWith('available', null);
    expect(screen.getByTestId('dialer-status')).toHaveTextContent('Conectado al marcador');
    expect(view.phone.sip.snapshot().status).toBe('confirmed');
  });

  test('leaving hangs the line up; signing out leaves the dialer before the session ends', async () => {
    const view = await openDialerDesk();
    await connect(view);
    await userEvent.click(screen.getByTestId('dialer-leave'));
    await waitFor(() => { expect(screen.getByTestId('dialer-status')).toHaveTextContent('Sin conectar al marcador'); });
    expect(view.dialerData.leave).toHaveBeenCalledTimes(1);
    expect(view.phone.hangup).toHaveBeenCalled();
    expect(screen.getByTestId('campaign-select')).not.toBeDisabled();

    view.phone.sip.reset();
    await connect(view);
    await userEvent.click(screen.getByTestId('sign-out'));
    await waitFor(() => { expect(view.auth.signOut).toHaveBeenCalled(); });
    expect(view.dialerData.leave).toHaveBeenCalledTimes(2);
    expect(view.dialerData.leave.mock.invocationCallOrder[1]).toBeLessThan(view.auth.signOut.mock.invocationCallOrder[0] ?? 0);
  });

  test('a reload with the session connected: once the phone is registered, the stale session is left and a new one joined', async () => {
    const dialerData = fakeDialer();
    dialerData.openSession.mockResolvedValue(session({ id: 'old', status: 'connected' }));
    const view = await openDialerDesk({ phone: fakePhone({ state: 'connecting' }), dialerData });
    await act(async () => { await new Promise((resolve) => { setTimeout(resolve, 50); }); });
    expect(dialerData.openSession).not.toHaveBeenCalled();
    act(() => { view.phone.setStatus({ state: 'registered' }); });
    await waitFor(() => { expect(dialerData.log).toStrictEqual(['leave', 'join camp-1']); });
    expect(screen.getByTestId('dialer-status')).toHaveTextContent('Esperando la llamada del marcador');
    act(() => { view.phone.sip.dial('dialer:sess-1'); view.phone.sip.confirm(); });
    expect(screen.getByTestId('dialer-status')).toHaveTextContent('Conectado al marcador');
  });
});
