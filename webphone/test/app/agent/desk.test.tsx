// The agent's desk with a fake phone and a fake data layer: the phone panel
// through a call, the wrap-up's rules and a recovered wrap-up's time, the
// sale form, the agent's state controls, the shortcuts, and the desk kept
// across /agent and /agent/lead/:id.
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { DISPOSITIONS, fakeData, fakePhone, LEAD } from './fake-desk';
import { renderDesk } from './render-desk';
import './matchers';

const LEAD_PATH = `/agent/lead/${LEAD.id}`;

async function openDesk(options: Parameters<typeof renderDesk>[0] = {}) {
  const view = renderDesk(options);
  await screen.findByTestId('agent-desk');
  return view;
}

async function inCall() {
  const view = await openDesk({ path: LEAD_PATH });
  await screen.findByTestId('lead-card');
  await userEvent.click(screen.getByTestId('call-button'));
  await waitFor(() => { expect(view.phone.call).toHaveBeenCalled(); });
  return view;
}

describe('phone panel', () => {
  test('without a lead CALL is disabled and says why; the SIP pill shows the extension', async () => {
    await openDesk();
    const sip = screen.getByTestId('sip-status');
    expect(sip).toHaveAttribute('data-state', 'registered');
    expect(sip).toHaveTextContent('Ext. 1001 · Registrado');
    expect(screen.getByTestId('call-button')).toBeDisabled();
    expect(screen.getByTestId('phone-hint')).toHaveTextContent('Abra un lead para poder llamar.');
    expect(screen.getByTestId('no-lead')).toBeInTheDocument();
  });

  test('a call goes calling, ringing, confirmed with the tools, then the wrap-up', async () => {
    const { phone, data } = await inCall();
    expect(data.startCall).toHaveBeenCalledWith(LEAD.id, LEAD.phone);
    expect(phone.call).toHaveBeenCalledWith(LEAD.phone, { crmCallId: 'call-1', record: 'yes' });
    const status = screen.getByTestId('call-status');
    expect(status).toHaveAttribute('data-status', 'calling');
    expect(screen.getByTestId('consent-notice')).toBeInTheDocument();
    expect(screen.getByTestId('agent-state')).toHaveAttribute('data-state', 'on_call');
    act(() => { phone.sip.progress(); });
    expect(status).toHaveAttribute('data-status', 'ringing');
    expect(screen.getByTestId('hold-button')).toBeDisabled();
    act(() => { phone.sip.confirm(); });
    expect(status).toHaveAttribute('data-status', 'confirmed');
    expect(screen.queryByTestId('call-button')).toBeNull();

    await userEvent.click(screen.getByTestId('mute-button'));
    expect(phone.setMuted).toHaveBeenCalledWith(true);
    expect(screen.getByTestId('flag-muted')).toBeInTheDocument();
    await userEvent.click(screen.getByTestId('hold-button'));
    expect(screen.getByTestId('flag-hold')).toBeInTheDocument();
    expect(status).toHaveTextContent('En espera');
    await userEvent.click(screen.getByTestId('hold-button'));
    await userEvent.click(screen.getByTestId('keypad-toggle'));
    await userEvent.click(screen.getByTestId('dtmf-5'));
    await userEvent.click(screen.getByTestId('dtmf-hash'));
    expect(screen.getByTestId('dtmf-sent')).toHaveTextContent('5#');

    await userEvent.click(screen.getByTestId('consent-yes'));
    expect(data.setRecordingConsent).toHaveBeenCalledWith('call-1', true);

    await userEvent.click(screen.getByTestId('hangup-button'));
    expect(status).toHaveAttribute('data-status', 'ended');
    expect(await screen.findByTestId('wrap-up-form')).toBeInTheDocument();
    expect(screen.getByTestId('wrap-up-outcome')).toHaveAttribute('data-outcome', 'answered');
    expect(screen.getByTestId('agent-state')).toHaveAttribute('data-state', 'wrap_up');
    expect(screen.queryByTestId('dtmf-keypad')).toBeNull();
    expect(screen.getByTestId('call-button')).toBeDisabled();
    expect(screen.getByTestId('phone-hint')).toHaveTextContent('Guarde la tipificación');
  });

  test('a refused microphone shows the banner and places no call', async () => {
    const phone = fakePhone({ micError: Object.assign(new Error('denied'), { name: 'PhoneError', code: 'mic_denied' }) });
    const { data } = await openDesk({ path: LEAD_PATH, phone });
    await screen.findByTestId('lead-card');
    await userEvent.click(screen.getByTestId('call-button'));
    expect(await screen.findByTestId('banner-mic')).toHaveTextContent('Micrófono bloqueado.');
    expect(data.startCall).not.toHaveBeenCalled();
    expect(screen.getByTestId('call-status')).toHaveAttribute('data-status', 'idle');
    expect(screen.getByTestId('agent-state')).toHaveAttribute('data-state', 'available');
  });

  test('a lost registration shows the SIP banner and disables CALL', async () => {
    const { phone } = await openDesk({ path: LEAD_PATH });
    await screen.findByTestId('lead-card');
    act(() => { phone.setStatus({ state: 'reconnecting', error: 'sip_unreachable' }); });
    expect(screen.getByTestId('banner-sip')).toHaveTextContent('Conexión con la centralita perdida.');
    expect(screen.getByTestId('call-button')).toBeDisabled();
    act(() => { phone.setStatus({ state: 'registered', error: null }); });
    await waitFor(() => { expect(screen.queryByTestId('banner-sip')).toBeNull(); });
  });
});

