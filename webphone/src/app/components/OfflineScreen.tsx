// "Sin conexión": what the page shows when it comes up from the service
// worker's cache (or from the browser) without reaching the server, instead of
// the config error: config.json is never cached, each stack writes its own.
// Retry reloads the page, at once if the browser has a network, otherwise as
// soon as its online event says it is back.
// Hooks: offline-screen (data-online true|false), offline-retry, offline-waiting.

import type { i18n as I18n } from 'i18next';
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { BrandMark } from './BrandMark';
import { onOnlineChange, type NetworkSignals } from '../network-status';

export interface OfflineScreenProps {
  i18n: I18n;
  /** Where the network signals come from (a fake in tests). */
  signals?: NetworkSignals;
  reload?: () => void;
}

const reloadPage = () => { window.location.reload(); };

export function OfflineScreen({ i18n, signals = window, reload = reloadPage }: OfflineScreenProps) {
  const subscribe = useCallback((listener: () => void) => onOnlineChange(signals, listener), [signals]);
  const online = useSyncExternalStore(subscribe, () => signals.navigator.onLine);
  const [waiting, setWaiting] = useState(false);
  // Retry pressed while offline: reload once the browser says the network is back.
  // Driven by the state, not by a second listener: a render between the two
  // listeners of one online event would remove that one before it runs.
  useEffect(() => {
    if (waiting && online) reload();
  }, [waiting, online, reload]);
  const retry = () => {
    if (signals.navigator.onLine) reload();
    else setWaiting(true);
  };
  const t = i18n.t.bind(i18n);
  return (
    <main data-test="offline-screen" data-online={String(online)} className="grid min-h-screen place-items-center bg-slate-100 p-6">
      <section aria-labelledby="offline-title" className="w-full max-w-md rounded-xl bg-white p-8 text-center shadow">
        <div className="mb-4 flex justify-center"><BrandMark size={48} /></div>
        <h1 id="offline-title" className="text-xl font-semibold text-slate-900">{t('offline.title')}</h1>
        <p className="mt-3 text-slate-700">{online ? t('offline.server') : t('offline.text')}</p>
        {waiting && !online ? (
          <p data-test="offline-waiting" role="status" className="mt-3 text-sm text-slate-600">{t('offline.waiting')}</p>
        ) : null}
        <button type="button" data-test="offline-retry" onClick={retry}
          className="mt-6 rounded-md bg-brand px-5 py-2 font-semibold text-white hover:bg-brand-hover focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand">
          {t('offline.retry')}
        </button>
      </section>
    </main>
  );
}
