// The users screen's account actions: the invitation form, and the panel
// that follows an account request (an invite, a deactivation, a reset) live
// until the accounts worker is done: Realtime postgres_changes on that
// account_requests row (read once on each join, polled only while Realtime
// is reconnecting), then the one-time set-up link with a copy button and
// its expiry. Hooks: invite-open, invite-form, invite-<field>,
// invite-campaign, invite-submit, invite-error, account-request
// (data-status, data-kind), request-link, request-copy, request-expires.
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import {
  accountRequestLink, applyRequestUpdate, getAccountRequest, inviteUser, isRequestFinished, type AccountRequest,
} from '../../../data/accounts';
import { listCampaigns } from '../../../data/catalog';
import { formatDateTime } from '../../../i18n/format';
import { useAuth } from '../../auth/auth-context';
import { useRealtimeChannels } from '../../realtime';
import { CAMPAIGNS_KEY } from './AdminCampaigns';
import { PROFILES_KEY } from './AdminUsers';
import { CARD, LIGHT, PRIMARY } from './admin-ui';
import { Field, INPUT, invalidProps, LABEL, Refusal } from './form-ui';
import { inviteSchema, NEW_INVITE, ROLES, type InviteForm } from './users-logic';

const FALLBACK_POLL_MS = 3000;
const requestKey = (id: string) => ['admin', 'account-request', id] as const;

/** One request followed until done; its link once there. */
export function RequestStatus({ request, onClose }: { request: AccountRequest; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const queryClient = useQueryClient();
  const key = useMemo(() => requestKey(request.id), [request.id]);
  const held = queryClient.getQueryData<AccountRequest>(key) ?? request;
  const following = !isRequestFinished(held.status);
  const topics = useMemo(() => (following ? [`account-request:${request.id}`] : []), [following, request.id]);
  const read = async () => {
    const fetched = await getAccountRequest(supabase, request.id);
    const pushed = queryClient.getQueryData<AccountRequest>(key);
    return pushed ? (applyRequestUpdate(fetched, { ...pushed }) ?? fetched) : fetched;
  };
  const live = useRealtimeChannels(topics, {
    private: false,
    bind: (channel) => {
      channel.on('postgres_changes', { event: 'UPDATE', schema: 'public', table: 'account_requests', filter: `id=eq.${request.id}` }, (change) => {
        queryClient.setQueryData<AccountRequest>(key, (old) => applyRequestUpdate(old ?? request, change.new) ?? old);
        // A finished deactivation or invite changes the users list.
        if (isRequestFinished(String(change.new.status))) void queryClient.invalidateQueries({ queryKey: PROFILES_KEY });
      });
    },
    onJoined: () => { void queryClient.query({ queryKey: key, queryFn: read, staleTime: 0 }).catch(() => undefined); },
  });
  const polled = useQuery({
    queryKey: key,
    queryFn: read,
    enabled: following && live === 'reconnecting',
    refetchInterval: FALLBACK_POLL_MS,
    refetchOnWindowFocus: false,
    staleTime: Infinity,
  });
  const row = polled.data ?? held;
  const wantsLink = row.status === 'done' && (row.kind === 'invite' || row.kind === 'reset_password');
  const link = useQuery({
    queryKey: [...key, 'link'],
    queryFn: () => accountRequestLink(supabase, row.id),
    enabled: wantsLink,
    staleTime: Infinity,
  });
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    if (!link.data) return;
    try {
      await navigator.clipboard.writeText(link.data);
      setCopied(true);
    } catch {
      // No clipboard (insecure context): the field is selected for a manual copy.
      document.querySelector<HTMLInputElement>('[data-test="request-link"]')?.select();
    }
  };
  return (
    <section data-test="account-request" data-status={row.status} data-kind={row.kind} aria-live="polite"
      className={`${CARD} flex flex-col gap-2 border-l-4 p-4 ${row.status === 'failed' ? 'border-l-red-700' : row.status === 'done' ? 'border-l-green-700' : 'border-l-brand'}`}>
      <div className="flex items-start justify-between gap-2">
        <h2 className="text-base font-semibold">{t(`backoffice.request.kind.${row.kind}` as 'backoffice.request.kind.invite', { email: row.email })}</h2>
        <button type="button" data-test="request-close" className={LIGHT} onClick={onClose}>{t('common.close')}</button>
      </div>
      <p data-test="request-status" role="status" className="text-sm">
        {t(`backoffice.request.status.${row.status}` as 'backoffice.request.status.queued')}
        {row.status === 'failed' && row.error ? `: ${row.error}` : ''}
      </p>
      {wantsLink ? (
        link.error ? <Refusal error={link.error} test="request-link-error" /> : link.data ? (
          <div className="flex flex-col gap-1">
            <label htmlFor="request-link" className={LABEL}>{t(row.kind === 'invite' ? 'backoffice.request.setupLink' : 'backoffice.request.resetLink')}</label>
            <div className="flex flex-wrap gap-2">
              <input id="request-link" data-test="request-link" readOnly value={link.data} className={`${INPUT} mt-0 min-w-0 flex-1 font-mono text-xs`}
                onFocus={(e) => { e.target.select(); }} />
              <button type="button" data-test="request-copy" className={PRIMARY} onClick={() => { void copy(); }}>
                {copied ? t('backoffice.request.copied') : t('backoffice.request.copy')}
              </button>
            </div>
            {row.link_expires_at ? (
              <small data-test="request-expires" className="text-xs text-slate-600">
                {t('backoffice.request.expires', { at: formatDateTime(row.link_expires_at, i18n.language) })}
              </small>
            ) : null}
            <small className="text-xs text-slate-600">{t('backoffice.request.linkOnce')}</small>
          </div>
        ) : <p className="text-sm text-slate-600">{t('common.loading')}</p>
      ) : null}
    </section>
  );
}

