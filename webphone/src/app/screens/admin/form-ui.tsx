// What the back office's forms share: a labelled field with its error
// (the message, an i18n key, names the field), a fieldset section, and the
// database's refusal shown under a form.
import type { ReactNode } from 'react';
import type { FieldError } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../errors';
import { tMaybe } from '../../i18n';
import { CARD } from './admin-ui';

export const INPUT = 'mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 '
  + 'focus:border-brand focus:outline-2 focus:outline-brand/30 aria-invalid:border-red-700 disabled:bg-slate-100 disabled:text-slate-600';
export const LABEL = 'block text-sm font-semibold text-slate-800';
export const HINT = 'mt-1 block text-xs text-slate-600';

/** An error message as shown: an i18n key translated, else the text as is. */
export function useErrorText(error: { message?: string } | undefined): string | null {
  const { i18n } = useTranslation();
  const message = error?.message;
  if (!message) return null;
  return tMaybe(i18n, message) ?? message;
}

/** aria-invalid and aria-describedby for a control with an error. */
export function invalidProps(id: string, error: FieldError | undefined) {
  return error ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } as const : {};
}

export function Field({ id, label, hint, error, required, children }: {
  id: string; label: string; hint?: string; error?: { message?: string }; required?: boolean; children: ReactNode;
}) {
  const text = useErrorText(error);
  return (
    <div>
      <label htmlFor={id} className={LABEL}>
        {label}{required ? <span aria-hidden="true" className="text-red-700"> *</span> : null}
      </label>
      {children}
      {hint ? <small className={HINT}>{hint}</small> : null}
      {text ? <p id={`${id}-error`} data-test="field-error" data-field={id} className="mt-1 text-sm font-medium text-red-700">{text}</p> : null}
    </div>
  );
}

export function Section({ title, test, children }: { title: string; test: string; children: ReactNode }) {
  return (
    <fieldset data-test={test} className={`${CARD} grid min-w-0 grid-cols-1 gap-4 p-4 md:grid-cols-2`}>
      <legend className="float-left mb-1 w-full text-base font-semibold md:col-span-2">{title}</legend>
      {children}
    </fieldset>
  );
}

/** The database's refusal of a save (its message names the field). */
export function Refusal({ error, test }: { error: unknown; test: string }) {
  const { i18n } = useTranslation();
  if (!error) return null;
  return <p data-test={test} role="alert" className="text-sm font-medium text-red-700">{describeError(i18n, error)}</p>;
}
