// One lead, for the supervisor who runs its campaign (admins: any): every
// field and the campaign's custom fields, its history, calls (with Listen),
// sales and callbacks; edit (react-hook-form + zod, phones checked by
// libphonenumber-js in the campaign's country and saved as E.164) and delete
// (leads.delete, confirmed). Hooks: lead-page (data-lead-id), lead-name,
// lead-status, lead-field-<name>, lead-custom-<key>, lead-edit,
// lead-form, lead-input-<name>, lead-error-<name>, lead-save, lead-saved,
// lead-save-error, lead-delete, lead-delete-confirm, lead-tab-<tab>,
// lead-<tab>, callback-row.

import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Suspense, lazy, useMemo, useState, type ReactNode } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { listCallsForLead } from '../../../data/calls';
import { listDispositions } from '../../../data/catalog';
import { deleteLead, getLeadDetail, listLeadCallbacks, listLeadHistory, updateLead, type LeadDetail } from '../../../data/leads';
import { listSalesForLead } from '../../../data/sales';
import { formatDateTime } from '../../../i18n/format';
import { useAuth } from '../../auth/auth-context';
import { CARD, MUTED } from '../../components/table';
import { describeError } from '../../errors';
import { tMaybe } from '../../i18n';
import { formatPhone, leadName } from '../../lead-label';
import { usePermission } from '../../permissions';
import { Empty, HistoryList, SalesTable, TD, TH } from '../agent/LeadCard';
import { customFieldDefs, customFieldsOf, formValuesOf, leadFormSchema, patchOf, type CustomFieldDef, type LeadFormValues } from './lead-form';
import { BUTTON, DANGER, FIELD, INPUT, Modal, PRIMARY, StatusBadge } from './leads-ui';
import { describeBulkResult } from './leads-logic';

const CallsTable = lazy(() => import('../agent/LeadCalls').then((m) => ({ default: m.CallsTable })));

type Tab = 'history' | 'calls' | 'sales' | 'callbacks';

const TEXT_FIELDS = ['first_name', 'last_name', 'phone', 'alternate_phones', 'email', 'birth_date', 'address_line', 'city', 'region',
  'postal_code', 'source', 'external_ref'] as const;

const ERROR_KEYS: Readonly<Record<string, string>> = {
  required: 'leadPage.error.required', phone: 'leadPage.error.phone', email: 'leadPage.error.email', date: 'leadPage.error.date',
  number: 'leadPage.error.number', tooMany: 'leadPage.error.tooMany',
};

function LeadForm({ lead, region, defs, fields, onSaved, onCancel }: {
  lead: LeadDetail; region: string; defs: CustomFieldDef[]; fields: CustomFieldDef[]; onSaved: () => void; onCancel: () => void;
}) {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const schema = useMemo(() => leadFormSchema(region, defs), [region, defs]);
  const { register, handleSubmit, formState: { errors } } = useForm<LeadFormValues>({
    resolver: zodResolver(schema), defaultValues: formValuesOf(lead, fields),
  });
  const save = useMutation({
    mutationFn: (values: LeadFormValues) => updateLead(supabase, lead.id, patchOf(values, region, defs, lead.custom)),
    onSuccess: onSaved,
  });
  const errorText = (message: string | undefined) => (message ? tMaybe(i18n, ERROR_KEYS[message] ?? '') ?? message : null);
  const fieldError = (name: string, message: string | undefined) => {
    const text = errorText(message);
    return text ? <span id={`lead-error-${name}`} data-test={`lead-error-${name}`} role="alert" className="text-xs font-medium text-red-700">{text}</span> : null;
  };
  return (
    <form data-test="lead-form" noValidate onSubmit={(e) => { void handleSubmit((v) => { save.mutate(v); })(e); }}
      className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3">
      {TEXT_FIELDS.map((name) => (
        <label key={name} className={FIELD}>
          {tMaybe(i18n, `lead.field.${name}`) ?? name}
          <input type={name === 'birth_date' ? 'date' : name === 'email' ? 'email' : 'text'} data-test={`lead-input-${name}`}
            aria-invalid={errors[name] ? true : undefined} aria-describedby={errors[name] ? `lead-error-${name}` : undefined}
            className={INPUT} {...register(name)} />
          {fieldError(name, errors[name]?.message)}
        </label>
      ))}
      {fields.map((f) => (
        <label key={f.key} className={FIELD}>
          {f.label}{f.required ? ' *' : ''}
          {f.type === 'boolean' ? (
            <select data-test={`lead-input-custom-${f.key}`} className={INPUT} {...register(`custom.${f.key}`)}>
              <option value="">—</option><option value="true">{t('common.yes')}</option><option value="false">{t('common.no')}</option>
            </select>
          ) : (
            <input type={f.type === 'date' ? 'date' : f.type === 'number' ? 'number' : 'text'} data-test={`lead-input-custom-${f.key}`}
              step={f.type === 'number' ? 'any' : undefined} className={INPUT} {...register(`custom.${f.key}`)} />
          )}
          {fieldError(`custom-${f.key}`, errors.custom?.[f.key]?.message)}
        </label>
      ))}
      <label className={`${FIELD} sm:col-span-2 lg:col-span-3`}>{t('lead.field.notes')}
        <textarea data-test="lead-input-notes" rows={3} className={INPUT} {...register('notes')} />
      </label>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" data-test="lead-input-consent_contact" {...register('consent_contact')} />{t('lead.consentContact')}
      </label>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" data-test="lead-input-consent_marketing" {...register('consent_marketing')} />{t('lead.consentMarketing')}
      </label>
      <div className="flex flex-wrap items-center justify-end gap-2 sm:col-span-2 lg:col-span-3">
        {save.error ? <span data-test="lead-save-error" role="alert" className="text-sm font-medium text-red-700">{describeError(i18n, save.error)}</span> : null}
        <button type="button" className={BUTTON} onClick={onCancel}>{t('common.cancel')}</button>
        <button type="submit" data-test="lead-save" disabled={save.isPending} className={PRIMARY}>{t('leadPage.save')}</button>
      </div>
    </form>
  );
}

