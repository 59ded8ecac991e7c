// A campaign's people and products, under its settings. Members: agents and
// supervisors, each with the member role their user role gives (agents work
// it, supervisors and admins run it), added from the users list and removed
// one by one. Products: every product, ticked when the campaign sells it.
// Writes need campaigns.manage; a supervisor sees both read-only. Hooks:
// campaign-members, member-row (data-user-id), member-remove, member-user,
// member-add, campaign-products, campaign-product (data-product-id).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  addCampaignMember, listCampaignMembers, listCampaignProductIds, listProfiles, removeCampaignMember, setCampaignProduct,
} from '../../../data/admin';
import { listProducts } from '../../../data/catalog';
import { useAuth } from '../../auth/auth-context';
import { tMaybe } from '../../i18n';
import { CARD, LIGHT, MUTED, PRIMARY, TD, TH, useSaveToasts } from './admin-ui';
import { memberRoleFor } from './campaign-logic';
import { INPUT, LABEL } from './form-ui';
import { PROFILES_KEY } from './AdminUsers';

const membersKey = (campaignId: string) => ['admin', 'campaign', campaignId, 'members'] as const;
const productsKey = (campaignId: string) => ['admin', 'campaign', campaignId, 'products'] as const;

export function CampaignMembers({ campaignId, canEdit }: { campaignId: string; canEdit: boolean }) {
  const { t } = useTranslation();
  const { supabase } = useAuth();
  const queryClient = useQueryClient();
  const toasts = useSaveToasts();
  const members = useQuery({ queryKey: membersKey(campaignId), queryFn: () => listCampaignMembers(supabase, campaignId) });
  const users = useQuery({ queryKey: PROFILES_KEY, queryFn: () => listProfiles(supabase), enabled: canEdit });
  const [chosen, setChosen] = useState('');
  const refresh = () => queryClient.invalidateQueries({ queryKey: membersKey(campaignId) });
  const add = useMutation({
    mutationFn: (userId: string) => {
      const user = users.data?.find((u) => u.id === userId);
      return addCampaignMember(supabase, campaignId, userId, memberRoleFor(user?.role ?? 'agent'));
    },
    onSuccess: () => { setChosen(''); toasts.onSuccess(); },
    onError: toasts.onError,
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (userId: string) => removeCampaignMember(supabase, campaignId, userId),
    onSuccess: toasts.onSuccess,
    onError: toasts.onError,
    onSettled: refresh,
  });
  const memberIds = new Set((members.data ?? []).map((m) => m.user_id));
  const candidates = (users.data ?? []).filter((u) => u.active && !memberIds.has(u.id));
  return (
    <section data-test="campaign-members" aria-labelledby="campaign-members-title" className={`${CARD} flex flex-col gap-3 p-4`}>
      <h2 id="campaign-members-title" className="text-base font-semibold">{t('backoffice.members.title')}</h2>
      <div className="overflow-x-auto">
        <table className="w-full border-collapse text-sm">
          <thead>
            <tr>
              <th scope="col" className={TH}>{t('admin.users.name')}</th>
              <th scope="col" className={TH}>{t('admin.users.email')}</th>
              <th scope="col" className={TH}>{t('backoffice.members.role')}</th>
              {canEdit ? <th scope="col" className={TH}><span className="sr-only">{t('backoffice.remove')}</span></th> : null}
            </tr>
          </thead>
          <tbody>
            {(members.data ?? []).map((m) => (
              <tr key={m.user_id} data-test="member-row" data-user-id={m.user_id} data-member-role={m.member_role}>
                <td className={TD}>{m.profiles.full_name || '—'}</td>
                <td className={TD}>{m.profiles.email}</td>
                <td className={TD}>{t(`backoffice.memberRole.${m.member_role}`)}</td>
                {canEdit ? (
                  <td className={`${TD} text-right`}>
                    <button type="button" data-test="member-remove" className={LIGHT} disabled={remove.isPending}
                      aria-label={`${t('backoffice.remove')}: ${m.profiles.email}`} onClick={() => { remove.mutate(m.user_id); }}>
                      {t('backoffice.remove')}
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
            {members.data?.length === 0 ? (
              <tr><td colSpan={4} className={`${TD} text-slate-600`}>{t('backoffice.members.none')}</td></tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {canEdit ? (
        <form className="flex flex-wrap items-end gap-2" onSubmit={(e) => { e.preventDefault(); if (chosen) add.mutate(chosen); }}>
          <div className="min-w-64 flex-1">
            <label htmlFor="member-user" className={LABEL}>{t('backoffice.members.add')}</label>
            <select id="member-user" data-test="member-user" className={INPUT} value={chosen} onChange={(e) => { setChosen(e.target.value); }}>
              <option value="">{t('backoffice.members.choose')}</option>
              {candidates.map((u) => (
                <option key={u.id} value={u.id}>{u.full_name ? `${u.full_name} · ` : ''}{u.email} ({t(`role.${u.role}`)})</option>
              ))}
            </select>
          </div>
          <button type="submit" data-test="member-add" className={PRIMARY} disabled={!chosen || add.isPending}>
            {t('backoffice.members.addButton')}
          </button>
        </form>
      ) : null}
    </section>
  );
}

export function CampaignProducts({ campaignId, canEdit }: { campaignId: string; canEdit: boolean }) {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const queryClient = useQueryClient();
  const toasts = useSaveToasts();
  const sold = useQuery({ queryKey: productsKey(campaignId), queryFn: () => listCampaignProductIds(supabase, campaignId) });
  const products = useQuery({ queryKey: ['admin', 'products'], queryFn: () => listProducts(supabase, { includeInactive: true }) });
  // What was just ticked shows at once (the click's own render), until the list is read again.
  const [shown, setShown] = useState<Readonly<Record<string, boolean>>>({});
  const change = useMutation({
    mutationFn: ({ productId, on }: { productId: string; on: boolean }) => setCampaignProduct(supabase, campaignId, productId, on),
    onSuccess: toasts.onSuccess,
    onError: toasts.onError,
    onSettled: async (_data, _error, { productId }) => {
      await queryClient.invalidateQueries({ queryKey: productsKey(campaignId) });
      setShown((old) => Object.fromEntries(Object.entries(old).filter(([k]) => k !== productId)));
    },
  });
  const soldIds = new Set(sold.data ?? []);
  // Retired products are listed only while still sold (to stop selling them).
  const listed = (products.data ?? []).filter((p) => p.active || soldIds.has(p.id));
  return (
    <section data-test="campaign-products" aria-labelledby="campaign-products-title" className={`${CARD} flex flex-col gap-2 p-4`}>
      <h2 id="campaign-products-title" className="text-base font-semibold">{t('backoffice.campaignProducts.title')}</h2>
      <p className={MUTED}>{t('backoffice.campaignProducts.subtitle')}</p>
      <ul className="grid grid-cols-1 gap-1 sm:grid-cols-2">
        {listed.map((p) => {
          const on = shown[p.id] ?? soldIds.has(p.id);
          return (
            <li key={p.id}>
              <label className="flex items-center gap-2 text-sm">
                <input type="checkbox" data-test="campaign-product" data-product-id={p.id} checked={on}
                  disabled={!canEdit || change.isPending}
                  onChange={(e) => {
                    const on = e.target.checked;
                    setShown((old) => ({ ...old, [p.id]: on }));
                    change.mutate({ productId: p.id, on });
                  }} />
                <span>{p.name} <span className="font-mono text-xs text-slate-600">{p.code}</span>
                  {' · '}{tMaybe(i18n, `line.${p.insurance_line}`) ?? p.insurance_line}
                  {p.active ? '' : ` · ${t('backoffice.product.retired')}`}</span>
              </label>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
