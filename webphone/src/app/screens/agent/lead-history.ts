// One lead_history row as the lead card's timeline tells it (pure, tested).

const HISTORY_FIELDS: readonly string[] = ['status', 'attempts', 'owner_id', 'next_call_at', 'phone', 'alternate_phones', 'email',
  'first_name', 'last_name', 'city', 'notes', 'consent_contact', 'consent_recording'];

export interface HistoryRow {
  operation: string;
  via?: string | null;
  changed_fields?: string[] | null;
  old_values?: unknown;
  new_values?: unknown;
}

export interface HistoryChange { field: string; hasOld: boolean; old: unknown; new: unknown }

export interface HistoryEntry {
  kind: 'created' | 'updated' | 'erased';
  via: string | null;
  fields: string[];
  changes: HistoryChange[];
}

function valueOf(values: unknown, field: string): unknown {
  return values && typeof values === 'object' ? (values as Record<string, unknown>)[field] : undefined;
}

/**
 * created, updated (the changed fields with old and new values; old_values may
 * be null) or erased (rpc/erase_lead: only the names of the erased fields,
 * never values).
 */
export function historyEntry(row: HistoryRow): HistoryEntry {
  const via = row.via ? row.via.replace(/^rpc\//, '') : null;
  if (row.operation === 'insert') return { kind: 'created', via, fields: [], changes: [] };
  const changed = row.changed_fields ?? [];
  if (via === 'erase_lead') return { kind: 'erased', via, fields: changed, changes: [] };
  const fields = changed.filter((f) => HISTORY_FIELDS.includes(f));
  const hasOld = row.old_values !== null && row.old_values !== undefined;
  return {
    kind: 'updated',
    via,
    fields,
    changes: fields.map((f) => ({ field: f, hasOld, old: valueOf(row.old_values, f), new: valueOf(row.new_values, f) })),
  };
}
