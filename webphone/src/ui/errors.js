// One sentence for any error a screen catches, in the interface language.
// The database's own message (which names the field) follows the translated
// headline, so nothing the server said is lost.

import { t, tMaybe } from '../i18n/index.js';

export function describeError(err) {
  if (!err) return t('error.unknown');
  if (err.name === 'PhoneError') return tMaybe(`phone.error.${err.code}`) ?? err.message;
  if (err.name === 'DeskError') return tMaybe(`desk.error.${err.code}`) ?? err.message;
  if (err.name === 'RecordingError') {
    const headline = tMaybe(`recording.error.${err.code}`) ?? err.message;
    if (err.code === 'no_recording' && err.recordingStatus) {
      return `${headline} (${tMaybe(`recordingStatus.${err.recordingStatus}`) ?? err.recordingStatus})`;
    }
    // The worker's own reason helps whoever looks into it.
    if (err.code === 'failed' && err.details) return `${headline} (${err.details})`;
    return headline;
  }
  if (err.name === 'DataError') {
    if (err.kind === 'network') return t('error.network');
    if (err.kind === 'auth' && err.code === 'invalid_credentials') return t('signIn.invalid');
    const headline = (err.code && tMaybe(`error.code.${err.code}`)) ?? tMaybe(`error.kind.${err.kind}`) ?? t('error.unknown');
    return err.message && err.message !== headline ? `${headline} (${err.message})` : headline;
  }
  return err.message || t('error.unknown');
}
