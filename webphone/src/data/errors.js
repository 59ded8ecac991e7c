// What went wrong with a request, in the UI's terms. PostgREST and Auth errors
// keep their SQLSTATE / code and message (the database's messages name the
// field); a network failure is told apart so the app can say the server is
// unreachable instead of showing a raw "Failed to fetch".

export class DataError extends Error {
  /**
   * @param {string} kind network | not_available | forbidden | not_found | invalid | auth | unknown
   * @param {string} message the server's message, shown to the user when there is no better one
   * @param {{code?: string, details?: string, hint?: string}} [extra]
   */
  constructor(kind, message, { code = null, details = null, hint = null } = {}) {
    super(message);
    this.name = 'DataError';
    this.kind = kind;
    this.code = code;
    this.details = details;
    this.hint = hint;
  }
}

const NETWORK_MESSAGES = /failed to fetch|networkerror|network request failed|fetch failed|load failed|ECONNREFUSED|Bad Gateway|Service Unavailable|Gateway Time-out/i;

export function isNetworkError(error) {
  if (!error) return false;
  if (error instanceof DataError) return error.kind === 'network';
  if (error.name === 'AuthRetryableFetchError') return true;
  if (error.status === 502 || error.status === 503 || error.status === 504) return true;
  return NETWORK_MESSAGES.test(`${error.message ?? ''} ${error.details ?? ''}`);
}

/** A DataError from a PostgREST error object ({code, message, details, hint}). */
export function toDataError(error) {
  if (error instanceof DataError) return error;
  const code = error?.code ?? null;
  const message = error?.message ?? String(error);
  const extra = { code, details: error?.details ?? null, hint: error?.hint ?? null };
  if (isNetworkError(error)) return new DataError('network', message, extra);
  // PGRST202: no such function; PGRST205 / 42P01: no such table; 42883: no such signature.
  if (code === 'PGRST202' || code === 'PGRST205' || code === '42P01' || code === '42883') {
    return new DataError('not_available', message, extra);
  }
  if (code === 'PGRST116' || code === 'PT404') return new DataError('not_found', message, extra);
  if (code === '42501' || code === 'PT403' || code === 'PGRST301' || code === 'PGRST302') {
    return new DataError('forbidden', message, extra);
  }
  if (code === 'PGRST303' || error?.status === 401) return new DataError('auth', message, extra);
  // 22/23: bad input; R0: a business rule (do-not-call, calling hours...); PT409: a conflict.
  if (typeof code === 'string' && /^(22|23|P0|55|40|R0|PT4)/.test(code)) return new DataError('invalid', message, extra);
  return new DataError('unknown', message, extra);
}

/** Unwraps a supabase-js result: the data, or a thrown DataError. */
export function unwrap({ data, error }) {
  if (error) throw toDataError(error);
  return data;
}

/**
 * Why a recording cannot be heard, as the UI tells it (i18n key
 * `recording.error.<code>`): forbidden, no_call, no_recording, invalid
 * (the refusals rpc/recording_url logs and returns as 403/404/400), failed
 * (the recordings worker could not sign it), timeout (the worker did not
 * answer), gone (the link vanished, e.g. the lead was erased meanwhile).
 */
export class RecordingError extends Error {
  constructor(code, message = code, { details = null, recordingStatus = null, cause = undefined } = {}) {
    super(message);
    this.name = 'RecordingError';
    this.code = code;
    this.details = details;
    this.recordingStatus = recordingStatus;
    this.cause = cause;
  }
}

const REFUSAL_BY_STATUS = { 400: '22023', 403: '42501', 404: 'PT404' };

/**
 * A refusal of rpc/recording_url (a PostgREST error body with HTTP 400, 403
 * or 404) as a RecordingError; anything else (network, a missing function)
 * as the ordinary DataError.
 */
export function recordingRefusal(error, status = null) {
  const code = error?.code || REFUSAL_BY_STATUS[status] || null;
  const message = error?.message ?? String(error);
  const details = error?.details ?? null;
  if (code === '42501') return new RecordingError('forbidden', message, { details });
  if (code === '22023') return new RecordingError('invalid', message, { details });
  if (code === 'PT404') {
    // The call exists but has nothing to play: details say its recording_status.
    const m = /recording_status:\s*(\w+)/.exec(details ?? '');
    // Still "stored" on the call while refused: its lead was erased and the
    // worker is deleting the object.
    if (m?.[1] === 'stored') return new RecordingError('gone', message, { details, recordingStatus: 'stored' });
    if (m) return new RecordingError('no_recording', message, { details, recordingStatus: m[1] === 'none' ? null : m[1] });
    return new RecordingError('no_call', message, { details });
  }
  return toDataError(error);
}
