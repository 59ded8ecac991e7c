// The interface language: ES / EN buttons on the sign-in screen (the choice
// is saved to the profile on entering), a select in the signed-in header.
import { useTranslation } from 'react-i18next';
import { useAuth, CHOSEN_LANGUAGE_KEY } from '../auth/auth-context';
import { LANGUAGES } from '../i18n';

export function LanguageButtons() {
  const { i18n, t } = useTranslation();
  const { changeLanguage } = useAuth();
  return (
    <div className="inline-flex overflow-hidden rounded-full border border-slate-300" role="group"
      aria-label={t('signIn.language')}>
      {LANGUAGES.map((code) => (
        <button key={code} type="button" data-test={`language-${code}`} aria-pressed={i18n.language === code}
          className="px-3 py-1 font-semibold text-slate-600 aria-pressed:bg-brand aria-pressed:text-white focus-visible:outline-2 focus-visible:outline-offset-[-2px] focus-visible:outline-brand"
          onClick={() => {
            sessionStorage.setItem(CHOSEN_LANGUAGE_KEY, code);
            changeLanguage(code);
          }}>
          {code.toUpperCase()}
        </button>
      ))}
    </div>
  );
}

export function LanguageSelect() {
  const { i18n, t } = useTranslation();
  const { changeLanguage } = useAuth();
  return (
    <select id="language-select" data-test="language-select" aria-label={t('app.language')}
      value={i18n.language} onChange={(event) => { changeLanguage(event.target.value); }}
      className="min-h-8 rounded-md border border-white/25 bg-white/10 px-2 py-1 text-sm text-slate-100 [&>option]:text-slate-900">
      {LANGUAGES.map((code) => <option key={code} value={code}>{code.toUpperCase()}</option>)}
    </select>
  );
}
