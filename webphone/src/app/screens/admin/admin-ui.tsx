// What the admin's screens share: the page frame (title, subtitle, content),
// the card and table styles, a table over TanStack Table that virtualises its
// rows once a list grows long, and the "saved" / refusal toasts of every inline
// change.
import { flexRender, type RowData, type Table } from '@tanstack/react-table';
import { useRef, type InputHTMLAttributes, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../errors';
import { useNotices } from '../../components/Notices';
import { CARD, MUTED, Spacer, useVirtualRows } from '../../components/table';

export { CARD, MUTED };

declare module '@tanstack/react-table' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the parameters must match TanStack's declaration
  interface ColumnMeta<TData extends RowData, TValue> {
    /** Extra classes of the column's cells and header (e.g. numbers aligned right). */
    className?: string;
  }
}

export const TH = 'bg-slate-50 px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-600';
export const TD = 'border-t border-slate-100 px-3 py-2 align-top';
export const CONTROL = 'rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-900 '
  + 'focus:border-brand focus:outline-2 focus:outline-brand/30 disabled:bg-slate-100 disabled:text-slate-600 aria-invalid:border-red-700';
export const BUTTON = 'inline-flex items-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-semibold '
  + 'focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand disabled:cursor-not-allowed disabled:opacity-60';
export const PRIMARY = `${BUTTON} bg-brand text-white hover:bg-brand-hover`;
export const LIGHT = `${BUTTON} border border-slate-300 bg-white text-slate-800 hover:bg-slate-50`;
export const DANGER = `${BUTTON} bg-red-700 text-white hover:bg-red-800`;

export function Page({ id, title, subtitle, children }: { id: string; title: string; subtitle: string; children: ReactNode }) {
  return (
    <div id={id} data-test={id} className="mx-auto flex max-w-7xl flex-col gap-4">
      <header>
        <h1 className="text-2xl font-semibold">{title}</h1>
        <p className="text-slate-600">{subtitle}</p>
      </header>
      {children}
    </div>
  );
}

/** An on/off switch: a real checkbox (keyboard, screen readers), drawn as the old .switch. */
export function Switch({ label, ...input }: { label: string } & Omit<InputHTMLAttributes<HTMLInputElement>, 'type'> & { 'data-test': string }) {
  return (
    <label className="relative inline-flex cursor-pointer items-center">
      <input type="checkbox" aria-label={label} className="peer sr-only" {...input} />
      <span aria-hidden="true"
        className="h-5 w-9 rounded-full bg-slate-400 transition-colors peer-checked:bg-brand peer-focus-visible:outline-2 peer-focus-visible:outline-offset-2 peer-focus-visible:outline-brand peer-disabled:opacity-50 after:absolute after:top-0.5 after:left-0.5 after:size-4 after:rounded-full after:bg-white after:transition-transform peer-checked:after:translate-x-4" />
    </label>
  );
}

/** Toasts for an inline change: "saved" or the database's refusal (which names the field). */
export function useSaveToasts() {
  const { t, i18n } = useTranslation();
  const { toast } = useNotices();
  return {
    onSuccess: () => { toast(t('admin.saved'), { level: 'success' }); },
    onError: (err: unknown) => { toast(describeError(i18n, err), { level: 'error', ms: 7000 }); },
  };
}

// Past this many rows only those in view are in the page (users can be thousands).
export const VIRTUALISE_FROM = 150;
const ROW_HEIGHT = 48;

/**
 * A list as a table. `status` (loading, the error, "empty") replaces the rows;
 * `rowAttrs` gives each row its hooks (data-test, data-<thing>-id).
 */
export function DataTable<T>({ table, test, status, rowAttrs }: {
  table: Table<T>;
  test: string;
  status: ReactNode;
  rowAttrs: (row: T) => Record<string, string>;
}) {
  const rows = table.getRowModel().rows;
  const columns = table.getVisibleLeafColumns().length;
  const scroller = useRef<HTMLDivElement>(null);
  // Rows of one height: no measuring. Virtualised from VIRTUALISE_FROM rows on.
  const { indexes, padTop, padBottom, virtual } = useVirtualRows(rows.length, scroller, ROW_HEIGHT, false, VIRTUALISE_FROM - 1);
  const shown = indexes.map((i) => rows[i]).filter((row) => row !== undefined);
  return (
    <section className={`${CARD} overflow-hidden`}>
      <div ref={scroller} className={`overflow-x-auto ${virtual ? 'max-h-[70vh] overflow-y-auto' : ''}`}>
        <table data-test={test} className="w-full border-collapse text-sm">
          <thead className={virtual ? 'sticky top-0 z-10' : undefined}>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => (
                  <th key={header.id} scope="col" className={`${TH} ${header.column.columnDef.meta?.className ?? ''}`}>
                    {flexRender(header.column.columnDef.header, header.getContext())}
                  </th>
                ))}
              </tr>
            ))}
          </thead>
          <tbody>
            {status !== null ? (
              <tr><td colSpan={columns} className="px-3 py-6 text-center text-slate-600">{status}</td></tr>
            ) : (
              <>
                <Spacer height={padTop} columns={columns} />
                {shown.map((row) => (
                  <tr key={row.id} {...rowAttrs(row.original)} className="hover:bg-slate-50">
                    {row.getVisibleCells().map((cell) => (
                      <td key={cell.id} className={`${TD} ${cell.column.columnDef.meta?.className ?? ''}`}>
                        {flexRender(cell.column.columnDef.cell, cell.getContext())}
                      </td>
                    ))}
                  </tr>
                ))}
                <Spacer height={padBottom} columns={columns} />
              </>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** What a list shows instead of its rows: loading, the error, or nothing (null: the rows). */
export function useListStatus(query: { isPending: boolean; error: unknown }): string | null {
  const { t, i18n } = useTranslation();
  if (query.isPending) return t('common.loading');
  if (query.error) return describeError(i18n, query.error);
  return null;
}
