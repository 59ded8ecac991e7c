// Entry point of the React webphone: registers the service worker, reads
// config.json, then starts the app with its client, language and routes.
// Served at / by the gateway; offline, the service worker serves this page
// and the offline screen says so (config.json is never cached).
import './app.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter } from 'react-router';
import { registerSW } from 'virtual:pwa-register';
import { App, createQueryClient } from './App';
import { OfflineScreen } from './components/OfflineScreen';
import { ConfigError, createSupabase, loadConfig } from './config';
import { createI18n, isLanguage, LANGUAGE_STORAGE_KEY, loadLanguage } from './i18n';
import { createNetworkStatus } from './network-status';
import { routes } from './routes';

// The app shell is precached (vite.config.ts). A new version installs in the
// background and takes over at once, but the page is not reloaded under an
// agent in a call: the next load runs it.
void registerSW({ immediate: true, onNeedReload: () => undefined });

async function main(root: HTMLElement) {
  const chosen = localStorage.getItem(LANGUAGE_STORAGE_KEY);
  // An English speaker's dictionary before the first render (it may be cached by the service worker).
  if (isLanguage(chosen)) await loadLanguage(chosen).catch(() => undefined);
  const i18n = createI18n(chosen);
  document.documentElement.lang = i18n.language;
  const reactRoot = createRoot(root);
  let config;
  try {
    config = await loadConfig();
  } catch (err) {
    if (err instanceof ConfigError && err.kind === 'network') {
      reactRoot.render(<StrictMode><OfflineScreen i18n={i18n} /></StrictMode>);
      return;
    }
    reactRoot.render(
      <main data-test="config-error" className="mx-auto max-w-xl p-8">
        <h1 className="text-xl font-semibold">{i18n.t('config.title')}</h1>
        <p className="mt-2">{i18n.t('config.missing')}</p>
        <pre className="mt-4 overflow-auto rounded bg-slate-100 p-3 text-sm">{String(err)}</pre>
      </main>,
    );
    return;
  }
  const network = createNetworkStatus();
  const supabase = createSupabase(config, { onNetworkError: network.failed, onNetworkOk: network.ok });
  const router = createBrowserRouter(routes, { basename: import.meta.env.BASE_URL.replace(/\/$/, '') });
  reactRoot.render(
    <StrictMode>
      <App supabase={supabase} services={{ config, network }} i18n={i18n} queryClient={createQueryClient()} router={router} />
    </StrictMode>,
  );
}

const root = document.getElementById('app');
if (root) void main(root);