describe('wrap-up', () => {
  async function wrapUp() {
    const view = await inCall();
    act(() => { view.phone.sip.confirm(); });
    await userEvent.click(screen.getByTestId('hangup-button'));
    await screen.findByTestId('wrap-up-form');
    return view;
  }

  test('a disposition is required; a callback needs a time in the future; then end_call', async () => {
    const { data } = await wrapUp();
    await userEvent.click(screen.getByTestId('wrap-up-submit'));
    expect(await screen.findByTestId('wrap-up-error')).toHaveTextContent('Elija una tipificación.');
    expect(data.endCall).not.toHaveBeenCalled();

    const callback = screen.getByTestId('wrap-up-callback');
    expect(callback).toBeDisabled();
    await userEvent.selectOptions(screen.getByTestId('wrap-up-disposition'), 'callback');
    await waitFor(() => { expect(callback).toBeEnabled(); });
    expect((callback as HTMLInputElement).value).not.toBe('');
    expect(screen.getByTestId('wrap-up-callback-hint')).toHaveTextContent('09:00–21:00');
    fireEvent.change(callback, { target: { value: '2020-01-01T10:00' } });
    await userEvent.click(screen.getByTestId('wrap-up-submit'));
    expect(await screen.findByTestId('wrap-up-error')).toHaveTextContent('La rellamada debe ser en el futuro.');

    await userEvent.selectOptions(screen.getByTestId('wrap-up-disposition'), 'sale');
    await userEvent.type(screen.getByTestId('wrap-up-notes'), 'Quiere la póliza por correo');
    await userEvent.click(screen.getByTestId('wrap-up-submit'));
    await waitFor(() => { expect(screen.queryByTestId('wrap-up-form')).toBeNull(); });
    expect(data.endCall).toHaveBeenCalledWith('call-1', {
      disposition: 'sale', notes: 'Quiere la póliza por correo', callbackAt: null, hangupBy: 'agent',
    });
    expect(screen.getByTestId('agent-state')).toHaveAttribute('data-state', 'available');
    expect(screen.getByTestId('toast')).toHaveTextContent('Llamada tipificada.');
  });

  test('no sign-out with a wrap-up pending', async () => {
    await wrapUp();
    await userEvent.click(screen.getByTestId('sign-out'));
    expect(await screen.findByTestId('toast')).toHaveTextContent('Termine la llamada y su tipificación antes de salir.');
    expect(screen.getByTestId('agent-desk')).toBeInTheDocument();
  });

  test('an unanswered call suggests its disposition', async () => {
    const view = await inCall();
    act(() => { view.phone.sip.fail({ cause: 'Busy', statusCode: 486, originator: 'remote' }); });
    await screen.findByTestId('wrap-up-form');
    expect(screen.getByTestId('call-status')).toHaveAttribute('data-outcome', 'busy');
    expect(screen.getByTestId('wrap-up-disposition')).toHaveValue('busy');
  });

  test('a call cut by a reload comes back with its real talk time, not 00:00', async () => {
    const answered = new Date(Date.now() - 83_000).toISOString();
    const data = fakeData({
      openCalls: [{ id: 'call-7', lead_id: LEAD.id, status: 'confirmed', outcome: null, started_at: new Date(Date.now() - 90_000).toISOString(),
        answered_at: answered, ended_at: null, talk_seconds: null, hangup_by: null }],
    });
    await openDesk({ data });
    expect(await screen.findByTestId('wrap-up-recovered')).toBeInTheDocument();
    expect(screen.getByTestId('wrap-up-outcome')).toHaveTextContent(/Contestada · 01:2[3-4]/);
    expect(screen.getByTestId('call-timer')).toHaveTextContent(/01:2[3-4]/);
    expect(screen.getByTestId('agent-state')).toHaveAttribute('data-state', 'wrap_up');
    expect(await screen.findByTestId('lead-card')).toHaveAttribute('data-lead-id', LEAD.id);
    expect(data.reportHangup).toHaveBeenCalledWith('call-7', { outcome: 'answered', hangupBy: 'system' });
  });

  test('the campaign\'s allowed dispositions limit the choice', async () => {
    const data = fakeData({ lead: { ...LEAD, campaign: { ...LEAD.campaign, allowed_dispositions: ['busy', 'sale'] as never[] } } });
    const view = await openDesk({ path: LEAD_PATH, data });
    await screen.findByTestId('lead-card');
    await userEvent.click(screen.getByTestId('call-button'));
    act(() => { view.phone.sip.fail({ cause: 'Busy', statusCode: 486, originator: 'remote' }); });
    const select = await screen.findByTestId('wrap-up-disposition');
    expect(within(select).getAllByRole('option').map((o) => o.getAttribute('value'))).toStrictEqual(['', 'sale', 'busy']);
    expect(DISPOSITIONS).toHaveLength(6);
  });
});

