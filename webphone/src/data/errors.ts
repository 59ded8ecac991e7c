// What went wrong with a request, in the UI's terms. PostgREST and Auth errors
// keep their SQLSTATE / code and message (the database's messages name the
// field); a network failure is told apart so the app can say the server is
// unreachable instead of showing a raw "Failed to fetch".

export type DataErrorKind = 'network' | 'not_available' | 'forbidden' | 'not_found' | 'invalid' | 'auth' | 'unknown';

export interface ErrorExtra {
  code?: string | null;
  details?: string | null;
  hint?: string | null;
}

export class DataError extends Error {
  readonly kind: DataErrorKind;
  readonly code: string | null;
  readonly details: string | null;
  readonly hint: string | null;

  /** `message` is the server's, shown to the user when there is no better one. */
  constructor(kind: DataErrorKind, message: string, { code = null, details = null, hint = null }: ErrorExtra = {}) {
    super(message);
    this.name = 'DataError';
    this.kind = kind;
    this.code = code;
    this.details = details;
    this.hint = hint;
  }
}

// Whatever was thrown or returned as an error: PostgrestError, AuthError,
// TypeError from fetch, or anything else. Read field by field, never trusted.
function field(error: unknown, key: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[key] : undefined;
}

function stringField(error: unknown, key: string): string | null {
  const value = field(error, key);
  return typeof value === 'string' ? value : null;
}

/** The error's message, or the error itself as text when it has none. */
function messageOf(error: unknown): string {
  return stringField(error, 'message') ?? String(error);
}

const NETWORK_MESSAGES = /failed to fetch|networkerror|network request failed|fetch failed|load failed|ECONNREFUSED|Bad Gateway|Service Unavailable|Gateway Time-out/i;

export function isNetworkError(error: unknown): boolean {
  if (!error) return false;
  if (error instanceof DataError) return error.kind === 'network';
  if (field(error, 'name') === 'AuthRetryableFetchError') return true;
  const status = field(error, 'status');
  if (status === 502 || status === 503 || status === 504) return true;
  return NETWORK_MESSAGES.test(`${stringField(error, 'message') ?? ''} ${stringField(error, 'details') ?? ''}`);
}

/** A DataError from a PostgREST error object ({code, message, details, hint}), or anything thrown. */
export function toDataError(error: unknown): DataError {
  if (error instanceof DataError) return error;
  const code = stringField(error, 'code');
  const message = messageOf(error);
  const extra = { code, details: stringField(error, 'details'), hint: stringField(error, 'hint') };
  if (isNetworkError(error)) return new DataError('network', message, extra);
  // PGRST202: no such function; PGRST205 / 42P01: no such table; 42883: no such signature.
  if (code === 'PGRST202' || code === 'PGRST205' || code === '42P01' || code === '42883') {
    return new DataError('not_available', message, extra);
  }
  if (code === 'PGRST116' || code === 'PT404') return new DataError('not_found', message, extra);
  if (code === '42501' || code === 'PT403' || code === 'PGRST301' || code === 'PGRST302') {
    return new DataError('forbidden', message, extra);
  }
  if (code === 'PGRST303' || field(error, 'status') === 401) return new DataError('auth', message, extra);
  // 22/23: bad input; R0: a business rule (do-not-call, calling hours...); PT409: a conflict.
  if (code !== null && /^(22|23|P0|55|40|R0|PT4)/.test(code)) return new DataError('invalid', message, extra);
  return new DataError('unknown', message, extra);
}

/** Unwraps a supabase-js result: the data, or a thrown DataError. */
export function unwrap<T>({ data, error }: { data: T; error: unknown }): T {
  if (error) throw toDataError(error);
  return data;
}

/** Unwraps a list (a select, or a set-returning function): its rows, or a thrown DataError. */
export function unwrapRows<T>({ data, error }: { data: T[] | null; error: unknown }): T[] {
  if (error) throw toDataError(error);
  return data ?? [];
}

/**
 * Why a recording cannot be heard, as the UI tells it (i18n key
 * `recording.error.<code>`): forbidden, no_call, no_recording, invalid
 * (the refusals rpc/recording_url logs and returns as 403/404/400), failed
 * (Storage would not sign under the grant), gone (the recording is being
 * erased).
 */
export type RecordingErrorCode = 'forbidden' | 'no_call' | 'no_recording' | 'invalid' | 'failed' | 'gone';

export class RecordingError extends Error {
  readonly code: RecordingErrorCode;
  readonly details: string | null;
  /** The call's recording_status when it explains the refusal (e.g. 'failed', 'deleted'). */
  readonly recordingStatus: string | null;

  constructor(
    code: RecordingErrorCode,
    message: string = code,
    { details = null, recordingStatus = null, cause }:
      { details?: string | null; recordingStatus?: string | null; cause?: unknown } = {},
  ) {
    // The standard `cause` option: always set, like the assignment it replaces.
    super(message, { cause });
    this.name = 'RecordingError';
    this.code = code;
    this.details = details;
    this.recordingStatus = recordingStatus;
  }
}

const REFUSAL_BY_STATUS: Readonly<Record<number, string>> = { 400: '22023', 403: '42501', 404: 'PT404' };

/**
 * A refusal of rpc/recording_url (a PostgREST error body with HTTP 400, 403
 * or 404) as a RecordingError; anything else (network, a missing function)
 * as the ordinary DataError.
 */
export function recordingRefusal(error: unknown, status: number | null = null): RecordingError | DataError {
  // `||`, not `??`: an empty code says no more than a missing one.
  const code = stringField(error, 'code') || (status === null ? null : REFUSAL_BY_STATUS[status]) || null;
  const message = messageOf(error);
  const details = stringField(error, 'details');
  if (code === '42501') return new RecordingError('forbidden', message, { details });
  if (code === '22023') return new RecordingError('invalid', message, { details });
  if (code === 'PT404') {
    // The call exists but has nothing to play: details say its recording_status.
    const m = /recording_status:\s*(\w+)/.exec(details ?? '');
    const recorded = m?.[1];
    // Still "stored" on the call while refused: its lead was erased and the
    // worker is deleting the object.
    if (recorded === 'stored') return new RecordingError('gone', message, { details, recordingStatus: 'stored' });
    if (recorded !== undefined) {
      return new RecordingError('no_recording', message, { details, recordingStatus: recorded === 'none' ? null : recorded });
    }
    return new RecordingError('no_call', message, { details });
  }
  return toDataError(error);
}