/** "Invitar usuario": e-mail, name, role, campaigns, extension → rpc/invite_user. */
export function InviteUser({ onQueued }: { onQueued: (request: AccountRequest) => void }) {
  const { t } = useTranslation();
  const { supabase } = useAuth();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const campaigns = useQuery({ queryKey: CAMPAIGNS_KEY, queryFn: () => listCampaigns(supabase), enabled: open });
  const { register, handleSubmit, reset, setFocus, formState: { errors } } = useForm<InviteForm>({
    resolver: zodResolver(inviteSchema),
    defaultValues: NEW_INVITE,
  });
  const invite = useMutation({
    mutationFn: (form: InviteForm) => {
      const v = inviteSchema.parse(form);
      return inviteUser(supabase, { email: v.email, fullName: v.fullName, role: v.role, campaignIds: v.campaignIds, sipExtension: v.sipExtension || null });
    },
    onSuccess: (request) => {
      reset(NEW_INVITE);
      setOpen(false);
      onQueued(request);
      void queryClient.invalidateQueries({ queryKey: PROFILES_KEY });
    },
  });
  const onSubmit = handleSubmit((form) => { invite.mutate(form); }, (invalid) => {
    const first = (['email', 'fullName', 'sipExtension'] as const).find((k) => invalid[k]);
    if (first) setFocus(first);
  });
  if (!open) {
    return (
      <button type="button" data-test="invite-open" className={`${PRIMARY} self-start`} onClick={() => { setOpen(true); }}>
        {t('backoffice.invite.open')}
      </button>
    );
  }
  return (
    <form data-test="invite-form" noValidate onSubmit={(e) => { void onSubmit(e); }} aria-labelledby="invite-title"
      className={`${CARD} grid grid-cols-1 gap-4 p-4 md:grid-cols-2`}>
      <h2 id="invite-title" className="text-base font-semibold md:col-span-2">{t('backoffice.invite.title')}</h2>
      <Field id="invite-email" label={t('admin.users.email')} error={errors.email} required>
        <input id="invite-email" data-test="invite-email" type="email" autoComplete="off" aria-required="true" className={INPUT}
          {...invalidProps('invite-email', errors.email)} {...register('email')} />
      </Field>
      <Field id="invite-name" label={t('admin.users.name')} error={errors.fullName} required>
        <input id="invite-name" data-test="invite-name" type="text" autoComplete="off" aria-required="true" maxLength={200} className={INPUT}
          {...invalidProps('invite-name', errors.fullName)} {...register('fullName')} />
      </Field>
      <Field id="invite-role" label={t('admin.users.role')}>
        <select id="invite-role" data-test="invite-role" className={INPUT} {...register('role')}>
          {ROLES.map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
        </select>
      </Field>
      <Field id="invite-extension" label={t('admin.users.extension')} error={errors.sipExtension} hint={t('backoffice.invite.extensionHint')}>
        <input id="invite-extension" data-test="invite-extension" type="text" inputMode="numeric" autoComplete="off" maxLength={6}
          className={`${INPUT} font-mono`} {...invalidProps('invite-extension', errors.sipExtension)} {...register('sipExtension')} />
      </Field>
      <div className="md:col-span-2" role="group" aria-labelledby="invite-campaigns-label">
        <span id="invite-campaigns-label" className={LABEL}>{t('backoffice.invite.campaigns')}</span>
        <div className="mt-1 grid grid-cols-1 gap-1 sm:grid-cols-2 lg:grid-cols-3">
          {(campaigns.data ?? []).map((c) => (
            <label key={c.id} className="flex items-center gap-2 text-sm">
              <input type="checkbox" value={c.id} data-test="invite-campaign" data-campaign-id={c.id} {...register('campaignIds')} />
              {c.name}
            </label>
          ))}
        </div>
      </div>
      <div className="md:col-span-2"><Refusal error={invite.error} test="invite-error" /></div>
      <div className="flex gap-2 md:col-span-2">
        <button type="submit" data-test="invite-submit" className={PRIMARY} disabled={invite.isPending}>{t('backoffice.invite.submit')}</button>
        <button type="button" className={LIGHT} onClick={() => { setOpen(false); invite.reset(); }}>{t('common.cancel')}</button>
      </div>
      <p className="text-xs text-slate-600 md:col-span-2">{t('backoffice.invite.note')}</p>
    </form>
  );
}
