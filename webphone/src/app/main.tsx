// Entry point of the React webphone: reads config.json, then starts the app
// with its client, language and routes. Served at / by the gateway.
import './app.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter } from 'react-router';
import { App, createQueryClient } from './App';
import { ConfigError, createSupabase, loadConfig } from './config';
import { createI18n, LANGUAGE_STORAGE_KEY } from './i18n';
import { createNetworkStatus } from './network-status';
import { routes } from './routes';

async function main(root: HTMLElement) {
  const i18n = createI18n(localStorage.getItem(LANGUAGE_STORAGE_KEY));
  document.documentElement.lang = i18n.language;
  const reactRoot = createRoot(root);
  let config;
  try {
    config = await loadConfig();
  } catch (err) {
    const network = err instanceof ConfigError && err.kind === 'network';
    reactRoot.render(
      <main data-test="config-error" className="mx-auto max-w-xl p-8">
        <h1 className="text-xl font-semibold">{i18n.t('config.title')}</h1>
        <p className="mt-2">{network ? i18n.t('error.network') : i18n.t('config.missing')}</p>
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
