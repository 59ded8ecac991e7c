// The wrap-up after a call: disposition (required), notes, and the callback
// time (required for a callback disposition, in the campaign's calling
// hours). Ctrl+Enter saves from anywhere in the form. Hooks: wrap-up-form,
// wrap-up-outcome (data-outcome), wrap-up-recovered, wrap-up-disposition,
// wrap-up-notes, wrap-up-callback, wrap-up-callback-hint, wrap-up-error,
// wrap-up-submit.

import { zodResolver } from '@hookform/resolvers/zod';
import { useEffect, useMemo, useState } from 'react';
import { useForm, useWatch } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import type { WrapUp } from '../../../desk/agent-desk';
import { formatDuration, formatTime, toDateTimeLocalValue } from '../../../i18n/format';
import { describeError } from '../../errors';
import { tMaybe } from '../../i18n';
import type { DispositionRow, LeadInHand } from './desk-data';

export const FIELD = 'mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 '
  + 'focus:border-brand focus:outline-2 focus:outline-brand/30 aria-invalid:border-red-700 disabled:bg-slate-100 disabled:text-slate-500';
export const LABEL = 'block text-sm font-semibold text-slate-800';

/**
 * The form's rules; messages are i18n keys (desk.error.*), as the desk
 * machine would refuse the same wrap-up.
 */
export function wrapUpSchema(effectOf: (code: string) => string | null, now: () => number = Date.now) {
  return z.object({
    disposition: z.string().min(1, 'desk.error.disposition_required'),
    notes: z.string().max(2000),
    // A disabled field (no callback needed) submits no value.
    callbackAt: z.string().optional(),
  }).superRefine((form, ctx) => {
    const needed = effectOf(form.disposition) === 'callback';
    if (!form.callbackAt) {
      if (needed) ctx.addIssue({ code: 'custom', path: ['callbackAt'], message: 'desk.error.callback_required' });
      return;
    }
    const when = new Date(form.callbackAt).getTime();
    if (Number.isNaN(when)) ctx.addIssue({ code: 'custom', path: ['callbackAt'], message: 'desk.error.callback_invalid' });
    else if (when <= now()) ctx.addIssue({ code: 'custom', path: ['callbackAt'], message: 'desk.error.callback_past' });
  });
}

type WrapUpFields = z.input<ReturnType<typeof wrapUpSchema>>;

/** In one hour, on a five-minute mark: the callback time offered by default. */
function inOneHour(): string {
  const at = new Date(Date.now() + 3600_000);
  at.setMinutes(Math.ceil(at.getMinutes() / 5) * 5, 0, 0);
  return toDateTimeLocalValue(at);
}

interface WrapUpFormProps {
  wrapUp: WrapUp;
  lead: LeadInHand | null;
  dispositions: readonly DispositionRow[];
  submit: (form: { disposition: string; notes: string; callbackAt: Date | null }) => Promise<void>;
  onDone: () => void;
}

