// The sign-in screen: email and password against Supabase Auth, with the
// words, ids and data-test hooks agents know. The form
// checks its fields itself (zod) so the messages are in the interface
// language and announced, instead of the browser's own bubbles.
import { zodResolver } from '@hookform/resolvers/zod';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { useAuth, type SignInNotice } from '../../auth/auth-context';
import { BrandMark } from '../../components/BrandMark';
import { LanguageButtons } from '../../components/LanguageSwitch';
import { describeSignInError } from '../../errors';

// Messages are i18n keys, translated when shown (a language switch re-words them).
export const signInSchema = z.object({
  email: z.string().trim().min(1, 'signIn.emailRequired').pipe(z.email('signIn.emailInvalid')),
  password: z.string().min(1, 'signIn.passwordRequired'),
});
type SignInFields = z.input<typeof signInSchema>;

const FIELD = 'mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-base text-slate-900 '
  + 'focus:border-brand focus:outline-2 focus:outline-brand/30 aria-invalid:border-red-700';

export default function SignIn({ notice }: { notice: SignInNotice | null }) {
  const { t, i18n } = useTranslation();
  const { signIn } = useAuth();
  // The last refusal (or the notice the screen opened with), described when shown.
  const [failure, setFailure] = useState<{ error: unknown } | SignInNotice | null>(notice);
  const { register, handleSubmit, setFocus, formState: { errors, isSubmitting } } = useForm<SignInFields>({
    resolver: zodResolver(signInSchema),
    defaultValues: { email: '', password: '' },
  });

  const onSubmit = handleSubmit(async ({ email, password }) => {
    setFailure(null);
    try {
      await signIn(email.trim(), password);
    } catch (error) {
      setFailure({ error });
      // As before: the password is selected to be typed again.
      setFocus('password', { shouldSelect: true });
    }
  });

  const failureText = failure === null ? null
    : 'key' in failure ? t(failure.key) : describeSignInError(i18n, failure.error);
  const fieldError = (key: string | undefined) => (key ? t(key as never) : null);

  return (
    <main id="sign-in" data-test="sign-in-screen"
      className="grid min-h-screen place-items-center bg-[radial-gradient(1200px_600px_at_20%_0%,#23406b_0%,#15233a_55%,#0e1828_100%)] p-6">
      <section className="w-full max-w-[420px] rounded-2xl bg-white p-8 shadow-2xl">
        <div className="mb-6 flex items-center gap-3.5">
          <BrandMark />
          <div>
            <h1 className="text-xl font-semibold text-slate-900">{t('app.name')}</h1>
            <p className="text-slate-600">{t('signIn.subtitle')}</p>
          </div>
        </div>
        <form id="sign-in-form" data-test="sign-in-form" noValidate onSubmit={(e) => { void onSubmit(e); }}>
          <div className="mb-4">
            <label htmlFor="sign-in-email" className="text-sm font-semibold text-slate-800">{t('signIn.email')}</label>
            <input id="sign-in-email" data-test="sign-in-email" type="email" autoComplete="username"
              placeholder="agente@empresa.com" autoFocus className={FIELD}
              aria-invalid={errors.email ? true : undefined}
              aria-describedby={errors.email ? 'sign-in-email-error' : undefined}
              {...register('email')} />
            {errors.email && (
              <p id="sign-in-email-error" data-test="sign-in-email-error" className="mt-1 text-sm text-red-700">
                {fieldError(errors.email.message)}
              </p>
            )}
          </div>
          <div className="mb-4">
            <label htmlFor="sign-in-password" className="text-sm font-semibold text-slate-800">{t('signIn.password')}</label>
            <input id="sign-in-password" data-test="sign-in-password" type="password" autoComplete="current-password"
              className={FIELD}
              aria-invalid={errors.password ? true : undefined}
              aria-describedby={errors.password ? 'sign-in-password-error' : undefined}
              {...register('password')} />
            {errors.password && (
              <p id="sign-in-password-error" data-test="sign-in-password-error" className="mt-1 text-sm text-red-700">
                {fieldError(errors.password.message)}
              </p>
            )}
          </div>
          {/* Always in the page, so screen readers hear the refusal when it is filled. */}
          <div role="alert">
            {failureText && (
              <p id="sign-in-error" data-test="sign-in-error"
                className="mb-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
                {failureText}
              </p>
            )}
          </div>
          <button id="sign-in-submit" data-test="sign-in-submit" type="submit" disabled={isSubmitting}
            className="w-full rounded-lg bg-brand px-4 py-3 text-base font-semibold text-white hover:bg-brand-hover focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand disabled:opacity-70">
            {isSubmitting ? t('signIn.working') : t('signIn.submit')}
          </button>
        </form>
        <footer className="mt-5 flex items-center justify-between text-sm">
          <span className="text-slate-600">{t('signIn.language')}</span>
          <LanguageButtons />
        </footer>
      </section>
    </main>
  );
}
