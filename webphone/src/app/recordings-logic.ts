// The recordings screen's plain logic: the access log's refusal codes and
// the calendar days of the date range.

export const ACCESS_LOG_PAGE_SIZE = 50;

const REASON_KEYS: Readonly<Record<string, string>> = {
  42501: 'recording.error.forbidden', PT404: 'accessLog.reason.PT404', 22023: 'recording.error.invalid',
};

/** The i18n key of a refusal's SQLSTATE in the access log. */
export function accessReasonKey(code: string | null | undefined): string | null {
  return (code && REASON_KEYS[code]) || null;
}

/** [start, end) of a calendar day (YYYY-MM-DD) in the browser's zone, as ISO strings. */
export function dayRange(day: string): { from: string; to: string } {
  const start = new Date(`${day}T00:00:00`);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return { from: start.toISOString(), to: end.toISOString() };
}
