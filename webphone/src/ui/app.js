// The application: sign-in, the session, the shell (top bar, banners,
// toasts), the router, and for agents the softphone and the desk.
//
// Routes (hash): agents #/desk and #/lead/<id>; supervisors and admins
// #/floor, #/validation, #/reports, #/recordings; admins also #/admin/users,
// #/admin/campaigns, #/admin/products; whoever holds compliance.manage
// #/admin/compliance.

import { h, icon, mount } from './dom.js';
import { t, language, setLanguage, onLanguageChange, LANGUAGES } from '../i18n/index.js';
import { initials } from '../i18n/format';
import { createNotices } from './notices.js';
import { createHelpDialog } from './help.js';
import { bindShortcuts } from './shortcuts.js';
import { signInScreen } from './sign-in.js';
import { describeError } from './errors.js';
import { mountDesk } from './agent/desk-screen.js';
import { mountFloor } from './supervisor/floor.js';
import { mountValidation } from './supervisor/validation.js';
import { mountReports } from './supervisor/reports.js';
import { mountUsers, mountCampaigns, mountProducts } from './admin/admin.js';
import { mountRecordings } from './supervisor/recordings.js';
import { mountCompliance } from './admin/compliance.js';
import { createPhone } from '../sip/phone.js';
import { createAgentDesk } from '../desk/agent-desk';

const SCREENS = {
  desk: { roles: ['agent'], mount: (el, ctx, param) => mountDesk(el, { ctx, leadId: param }), nav: 'nav.desk' },
  lead: { roles: ['agent'], mount: (el, ctx, param) => mountDesk(el, { ctx, leadId: param }) },
  floor: { roles: ['supervisor', 'admin'], mount: (el, ctx) => mountFloor(el, { ctx }), nav: 'nav.floor' },
  validation: { roles: ['supervisor', 'admin'], permission: 'sales.validate', mount: (el, ctx) => mountValidation(el, { ctx }), nav: 'nav.validation' },
  reports: { roles: ['supervisor', 'admin'], permission: 'reports.view', mount: (el, ctx) => mountReports(el, { ctx }), nav: 'nav.reports' },
  recordings: { roles: ['supervisor', 'admin'], permission: 'recordings.listen', mount: (el, ctx) => mountRecordings(el, { ctx }), nav: 'nav.recordings' },
  'admin/users': { roles: ['admin'], permission: 'users.manage', mount: (el, ctx) => mountUsers(el, { ctx }), nav: 'nav.users' },
  'admin/campaigns': { roles: ['admin'], permission: 'campaigns.manage', mount: (el, ctx) => mountCampaigns(el, { ctx }), nav: 'nav.campaigns' },
  'admin/products': { roles: ['admin'], permission: 'products.manage', mount: (el, ctx) => mountProducts(el, { ctx }), nav: 'nav.products' },
  // Permissions are run-time data: a supervisor granted compliance.manage gets it too.
  'admin/compliance': { roles: ['supervisor', 'admin'], permission: 'compliance.manage', mount: (el, ctx) => mountCompliance(el, { ctx }), nav: 'nav.compliance' },
};

// Permissions are edited at run time by admins: the screens follow rpc/has_permission.
const SCREEN_PERMISSIONS = [...new Set(Object.values(SCREENS).map((s) => s.permission).filter(Boolean))];

const HOME = { agent: 'desk', supervisor: 'floor', admin: 'floor' };
const PROBE_MS = 5000;

/**
 * @param {{root: HTMLElement, config: object, supabase: object, api: object, remoteAudio: HTMLAudioElement}} deps
 */
