// The frame of every signed-in screen: brand, the screens this person may
// open (by role and by the permissions the database grants), a slot for the
// agent's state controls, who is signed in, language, help and sign-out,
// then the banners and the screen. Hooks: nav-<screen>, status-slot,
// user-chip, user-name, user-role, language-select, help-button, sign-out.

import { createContext, use, useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink, useLocation } from 'react-router';
import { useAuth, useProfile } from '../auth/auth-context';
import type { Role } from '../auth/profile';
import { usePermissionFeed } from '../permission-feed';
import { usePermissionRule, type PermissionRule } from '../permissions';
import { useShortcuts } from '../shortcuts';
import { BrandMark } from './BrandMark';
import { HelpDialog } from './HelpDialog';
import { LanguageSelect } from './LanguageSwitch';
import { useNotices } from './Notices';
import { ServerBanner } from './ServerBanner';

function initials(name: string): string {
  return name.split(/[\s@.]+/).filter(Boolean).slice(0, 2).map((part) => part[0]?.toUpperCase() ?? '').join('');
}

interface Screen {
  /** data-test nav-<test> */
  test: string;
  to: string;
  label: 'nav.dashboard' | 'nav.desk' | 'nav.floor' | 'nav.validation' | 'nav.reports' | 'nav.recordings'
    | 'nav.users' | 'nav.campaigns' | 'nav.products' | 'nav.compliance' | 'nav.permissions' | 'nav.audit'
    | 'nav.leads' | 'nav.imports' | 'nav.dialer';
  roles: readonly Role[];
  permission?: PermissionRule;
}

/** Every screen of the app, in the order of the navigation bar. */
export const SCREENS: readonly Screen[] = [
  { test: 'dashboard', to: '/dashboard', label: 'nav.dashboard', roles: ['agent', 'supervisor', 'admin'] },
  { test: 'desk', to: '/agent', label: 'nav.desk', roles: ['agent'] },
  { test: 'floor', to: '/supervisor/floor', label: 'nav.floor', roles: ['supervisor', 'admin'] },
  { test: 'validation', to: '/supervisor/validation', label: 'nav.validation', roles: ['supervisor', 'admin'], permission: 'sales.validate' },
  { test: 'reports', to: '/supervisor/reports', label: 'nav.reports', roles: ['supervisor', 'admin'], permission: 'reports.view' },
  { test: 'leads', to: '/supervisor/leads', label: 'nav.leads', roles: ['supervisor', 'admin'] },
  { test: 'imports', to: '/supervisor/imports', label: 'nav.imports', roles: ['supervisor', 'admin'], permission: 'leads.import' },
  { test: 'dialer', to: '/supervisor/dialer', label: 'nav.dialer', roles: ['supervisor', 'admin'] },
  { test: 'recordings', to: '/supervisor/recordings', label: 'nav.recordings', roles: ['supervisor', 'admin'], permission: 'recordings.listen' },
  { test: 'admin-users', to: '/admin/users', label: 'nav.users', roles: ['admin'], permission: 'users.manage' },
  { test: 'admin-campaigns', to: '/admin/campaigns', label: 'nav.campaigns', roles: ['admin'], permission: 'campaigns.manage' },
  { test: 'admin-products', to: '/admin/products', label: 'nav.products', roles: ['admin'], permission: 'products.manage' },
  { test: 'admin-compliance', to: '/admin/compliance', label: 'nav.compliance', roles: ['supervisor', 'admin'], permission: 'compliance.manage' },
  { test: 'admin-permissions', to: '/admin/permissions', label: 'nav.permissions', roles: ['admin'], permission: 'permissions.manage' },
  { test: 'admin-audit', to: '/admin/audit', label: 'nav.audit', roles: ['admin'], permission: ['users.manage', 'permissions.manage'] },
  // Supervisors read their own campaigns' settings (the editor, read-only).
  { test: 'campaigns', to: '/admin/campaigns', label: 'nav.campaigns', roles: ['supervisor'] },
];

function NavItem({ screen, guards }: { screen: Screen; guards: Set<() => boolean> }) {
  const { t } = useTranslation();
  const allowed = usePermissionRule(screen.permission);
  const { pathname } = useLocation();
  const { toast } = useNotices();
  if (!allowed) return null;
  // Leaving the agent's desk for another chunk ends its phone: not while a
  // call is open (the sign-out's guards say so).
  const leavesDesk = pathname.startsWith('/agent') && !screen.to.startsWith('/agent');
  return (
    <NavLink to={screen.to} end={screen.to === '/agent' ? false : undefined} data-test={`nav-${screen.test}`}
      onClick={(e) => {
        if (leavesDesk && [...guards].some((blocked) => blocked())) {
          e.preventDefault();
          toast(t('dashboard.leaveDesk'), { level: 'error' });
        }
      }}
      className={({ isActive }) => `rounded-md px-3 py-1.5 text-sm font-medium whitespace-nowrap ${isActive ? 'bg-white/15 text-white' : 'text-slate-300 hover:bg-white/10 hover:text-white'}`}>
      {t(screen.label)}
    </NavLink>
  );
}

