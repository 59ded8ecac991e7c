// "Sin conexión": what the page shows when it comes up from the service
// worker's cache (or from the browser) without reaching the server, instead of
// the config error: config.json is never cached, each stack writes its own.
// Retry reloads the page, at once if the browser has a network, otherwise as
// soon as its online event says it is back.
// Hooks: offline-screen (data-online true|false), offline-retry, offline-waiting.

import type { i18n as I18n } from 'i18next';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { BrandMark } from './BrandMark';
import { onOnlineChange, type NetworkSignals } from '../network-status';

export interface OfflineScreenProps {
  i18n: I18n;
  /** Where the network signals come from (a fake in tests). */
  signals?: NetworkSignals;
  reload?: () => void;
}

export function OfflineScreen({ i18n, signals = window, reload = () => { window.location.reload(); } }: OfflineScreenProps) {
  const online = useSyncExternalStore(
    (listener) => onOnlineChange(signals, listener),
    () => signals.navigator.onLine,
  );
  const [waiting, setWaiting] = useState(false);
  // Retry pressed while offline: reload on the online event, once.
  useEffect(() => {
    if (!waiting) return;
    const back = () => { if (signals.navigator.onLine) reload(); };
    return onOnlineChange(signals, back);
  }, [waiting, signals, reload]);
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
