// One sentence for any error a screen shows, in the interface language. The
// database's own message (which names the field) follows the translated
// headline, so nothing the server said is lost.

import type { i18n as I18n } from 'i18next';
import { DataError, RecordingError } from '../data/errors';
import { tMaybe } from './i18n';

/** An error with a code of its own (PhoneError, DeskError): told by `<prefix>.<code>`. */
function codeOf(err: unknown, name: string): string | null {
  if (!(err instanceof Error) || err.name !== name) return null;
  const code = (err as Error & { code?: unknown }).code;
  return typeof code === 'string' ? code : null;
}

export function describeError(i18n: I18n, err: unknown): string {
  if (!err) return i18n.t('error.unknown');
  const phone = codeOf(err, 'PhoneError');
  if (phone !== null) return tMaybe(i18n, `phone.error.${phone}`) ?? (err as Error).message;
  const desk = codeOf(err, 'DeskError');
  if (desk !== null) return tMaybe(i18n, `desk.error.${desk}`) ?? (err as Error).message;
  if (err instanceof RecordingError) {
    const headline = tMaybe(i18n, `recording.error.${err.code}`) ?? err.message;
    if (err.code === 'no_recording' && err.recordingStatus) {
      return `${headline} (${tMaybe(i18n, `recordingStatus.${err.recordingStatus}`) ?? err.recordingStatus})`;
    }
    // Storage's own reason helps whoever looks into it.
    if (err.code === 'failed' && err.details) return `${headline} (${err.details})`;
    return headline;
  }
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
