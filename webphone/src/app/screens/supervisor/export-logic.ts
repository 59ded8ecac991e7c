// An export request followed by Realtime: the report_exports row as the
// page holds it, updated by the pushed UPDATEs of that row. Pure, so it is
// tested without a screen.

import type { ExportStatus } from '../../../data/reports';

export interface ExportRowLike {
  id: string;
  status: string;
  updated_at?: string | null;
}

/** done and failed are final: nothing more to wait for. */
export function isExportFinished(status: string | null | undefined): status is Extract<ExportStatus, 'done' | 'failed'> {
  return status === 'done' || status === 'failed';
}

/**
 * The held row with a pushed one applied: the same row when the push is for
 * another id, or older than what is held (a fetch may have read it later).
 */
export function applyExportUpdate<R extends ExportRowLike>(held: R | null | undefined, pushed: Record<string, unknown>): R | null {
  if (!held) return null;
  if (pushed.id !== held.id) return held;
  const a = held.updated_at ? new Date(held.updated_at).getTime() : Number.NaN;
  const b = typeof pushed.updated_at === 'string' ? new Date(pushed.updated_at).getTime() : Number.NaN;
  if (!Number.isNaN(a) && !Number.isNaN(b) && b < a) return held;
  // A final row is never reopened by a late push.
  if (isExportFinished(held.status) && !isExportFinished(typeof pushed.status === 'string' ? pushed.status : null)) return held;
  const merged: Record<string, unknown> = { ...(held as R & Record<string, unknown>) };
  for (const key of Object.keys(held)) if (key in pushed) merged[key] = pushed[key];
  return merged as R;
}
