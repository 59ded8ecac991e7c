// The frame of every signed-in screen: brand, who is signed in (name, role,
// extension), the language and sign-out, with the old header's hooks.
import type { ReactNode } from 'react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAuth, useProfile } from '../auth/auth-context';
import { BrandMark } from './BrandMark';
import { LanguageSelect } from './LanguageSwitch';

function initials(name: string): string {
  return name.split(/[\s@.]+/).filter(Boolean).slice(0, 2).map((part) => part[0]?.toUpperCase() ?? '').join('');
}

export function Shell({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { signOut } = useAuth();
  const profile = useProfile();
  const [leaving, setLeaving] = useState(false);
  const name = profile.full_name || profile.email;
  return (
    <div className="flex min-h-screen flex-col bg-slate-100 text-slate-900" data-role={profile.role}>
      <header id="topbar" className="sticky top-0 z-20 flex h-14 items-center gap-3 bg-topbar px-4 text-slate-100 shadow">
        <div className="flex items-center gap-2 font-semibold">
          <BrandMark size={32} />
          <span>{t('app.name')}</span>
        </div>
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
        <button id="sign-out" data-test="sign-out" type="button" title={t('app.signOut')} disabled={leaving}
          className="rounded-md border border-white/25 px-3 py-1.5 text-sm font-semibold hover:bg-white/10 focus-visible:outline-2 focus-visible:outline-white"
          onClick={() => { setLeaving(true); void signOut(); }}>
          {t('app.signOut')}
        </button>
      </header>
      <main id="content" className="flex-1 p-6">{children}</main>
    </div>
  );
}
