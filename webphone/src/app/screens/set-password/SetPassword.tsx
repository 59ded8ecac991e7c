// /set-password: where a one-time set-up (invite) or reset (recovery) link
// lands, outside the signed-in routes. The link's token_hash is verified
// once (supabase.auth.verifyOtp: it opens the user's session and is used up),
// then the person chooses a password (supabase.auth.updateUser, the Auth
// policy's rules) and enters the app. An expired or used link, a banned
// account or an incomplete link each say so. Hooks: set-password,
// set-password-account, set-password-form, set-password-new,
// set-password-confirm, set-password-submit, set-password-error.
import { zodResolver } from '@hookform/resolvers/zod';
import { useEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { setMyPassword, SetupLinkError, verifySetupLink } from '../../../data/accounts';
import type { Supabase } from '../../config';
import { useAuth } from '../../auth/auth-context';
import { BrandMark } from '../../components/BrandMark';
import { LanguageButtons } from '../../components/LanguageSwitch';
import { describeError } from '../../errors';
import { tMaybe } from '../../i18n';
import { passwordSchema, PASSWORD_MIN, setupParams, type PasswordForm } from '../admin/users-logic';

const FIELD = 'mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-base text-slate-900 '
  + 'focus:border-brand focus:outline-2 focus:outline-brand/30 aria-invalid:border-red-700';

// A token is used up by its first verification: React's double effects (and a
// remount) share the one request instead of failing the second as "used".
const verifications = new Map<string, Promise<string>>();
function verifyOnce(supabase: Supabase, tokenHash: string, type: 'invite' | 'recovery'): Promise<string> {
  let pending = verifications.get(tokenHash);
  if (!pending) {
    pending = verifySetupLink(supabase, tokenHash, type);
    verifications.set(tokenHash, pending);
  }
  return pending;
}

type Step = { step: 'verifying' } | { step: 'ready'; email: string } | { step: 'failed'; error: unknown } | { step: 'done' };

export default function SetPassword() {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const [params] = useState(() => setupParams(window.location.search));
  const [state, setState] = useState<Step>(params ? { step: 'verifying' } : { step: 'failed', error: new SetupLinkError('incomplete', '') });
  const [saveError, setSaveError] = useState<unknown>(null);
  const { register, handleSubmit, setFocus, formState: { errors, isSubmitting } } = useForm<PasswordForm>({
    resolver: zodResolver(passwordSchema),
    defaultValues: { password: '', confirm: '' },
  });

  useEffect(() => {
    if (!params) return undefined;
    let live = true;
    verifyOnce(supabase, params.tokenHash, params.type).then(
      (email) => { if (live) setState({ step: 'ready', email }); },
      (error: unknown) => { if (live) setState({ step: 'failed', error }); },
    );
    return () => { live = false; };
  }, [supabase, params]);

  const onSubmit = handleSubmit(async ({ password }) => {
    setSaveError(null);
    try {
      await setMyPassword(supabase, password);
      setState({ step: 'done' });
      // Into the app with the new session: a fresh start reads it like any stored session.
      window.location.replace('/');
    } catch (error) {
      setSaveError(error);
      setFocus('password', { shouldSelect: true });
    }
  });

  const explain = (error: unknown): string => {
    if (error instanceof SetupLinkError) {
      return tMaybe(i18n, `backoffice.setPassword.error.${error.code}`) ?? `${t('backoffice.setPassword.error.unknown')} (${error.message})`;
    }
    return describeError(i18n, error);
  };
  const fieldText = (message: string | undefined) => (message ? tMaybe(i18n, message) ?? message : null);
  const passwordError = fieldText(errors.password?.message);
  const confirmError = fieldText(errors.confirm?.message);

  return (
    <main id="set-password" data-test="set-password" data-step={state.step}
      className="grid min-h-screen place-items-center bg-[radial-gradient(1200px_600px_at_20%_0%,#23406b_0%,#15233a_55%,#0e1828_100%)] p-6">
      <section className="w-full max-w-[440px] rounded-2xl bg-white p-8 shadow-2xl">
        <div className="mb-6 flex items-center gap-3.5">
          <BrandMark />
          <div>
            <h1 className="text-xl font-semibold text-slate-900">{t(params?.type === 'recovery' ? 'backoffice.setPassword.resetTitle' : 'backoffice.setPassword.title')}</h1>
            <p className="text-slate-600">{t('app.name')}</p>
          </div>
        </div>
        {state.step === 'verifying' ? <p role="status" className="text-slate-700">{t('backoffice.setPassword.verifying')}</p> : null}
        {state.step === 'failed' ? (
          <div className="flex flex-col gap-3">
            <p data-test="set-password-error" role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm font-medium text-red-800">{explain(state.error)}</p>
            <p className="text-sm text-slate-700">{t('backoffice.setPassword.askAgain')}</p>
            <a href="/" className="text-sm font-semibold text-brand underline">{t('backoffice.setPassword.toSignIn')}</a>
          </div>
        ) : null}
        {state.step === 'ready' || state.step === 'done' ? (
          <form data-test="set-password-form" noValidate onSubmit={(e) => { void onSubmit(e); }} className="flex flex-col gap-4">
            {state.step === 'ready' ? (
              <p data-test="set-password-account" className="text-sm text-slate-700">{t('backoffice.setPassword.account', { email: state.email })}</p>
            ) : null}
            <div>
              <label htmlFor="set-password-new" className="block text-sm font-semibold text-slate-800">{t('backoffice.setPassword.new')}</label>
              <input id="set-password-new" data-test="set-password-new" type="password" autoComplete="new-password" className={FIELD}
                aria-invalid={passwordError ? true : undefined} aria-describedby="set-password-rules" {...register('password')} />
              <small id="set-password-rules" className="mt-1 block text-xs text-slate-600">{t('backoffice.setPassword.rules', { min: String(PASSWORD_MIN) })}</small>
              {passwordError ? <p className="mt-1 text-sm font-medium text-red-700">{passwordError}</p> : null}
            </div>
            <div>
              <label htmlFor="set-password-confirm" className="block text-sm font-semibold text-slate-800">{t('backoffice.setPassword.confirm')}</label>
              <input id="set-password-confirm" data-test="set-password-confirm" type="password" autoComplete="new-password" className={FIELD}
                aria-invalid={confirmError ? true : undefined} {...register('confirm')} />
              {confirmError ? <p className="mt-1 text-sm font-medium text-red-700">{confirmError}</p> : null}
            </div>
            {saveError ? <p data-test="set-password-error" role="alert" className="text-sm font-medium text-red-700">{explain(saveError)}</p> : null}
            <button type="submit" data-test="set-password-submit" disabled={isSubmitting || state.step === 'done'}
              className="rounded-md bg-brand px-4 py-2.5 text-base font-semibold text-white hover:bg-brand-hover disabled:opacity-60">
              {t('backoffice.setPassword.submit')}
            </button>
          </form>
        ) : null}
        <div className="mt-6 flex justify-center"><LanguageButtons /></div>
      </section>
    </main>
  );
}
