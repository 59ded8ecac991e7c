// Products (products.manage): the insurance catalogue, active or not, each
// switched on or off inline (retired: no longer offered in the agents' sale
// form); a name opens the editor (/admin/products/:id), "new product"
// creates one.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createColumnHelper, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { setProductActive } from '../../../data/admin';
import { listProducts, type ProductRow } from '../../../data/catalog';
import { formatCurrency } from '../../../i18n/format';
import { useAuth } from '../../auth/auth-context';
import { tMaybe } from '../../i18n';
import { DataTable, MUTED, Page, PRIMARY, Switch, useListStatus, useSaveToasts } from './admin-ui';

export const PRODUCTS_KEY = ['admin', 'products'] as const;

function ActiveCell({ product }: { product: ProductRow }) {
  const { t } = useTranslation();
  const { supabase } = useAuth();
  const queryClient = useQueryClient();
  const toasts = useSaveToasts();
  const change = useMutation({
    mutationFn: (active: boolean) => setProductActive(supabase, product.id, active),
    onSuccess: (saved) => {
      queryClient.setQueryData<ProductRow[]>(PRODUCTS_KEY, (rows) => rows?.map((r) => (saved && r.id === saved.id ? { ...r, ...saved } : r)));
      toasts.onSuccess();
    },
    onError: toasts.onError,
    onSettled: () => queryClient.invalidateQueries({ queryKey: PRODUCTS_KEY }),
  });
  return (
    <Switch data-test="product-active" label={`${t('admin.products.active')}: ${product.name}`}
      checked={change.isPending ? change.variables : product.active} disabled={change.isPending}
      onChange={(e) => { change.mutate(e.target.checked); }} />
  );
}

const column = createColumnHelper<ProductRow>();

export function AdminProducts() {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const query = useQuery({ queryKey: PRODUCTS_KEY, queryFn: () => listProducts(supabase, { includeInactive: true }) });
  const status = useListStatus(query);
  const lang = i18n.language;
  const columns = useMemo(() => [
    column.accessor('code', { header: () => t('admin.products.code'), meta: { className: 'font-mono' } }),
    column.accessor('name', {
      header: () => t('admin.products.name'),
      cell: ({ row: { original: p } }) => (
        <>
          <Link to={`/admin/products/${p.id}`} data-test="product-open" className="font-semibold text-brand underline">{p.name}</Link>
          {p.coverage_summary && <div className={MUTED}>{p.coverage_summary}</div>}
        </>
      ),
    }),
    column.accessor('insurance_line', {
      header: () => t('admin.products.line'),
      cell: (c) => tMaybe(i18n, `line.${c.getValue()}`) ?? c.getValue(),
    }),
    column.accessor('premium', {
      header: () => t('admin.products.premium'),
      meta: { className: 'text-right tabular-nums' },
      cell: ({ row: { original: p } }) => (
        <>
          {formatCurrency(p.premium, p.currency, lang)}
          <div className={MUTED}>{tMaybe(i18n, `frequency.${p.payment_frequency}`) ?? p.payment_frequency}</div>
        </>
      ),
    }),
    column.accessor('coverage_amount', {
      header: () => t('admin.products.coverage'),
      meta: { className: 'text-right tabular-nums' },
      cell: ({ row: { original: p } }) => (p.coverage_amount ? formatCurrency(p.coverage_amount, p.currency, lang) : '—'),
    }),
    column.accessor('active', { header: () => t('admin.products.active'), cell: (c) => <ActiveCell product={c.row.original} /> }),
  ], [t, i18n, lang]);
  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Table: the compiler leaves this component alone
  const table = useReactTable({ data: query.data ?? [], columns, getCoreRowModel: getCoreRowModel(), getRowId: (p) => p.id });
  return (
    <Page id="admin-products" title={t('admin.products.title')} subtitle={t('admin.products.subtitle')}>
      <Link to="/admin/products/new" data-test="product-new" className={`${PRIMARY} self-start`}>{t('backoffice.product.new')}</Link>
      <DataTable table={table} test="products-table" status={status}
        rowAttrs={(p) => ({ 'data-test': 'product-row', 'data-product-id': p.id })} />
    </Page>
  );
}