describe('lead card', () => {
  const CALL = {
    id: 'call-3', lead_id: LEAD.id, started_at: '2026-12-01T10:00:00Z', answered_at: '2026-12-01T10:00:05Z', ended_at: '2026-12-01T10:01:05Z',
    status: 'ended', outcome: 'answered', disposition: 'callback', notes: 'Llamar por la tarde', talk_seconds: 60, recording_status: 'stored',
  };

  test('the calls tab lists the calls; Listen only where the campaign lets agents hear their calls', async () => {
    for (const listen of [false, true]) {
      const data = fakeData({ lead: { ...LEAD, campaign: { ...LEAD.campaign, agents_can_listen_own_recordings: listen } } });
      data.listCallsForLead.mockResolvedValue([CALL] as never[]);
      const { unmount } = renderDesk({ path: LEAD_PATH, data });
      await screen.findByTestId('lead-card');
      await userEvent.click(screen.getByTestId('lead-tab-calls'));
      const row = await screen.findByTestId('call-row');
      expect(row).toHaveAttribute('data-call-id', 'call-3');
      expect(row).toHaveTextContent('Contestada');
      expect(row).toHaveTextContent('Volver a llamar');
      expect(row).toHaveTextContent('01:00');
      expect(within(row).getByTestId('recording-status')).toHaveAttribute('data-status', 'stored');
      expect(within(row).queryByTestId('play-recording') !== null).toBe(listen);
      unmount();
    }
  });
});