/** The element in the top bar where the agent's desk puts its state controls (a portal target). */
const StatusSlotContext = createContext<HTMLElement | null>(null);

export function useStatusSlot(): HTMLElement | null {
  return use(StatusSlotContext);
}

/** Checks a screen registers to keep the person in (a call still open): true blocks the sign-out. */
const SignOutGuardsContext = createContext<Set<() => boolean> | null>(null);

/** While mounted, `blocked()` returning true refuses the sign-out with "finish the call first". */
export function useSignOutGuard(blocked: () => boolean): void {
  const guards = use(SignOutGuardsContext);
  const latest = useRef(blocked);
  useEffect(() => { latest.current = blocked; });
  useEffect(() => {
    if (!guards) return undefined;
    const guard = () => latest.current();
    guards.add(guard);
    return () => { guards.delete(guard); };
  }, [guards]);
}

/** Work screens register to do before the session ends (the dialer's leave). */
const BeforeSignOutContext = createContext<Set<() => Promise<unknown>> | null>(null);

/** While mounted, `task` runs (and is waited for, at most 3 s) before signing out. */
export function useBeforeSignOut(task: () => Promise<unknown>): void {
  const tasks = use(BeforeSignOutContext);
  const latest = useRef(task);
  useEffect(() => { latest.current = task; });
  useEffect(() => {
    if (!tasks) return undefined;
    const run = () => latest.current();
    tasks.add(run);
    return () => { tasks.delete(run); };
  }, [tasks]);
}

export function Shell({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { signOut } = useAuth();
  const profile = useProfile();
  const [leaving, setLeaving] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [statusSlot, setStatusSlot] = useState<HTMLElement | null>(null);
  const [guards] = useState(() => new Set<() => boolean>());
  const [beforeSignOut] = useState(() => new Set<() => Promise<unknown>>());
  const { toast } = useNotices();
  // Grants and deactivation take effect on screen at once.
  usePermissionFeed();
  const name = profile.full_name || profile.email;
  // Help is one key away on every screen.
  useShortcuts({ '?': () => { setHelpOpen(true); } });
  const screens = SCREENS.filter((s) => s.roles.includes(profile.role));
  return (
    <div className="flex min-h-screen flex-col bg-slate-100 text-slate-900" data-role={profile.role}>
      <header id="topbar" className="sticky top-0 z-30 flex min-h-14 flex-wrap items-center gap-3 bg-topbar px-4 py-1 text-slate-100 shadow">
        <div className="flex items-center gap-2 font-semibold">
          <BrandMark size={32} />
          <span className="hidden sm:inline">{t('app.name')}</span>
        </div>
        <nav aria-label={t('app.name')} className="flex flex-wrap items-center gap-1">
          {screens.map((s) => <NavItem key={s.test} screen={s} guards={guards} />)}
        </nav>
        <div id="status-slot" data-test="status-slot" ref={setStatusSlot} className="flex items-center gap-2" />
        <div className="flex-1" />
        <div data-test="user-chip" title={profile.email} className="flex items-center gap-2">
          <span className="grid size-8 place-items-center rounded-full bg-[#2c4468] text-xs font-bold text-[#dce8f8]" aria-hidden="true">
            {initials(name)}
          </span>
          <span className="flex flex-col leading-tight">
            <strong data-test="user-name">{name}</strong>
            <small data-test="user-role" className="text-slate-300">
              {t(`role.${profile.role}`)}
              {profile.sip_extension ? ` · ${t('floor.ext')} ${profile.sip_extension}` : ''}
            </small>
          </span>
        </div>
        <LanguageSelect />
        <button type="button" data-test="help-button" title={`${t('help.title')} (?)`} aria-label={t('help.title')}
          onClick={() => { setHelpOpen(true); }}
          className="grid size-8 place-items-center rounded-full border border-white/25 font-bold hover:bg-white/10 focus-visible:outline-2 focus-visible:outline-white">
          ?
        </button>
        <button id="sign-out" data-test="sign-out" type="button" title={t('app.signOut')} disabled={leaving}
          className="rounded-md border border-white/25 px-3 py-1.5 text-sm font-semibold hover:bg-white/10 focus-visible:outline-2 focus-visible:outline-white"
          onClick={() => {
            if ([...guards].some((blocked) => blocked())) {
              toast(t('signOut.finishCall'), { level: 'error' });
              return;
            }
            setLeaving(true);
            const tasks = Promise.allSettled([...beforeSignOut].map((task) => task()));
            void Promise.race([tasks, new Promise((done) => { setTimeout(done, 3000); })]).then(() => signOut());
          }}>
          {t('app.signOut')}
        </button>
      </header>
      <ServerBanner />
      <StatusSlotContext value={statusSlot}>
        <SignOutGuardsContext value={guards}>
          <BeforeSignOutContext value={beforeSignOut}>
            <main id="content" className="flex-1 p-4 lg:p-6">{children}</main>
          </BeforeSignOutContext>
        </SignOutGuardsContext>
      </StatusSlotContext>
      <HelpDialog open={helpOpen} role={profile.role} onClose={() => { setHelpOpen(false); }} />
    </div>
  );
}
