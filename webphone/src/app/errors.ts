// One sentence for an error a screen shows: the React side of ui/errors.js,
// for the errors the ported screens meet (data and config errors). The
// server's own message follows the translated headline, as today.

import type { i18n as I18n } from 'i18next';
import { DataError } from '../data/errors';
import { tMaybe } from './i18n';

export function describeError(i18n: I18n, err: unknown): string {
  if (!err) return i18n.t('error.unknown');
  if (err instanceof DataError) {
    if (err.kind === 'network') return i18n.t('error.network');
    if (err.kind === 'auth' && err.code === 'invalid_credentials') return i18n.t('signIn.invalid');
    const headline = (err.code ? tMaybe(i18n, `error.code.${err.code}`) : null)
      ?? tMaybe(i18n, `error.kind.${err.kind}`) ?? i18n.t('error.unknown');
    return err.message && err.message !== headline ? `${headline} (${err.message})` : headline;
  }
  return err instanceof Error && err.message ? err.message : i18n.t('error.unknown');
}

/** What the sign-in form says about a failed sign-in or a notice it opens with. */
export function describeSignInError(i18n: I18n, err: unknown): string {
  if (err instanceof Error && err.name === 'InactiveAccount') return i18n.t('signIn.inactive');
  return describeError(i18n, err);
}