describe('sale form', () => {
  test('a product fills the premium; a bad policy number is refused; a good sale is registered', async () => {
    const { data } = await openDesk({ path: LEAD_PATH });
    await screen.findByTestId('lead-card');
    await userEvent.click(screen.getByTestId('sale-toggle'));
    await userEvent.click(screen.getByTestId('sale-submit'));
    expect(await screen.findByTestId('sale-error')).toHaveTextContent('Elija un producto.');
    await userEvent.selectOptions(screen.getByTestId('sale-product'), 'prod-1');
    expect(screen.getByTestId('sale-premium')).toHaveValue(29.9);
    expect(screen.getByTestId('sale-currency')).toHaveTextContent('EUR / mensual');
    await userEvent.type(screen.getByTestId('sale-policy'), '#bad');
    await userEvent.click(screen.getByTestId('sale-submit'));
    expect(await screen.findByTestId('sale-error')).toHaveTextContent('El número de póliza solo admite');
    await userEvent.clear(screen.getByTestId('sale-policy'));
    await userEvent.type(screen.getByTestId('sale-policy'), 'POL-1');
    await userEvent.click(screen.getByTestId('sale-submit'));
    await waitFor(() => { expect(data.createSale).toHaveBeenCalled(); });
    expect(data.createSale).toHaveBeenCalledWith({ leadId: LEAD.id, productId: 'prod-1', premium: 29.9, policyNumber: 'POL-1', callId: null, notes: '' });
    expect(await screen.findByTestId('toast')).toHaveTextContent('Venta registrada');
    expect(screen.getByTestId('sale-product')).toHaveValue('');
  });
});

describe('agent state', () => {
  test('pause with a reason, then available again; the floor is told each time', async () => {
    const { data } = await openDesk();
    const state = screen.getByTestId('agent-state');
    expect(screen.getByTestId('status-slot')).toContainElement(state);
    expect(state).toHaveAttribute('data-state', 'available');
    await userEvent.selectOptions(screen.getByTestId('pause-reason'), 'lunch');
    await userEvent.click(screen.getByTestId('pause-button'));
    expect(state).toHaveAttribute('data-state', 'paused');
    expect(screen.getByTestId('agent-state-label')).toHaveTextContent('En pausa · ');
    expect(data.setAgentState).toHaveBeenLastCalledWith('paused', 'lunch');
    expect(screen.queryByTestId('pause-button')).toBeNull();
    await userEvent.click(screen.getByTestId('resume-button'));
    expect(state).toHaveAttribute('data-state', 'available');
    expect(data.setAgentState).toHaveBeenLastCalledWith('available', null);
  });

  test('a pause asked for on a call waits for the wrap-up, and can be cancelled', async () => {
    await inCall();
    await userEvent.click(screen.getByTestId('pause-button'));
    expect(screen.getByTestId('agent-state')).toHaveAttribute('data-state', 'on_call');
    expect(screen.getByTestId('pending-pause')).toBeInTheDocument();
    await userEvent.click(screen.getByTestId('cancel-pending-pause'));
    expect(screen.queryByTestId('pending-pause')).toBeNull();
  });
});

