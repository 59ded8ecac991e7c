// Small pieces the leads screens share: a modal dialog, the form field look,
// the status badge.

import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { tMaybe } from '../../i18n';
import { statusTone } from '../../lead-label';

export const FIELD = 'flex flex-col gap-0.5 text-xs font-medium text-slate-700';
export const INPUT = 'rounded-md border border-slate-300 bg-white px-2 py-1 text-sm';
export const BUTTON = 'rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-semibold hover:bg-slate-50 disabled:opacity-60';
export const PRIMARY = 'rounded-md bg-brand px-3 py-1.5 text-sm font-semibold text-white hover:bg-brand-hover disabled:opacity-60';
export const DANGER = 'rounded-md bg-red-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-red-800 disabled:opacity-60';

/** A modal <dialog> (focus kept inside, Escape closes), open while `open`. */
export function Modal({ open, onClose, title, test, children }:
  { open: boolean; onClose: () => void; title: string; test: string; children: ReactNode }) {
  const { t } = useTranslation();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    // Where showModal is missing (old engines, jsdom) the dialog still opens, without the modal backdrop.
    if (open && !el.open) {
      if (typeof el.showModal === 'function') el.showModal(); else el.setAttribute('open', '');
    }
    if (!open && el.open) {
      if (typeof el.close === 'function') el.close(); else el.removeAttribute('open');
    }
  }, [open]);
  return (
    <dialog ref={dialog} data-test={test} aria-labelledby={`${test}-title`} onClose={onClose}
      className="m-auto w-full max-w-lg rounded-xl p-0 shadow-2xl backdrop:bg-slate-900/40">
      {open ? (
        <div className="p-5">
          <header className="mb-3 flex items-center justify-between gap-3">
            <h2 id={`${test}-title`} className="text-lg font-semibold">{title}</h2>
            <button type="button" aria-label={t('common.close')} onClick={onClose}
              className="rounded px-2 text-xl leading-none hover:bg-slate-100">×</button>
          </header>
          {children}
        </div>
      ) : null}
    </dialog>
  );
}


export function StatusBadge({ status }: { status: string }) {
  const { i18n } = useTranslation();
  return (
    <span data-test="lead-status" data-status={status} className={`inline-block rounded px-1.5 py-0.5 text-xs font-semibold ${statusTone(status)}`}>
      {tMaybe(i18n, `leadStatus.${status}`) ?? status}
    </span>
  );
}
