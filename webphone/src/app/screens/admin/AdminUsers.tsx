// Users and roles (users.manage): every profile with its role, SIP extension,
// language and whether it may sign in; role and extension change inline,
// activity through rpc/deactivate_user and rpc/reactivate_user (the worker
// bans or unbans them in Auth). "Invitar usuario" queues an invitation, a
// user's "reset password" a one-time link, both followed live in the request
// panel; "campaigns" sets a user's campaigns (rpc/set_user_campaigns). The
// database guards everything (RLS, the profiles triggers, the RPCs); its
// refusals are toasted and the row goes back to what the server holds.
// Nobody changes their own role or activity.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createColumnHelper, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { accountAction, listUserCampaignIds, setUserCampaigns, type AccountRequest } from '../../../data/accounts';
import { listProfiles, updateProfile, type ProfilePatch, type ProfileRow } from '../../../data/admin';
import { listCampaigns } from '../../../data/catalog';
import { useAuth, useProfile } from '../../auth/auth-context';
import type { Role } from '../../auth/profile';
import { InviteUser, RequestStatus } from './AccountRequests';
import { CAMPAIGNS_KEY } from './AdminCampaigns';
import { CARD, CONTROL, DataTable, LIGHT, MUTED, Page, PRIMARY, Switch, useListStatus, useSaveToasts } from './admin-ui';

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

/** Deactivate or reactivate through the RPCs: the profile changes at once, the worker follows in Auth. */
function ActiveCell({ user, self, onRequest }: { user: ProfileRow; self: boolean; onRequest: (r: AccountRequest) => void }) {
  const { t } = useTranslation();
  const { supabase } = useAuth();
  const queryClient = useQueryClient();
  const toasts = useSaveToasts();
  const change = useMutation({
    mutationFn: (active: boolean) => accountAction(supabase, active ? 'reactivate_user' : 'deactivate_user', user.id),
    onSuccess: (request, active) => {
      queryClient.setQueryData<ProfileRow[]>(PROFILES_KEY, (rows) => rows?.map((r) => (r.id === user.id ? { ...r, active } : r)));
      toasts.onSuccess();
      onRequest(request);
    },
    onError: toasts.onError,
    onSettled: () => queryClient.invalidateQueries({ queryKey: PROFILES_KEY }),
  });
  const checked = change.isPending ? change.variables : user.active;
  return (
    <Switch data-test="user-active" label={`${t('admin.users.active')}: ${user.email}`} checked={checked}
      disabled={self || change.isPending} onChange={(e) => { change.mutate(e.target.checked); }} />
  );
}

/** Reset password: a one-time link, shown in the request panel once the worker made it. */
function ResetCell({ user, onRequest }: { user: ProfileRow; onRequest: (r: AccountRequest) => void }) {
  const { t } = useTranslation();
  const { supabase } = useAuth();
  const toasts = useSaveToasts();
  const reset = useMutation({
    mutationFn: () => accountAction(supabase, 'reset_user_password', user.id),
    onSuccess: onRequest,
    onError: toasts.onError,
  });
  return (
    <button type="button" data-test="user-reset" className={LIGHT} disabled={!user.active || reset.isPending}
      aria-label={`${t('backoffice.users.reset')}: ${user.email}`} onClick={() => { reset.mutate(); }}>
      {t('backoffice.users.reset')}
    </button>
  );
}

