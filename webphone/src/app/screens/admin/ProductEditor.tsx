// A product (/admin/products/new, /admin/products/:id; products.manage):
// code, name, line, premium, currency, frequency, coverage, and what a sale
// of it must capture; retired (active = false) and put back on sale from
// here too. The form checks what it can (messages name the field); the
// database's refusal is shown under it. Hooks: product-editor, product-form,
// product-<field>, product-requirement (data-key), product-save,
// product-retire, product-error.
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { createProduct, getProduct, setProductActive, updateProduct, type ProductFull } from '../../../data/admin';
import { useAuth } from '../../auth/auth-context';
import { Loading } from '../../components/ScreenGate';
import { tMaybe } from '../../i18n';
import { PRODUCTS_KEY } from './AdminProducts';
import { DANGER, LIGHT, Page, PRIMARY } from './admin-ui';
import { Field, INPUT, invalidProps, LABEL, Refusal, Section } from './form-ui';
import {
  FREQUENCIES, LINES, NEW_PRODUCT, productSchema, SALE_REQUIREMENTS, toProductForm, toProductRow, type ProductForm,
} from './product-logic';

const productKey = (id: string) => ['admin', 'product', id] as const;

function ProductFormView({ product }: { product: ProductFull | null }) {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const defaults = useMemo(() => (product ? toProductForm(product) : NEW_PRODUCT), [product]);
  const { register, handleSubmit, reset, setFocus, formState: { errors, isDirty } } = useForm<ProductForm>({
    resolver: zodResolver(productSchema),
    defaultValues: defaults,
  });
  useEffect(() => { reset(defaults); }, [defaults, reset]);
  const refresh = async (id: string) => {
    await queryClient.invalidateQueries({ queryKey: PRODUCTS_KEY });
    await queryClient.invalidateQueries({ queryKey: productKey(id) });
  };
  const save = useMutation({
    mutationFn: async (form: ProductForm) => {
      const row = toProductRow(productSchema.parse(form));
      if (!product) return createProduct(supabase, row);
      await updateProduct(supabase, product.id, row);
      return product.id;
    },
    onSuccess: async (id) => {
      await refresh(id);
      if (!product) void navigate(`/admin/products/${id}`, { replace: true });
    },
  });
  const retire = useMutation({
    mutationFn: (active: boolean) => setProductActive(supabase, product?.id ?? '', active),
    onSettled: () => refresh(product?.id ?? ''),
  });
  const onSubmit = handleSubmit((form) => { save.mutate(form); }, (invalid) => {
    const first = Object.keys(invalid)[0];
    if (first && first !== 'saleRequirements') setFocus(first as keyof ProductForm);
  });
  const id = (name: string) => `product-${name}`;
  const props = (name: keyof ProductForm) => ({
    id: id(name), 'data-test': id(name), className: INPUT, ...invalidProps(id(name), errors[name] as never),
  });
  return (
    <form data-test="product-form" noValidate onSubmit={(e) => { void onSubmit(e); }} className="flex flex-col gap-4">
      {product && !product.active ? (
        <p data-test="product-retired" role="note" className="rounded-md bg-amber-100 px-3 py-2 text-sm">{t('backoffice.product.retiredNote')}</p>
      ) : null}
      <Section title={t('backoffice.product.general')} test="product-general">
        <Field id={id('code')} label={t('admin.products.code')} error={errors.code} hint={t('backoffice.product.codeHint')} required>
          <input type="text" maxLength={32} aria-required="true" autoComplete="off" {...props('code')} {...register('code')} />
        </Field>
        <Field id={id('name')} label={t('admin.products.name')} error={errors.name} required>
          <input type="text" maxLength={200} aria-required="true" {...props('name')} {...register('name')} />
        </Field>
        <Field id={id('line')} label={t('admin.products.line')}>
          <select {...props('line')} {...register('line')}>
            {LINES.map((l) => <option key={l} value={l}>{tMaybe(i18n, `line.${l}`) ?? l}</option>)}
          </select>
        </Field>
        <div className="md:col-span-2">
          <Field id={id('description')} label={t('backoffice.product.description')} error={errors.description}>
            <textarea rows={2} maxLength={4000} {...props('description')} {...register('description')} />
          </Field>
        </div>
      </Section>
      <Section title={t('backoffice.product.price')} test="product-price">
        <Field id={id('premium')} label={t('admin.products.premium')} error={errors.premium} required>
          <input type="text" inputMode="decimal" aria-required="true" {...props('premium')} {...register('premium')} />
        </Field>
        <Field id={id('currency')} label={t('backoffice.product.currency')} error={errors.currency}>
          <input type="text" maxLength={3} autoComplete="off" {...props('currency')} {...register('currency')} />
        </Field>
        <Field id={id('frequency')} label={t('backoffice.product.frequency')}>
          <select {...props('frequency')} {...register('frequency')}>
            {FREQUENCIES.map((f) => <option key={f} value={f}>{tMaybe(i18n, `frequency.${f}`) ?? f}</option>)}
          </select>
        </Field>
        <Field id={id('coverageAmount')} label={t('admin.products.coverage')} error={errors.coverageAmount}>
          <input type="text" inputMode="decimal" {...props('coverageAmount')} {...register('coverageAmount')} />
        </Field>
        <div className="md:col-span-2">
          <Field id={id('coverageSummary')} label={t('backoffice.product.coverageSummary')} error={errors.coverageSummary}>
            <textarea rows={2} maxLength={4000} {...props('coverageSummary')} {...register('coverageSummary')} />
          </Field>
        </div>
      </Section>
      <Section title={t('backoffice.product.requirements')} test="product-requirements">
        <div className="md:col-span-2" role="group" aria-labelledby="product-requirements-label">
          <span id="product-requirements-label" className={LABEL}>{t('backoffice.product.requirementsHint')}</span>
          <div className="mt-1 grid grid-cols-1 gap-1 sm:grid-cols-2">
            {SALE_REQUIREMENTS.map((r) => (
              <label key={r} className="flex items-center gap-2 text-sm">
                <input type="checkbox" value={r} data-test="product-requirement" data-key={r} {...register('saleRequirements')} />
                {tMaybe(i18n, `backoffice.requirement.${r}`) ?? r}
              </label>
            ))}
          </div>
        </div>
      </Section>
      <Refusal error={save.error ?? retire.error} test="product-error" />
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" data-test="product-save" className={PRIMARY} disabled={save.isPending}>
          {product ? t('backoffice.save') : t('backoffice.product.create')}
        </button>
        {product ? (
          <button type="button" data-test="product-retire" className={product.active ? DANGER : LIGHT} disabled={retire.isPending}
            onClick={() => { retire.mutate(!product.active); }}>
            {product.active ? t('backoffice.product.retire') : t('backoffice.product.unretire')}
          </button>
        ) : null}
        {save.isSuccess && !isDirty ? <span role="status" data-test="product-saved" className="text-sm text-green-800">{t('admin.saved')}</span> : null}
      </div>
    </form>
  );
}

export function ProductEditor() {
  const { t } = useTranslation();
  const { supabase } = useAuth();
  const { productId } = useParams();
  const isNew = productId === undefined || productId === 'new';
  const query = useQuery({ queryKey: productKey(productId ?? 'new'), queryFn: () => getProduct(supabase, productId ?? ''), enabled: !isNew });
  const product = query.data ?? null;
  let body;
  if (!isNew && query.isPending) body = <Loading />;
  else if (!isNew && (query.error || !product)) body = <Refusal error={query.error ?? new Error(t('backoffice.product.notFound'))} test="product-error" />;
  else body = <ProductFormView product={product} />;
  return (
    <Page id="product-editor" title={isNew ? t('backoffice.product.newTitle') : (product?.name ?? t('admin.products.title'))}
      subtitle={t('backoffice.product.subtitle')}>
      <Link to="/admin/products" data-test="product-back" className="self-start text-sm font-semibold text-brand underline">{t('backoffice.product.back')}</Link>
      {body}
    </Page>
  );
}
