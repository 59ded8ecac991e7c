// The admin audit log (/admin/audit; users.manage or permissions.manage):
// every change to campaigns, products, memberships, users and permissions,
// newest first, filtered by table, by who and by date, fifty at a time
// (keyset on changed_at, id: "more" costs the same at any depth). Each row
// opens its before/after, field by field. Hooks: admin-audit, audit-table,
// audit-filter-table, audit-filter-who, audit-filter-from, audit-filter-to,
// audit-row (data-table, data-operation), audit-diff, audit-more.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { listProfiles } from '../../../data/admin';
import { AUDIT_PAGE, listAudit, type AuditFilter, type AuditRow } from '../../../data/audit';
import { formatDateTime } from '../../../i18n/format';
import { useAuth } from '../../auth/auth-context';
import { tMaybe } from '../../i18n';
import { usePermission } from '../../permissions';
import { PROFILES_KEY } from './AdminUsers';
import { CARD, CONTROL, LIGHT, MUTED, Page, TD, TH, useListStatus } from './admin-ui';
import { LABEL } from './form-ui';
import { auditDiff } from './users-logic';

const TABLES = [
  'campaigns', 'campaign_members', 'campaign_products', 'products', 'profiles', 'role_permissions', 'permissions', 'account_requests',
] as const;

/** A day (yyyy-mm-dd, local) as the start of that day in ISO; `next` for the day after. */
function dayStart(day: string, next = false): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const d = new Date(`${day}T00:00:00`);
  if (next) d.setDate(d.getDate() + 1);
  return d.toISOString();
}