describe('shortcuts and routes', () => {
  test('N takes the next lead, / goes to the search, P pauses and A resumes; not while typing', async () => {
    const { data, router } = await openDesk();
    await waitFor(() => { expect(screen.getByTestId('campaign-select')).toHaveValue('camp-1'); });
    await userEvent.keyboard('n');
    expect(await screen.findByTestId('lead-card')).toHaveAttribute('data-lead-id', LEAD.id);
    expect(data.nextLead).toHaveBeenCalledWith('camp-1');
    expect(router.state.location.pathname).toBe(LEAD_PATH);
    await userEvent.keyboard('/');
    expect(screen.getByTestId('lead-search')).toHaveFocus();
    await userEvent.keyboard('p');
    expect(screen.getByTestId('agent-state')).toHaveAttribute('data-state', 'available');
    screen.getByTestId('lead-search').blur();
    await userEvent.keyboard('p');
    expect(screen.getByTestId('agent-state')).toHaveAttribute('data-state', 'paused');
    await userEvent.keyboard('a');
    expect(screen.getByTestId('agent-state')).toHaveAttribute('data-state', 'available');
    await userEvent.keyboard('c');
    await waitFor(() => { expect(screen.getByTestId('call-status')).toHaveAttribute('data-status', 'calling'); });
    await userEvent.keyboard('x');
    expect(await screen.findByTestId('wrap-up-form')).toBeInTheDocument();
  });

  test('moving between the desk and a lead keeps the same phone; a lead not yours says so', async () => {
    const { router, makePhone, phone } = await openDesk();
    await act(() => router.navigate(LEAD_PATH));
    expect(await screen.findByTestId('lead-card')).toBeInTheDocument();
    await act(() => router.navigate('/agent'));
    await act(() => router.navigate('/agent/lead/22222222-2222-4222-8222-222222222222'));
    expect(await screen.findByTestId('lead-not-found')).toBeInTheDocument();
    expect(makePhone).toHaveBeenCalledTimes(1);
    expect(phone.destroy).not.toHaveBeenCalled();
    await act(() => router.navigate('/agent/whatever'));
    expect(router.state.location.pathname).toBe('/agent');
  });
});

describe('realtime', () => {
  test('presence on each campaign, tracked with the agent id on every join; left when the desk goes', async () => {
    const view = await openDesk();
    await waitFor(() => { expect(screen.getByTestId('desk-live')).toHaveAttribute('data-state', 'live'); });
    const presence = view.realtime.open('presence:camp-1');
    expect(presence?.options.config).toStrictEqual({ private: true, presence: { key: 'a-1', enabled: true } });
    expect(presence?.tracked).toStrictEqual([{ agent_id: 'a-1', online_at: expect.any(String) as unknown }]);
    act(() => { presence?.drop(); });
    act(() => { presence?.rejoin(); });
    expect(presence?.tracked).toHaveLength(2);
    view.unmount();
    await waitFor(() => { expect(presence?.removed).toBe(true); });
  });

  test('signing out leaves every channel first, while the token still counts', async () => {
    const view = await openDesk();
    await waitFor(() => { expect(screen.getByTestId('desk-live')).toHaveAttribute('data-state', 'live'); });
    await userEvent.click(screen.getByTestId('sign-out'));
    await waitFor(() => { expect(view.auth.signOut).toHaveBeenCalled(); });
    const left = view.realtime.client.removeAllChannels.mock.invocationCallOrder[0] ?? Infinity;
    expect(left).toBeLessThan(view.auth.signOut.mock.invocationCallOrder[0] ?? 0);
    expect(view.realtime.channels.every((c) => c.removed)).toBe(true);
  });

  test('a lead assigned: a notice with its name and the own leads read again; a sale decided: the reason', async () => {
    const view = await openDesk();
    await waitFor(() => { expect(screen.getByTestId('desk-live')).toHaveAttribute('data-state', 'live'); });
    const channel = view.realtime.open('agent:a-1');
    expect(channel?.options.config).toStrictEqual({ private: true });
    const reads = view.data.listMyLeads.mock.calls.length;
    act(() => { channel?.broadcast('lead_assigned', { lead_id: LEAD.id, campaign_id: 'camp-1', assigned_by: 's-1' }); });
    await waitFor(() => { expect(screen.getByTestId('toast')).toHaveTextContent(`Se te ha asignado un lead: ${LEAD.first_name} ${LEAD.last_name}.`); });
    expect(view.data.listMyLeads.mock.calls.length).toBeGreaterThan(reads);
    act(() => { channel?.broadcast('sale_decided', { sale_id: 'sale-1', lead_id: 'l-unknown', status: 'rejected', reason: 'Falta la firma' }); });
    await waitFor(() => {
      expect(screen.getAllByTestId('toast').map((t) => t.textContent)).toContain('Se ha rechazado una de tus ventas. Motivo: Falta la firma');
    });
  });
});
