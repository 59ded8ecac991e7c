// Users and roles (users.manage): every profile with its role, SIP extension,
// language and whether it may sign in; role, extension and activity change
// inline. The database guards the columns
// (RLS, the profiles triggers); its refusals are toasted and the row goes
// back to what the server holds. Nobody changes their own role or activity.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createColumnHelper, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { listProfiles, updateProfile, type ProfilePatch, type ProfileRow } from '../../../data/admin';
import { useAuth, useProfile } from '../../auth/auth-context';
import type { Role } from '../../auth/profile';
import { CONTROL, DataTable, MUTED, Page, Switch, useListStatus, useSaveToasts } from './admin-ui';

const ROLES: readonly Role[] = ['agent', 'supervisor', 'admin'];
export const PROFILES_KEY = ['admin', 'profiles'] as const;

/** One change to one user: sent, then the list refetched; the control shows the change meanwhile. */
function useProfileChange(userId: string) {
  const { supabase } = useAuth();
  const queryClient = useQueryClient();
  const toasts = useSaveToasts();
  return useMutation({
    mutationFn: (patch: ProfilePatch) => updateProfile(supabase, userId, patch),
    onSuccess: (saved) => {
      queryClient.setQueryData<ProfileRow[]>(PROFILES_KEY, (rows) => rows?.map((r) => (saved && r.id === saved.id ? { ...r, ...saved } : r)));
      toasts.onSuccess();
    },
    onError: toasts.onError,
    onSettled: () => queryClient.invalidateQueries({ queryKey: PROFILES_KEY }),
  });
}

function RoleCell({ user, self }: { user: ProfileRow; self: boolean }) {
  const { t } = useTranslation();
  const change = useProfileChange(user.id);
  const value = change.isPending && change.variables.role ? change.variables.role : user.role;
  return (
    <select data-test="user-role" aria-label={`${t('admin.users.role')}: ${user.email}`} className={CONTROL}
      disabled={self || change.isPending} value={value}
      onChange={(e) => { change.mutate({ role: e.target.value as Role }); }}>
      {ROLES.map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
    </select>
  );
}

function ExtensionCell({ user }: { user: ProfileRow }) {
  const { t } = useTranslation();
  const change = useProfileChange(user.id);
  const input = useRef<HTMLInputElement>(null);
  const saved = user.sip_extension ?? '';
  // Sent when the field is left or Enter is pressed, if it changed (not on every key).
  const commit = () => {
    const typed = input.current?.value.trim() ?? '';
    if (typed === saved) return;
    change.mutate({ sip_extension: typed || null }, {
      // Refused: the field shows the extension the server holds again.
      onError: () => { if (input.current) input.current.value = saved; },
    });
  };
  return (
    <input key={saved} ref={input} type="text" inputMode="numeric" data-test="user-extension" defaultValue={saved}
      placeholder="—" pattern="[0-9]{3,6}" aria-label={`${t('admin.users.extension')}: ${user.email}`}
      className={`${CONTROL} w-24 font-mono`} disabled={change.isPending}
      onBlur={commit} onKeyDown={(e) => { if (e.key === 'Enter') commit(); }} />
  );
}

function ActiveCell({ user, self }: { user: ProfileRow; self: boolean }) {
  const { t } = useTranslation();
  const change = useProfileChange(user.id);
  const checked = change.isPending && change.variables.active !== undefined ? change.variables.active : user.active;
  return (
    <Switch data-test="user-active" label={`${t('admin.users.active')}: ${user.email}`} checked={checked}
      disabled={self || change.isPending} onChange={(e) => { change.mutate({ active: e.target.checked }); }} />
  );
}

const column = createColumnHelper<ProfileRow>();

export function AdminUsers() {
  const { t } = useTranslation();
  const { supabase } = useAuth();
  const me = useProfile().id;
  const query = useQuery({ queryKey: PROFILES_KEY, queryFn: () => listProfiles(supabase) });
  const status = useListStatus(query);
  const columns = useMemo(() => [
    column.accessor('full_name', { header: () => t('admin.users.name'), cell: (c) => c.getValue() || '—' }),
    column.accessor('email', { header: () => t('admin.users.email') }),
    column.accessor('role', { header: () => t('admin.users.role'), cell: (c) => <RoleCell user={c.row.original} self={c.row.original.id === me} /> }),
    column.accessor('sip_extension', { header: () => t('admin.users.extension'), cell: (c) => <ExtensionCell user={c.row.original} /> }),
    column.accessor('locale', { header: () => t('admin.users.language'), cell: (c) => <span className={MUTED}>{c.getValue().toUpperCase()}</span> }),
    column.accessor('active', { header: () => t('admin.users.active'), cell: (c) => <ActiveCell user={c.row.original} self={c.row.original.id === me} /> }),
  ], [t, me]);
  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Table: the compiler leaves this component alone
  const table = useReactTable({ data: query.data ?? [], columns, getCoreRowModel: getCoreRowModel(), getRowId: (u) => u.id });
  return (
    <Page id="admin-users" title={t('admin.users.title')} subtitle={t('admin.users.subtitle')}>
      <DataTable table={table} test="users-table" status={status}
        rowAttrs={(u) => ({ 'data-test': 'user-row', 'data-user-id': u.id })} />
    </Page>
  );
}