/** A user's campaigns, edited in a panel under the list (rpc/set_user_campaigns). */
function UserCampaigns({ user, onClose }: { user: ProfileRow; onClose: () => void }) {
  const { t } = useTranslation();
  const { supabase } = useAuth();
  const queryClient = useQueryClient();
  const toasts = useSaveToasts();
  const campaigns = useQuery({ queryKey: CAMPAIGNS_KEY, queryFn: () => listCampaigns(supabase) });
  const current = useQuery({ queryKey: ['admin', 'user-campaigns', user.id], queryFn: () => listUserCampaignIds(supabase, user.id) });
  const [picked, setPicked] = useState<Set<string> | null>(null);
  const chosen = picked ?? new Set(current.data ?? []);
  const save = useMutation({
    mutationFn: () => setUserCampaigns(supabase, user.id, [...chosen]),
    onSuccess: () => { toasts.onSuccess(); onClose(); },
    onError: toasts.onError,
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['admin', 'user-campaigns', user.id] }),
  });
  return (
    <section data-test="user-campaigns" data-user-id={user.id} aria-labelledby="user-campaigns-title" className={`${CARD} flex flex-col gap-3 p-4`}>
      <h2 id="user-campaigns-title" className="text-base font-semibold">{t('backoffice.users.campaignsOf', { name: user.full_name || user.email })}</h2>
      <div className="grid grid-cols-1 gap-1 sm:grid-cols-2 lg:grid-cols-3">
        {(campaigns.data ?? []).map((c) => (
          <label key={c.id} className="flex items-center gap-2 text-sm">
            <input type="checkbox" data-test="user-campaign" data-campaign-id={c.id} checked={chosen.has(c.id)} disabled={current.isPending}
              onChange={(e) => {
                const next = new Set(chosen);
                if (e.target.checked) next.add(c.id); else next.delete(c.id);
                setPicked(next);
              }} />
            {c.name}
          </label>
        ))}
      </div>
      <div className="flex gap-2">
        <button type="button" data-test="user-campaigns-save" className={PRIMARY} disabled={save.isPending || current.isPending}
          onClick={() => { save.mutate(); }}>{t('backoffice.save')}</button>
        <button type="button" className={LIGHT} onClick={onClose}>{t('common.cancel')}</button>
      </div>
    </section>
  );
}

const column = createColumnHelper<ProfileRow>();

export function AdminUsers() {
  const { t } = useTranslation();
  const { supabase } = useAuth();
  const me = useProfile().id;
  const query = useQuery({ queryKey: PROFILES_KEY, queryFn: () => listProfiles(supabase) });
  const status = useListStatus(query);
  const [request, setRequest] = useState<AccountRequest | null>(null);
  const [campaignsOf, setCampaignsOf] = useState<string | null>(null);
  const columns = useMemo(() => [
    column.accessor('full_name', { header: () => t('admin.users.name'), cell: (c) => c.getValue() || '—' }),
    column.accessor('email', { header: () => t('admin.users.email') }),
    column.accessor('role', { header: () => t('admin.users.role'), cell: (c) => <RoleCell user={c.row.original} self={c.row.original.id === me} /> }),
    column.accessor('sip_extension', { header: () => t('admin.users.extension'), cell: (c) => <ExtensionCell user={c.row.original} /> }),
    column.accessor('locale', { header: () => t('admin.users.language'), cell: (c) => <span className={MUTED}>{c.getValue().toUpperCase()}</span> }),
    column.accessor('active', {
      header: () => t('admin.users.active'),
      cell: (c) => <ActiveCell user={c.row.original} self={c.row.original.id === me} onRequest={setRequest} />,
    }),
    column.display({
      id: 'actions',
      header: () => <span className="sr-only">{t('backoffice.users.actions')}</span>,
      cell: ({ row: { original: u } }) => (
        <div className="flex flex-wrap gap-1">
          <button type="button" data-test="user-campaigns-open" className={LIGHT} aria-label={`${t('backoffice.users.campaigns')}: ${u.email}`}
            onClick={() => { setCampaignsOf(u.id); }}>{t('backoffice.users.campaigns')}</button>
          <ResetCell user={u} onRequest={setRequest} />
        </div>
      ),
    }),
  ], [t, me]);
  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Table: the compiler leaves this component alone
  const table = useReactTable({ data: query.data ?? [], columns, getCoreRowModel: getCoreRowModel(), getRowId: (u) => u.id });
  return (
    <Page id="admin-users" title={t('admin.users.title')} subtitle={t('admin.users.subtitle')}>
      <InviteUser onQueued={setRequest} />
      {request ? <RequestStatus key={request.id} request={request} onClose={() => { setRequest(null); }} /> : null}
      {campaignsOf && query.data?.find((u) => u.id === campaignsOf) ? (
        <UserCampaigns key={campaignsOf} user={query.data.find((u) => u.id === campaignsOf) as ProfileRow} onClose={() => { setCampaignsOf(null); }} />
      ) : null}
      <DataTable table={table} test="users-table" status={status}
        rowAttrs={(u) => ({ 'data-test': 'user-row', 'data-user-id': u.id })} />
    </Page>
  );
}