export function createApp({ root, config, supabase, api, remoteAudio, notices = createNotices() }) {
  const help = createHelpDialog();
  let profile = null;
  let permissions = new Set();
  let phone = null;
  let desk = null;
  let screen = null; // { name, param, instance }
  let signingOut = false;
  let probeTimer = null;
  let signInNotice = null;

  const content = h('div', { class: 'content', id: 'content' });
  const statusSlot = h('div', { class: 'status-slot' });
  const topbar = h('header', { class: 'topbar', id: 'topbar' });

  // --------------------------------------------------------------------------
  // Server reachability
  // --------------------------------------------------------------------------

  function serverUnreachable() {
    if (notices.hasBanner('server')) return;
    notices.showBanner('server', {
      level: 'error', title: t('banner.server.title'), text: t('banner.server.text'),
      action: { label: t('common.retry'), run: probe },
    });
    clearInterval(probeTimer);
    probeTimer = setInterval(probe, PROBE_MS);
  }

  function serverBack() {
    if (!notices.hasBanner('server')) return;
    notices.hideBanner('server');
    clearInterval(probeTimer);
    probeTimer = null;
    notices.toast(t('banner.server.back'), { level: 'info' });
  }

  async function probe() {
    try {
      const res = await fetch(`${config.supabaseUrl}/rest/v1/`, { method: 'HEAD', headers: { apikey: config.supabaseAnonKey }, cache: 'no-store' });
      if (res.status < 502 || res.status > 504) serverBack();
    } catch { /* still down */ }
  }

  // --------------------------------------------------------------------------
  // Session
  // --------------------------------------------------------------------------

  async function start() {
    mount(root, h('div', { class: 'app' }, notices.banners, content, notices.toasts, help.el));
    onLanguageChange(() => {
      if (profile) {
        renderTopbar();
        remountScreen();
      } else {
        showSignIn();
      }
    });
    supabase.auth.onAuthStateChange((event) => {
      // supabase-js must not be awaited inside this callback.
      if (event === 'SIGNED_OUT' && profile && !signingOut) setTimeout(() => leave(t('signIn.expired')), 0);
    });
    window.addEventListener('hashchange', () => route());
    // Help is one key away on every screen (the desk binds the agent's keys).
    bindShortcuts({ '?': () => { if (profile) openHelp(); else return false; return true; } });
    window.addEventListener('beforeunload', (event) => {
      if (desk && (desk.state.activeCall || desk.state.wrapUp)) {
        event.preventDefault();
        event.returnValue = '';
      }
    });
    let session = null;
    try {
      session = await api.currentSession();
    } catch (err) {
      signInNotice = describeError(err);
    }
    if (session) await enter(session);
    else showSignIn();
  }

  function showSignIn() {
    mount(root.querySelector('.app'), notices.banners, h('div', { class: 'content', id: 'content' }), notices.toasts, help.el);
    const el = root.querySelector('#content');
    mount(el, signInScreen({
      notice: signInNotice,
      signIn: async (email, password) => {
        try {
          const session = await api.signIn(email, password);
          signInNotice = null;
          await enter(session);
        } catch (err) {
          err.userMessage = describeError(err);
          throw err;
        }
      },
    }));
  }

  async function enter(session) {
    try {
      profile = await api.fetchMyProfile(session.user.id);
    } catch (err) {
      signInNotice = describeError(err);
      await api.signOut().catch(() => {});
      showSignIn();
      return;
    }
    if (!profile.active) {
      signInNotice = t('signIn.inactive');
      await api.signOut().catch(() => {});
      profile = null;
      showSignIn();
      return;
    }
    // The profile's language, unless the user picked one on the sign-in screen.
    const chosen = sessionStorage.getItem('crm.language.chosen');
    sessionStorage.removeItem('crm.language.chosen');
    const lang = chosen || profile.locale || 'es';
    if (chosen && chosen !== profile.locale) api.updateMyLocale(profile.id, chosen).catch(() => {});
    localStorage.setItem('crm.language', lang);
    setLanguage(lang);
    permissions = await loadPermissions(profile.role);
    mount(root.querySelector('.app'), topbar, notices.banners, content, notices.toasts, help.el);
    root.querySelector('.app').dataset.role = profile.role;
    if (profile.role === 'agent') startPhone();
    renderTopbar();
    route();
  }

  async function loadPermissions(role) {
    if (role === 'agent') return new Set();
    const granted = await Promise.all(SCREEN_PERMISSIONS.map((key) => api.hasPermission(key).catch(() => false)));
    return new Set(SCREEN_PERMISSIONS.filter((key, i) => granted[i]));
  }

  function allowed(screenName) {
    const s = SCREENS[screenName];
    return s.roles.includes(profile.role) && (!s.permission || permissions.has(s.permission));
  }

  async function leave(notice = null) {
    signInNotice = notice;
    screen?.instance?.destroy?.();
    screen = null;
    phone?.destroy();
    phone = null;
    desk = null;
    profile = null;
    notices.hideBanner('sip');
    notices.hideBanner('mic');
    if (location.hash) history.replaceState(null, '', location.pathname);
    showSignIn();
  }

  async function signOut() {
    if (desk && (desk.state.activeCall || desk.state.wrapUp)) {
      notices.toast(t('signOut.finishCall'), { level: 'error' });
      return;
    }
    signingOut = true;
    try {
      await api.signOut();
    } finally {
      signingOut = false;
      await leave();
    }
  }

  // --------------------------------------------------------------------------
  // Softphone (agents)
  // --------------------------------------------------------------------------

  function startPhone() {
    phone = createPhone({
      config,
      fetchCredentials: () => api.sipCredentials(),
      displayName: profile.full_name,
      remoteAudio,
    });
    desk = createAgentDesk({ api, phone });
    phone.on('status', onPhoneStatus);
    phone.start().catch((err) => console.warn('[app] phone did not start', err));
  }

  function onPhoneStatus(status) {
    const retry = { label: t('common.retry'), run: () => phone?.reconnect().catch(() => {}) };
    switch (status.state) {
      case 'registered':
        if (notices.hasBanner('sip')) notices.toast(t('banner.sip.back'), { level: 'info' });
        notices.hideBanner('sip');
        break;
      case 'reconnecting':
        notices.showBanner('sip', { level: 'warning', title: t('banner.sip.lostTitle'), text: t('banner.sip.lostText') });
        break;
      case 'failed':
        notices.showBanner('sip', {
          level: 'error',
          title: t('banner.sip.failedTitle'),
          text: t(`phone.error.${status.error ?? 'sip_unreachable'}`),
          action: retry,
        });
        break;
      case 'no_extension':
        notices.showBanner('sip', { level: 'warning', title: t('banner.sip.noExtensionTitle'), text: t('phone.error.no_extension') });
        break;
      default:
        break;
    }
  }

  // --------------------------------------------------------------------------
  // Shell and routing
  // --------------------------------------------------------------------------

  function renderTopbar() {
    const current = screen?.name;
    const links = Object.entries(SCREENS)
      .filter(([name, s]) => s.nav && allowed(name))
      .map(([name, s]) => h('a', {
        href: `#/${name}`, class: { 'nav-link': true, active: current === name || (name === 'desk' && current === 'lead') },
        'data-test': `nav-${name.replace('/', '-')}`,
      }, t(s.nav)));
    const languageSelect = h('select', {
      class: 'lang-select', id: 'language-select', 'data-test': 'language-select', 'aria-label': t('app.language'),
      onchange: (e) => changeLanguage(e.target.value),
    }, Object.keys(LANGUAGES).map((code) => h('option', { value: code, selected: code === language() }, code.toUpperCase())));
    mount(topbar,
      h('div', { class: 'brand' }, h('span', { class: 'brand-mark' }, icon('phone', { size: 18 })), h('span', { class: 'brand-name' }, t('app.name'))),
      h('nav', { class: 'nav' }, links),
      statusSlot,
      h('div', { class: 'topbar-right' },
        h('div', { class: 'user-chip', 'data-test': 'user-chip', title: profile.email },
          h('span', { class: 'avatar small' }, initials(profile.full_name || profile.email)),
          h('span', { class: 'user-meta' },
            h('strong', { 'data-test': 'user-name' }, profile.full_name || profile.email),
            h('small', { 'data-test': 'user-role' }, t(`role.${profile.role}`), profile.sip_extension ? ` · ${t('floor.ext')} ${profile.sip_extension}` : ''))),
        languageSelect,
        h('button', { class: 'btn-icon on-dark', type: 'button', title: `${t('help.title')} (?)`, 'aria-label': t('help.title'), 'data-test': 'help-button', onclick: openHelp }, icon('help', { size: 20 })),
        h('button', { class: 'btn-icon on-dark', type: 'button', title: t('app.signOut'), 'aria-label': t('app.signOut'), 'data-test': 'sign-out', id: 'sign-out', onclick: signOut }, icon('logout', { size: 20 }))));
  }

  async function changeLanguage(code) {
    localStorage.setItem('crm.language', code);
    setLanguage(code);
    if (profile) api.updateMyLocale(profile.id, code).catch(() => {});
  }

  function openHelp() {
    help.open({ role: profile?.role });
  }

  function parseHash() {
    const path = location.hash.replace(/^#\/?/, '');
    const m = /^lead\/([0-9a-f-]{36})$/i.exec(path);
    if (m) return { name: 'lead', param: m[1] };
    if (SCREENS[path]) return { name: path, param: null };
    return { name: null, param: null };
  }

  function route() {
    if (!profile) return;
    let { name, param } = parseHash();
    if (!name || !allowed(name)) {
      name = HOME[profile.role];
      param = null;
      history.replaceState(null, '', `#/${name}`);
    }
    // Moving between desk and a lead keeps the same desk on screen.
    const sameDesk = screen && ['desk', 'lead'].includes(screen.name) && ['desk', 'lead'].includes(name);
    if (sameDesk) {
      screen.name = name;
      screen.param = param;
      if (param) screen.instance.showLead?.(param);
      renderTopbar();
      return;
    }
    screen?.instance?.destroy?.();
    screen = { name, param, instance: null };
    renderTopbar();
    screen.instance = SCREENS[name].mount(content, context(), param);
  }

  function remountScreen() {
    if (!screen) return;
    screen.instance?.destroy?.();
    screen.instance = SCREENS[screen.name].mount(content, context(), screen.param);
  }

  function context() {
    return {
      api,
      config,
      profile,
      phone,
      desk,
      notices,
      statusSlot,
      openHelp,
      navigate(hash, { silent = false } = {}) {
        if (location.hash === hash) return;
        if (silent) {
          history.replaceState(null, '', hash);
          if (screen) screen.param = parseHash().param;
        } else {
          location.hash = hash;
        }
      },
    };
  }

  return {
    start,
    serverUnreachable,
    serverBack,
    get desk() { return desk; },
    get phone() { return phone; },
  };
}
