// The permission matrix (/admin/permissions, permissions.manage): one row
// per permission, one checkbox per role; ticking inserts the role_permissions
// row, unticking deletes it. has_permission reads the table on every call, so
// a change holds from the next request; the Realtime feed (permission-feed)
// makes open screens, this one included, ask again at once. The database
// refuses taking permissions.manage or users.manage from admins: its words
// are shown and the box goes back. Hooks: admin-permissions,
// permissions-table, permission-row (data-permission), grant (data-role,
// data-permission), permissions-error.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { grantKey, listGrants, listPermissionKeys, setGrant, type Role } from '../../../data/permissions';
import { useAuth } from '../../auth/auth-context';
import { tMaybe } from '../../i18n';
import { CARD, MUTED, Page, TD, TH, useListStatus, useSaveToasts } from './admin-ui';
import { Refusal } from './form-ui';

const ROLES: readonly Role[] = ['admin', 'supervisor', 'agent'];
export const GRANTS_KEY = ['admin', 'grants'] as const;

export function PermissionMatrix() {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const queryClient = useQueryClient();
  const toasts = useSaveToasts();
  const keys = useQuery({ queryKey: ['admin', 'permission-keys'], queryFn: () => listPermissionKeys(supabase) });
  const grants = useQuery({ queryKey: GRANTS_KEY, queryFn: () => listGrants(supabase) });
  // A box shows its new state at once (the click's own render), until the grants are read again.
  const [shown, setShown] = useState<Readonly<Record<string, boolean>>>({});
  const change = useMutation({
    mutationFn: ({ role, permission, granted }: { role: Role; permission: string; granted: boolean }) =>
      setGrant(supabase, role, permission, granted),
    onSuccess: toasts.onSuccess,
    onError: toasts.onError,
    onSettled: async (_data, _error, { role, permission }) => {
      await queryClient.invalidateQueries({ queryKey: GRANTS_KEY });
      setShown((old) => Object.fromEntries(Object.entries(old).filter(([k]) => k !== grantKey(role, permission))));
      // This admin's own rights may have changed too.
      await queryClient.invalidateQueries({ queryKey: ['permission'] });
    },
  });
  const status = useListStatus({ isPending: keys.isPending || grants.isPending, error: keys.error ?? grants.error });
  const held = grants.data ?? new Set<string>();
  const isOn = (role: Role, permission: string) => shown[grantKey(role, permission)] ?? held.has(grantKey(role, permission));
  return (
    <Page id="admin-permissions" title={t('backoffice.permissions.title')} subtitle={t('backoffice.permissions.subtitle')}>
      <Refusal error={change.error} test="permissions-error" />
      <section className={`${CARD} overflow-x-auto`}>
        <table data-test="permissions-table" className="w-full border-collapse text-sm">
          <caption className="sr-only">{t('backoffice.permissions.title')}</caption>
          <thead>
            <tr>
              <th scope="col" className={TH}>{t('backoffice.permissions.permission')}</th>
              {ROLES.map((r) => <th key={r} scope="col" className={`${TH} text-center`}>{t(`role.${r}`)}</th>)}
            </tr>
          </thead>
          <tbody>
            {status !== null ? (
              <tr><td colSpan={ROLES.length + 1} className="px-3 py-6 text-center text-slate-600">{status}</td></tr>
            ) : (keys.data ?? []).map((p) => (
              <tr key={p.key} data-test="permission-row" data-permission={p.key} className="hover:bg-slate-50">
                <th scope="row" className={`${TD} text-left font-normal`}>
                  <span className="font-mono text-sm font-semibold">{p.key}</span>
                  <div className={MUTED}>{tMaybe(i18n, `backoffice.permission.${p.key}`) ?? p.description}</div>
                </th>
                {ROLES.map((r) => (
                  <td key={r} className={`${TD} text-center`}>
                    <input type="checkbox" data-test="grant" data-role={r} data-permission={p.key} className="size-4"
                      aria-label={t('backoffice.permissions.grant', { role: t(`role.${r}`), permission: p.key })}
                      checked={isOn(r, p.key)} disabled={change.isPending}
                      onChange={(e) => {
                        const granted = e.target.checked;
                        setShown((old) => ({ ...old, [grantKey(r, p.key)]: granted }));
                        change.mutate({ role: r, permission: p.key, granted });
                      }} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Page>
  );
}