export function WrapUpForm({ wrapUp, lead, dispositions, submit, onDone }: WrapUpFormProps) {
  const { t, i18n } = useTranslation();
  const [failure, setFailure] = useState<unknown>(null);
  const allowed = lead?.campaign?.allowed_dispositions;
  const options = useMemo(
    () => dispositions.filter((d) => !allowed?.length || allowed.includes(d.code)),
    [dispositions, allowed],
  );
  const effectOf = (code: string) => options.find((d) => d.code === code)?.effect ?? null;
  const suggested = options.some((d) => d.code === wrapUp.suggestedDisposition) ? wrapUp.suggestedDisposition ?? '' : '';
  const { register, handleSubmit, setValue, setFocus, control, formState: { errors, isSubmitting } } = useForm<WrapUpFields>({
    resolver: zodResolver(wrapUpSchema(effectOf)),
    defaultValues: { disposition: suggested, notes: '', callbackAt: '' },
  });
  const disposition = useWatch({ control, name: 'disposition' });
  const callbackAt = useWatch({ control, name: 'callbackAt' });
  const needsCallback = effectOf(disposition) === 'callback';

  // A callback disposition offers a time in an hour; any other clears it.
  useEffect(() => {
    if (needsCallback && !callbackAt) setValue('callbackAt', inOneHour());
    if (!needsCallback && callbackAt) setValue('callbackAt', '');
  }, [needsCallback, callbackAt, setValue]);

  // The agent's hands go to the disposition when the call ends.
  useEffect(() => { setFocus('disposition'); }, [setFocus]);

  const onSubmit = handleSubmit(async (form) => {
    setFailure(null);
    try {
      await submit({ disposition: form.disposition, notes: form.notes, callbackAt: form.callbackAt ? new Date(form.callbackAt) : null });
      onDone();
    } catch (err) {
      setFailure(err);
    }
  }, (invalid) => {
    setFailure(null);
    if (invalid.disposition) setFocus('disposition');
    else if (invalid.callbackAt) setFocus('callbackAt');
  });

  const fieldError = errors.disposition?.message ?? errors.callbackAt?.message ?? errors.notes?.message;
  const errorText = fieldError ? (tMaybe(i18n, fieldError) ?? fieldError) : failure ? describeError(i18n, failure) : null;
  const outcomeText = wrapUp.answered
    ? t('wrapUp.answered', { duration: formatDuration(wrapUp.talkSeconds) })
    : (tMaybe(i18n, `outcome.${wrapUp.outcome ?? ''}`) ?? wrapUp.outcome ?? '');
  const hint = needsCallback && lead?.campaign ? t('wrapUp.callbackHours', {
    from: lead.campaign.calling_hours_start.slice(0, 5),
    to: lead.campaign.calling_hours_end.slice(0, 5),
    zone: lead.time_zone,
    now: formatTime(new Date(), i18n.language, lead.time_zone),
  }) : '';

  return (
    <form id="wrap-up-form" data-test="wrap-up-form" noValidate aria-labelledby="wrap-up-title"
      onSubmit={(e) => { void onSubmit(e); }}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          void onSubmit();
        }
      }}
      className="flex flex-col gap-3 rounded-xl border-2 border-brand/40 bg-white p-4 shadow-sm">
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="wrap-up-title" className="text-base font-semibold">{t('wrapUp.title')}</h2>
        <span data-test="wrap-up-outcome" data-outcome={wrapUp.outcome ?? ''}
          className={`rounded px-2 py-0.5 text-xs font-semibold ${wrapUp.answered ? 'bg-emerald-100 text-emerald-800' : 'bg-amber-100 text-amber-900'}`}>
          {outcomeText}
        </span>
      </header>
      {wrapUp.recovered ? (
        <p data-test="wrap-up-recovered" className="rounded-md border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900">{t('wrapUp.recovered')}</p>
      ) : null}
      <div>
        <label htmlFor="wrap-up-disposition" className={LABEL}>{t('wrapUp.disposition')} <span aria-hidden="true" className="text-red-700">*</span></label>
        <select id="wrap-up-disposition" data-test="wrap-up-disposition" aria-required="true"
          aria-invalid={errors.disposition ? true : undefined} aria-describedby={errors.disposition ? 'wrap-up-error' : undefined}
          className={FIELD} {...register('disposition')}>
          <option value="">{t('wrapUp.choose')}</option>
          {options.map((d) => (
            <option key={d.code} value={d.code} data-effect={d.effect}>{i18n.language === 'en' ? d.label_en : d.label_es}</option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="wrap-up-notes" className={LABEL}>{t('wrapUp.notes')}</label>
        <textarea id="wrap-up-notes" data-test="wrap-up-notes" rows={3} maxLength={2000}
          placeholder={t('wrapUp.notesPlaceholder')} className={FIELD} {...register('notes')} />
      </div>
      <div id="wrap-up-callback-field">
        <label htmlFor="wrap-up-callback" className={LABEL}>
          {t('wrapUp.callbackAt')} {needsCallback ? <span aria-hidden="true" className="text-red-700">*</span> : null}
        </label>
        <input id="wrap-up-callback" data-test="wrap-up-callback" type="datetime-local" step={300}
          min={toDateTimeLocalValue(new Date())} disabled={!needsCallback} aria-required={needsCallback}
          aria-invalid={errors.callbackAt ? true : undefined} aria-describedby="wrap-up-callback-hint"
          className={FIELD} {...register('callbackAt')} />
        <small id="wrap-up-callback-hint" data-test="wrap-up-callback-hint" className="mt-1 block text-xs text-slate-600">{hint}</small>
      </div>
      {errorText ? (
        <p id="wrap-up-error" data-test="wrap-up-error" role="alert" className="text-sm font-medium text-red-700">{errorText}</p>
      ) : null}
      <button id="wrap-up-submit" data-test="wrap-up-submit" type="submit" disabled={isSubmitting}
        className="rounded-lg bg-brand px-4 py-2.5 font-semibold text-white hover:bg-brand-hover focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand disabled:opacity-60">
        ✓ {t('wrapUp.submit')}
      </button>
      <p className="text-xs text-slate-600">{t('wrapUp.shortcut')}</p>
    </form>
  );
}
