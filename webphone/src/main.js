// Entry point: reads config.json, creates the Supabase client and the data
// layer, and starts the app. Everything else lives in sip/, data/, desk/,
// ui/ and i18n/.

import './ui/styles.css';
import { loadConfig, createSupabase } from './data/client.js';
import { bindApi } from './data/index.js';
import { createApp } from './ui/app.js';
import { createNotices } from './ui/notices.js';
import { h, mount } from './ui/dom.js';
import { t, setLanguage } from './i18n/index.js';

async function main() {
  const root = document.getElementById('app');
  setLanguage(localStorage.getItem('crm.language') || 'es');
  let config;
  try {
    config = await loadConfig();
  } catch (err) {
    mount(root, h('main', { class: 'fatal', 'data-test': 'config-error' },
      h('h1', {}, t('config.title')),
      h('p', {}, err.kind === 'network' ? t('error.network') : t('config.missing')),
      h('pre', {}, err.message)));
    return;
  }
  const notices = createNotices();
  let app = null;
  const supabase = createSupabase(config, {
    onNetworkError: () => app?.serverUnreachable(),
    onNetworkOk: () => app?.serverBack(),
  });
  const api = bindApi(supabase);
  const remoteAudio = document.getElementById('remote-audio');
  app = createApp({ root, config, supabase, api, remoteAudio, notices });
  // For diagnostics from the browser console and end-to-end tests.
  window.crm = { app, config, supabase };
  await app.start();
}

main();