export function LeadPage() {
  const { leadId = '' } = useParams();
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { supabase } = useAuth();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const [tab, setTab] = useState<Tab>('history');
  const [confirmDelete, setConfirmDelete] = useState(false);
  const mayDelete = usePermission('leads.delete');
  const mayListen = usePermission('recordings.listen') === true;

  const lead = useQuery({ queryKey: ['lead', leadId], queryFn: () => getLeadDetail(supabase, leadId) });
  const history = useQuery({ queryKey: ['lead', leadId, 'history'], queryFn: () => listLeadHistory(supabase, leadId) });
  const calls = useQuery({ queryKey: ['lead', leadId, 'calls'], queryFn: () => listCallsForLead(supabase, leadId) });
  const sales = useQuery({ queryKey: ['lead', leadId, 'sales'], queryFn: () => listSalesForLead(supabase, leadId) });
  const callbacks = useQuery({ queryKey: ['lead', leadId, 'callbacks'], queryFn: () => listLeadCallbacks(supabase, leadId) });
  const dispositions = useQuery({ queryKey: ['dispositions'], queryFn: () => listDispositions(supabase), staleTime: 300_000 });
  const remove = useMutation({
    mutationFn: () => deleteLead(supabase, leadId),
    onSuccess: (result) => {
      if (result.changed > 0) {
        void queryClient.invalidateQueries({ queryKey: ['leads', 'list'] });
        void navigate('/supervisor/leads', { replace: true });
      }
    },
  });

  const data = lead.data;
  const defs = useMemo(() => customFieldDefs(data?.campaign), [data?.campaign]);
  const fields = useMemo(() => customFieldsOf(defs, data?.custom), [defs, data?.custom]);
  if (lead.isPending) return <p role="status" className="p-6 text-slate-600">{t('common.loading')}</p>;
  if (lead.error) return <p role="alert" className="p-6 text-red-700">{describeError(i18n, lead.error)}</p>;
  if (!data) {
    return (
      <div data-test="lead-missing" className="mx-auto max-w-3xl p-6">
        <p>{t('leadPage.missing')}</p>
        <Link to="/supervisor/leads" className="font-semibold text-brand underline">{t('leadPage.back')}</Link>
      </div>
    );
  }
  const region = (data.country_code ?? (data.campaign as Record<string, unknown> | null)?.country_code ?? 'ES') as string;
  const custom = typeof data.custom === 'object' && data.custom !== null && !Array.isArray(data.custom) ? data.custom : {};
  const erased = data.status === 'erased';
  const date = (v: string | null) => (v ? formatDateTime(v, lang) : '—');
  const details: [string, string, ReactNode][] = [
    ['phone', t('lead.field.phone'), <span className="font-mono">{formatPhone(data.phone) || '—'}</span>],
    ['alternate_phones', t('lead.field.alternate_phones'), data.alternate_phones.map(formatPhone).join(', ') || '—'],
    ['email', t('lead.field.email'), data.email || '—'],
    ['birth_date', t('lead.field.birth_date'), data.birth_date ?? '—'],
    ['address', t('lead.address'), [data.address_line, data.postal_code, data.city, data.region].filter(Boolean).join(', ') || '—'],
    ['time_zone', t('leadPage.timeZone'), data.time_zone],
    ['owner', t('leads.owner'), data.owner ? (data.owner.full_name || data.owner.email) : t('leads.pool')],
    ['attempts', t('lead.field.attempts'), String(data.attempts)],
    ['last_outcome', t('leads.lastOutcome'), data.last_outcome ? tMaybe(i18n, `outcome.${data.last_outcome}`) ?? data.last_outcome : '—'],
    ['last_called_at', t('lead.lastCalled'), date(data.last_called_at)],
    ['next_call_at', t('lead.nextCall'), date(data.next_call_at)],
    ['source', t('lead.source'), data.source || '—'],
    ['external_ref', t('lead.field.external_ref'), data.external_ref ?? '—'],
    ['consent_contact', t('lead.consentContact'), data.consent_contact ? t('common.yes') : t('common.no')],
    ['consent_recording', t('lead.consentRecording'), data.consent_recording === null ? '—' : data.consent_recording ? t('common.yes') : t('common.no')],
    ['consent_marketing', t('lead.consentMarketing'), data.consent_marketing ? t('common.yes') : t('common.no')],
    ['created_at', t('leads.created'), date(data.created_at)],
    ['updated_at', t('leadPage.updated'), date(data.updated_at)],
  ];
  const dispositionLabel = (code: string) => {
    const d = dispositions.data?.find((x) => x.code === code);
    return d ? (lang === 'en' ? d.label_en : d.label_es) : code;
  };
  const tabs: [Tab, string, number][] = [
    ['history', t('lead.tab.history'), history.data?.length ?? 0],
    ['calls', t('lead.tab.calls'), calls.data?.length ?? 0],
    ['sales', t('lead.tab.sales'), sales.data?.length ?? 0],
    ['callbacks', t('leadPage.callbacks'), callbacks.data?.length ?? 0],
  ];

  return (
    <div id="lead-page" data-test="lead-page" data-lead-id={data.id} className="mx-auto flex max-w-6xl min-w-0 flex-col gap-4">
      <nav aria-label={t('leads.title')}><Link to="/supervisor/leads" data-test="lead-back" className="text-sm font-semibold text-brand underline">← {t('leadPage.back')}</Link></nav>
      <header className="flex flex-wrap items-center gap-3">
        <div className="min-w-0 flex-1">
          <h1 data-test="lead-name" className="text-2xl font-semibold">{leadName(t, data) || '—'}</h1>
          <p className="mt-1 flex flex-wrap items-center gap-2 text-sm">
            <StatusBadge status={data.status} />
            <span className="text-slate-600">{data.campaign.name}</span>
          </p>
        </div>
        {!erased && !editing ? (
          <button type="button" data-test="lead-edit" className={BUTTON} onClick={() => { setEditing(true); setSaved(false); }}>{t('leadPage.edit')}</button>
        ) : null}
        {mayDelete ? (
          <button type="button" data-test="lead-delete" className={`${BUTTON} border-red-300 text-red-800 hover:bg-red-50`}
            onClick={() => { setConfirmDelete(true); }}>{t('leadPage.delete')}</button>
        ) : null}
      </header>
      {saved ? <p data-test="lead-saved" role="status" className="rounded-md bg-emerald-50 p-2 text-sm text-emerald-900">{t('leadPage.saved')}</p> : null}
      <section className={`${CARD} p-4`} aria-labelledby="lead-details-title">
        <h2 id="lead-details-title" className="mb-3 text-lg font-semibold">{t('leadPage.details')}</h2>
        {editing ? (
          <LeadForm lead={data} region={region} defs={defs} fields={fields} onCancel={() => { setEditing(false); }}
            onSaved={() => {
              setEditing(false);
              setSaved(true);
              void queryClient.invalidateQueries({ queryKey: ['lead', leadId] });
            }} />
        ) : (
          <>
            <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm lg:grid-cols-[max-content_1fr_max-content_1fr]">
              {details.map(([key, label, value]) => (
                <div key={key} className="contents">
                  <dt className="font-medium text-slate-600">{label}</dt>
                  <dd data-test={`lead-field-${key}`} className="min-w-0 break-words">{value}</dd>
                </div>
              ))}
            </dl>
            {fields.length ? (
              <>
                <h3 className="mt-4 mb-2 font-semibold">{t('leadPage.custom')}</h3>
                <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
                  {fields.map((f) => {
                    const v = custom[f.key];
                    return (
                      <div key={f.key} className="contents">
                        <dt className="font-medium text-slate-600">{f.label}</dt>
                        <dd data-test={`lead-custom-${f.key}`}>{v === undefined || v === null || v === '' ? '—'
                          : typeof v === 'boolean' ? (v ? t('common.yes') : t('common.no')) : typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>
                      </div>
                    );
                  })}
                </dl>
              </>
            ) : null}
            {data.notes ? <p className="mt-3 rounded-md bg-amber-50 p-2 text-sm whitespace-pre-wrap text-amber-900">{data.notes}</p> : null}
          </>
        )}
      </section>
      <section className={`${CARD} p-4`}>
        <div role="tablist" aria-label={leadName(t, data) || t('lead.tab.history')} className="flex gap-1 border-b border-slate-200">
          {tabs.map(([key, label, count]) => (
            <button key={key} type="button" role="tab" id={`lead-tab-${key}`} aria-selected={tab === key} aria-controls="lead-tab-body"
              data-test={`lead-tab-${key}`} onClick={() => { setTab(key); }}
              className={`-mb-px border-b-2 px-3 py-2 text-sm font-semibold ${tab === key ? 'border-brand text-brand' : 'border-transparent text-slate-600 hover:text-slate-900'}`}>
              {label} <span className="ml-1 rounded-full bg-slate-100 px-1.5 text-xs text-slate-700">{count}</span>
            </button>
          ))}
        </div>
        <div id="lead-tab-body" role="tabpanel" aria-labelledby={`lead-tab-${tab}`} data-test={`lead-${tab}`} className="pt-3">
          {tab === 'history' ? <HistoryList history={history.data ?? []} loading={history.isPending} /> : null}
          {tab === 'calls' ? (
            <Suspense fallback={<Empty loading text="" />}>
              <CallsTable calls={calls.data ?? []} label={dispositionLabel} allowListen={mayListen} loading={calls.isPending} />
            </Suspense>
          ) : null}
          {tab === 'sales' ? <SalesTable sales={sales.data ?? []} loading={sales.isPending} /> : null}
          {tab === 'callbacks' ? (
            callbacks.data?.length ? (
              <table className="w-full text-sm">
                <thead className="border-b border-slate-200">
                  <tr><th className={TH}>{t('leadPage.due')}</th><th className={TH}>{t('validation.agent')}</th><th className={TH}>{t('leads.status')}</th><th className={TH}>{t('calls.notes')}</th></tr>
                </thead>
                <tbody>
                  {callbacks.data.map((c) => (
                    <tr key={c.id} data-test="callback-row" className="border-b border-slate-100">
                      <td className={TD}>{formatDateTime(c.due_at, lang)}</td>
                      <td className={TD}>{c.agent ? (c.agent.full_name || c.agent.email) : '—'}</td>
                      <td className={TD}>{tMaybe(i18n, `callbackStatus.${c.status}`) ?? c.status}</td>
                      <td className={`${TD} ${MUTED}`}>{c.notes}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : <Empty loading={callbacks.isPending} text={t('leadPage.noCallbacks')} />
          ) : null}
        </div>
      </section>
      <Modal open={confirmDelete} onClose={() => { setConfirmDelete(false); remove.reset(); }} title={t('leadPage.delete')} test="lead-delete-dialog">
        <p className="text-sm">{t('leadPage.deleteConfirm', { name: leadName(t, data) })}</p>
        {remove.data && remove.data.changed === 0 ? (
          <p data-test="lead-delete-result" role="status" className="mt-2 text-sm text-amber-900">{describeBulkResult(i18n, 'delete', remove.data)}</p>
        ) : null}
        {remove.error ? <p role="alert" className="mt-2 text-sm font-medium text-red-700">{describeError(i18n, remove.error)}</p> : null}
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" className={BUTTON} onClick={() => { setConfirmDelete(false); remove.reset(); }}>{t('common.cancel')}</button>
          <button type="button" data-test="lead-delete-confirm" disabled={remove.isPending} className={DANGER}
            onClick={() => { remove.mutate(); }}>{t('leadPage.delete')}</button>
        </div>
      </Modal>
    </div>
  );
}
