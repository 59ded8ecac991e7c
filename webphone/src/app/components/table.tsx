// The supervisor's tables: TanStack Table for columns and sorting, and
// TanStack Virtual once a list is long (the floor and the validation queue
// stay smooth with a thousand rows: only the rows in view are in the DOM,
// the space of the others is two spacer rows). Short lists render whole.

import { flexRender, type Header, type Row, type Table } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useTranslation } from 'react-i18next';
import { memo, type RefObject } from 'react';

/** Above this many rows a table is virtualised. */
export const VIRTUAL_FROM = 60;

export interface VirtualRows {
  /** the row indexes to render, in order */
  indexes: number[];
  padTop: number;
  padBottom: number;
  /** ref callback for a rendered row (with data-index), to measure rows of varying height (`measured`) */
  measure: ((el: Element | null) => void) | undefined;
  virtual: boolean;
}

/**
 * Which of `count` rows to render in the scroll container `scrollRef`; lists
 * longer than `virtualFrom` are virtualised.
 */
export function useVirtualRows(
  count: number, scrollRef: RefObject<HTMLElement | null>, estimate: number | ((index: number) => number) = 52, measured = true,
  virtualFrom = VIRTUAL_FROM,
): VirtualRows {
  const virtual = count > virtualFrom;
  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Virtual hands out fresh functions each render; the rows are memoised by hand (BodyRow)
  const virtualizer = useVirtualizer({
    count: virtual ? count : 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: typeof estimate === 'number' ? () => estimate : estimate,
    overscan: 8,
    // Before the first measurement (and in jsdom, which lays nothing out).
    initialRect: { width: 1024, height: 640 },
  });
  if (!virtual) return { indexes: Array.from({ length: count }, (_, i) => i), padTop: 0, padBottom: 0, measure: undefined, virtual };
  const items = virtualizer.getVirtualItems();
  const first = items[0];
  const last = items.at(-1);
  return {
    indexes: items.map((i) => i.index),
    padTop: first ? first.start : 0,
    padBottom: last ? virtualizer.getTotalSize() - last.end : 0,
    // Rows of one height need no measuring (each measure is a layout read).
    measure: measured ? virtualizer.measureElement : undefined,
    virtual,
  };
}

/** A spacer row standing for the rows scrolled out of view. */
export function Spacer({ height, columns }: { height: number; columns: number }) {
  if (height <= 0) return null;
  return <tr aria-hidden="true"><td colSpan={columns} style={{ height, padding: 0, border: 0 }} /></tr>;
}

const ARROW = { asc: ' ▲', desc: ' ▼' } as const;

/** A header cell; a button that sorts when the column can be sorted. */
export function HeaderCell<T>({ header, numeric = false }: { header: Header<T, unknown>; numeric?: boolean }) {
  const { t } = useTranslation();
  const content = header.isPlaceholder ? null : flexRender(header.column.columnDef.header, header.getContext());
  const sorted = header.column.getIsSorted();
  const align = numeric ? 'text-right' : 'text-left';
  return (
    <th scope="col" className={`sticky top-0 z-10 bg-slate-50 px-3 py-2 text-xs font-semibold tracking-wide text-slate-600 uppercase ${align}`}
      aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}>
      {header.column.getCanSort() ? (
        <button type="button" onClick={header.column.getToggleSortingHandler()} title={t('common.sort')}
          className="cursor-pointer font-semibold uppercase hover:text-slate-900">
          {content}{sorted ? ARROW[sorted] : null}
        </button>
      ) : content}
    </th>
  );
}

/** The header row of a TanStack table; `numeric` lists the right-aligned columns. */
export function TableHead<T>({ table, numeric = [] }: { table: Table<T>; numeric?: readonly string[] }) {
  return (
    <thead>
      {table.getHeaderGroups().map((group) => (
        <tr key={group.id} className="border-b border-slate-200">
          {group.headers.map((header) => <HeaderCell key={header.id} header={header} numeric={numeric.includes(header.column.id)} />)}
        </tr>
      ))}
    </thead>
  );
}

export const CELL = 'px-3 py-2 align-top';
export const NUM_CELL = 'px-3 py-2 align-top text-right tabular-nums';
export const CARD = 'rounded-xl border border-slate-200 bg-white shadow-sm';
export const MUTED = 'text-xs text-slate-600';

interface BodyRowProps<T> {
  row: Row<T>;
  index: number;
  measure: ((el: Element | null) => void) | undefined;
  /** The table's columns: a new set (other words, another state) renders the row again. */
  columns: unknown;
  className: string;
  /** data-test and data-* of the row (read from `row`: not compared). */
  attrs: Readonly<Record<string, string | undefined>>;
  cellClass: (columnId: string) => string;
  cellTest?: (columnId: string) => string | undefined;
}

function BodyRowImpl<T>({ row, index, measure, className, attrs, cellClass, cellTest }: BodyRowProps<T>) {
  return (
    <tr data-index={index} ref={measure} className={className} {...attrs}>
      {row.getVisibleCells().map((cell) => (
        <td key={cell.id} className={cellClass(cell.column.id)} data-test={cellTest?.(cell.column.id)}>
          {flexRender(cell.column.columnDef.cell, cell.getContext())}
        </td>
      ))}
    </tr>
  );
}

/**
 * A table row that renders again only when its row, place, columns or look
 * change: while scrolling, the rows already in view are left alone and only
 * those coming into view are made.
 */
export const BodyRow = memo(BodyRowImpl, (a, b) => a.row === b.row && a.index === b.index
  && a.columns === b.columns && a.measure === b.measure && a.className === b.className) as typeof BodyRowImpl;
