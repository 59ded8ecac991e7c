// The offline screen and the offline banner, against a fake navigator.onLine
// and fake online/offline events.
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, test, vi, type MockInstance } from 'vitest';
import { OfflineScreen } from '../../../src/app/components/OfflineScreen';
import { createI18n } from '../../../src/app/i18n';
import { createNetworkStatus, type NetworkSignals } from '../../../src/app/network-status';
import { fakeSupabase } from '../fake-supabase';
import { renderApp } from '../render-app';

/** A window whose network the test switches: onLine and the matching event. */
function fakeNetwork(onLine: boolean) {
  const navigator = { onLine };
  const target = new EventTarget();
  const signals: NetworkSignals = Object.assign(target, { navigator });
  const go = (value: boolean) => {
    act(() => {
      navigator.onLine = value;
      target.dispatchEvent(new Event(value ? 'online' : 'offline'));
    });
  };
  return { signals, go };
}

describe('the offline screen', () => {
  test('says in Spanish that there is no connection, and retry waits for the network', () => {
    const net = fakeNetwork(false);
    const reload = vi.fn();
    render(<OfflineScreen i18n={createI18n('es')} signals={net.signals} reload={reload} />);
    expect(screen.getByRole('heading', { name: 'Sin conexión' })).toBeTruthy();
    expect(screen.getByText(/no tiene conexión a la red/)).toBeTruthy();
    expect(screen.getByTestId('offline-screen').dataset.online).toBe('false');

    fireEvent.click(screen.getByRole('button', { name: 'Reintentar' }));
    expect(reload).not.toHaveBeenCalled();
    expect(screen.getByTestId('offline-waiting').textContent).toMatch(/Esperando/);

    net.go(true);
    expect(reload).toHaveBeenCalledTimes(1);
  });

  test('online again without retry: the text changes, nothing reloads by itself', () => {
    const net = fakeNetwork(false);
    const reload = vi.fn();
    render(<OfflineScreen i18n={createI18n('es')} signals={net.signals} reload={reload} />);
    net.go(true);
    expect(screen.getByTestId('offline-screen').dataset.online).toBe('true');
    expect(screen.getByText(/No se puede conectar con el servidor/)).toBeTruthy();
    expect(reload).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Reintentar' }));
    expect(reload).toHaveBeenCalledTimes(1);
  });

  test('speaks English when chosen', () => {
    const net = fakeNetwork(false);
    render(<OfflineScreen i18n={createI18n('en')} signals={net.signals} reload={vi.fn()} />);
    expect(screen.getByRole('heading', { name: 'No connection' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
  });

  test('a retry pressed offline does not reload on an offline event', () => {
    const net = fakeNetwork(false);
    const reload = vi.fn();
    render(<OfflineScreen i18n={createI18n('es')} signals={net.signals} reload={reload} />);
    fireEvent.click(screen.getByRole('button', { name: 'Reintentar' }));
    net.go(false);
    expect(reload).not.toHaveBeenCalled();
  });
});

describe('the network status', () => {
  test('follows navigator.onLine and tells subscribers of online and offline events', () => {
    const net = fakeNetwork(true);
    const status = createNetworkStatus(net.signals);
    const listener = vi.fn();
    const stop = status.subscribe(listener);
    expect(status.online()).toBe(true);
    net.go(false);
    expect(status.online()).toBe(false);
    expect(listener).toHaveBeenCalledTimes(1);
    stop();
    net.go(true);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  test('back online, the server counts as reachable until a request fails again', () => {
    const net = fakeNetwork(true);
    const status = createNetworkStatus(net.signals);
    status.subscribe(() => undefined);
    net.go(false);
    status.failed();
    expect(status.reachable()).toBe(false);
    net.go(true);
    expect(status.reachable()).toBe(true);
  });
});

describe('the banners while signed in', () => {
  function setOnline(value: boolean) {
    act(() => {
      onLine.mockReturnValue(value);
      window.dispatchEvent(new Event(value ? 'online' : 'offline'));
    });
  }
  let onLine: MockInstance<() => boolean>;
  beforeEach(() => { onLine = vi.spyOn(window.navigator, 'onLine', 'get').mockReturnValue(true); });
  afterEach(() => { onLine.mockRestore(); });

  test('offline: banner-offline (not banner-server, though requests fail), a toast when back', async () => {
    const { network } = renderApp(fakeSupabase({ signedInAs: 'agent1@demo.test' }).client);
    await screen.findByTestId('user-name');
    expect(screen.queryByTestId('banner-offline')).toBeNull();

    setOnline(false);
    act(() => { network.failed(); });
    expect(screen.getByTestId('banner-offline').textContent).toContain('Sin conexión a la red.');
    expect(screen.getByTestId('banner-offline').getAttribute('role')).toBe('alert');
    expect(screen.queryByTestId('banner-server')).toBeNull();

    setOnline(true);
    expect(screen.queryByTestId('banner-offline')).toBeNull();
    expect(screen.queryByTestId('banner-server')).toBeNull();
    await waitFor(() => { expect(screen.getByTestId('toast').textContent).toContain('Conexión a la red recuperada.'); });
  });

  test('online but the server does not answer: banner-server, as before', async () => {
    const { network } = renderApp(fakeSupabase({ signedInAs: 'agent1@demo.test' }).client);
    await screen.findByTestId('user-name');
    act(() => { network.failed(); });
    expect(screen.getByTestId('banner-server').textContent).toContain('Sin conexión con el servidor.');
    act(() => { network.ok(); });
    expect(screen.queryByTestId('banner-server')).toBeNull();
    await waitFor(() => { expect(screen.getByTestId('toast').textContent).toContain('Conexión con el servidor recuperada.'); });
  });
});
