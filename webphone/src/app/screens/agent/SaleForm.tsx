// Register a sale on the lead in hand: product, premium, policy number. The
// sale is pending until a supervisor validates it. Hooks: sale-card,
// sale-toggle, sale-form, sale-product, sale-product-info, sale-premium,
// sale-currency, sale-policy, sale-notes, sale-error, sale-submit,
// sale-no-products.

import { zodResolver } from '@hookform/resolvers/zod';
import { useState } from 'react';
import { useForm, useWatch } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { formatCurrency } from '../../../i18n/format';
import { describeError } from '../../errors';
import { tMaybe } from '../../i18n';
import type { LeadInHand, ProductRow } from './desk-data';
import { FIELD, LABEL } from './WrapUpForm';

const POLICY = /^[A-Za-z0-9][A-Za-z0-9/-]{2,39}$/;

// Messages are i18n keys, translated when shown.
export const saleSchema = z.object({
  productId: z.string().min(1, 'desk.error.product_required'),
  premium: z.string().refine((v) => Number(v) > 0, 'desk.error.premium_invalid'),
  policyNumber: z.string().trim().refine((v) => !v || POLICY.test(v), 'sale.policyInvalid'),
  notes: z.string().max(500),
});
type SaleFields = z.input<typeof saleSchema>;

const EMPTY: SaleFields = { productId: '', premium: '', policyNumber: '', notes: '' };

interface SaleFormProps {
  lead: LeadInHand;
  products: readonly ProductRow[];
  register: (sale: { productId: string; premium: string; policyNumber: string; notes: string }) => Promise<unknown>;
  onSaved: () => void;
}

export function SaleForm({ lead, products, register: registerSale, onSaved }: SaleFormProps) {
  const { t, i18n } = useTranslation();
  const [failure, setFailure] = useState<unknown>(null);
  const forCampaign = products.filter((p) => p.campaign_ids.includes(lead.campaign_id));
  const { register, handleSubmit, setValue, setFocus, reset, control, formState: { errors, isSubmitting } } = useForm<SaleFields>({
    resolver: zodResolver(saleSchema),
    defaultValues: EMPTY,
  });
  const productId = useWatch({ control, name: 'productId' });
  const product = forCampaign.find((p) => p.id === productId) ?? null;

  const onSubmit = handleSubmit(async (form) => {
    setFailure(null);
    try {
      await registerSale(form);
      reset(EMPTY);
      onSaved();
    } catch (err) {
      setFailure(err);
    }
  }, (invalid) => {
    setFailure(null);
    const first = (['productId', 'premium', 'policyNumber'] as const).find((k) => invalid[k]);
    if (first) setFocus(first);
  });

  const fieldError = errors.productId?.message ?? errors.premium?.message ?? errors.policyNumber?.message ?? errors.notes?.message;
  const errorText = fieldError ? (tMaybe(i18n, fieldError) ?? fieldError) : failure ? describeError(i18n, failure) : null;
  const invalid = (name: keyof SaleFields) => (errors[name] ? { 'aria-invalid': true, 'aria-describedby': 'sale-error' } as const : {});

  return (
    <details id="sale-card" data-test="sale-card" className="group rounded-xl border border-slate-200 bg-white shadow-sm">
      <summary data-test="sale-toggle"
        className="flex cursor-pointer list-none items-center justify-between gap-2 rounded-xl p-4 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-brand">
        <span className="text-base font-semibold"><span aria-hidden="true">€ </span>{t('sale.title')}</span>
        <span className="text-xs text-slate-600">{t('sale.shortcut')}</span>
      </summary>
      {forCampaign.length === 0 ? (
        <p data-test="sale-no-products" className="px-4 pb-4 text-sm text-slate-600">{t('sale.noProducts')}</p>
      ) : (
        <form id="sale-form" data-test="sale-form" noValidate onSubmit={(e) => { void onSubmit(e); }}
          className="flex flex-col gap-3 px-4 pb-4">
          <div>
            <label htmlFor="sale-product" className={LABEL}>{t('sale.product')} <span aria-hidden="true" className="text-red-700">*</span></label>
            <select id="sale-product" data-test="sale-product" aria-required="true" className={FIELD} {...invalid('productId')}
              {...register('productId', {
                onChange: (e: { target: { value: string } }) => {
                  const chosen = forCampaign.find((p) => p.id === e.target.value);
                  if (chosen) setValue('premium', chosen.premium.toFixed(2));
                },
              })}>
              <option value="">{t('sale.chooseProduct')}</option>
              {forCampaign.map((p) => <option key={p.id} value={p.id}>{p.name} · {p.code}</option>)}
            </select>
            <p data-test="sale-product-info" className="mt-1 text-xs text-slate-600">
              {product ? [
                tMaybe(i18n, `line.${product.insurance_line}`) ?? product.insurance_line,
                t('sale.basePremium', { amount: formatCurrency(product.premium, product.currency, i18n.language) }),
                product.coverage_summary,
              ].filter(Boolean).join(' · ') : ''}
            </p>
          </div>
          <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
            <div>
              <label htmlFor="sale-premium" className={LABEL}>{t('sale.premium')} <span aria-hidden="true" className="text-red-700">*</span></label>
              <input id="sale-premium" data-test="sale-premium" type="number" min="0.01" step="0.01" inputMode="decimal"
                aria-required="true" className={FIELD} {...invalid('premium')} {...register('premium')} />
              <small data-test="sale-currency" className="mt-1 block text-xs text-slate-600">
                {product ? `${product.currency} / ${tMaybe(i18n, `frequency.${product.payment_frequency}`) ?? product.payment_frequency}` : ''}
              </small>
            </div>
            <div>
              <label htmlFor="sale-policy" className={LABEL}>{t('sale.policyNumber')}</label>
              <input id="sale-policy" data-test="sale-policy" type="text" maxLength={40} placeholder="POL-2026-000123"
                autoComplete="off" className={FIELD} {...invalid('policyNumber')} {...register('policyNumber')} />
            </div>
          </div>
          <div>
            <label htmlFor="sale-notes" className={LABEL}>{t('sale.notes')}</label>
            <input id="sale-notes" data-test="sale-notes" type="text" maxLength={500} className={FIELD} {...register('notes')} />
          </div>
          {errorText ? <p id="sale-error" data-test="sale-error" role="alert" className="text-sm font-medium text-red-700">{errorText}</p> : null}
          <button id="sale-submit" data-test="sale-submit" type="submit" disabled={isSubmitting}
            className="rounded-lg bg-emerald-700 px-4 py-2 font-semibold text-white hover:bg-emerald-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-700 disabled:opacity-60">
            {t('sale.submit')}
          </button>
        </form>
      )}
    </details>
  );
}
