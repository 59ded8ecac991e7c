// A role's first page while its screens are being moved from the old app:
// who is signed in, from the profile; the screens themselves come next.
import { useTranslation } from 'react-i18next';
import { useProfile } from '../auth/auth-context';
import type { Role } from '../auth/profile';

const TITLE = { agent: 'nav.desk', supervisor: 'nav.floor', admin: 'nav.users' } as const;

export function RoleHome({ role }: { role: Role }) {
  const { t } = useTranslation();
  const profile = useProfile();
  return (
    <section id={`${role}-home`} data-test={`${role}-home`}
      className="mx-auto max-w-3xl rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
      <h1 className="text-2xl font-semibold">{t(TITLE[role])}</h1>
      <p data-test="home-name" className="mt-3 text-lg font-semibold">{profile.full_name || profile.email}</p>
      <p data-test="home-role" className="text-slate-600">
        {t(`role.${profile.role}`)} · {profile.email}
      </p>
    </section>
  );
}