function Diff({ row }: { row: AuditRow }) {
  const { t } = useTranslation();
  const lines = auditDiff(row.old_values, row.new_values, row.operation === 'update' ? row.changed_fields : []);
  return (
    <table data-test="audit-diff" className="w-full border-collapse text-xs">
      <thead>
        <tr>
          <th scope="col" className={TH}>{t('backoffice.audit.field')}</th>
          <th scope="col" className={TH}>{t('backoffice.audit.before')}</th>
          <th scope="col" className={TH}>{t('backoffice.audit.after')}</th>
        </tr>
      </thead>
      <tbody>
        {lines.map((l) => (
          <tr key={l.field}>
            <th scope="row" className={`${TD} text-left font-mono font-semibold`}>{l.field}</th>
            <td className={`${TD} font-mono break-all text-red-800`}>{l.before}</td>
            <td className={`${TD} font-mono break-all text-green-800`}>{l.after}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AuditLog() {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const [filter, setFilter] = useState<{ table: string; who: string; from: string; to: string }>({ table: '', who: '', from: '', to: '' });
  const [open, setOpen] = useState<number | null>(null);
  const canListUsers = usePermission('users.manage') === true;
  const users = useQuery({ queryKey: PROFILES_KEY, queryFn: () => listProfiles(supabase), enabled: canListUsers });
  const names = new Map((users.data ?? []).map((u) => [u.id, u.full_name || u.email]));
  const applied: AuditFilter = {
    table: filter.table || undefined,
    changedBy: filter.who || undefined,
    from: dayStart(filter.from),
    to: dayStart(filter.to, true),
  };
  const pages = useInfiniteQuery({
    queryKey: ['admin', 'audit', applied],
    queryFn: ({ pageParam }) => listAudit(supabase, applied, pageParam),
    initialPageParam: null as { changedAt: string; id: number } | null,
    getNextPageParam: (last) => {
      const tail = last.at(-1);
      return last.length === AUDIT_PAGE && tail ? { changedAt: tail.changed_at, id: tail.id } : undefined;
    },
  });
  const rows = pages.data?.pages.flat() ?? [];
  const status = useListStatus(pages);
  const set = (key: keyof typeof filter) => (e: { target: { value: string } }) => { setFilter((f) => ({ ...f, [key]: e.target.value })); };
  const who = (row: AuditRow) => (row.changed_by ? names.get(row.changed_by) ?? row.changed_by.slice(0, 8) : t(`backoffice.audit.actor.${row.actor}` as 'backoffice.audit.actor.system'));
  return (
    <Page id="admin-audit" title={t('backoffice.audit.title')} subtitle={t('backoffice.audit.subtitle')}>
      <form className={`${CARD} flex flex-wrap items-end gap-3 p-3`} onSubmit={(e) => { e.preventDefault(); }} aria-label={t('backoffice.audit.filters')}>
        <div>
          <label htmlFor="audit-filter-table" className={LABEL}>{t('backoffice.audit.table')}</label>
          <select id="audit-filter-table" data-test="audit-filter-table" className={CONTROL} value={filter.table} onChange={set('table')}>
            <option value="">{t('backoffice.audit.allTables')}</option>
            {TABLES.map((tb) => <option key={tb} value={tb}>{tMaybe(i18n, `backoffice.audit.tableName.${tb}`) ?? tb}</option>)}
          </select>
        </div>
        {canListUsers ? (
          <div>
            <label htmlFor="audit-filter-who" className={LABEL}>{t('backoffice.audit.who')}</label>
            <select id="audit-filter-who" data-test="audit-filter-who" className={CONTROL} value={filter.who} onChange={set('who')}>
              <option value="">{t('backoffice.audit.anyone')}</option>
              {(users.data ?? []).filter((u) => u.role !== 'agent').map((u) => <option key={u.id} value={u.id}>{u.full_name || u.email}</option>)}
            </select>
          </div>
        ) : null}
        <div>
          <label htmlFor="audit-filter-from" className={LABEL}>{t('backoffice.audit.from')}</label>
          <input id="audit-filter-from" data-test="audit-filter-from" type="date" className={CONTROL} value={filter.from} onChange={set('from')} />
        </div>
        <div>
          <label htmlFor="audit-filter-to" className={LABEL}>{t('backoffice.audit.to')}</label>
          <input id="audit-filter-to" data-test="audit-filter-to" type="date" className={CONTROL} value={filter.to} onChange={set('to')} />
        </div>
      </form>
      <section className={`${CARD} overflow-x-auto`}>
        <table data-test="audit-table" className="w-full border-collapse text-sm">
          <thead>
            <tr>
              <th scope="col" className={TH}>{t('backoffice.audit.when')}</th>
              <th scope="col" className={TH}>{t('backoffice.audit.who')}</th>
              <th scope="col" className={TH}>{t('backoffice.audit.table')}</th>
              <th scope="col" className={TH}>{t('backoffice.audit.operation')}</th>
              <th scope="col" className={TH}>{t('backoffice.audit.record')}</th>
              <th scope="col" className={TH}>{t('backoffice.audit.fields')}</th>
            </tr>
          </thead>
          <tbody>
            {status !== null ? (
              <tr><td colSpan={6} className="px-3 py-6 text-center text-slate-600">{status}</td></tr>
            ) : rows.length === 0 ? (
              <tr><td colSpan={6} className="px-3 py-6 text-center text-slate-600">{t('backoffice.audit.empty')}</td></tr>
            ) : rows.map((r) => (
              <Fragment key={r.id}>
                <tr data-test="audit-row" data-table={r.table_name} data-operation={r.operation} data-audit-id={String(r.id)} className="hover:bg-slate-50">
                  <td className={`${TD} whitespace-nowrap`}>{formatDateTime(r.changed_at, i18n.language)}</td>
                  <td className={TD}>{who(r)}</td>
                  <td className={`${TD} font-mono`}>{r.table_name}</td>
                  <td className={TD}>{tMaybe(i18n, `backoffice.audit.op.${r.operation}`) ?? r.operation}</td>
                  <td className={`${TD} font-mono text-xs break-all`}>{JSON.stringify(r.record_key)}</td>
                  <td className={TD}>
                    <button type="button" data-test="audit-open" className={LIGHT} aria-expanded={open === r.id}
                      onClick={() => { setOpen(open === r.id ? null : r.id); }}>
                      {r.operation === 'update' ? r.changed_fields.join(', ') || '—' : t('backoffice.audit.show')}
                    </button>
                  </td>
                </tr>
                {open === r.id ? (
                  <tr><td colSpan={6} className="bg-slate-50 px-3 py-2"><Diff row={r} /></td></tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      </section>
      <div className="flex items-center gap-3">
        {pages.hasNextPage ? (
          <button type="button" data-test="audit-more" className={LIGHT} disabled={pages.isFetchingNextPage}
            onClick={() => { void pages.fetchNextPage(); }}>{t('backoffice.audit.more')}</button>
        ) : null}
        <span className={MUTED}>{t('backoffice.audit.count', { count: String(rows.length) })}</span>
      </div>
    </Page>
  );
}
