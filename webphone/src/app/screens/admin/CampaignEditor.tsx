// A campaign's every setting (/admin/campaigns/new, /admin/campaigns/:id):
// name, status, calling days and hours, time zone and country, attempts and
// retry delays, caller id, dispositions, recording, custom lead fields, the
// dial mode and its dialer settings; then (once it exists) its members and
// the products it sells. Admins (campaigns.manage) edit; a supervisor reads
// their own campaigns (RLS) with every control disabled. The form checks
// what it can (messages name the field); the database has the last word and
// its refusal is shown under the form. Hooks: campaign-editor, campaign-form,
// campaign-<field>, campaign-save, campaign-error, lead-field-*.
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getCountries } from 'libphonenumber-js';
import { useEffect, useMemo } from 'react';
import { useFieldArray, useForm, useWatch, type Control, type FieldErrors, type UseFormRegister } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { createCampaign, getCampaign, updateCampaign, type CampaignFull } from '../../../data/admin';
import { listDispositions } from '../../../data/catalog';
import { useAuth } from '../../auth/auth-context';
import { Loading } from '../../components/ScreenGate';
import { tMaybe } from '../../i18n';
import { usePermission } from '../../permissions';
import { CAMPAIGNS_KEY } from './AdminCampaigns';
import { LIGHT, Page, PRIMARY } from './admin-ui';
import {
  CAMPAIGN_STATUSES, campaignSchema, DIAL_MODES, LEAD_FIELD_TYPES, NEW_CAMPAIGN, toForm, toRow,
  type CampaignForm, type CampaignSettings, type LeadField,
} from './campaign-logic';
import { CampaignMembers, CampaignProducts } from './CampaignMembers';
import { Field, INPUT, invalidProps, LABEL, Refusal, Section } from './form-ui';

export const campaignKey = (id: string) => ['admin', 'campaign', id] as const;

function timeZones(): string[] {
  const all = (Intl as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  return all.length ? all : ['Europe/Madrid', 'Atlantic/Canary', 'Europe/Lisbon', 'America/Mexico_City', 'America/Bogota'];
}

function countryName(code: string, lang: string): string {
  try {
    return new Intl.DisplayNames([lang], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

const DAYS = [1, 2, 3, 4, 5, 6, 7] as const;

// react-hook-form's paths carry the index as a number (`leadFields.${number}.key`).
// eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- the path type needs the number itself
const fieldPath = <K extends keyof LeadField>(i: number, k: K) => `leadFields.${i}.${k}` as const;

function LeadFields({ control, register, errors }: {
  control: Control<CampaignForm>; register: UseFormRegister<CampaignForm>; errors: FieldErrors<CampaignForm>;
}) {
  const { t, i18n } = useTranslation();
  const { fields, append, remove } = useFieldArray({ control, name: 'leadFields' });
  const listError = errors.leadFields?.root?.message ?? errors.leadFields?.message;
  return (
    <div className="md:col-span-2" data-test="lead-fields">
      {fields.length === 0 ? <p className="text-sm text-slate-600">{t('backoffice.campaign.noLeadFields')}</p> : null}
      <ul className="flex flex-col gap-2">
        {fields.map((f, i) => {
        const at = String(i);
          const e = errors.leadFields?.[i];
          const message = e?.key?.message ?? e?.label?.message;
          return (
            <li key={f.id} data-test="lead-field" className="grid grid-cols-1 items-end gap-2 rounded-md border border-slate-200 p-2 sm:grid-cols-[1fr_1.5fr_auto_auto_auto]">
              <div>
                <label htmlFor={`lead-field-${at}-key`} className={LABEL}>{t('backoffice.campaign.fieldKey')}</label>
                <input id={`lead-field-${at}-key`} data-test="lead-field-key" className={`${INPUT} font-mono`}
                  {...invalidProps(`lead-field-${at}`, e?.key)} {...register(fieldPath(i, 'key'))} />
              </div>
              <div>
                <label htmlFor={`lead-field-${at}-label`} className={LABEL}>{t('backoffice.campaign.fieldLabel')}</label>
                <input id={`lead-field-${at}-label`} data-test="lead-field-label" className={INPUT}
                  {...invalidProps(`lead-field-${at}`, e?.label)} {...register(fieldPath(i, 'label'))} />
              </div>
              <div>
                <label htmlFor={`lead-field-${at}-type`} className={LABEL}>{t('backoffice.campaign.fieldType')}</label>
                <select id={`lead-field-${at}-type`} data-test="lead-field-type" className={INPUT} {...register(fieldPath(i, 'type'))}>
                  {LEAD_FIELD_TYPES.map((type) => <option key={type} value={type}>{tMaybe(i18n, `backoffice.fieldType.${type}`) ?? type}</option>)}
                </select>
              </div>
              <label className="flex items-center gap-2 pb-2 text-sm">
                <input type="checkbox" data-test="lead-field-required" {...register(fieldPath(i, 'required'))} />
                {t('backoffice.campaign.fieldRequired')}
              </label>
              <button type="button" data-test="lead-field-remove" className={LIGHT} onClick={() => { remove(i); }}
                aria-label={`${t('backoffice.remove')}: ${f.key || String(i + 1)}`}>
                {t('backoffice.remove')}
              </button>
              {message ? (
                <p id={`lead-field-${at}-error`} data-test="field-error" data-field={`lead-field-${at}`}
                  className="text-sm font-medium text-red-700 sm:col-span-5">{tMaybe(i18n, message) ?? message}</p>
              ) : null}
            </li>
          );
        })}
      </ul>
      {listError ? <p className="text-sm font-medium text-red-700">{tMaybe(i18n, listError) ?? listError}</p> : null}
      <button type="button" data-test="lead-field-add" className={`${LIGHT} mt-2`}
        onClick={() => { append({ key: '', label: '', type: 'text', required: false }); }}>
        {t('backoffice.campaign.addLeadField')}
      </button>
    </div>
  );
}

function CampaignForm({ campaign, canEdit }: { campaign: CampaignFull | null; canEdit: boolean }) {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const dispositions = useQuery({ queryKey: ['catalog', 'dispositions'], queryFn: () => listDispositions(supabase) });
  const defaults = useMemo(() => (campaign ? toForm(campaign as CampaignSettings) : {
    ...NEW_CAMPAIGN,
    allowedDispositions: [],
  }), [campaign]);
  const { register, handleSubmit, control, reset, setValue, setFocus, getValues, formState: { errors, isSubmitting, isDirty } } = useForm<CampaignForm>({
    resolver: zodResolver(campaignSchema),
    defaultValues: defaults,
  });
  useEffect(() => { reset(defaults); }, [defaults, reset]);
  // A new campaign allows every active disposition until the admin unticks some.
  useEffect(() => {
    if (!campaign && dispositions.data && getValues('allowedDispositions').length === 0) {
      setValue('allowedDispositions', dispositions.data.map((d) => d.code));
    }
  }, [campaign, dispositions.data, getValues, setValue]);
  const dialMode = useWatch({ control, name: 'dialMode' });
  const save = useMutation({
    mutationFn: async (form: CampaignForm) => {
      const row = toRow(campaignSchema.parse(form));
      if (!campaign) return createCampaign(supabase, row);
      await updateCampaign(supabase, campaign.id, row);
      return campaign.id;
    },
    onSuccess: async (id) => {
      await queryClient.invalidateQueries({ queryKey: CAMPAIGNS_KEY });
      await queryClient.invalidateQueries({ queryKey: campaignKey(id) });
      if (!campaign) void navigate(`/admin/campaigns/${id}`, { replace: true, state: { created: true } });
    },
  });
  const onSubmit = handleSubmit((form) => { save.mutate(form); }, (invalid) => {
    const first = Object.keys(invalid)[0];
    if (first && first !== 'leadFields' && first !== 'callingDays' && first !== 'allowedDispositions') {
      setFocus(first as keyof CampaignForm);
    }
  });
  const zones = useMemo(() => timeZones(), []);
  const countries = useMemo(() => getCountries().map((c) => ({ code: c, name: countryName(c, i18n.language) }))
    .sort((a, b) => a.name.localeCompare(b.name, i18n.language)), [i18n.language]);
  const id = (name: string) => `campaign-${name}`;
  const text = (name: keyof CampaignForm, extra: Record<string, unknown> = {}) => ({
    id: id(name), 'data-test': id(name), className: INPUT, ...invalidProps(id(name), errors[name] as never), ...extra,
  });

  return (
    <form data-test="campaign-form" noValidate onSubmit={(e) => { void onSubmit(e); }} className="flex flex-col gap-4">
      <fieldset disabled={!canEdit || isSubmitting || save.isPending} className="flex min-w-0 flex-col gap-4">
        <legend className="sr-only">{t('backoffice.campaign.settings')}</legend>
        <Section title={t('backoffice.campaign.general')} test="campaign-general">
          <Field id={id('name')} label={t('backoffice.campaign.name')} error={errors.name} required>
            <input type="text" maxLength={200} aria-required="true" {...text('name')} {...register('name')} />
          </Field>
          <Field id={id('status')} label={t('backoffice.campaign.status')}>
            <select {...text('status')} {...register('status')}>
              {CAMPAIGN_STATUSES.map((s) => <option key={s} value={s}>{tMaybe(i18n, `campaignStatus.${s}`) ?? s}</option>)}
            </select>
          </Field>
          <div className="md:col-span-2">
            <Field id={id('description')} label={t('backoffice.campaign.description')} error={errors.description}>
              <textarea rows={2} maxLength={4000} {...text('description')} {...register('description')} />
            </Field>
          </div>
        </Section>

        <Section title={t('backoffice.campaign.calling')} test="campaign-calling">
          <div className="md:col-span-2" role="group" aria-labelledby="campaign-days-label">
            <span id="campaign-days-label" className={LABEL}>{t('backoffice.campaign.callingDays')}</span>
            <div className="mt-1 flex flex-wrap gap-3" data-test="campaign-days">
              {DAYS.map((d) => (
                <label key={d} className="flex items-center gap-1 text-sm">
                  <input type="checkbox" value={String(d)} data-test={`campaign-day-${String(d)}`} {...register('callingDays')} />
                  {tMaybe(i18n, `weekday.${String(d)}`) ?? String(d)}
                </label>
              ))}
            </div>
            {errors.callingDays ? <p data-test="field-error" data-field="campaign-days" className="mt-1 text-sm font-medium text-red-700">
              {tMaybe(i18n, errors.callingDays.message ?? '') ?? errors.callingDays.message}</p> : null}
          </div>
          <Field id={id('hoursStart')} label={t('backoffice.campaign.hoursStart')} error={errors.hoursStart}>
            <input type="time" {...text('hoursStart')} {...register('hoursStart')} />
          </Field>
          <Field id={id('hoursEnd')} label={t('backoffice.campaign.hoursEnd')} error={errors.hoursEnd}>
            <input type="time" {...text('hoursEnd')} {...register('hoursEnd')} />
          </Field>
          <Field id={id('timeZone')} label={t('backoffice.campaign.timeZone')} error={errors.timeZone} hint={t('backoffice.campaign.timeZoneHint')}>
            <select {...text('timeZone')} {...register('timeZone')}>
              {zones.map((z) => <option key={z} value={z}>{z}</option>)}
            </select>
          </Field>
          <Field id={id('countryCode')} label={t('backoffice.campaign.country')} error={errors.countryCode} hint={t('backoffice.campaign.countryHint')}>
            <select {...text('countryCode')} {...register('countryCode')}>
              {countries.map((c) => <option key={c.code} value={c.code}>{c.name} ({c.code})</option>)}
            </select>
          </Field>
          <Field id={id('maxAttempts')} label={t('backoffice.campaign.maxAttempts')} error={errors.maxAttempts}>
            <input type="number" min={1} max={50} inputMode="numeric" {...text('maxAttempts')} {...register('maxAttempts')} />
          </Field>
          <Field id={id('retryDelays')} label={t('backoffice.campaign.retryDelays')} error={errors.retryDelays} hint={t('backoffice.campaign.retryDelaysHint')}>
            <input type="text" {...text('retryDelays')} {...register('retryDelays')} />
          </Field>
          <Field id={id('callerId')} label={t('backoffice.campaign.callerId')} error={errors.callerId} hint={t('backoffice.campaign.callerIdHint')}>
            <input type="tel" autoComplete="off" {...text('callerId')} {...register('callerId')} />
          </Field>
        </Section>

        <Section title={t('backoffice.campaign.dispositions')} test="campaign-dispositions">
          <div className="md:col-span-2" role="group" aria-labelledby="campaign-dispositions-label">
            <span id="campaign-dispositions-label" className={LABEL}>{t('backoffice.campaign.allowedDispositions')}</span>
            <div className="mt-1 grid grid-cols-1 gap-1 sm:grid-cols-2 lg:grid-cols-3">
              {(dispositions.data ?? []).map((d) => (
                <label key={d.code} className="flex items-center gap-2 text-sm">
                  <input type="checkbox" value={d.code} data-test="campaign-disposition" data-code={d.code} {...register('allowedDispositions')} />
                  {i18n.language === 'en' ? d.label_en : d.label_es}
                </label>
              ))}
            </div>
            {errors.allowedDispositions ? <p data-test="field-error" data-field="campaign-dispositions" className="mt-1 text-sm font-medium text-red-700">
              {tMaybe(i18n, errors.allowedDispositions.message ?? '') ?? errors.allowedDispositions.message}</p> : null}
          </div>
        </Section>

        <Section title={t('backoffice.campaign.recording')} test="campaign-recording">
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" data-test="campaign-recordingEnabled" {...register('recordingEnabled')} />
            {t('backoffice.campaign.recordingEnabled')}
          </label>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" data-test="campaign-recordingConsentRequired" {...register('recordingConsentRequired')} />
            {t('backoffice.campaign.consentRequired')}
          </label>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" data-test="campaign-agentsListenOwn" {...register('agentsListenOwn')} />
            {t('backoffice.campaign.agentsListenOwn')}
          </label>
          <Field id={id('retentionDays')} label={t('backoffice.campaign.retentionDays')} error={errors.retentionDays}>
            <input type="number" min={1} max={3650} inputMode="numeric" {...text('retentionDays')} {...register('retentionDays')} />
          </Field>
          <div className="md:col-span-2">
            <Field id={id('recordingNotice')} label={t('backoffice.campaign.recordingNotice')} error={errors.recordingNotice}>
              <textarea rows={2} maxLength={4000} {...text('recordingNotice')} {...register('recordingNotice')} />
            </Field>
          </div>
        </Section>

        <Section title={t('backoffice.campaign.leadFields')} test="campaign-lead-fields">
          <LeadFields control={control} register={register} errors={errors} />
        </Section>

        <Section title={t('backoffice.campaign.dialer')} test="campaign-dialer">
          <Field id={id('dialMode')} label={t('backoffice.campaign.dialMode')}>
            <select {...text('dialMode')} {...register('dialMode')}>
              {DIAL_MODES.map((m) => <option key={m} value={m}>{tMaybe(i18n, `backoffice.dialMode.${m}`) ?? m}</option>)}
            </select>
          </Field>
          <label className="flex items-center gap-2 self-end pb-2 text-sm">
            <input type="checkbox" data-test="campaign-amdEnabled" {...register('amdEnabled')} />
            {t('backoffice.campaign.amd')}
          </label>
          {dialMode !== 'preview' ? null : <p className="text-sm text-slate-600 md:col-span-2">{t('backoffice.campaign.dialerPreviewNote')}</p>}
          <Field id={id('abandonTargetPct')} label={t('backoffice.campaign.abandonTarget')} error={errors.abandonTargetPct}>
            <input type="number" min={0} max={3} step={0.1} inputMode="decimal" {...text('abandonTargetPct')} {...register('abandonTargetPct')} />
          </Field>
          <Field id={id('abandonCapPct')} label={t('backoffice.campaign.abandonCap')} error={errors.abandonCapPct}>
            <input type="number" min={0.1} max={3} step={0.1} inputMode="decimal" {...text('abandonCapPct')} {...register('abandonCapPct')} />
          </Field>
          <Field id={id('maxLinesPerAgent')} label={t('backoffice.campaign.maxLines')} error={errors.maxLinesPerAgent}>
            <input type="number" min={1} max={10} step={0.1} inputMode="decimal" {...text('maxLinesPerAgent')} {...register('maxLinesPerAgent')} />
          </Field>
          <Field id={id('predictiveMinAgents')} label={t('backoffice.campaign.minAgents')} error={errors.predictiveMinAgents}>
            <input type="number" min={1} max={1000} inputMode="numeric" {...text('predictiveMinAgents')} {...register('predictiveMinAgents')} />
          </Field>
          <Field id={id('amdFalsePositivePct')} label={t('backoffice.campaign.amdFalsePositive')} error={errors.amdFalsePositivePct}
            hint={t('backoffice.campaign.amdFalsePositiveHint')}>
            <input type="number" min={0} max={50} step={0.1} inputMode="decimal" {...text('amdFalsePositivePct')} {...register('amdFalsePositivePct')} />
          </Field>
          <Field id={id('ringTimeoutS')} label={t('backoffice.campaign.ringTimeout')} error={errors.ringTimeoutS} hint={t('backoffice.campaign.ringTimeoutHint')}>
            <input type="number" min={15} max={60} inputMode="numeric" {...text('ringTimeoutS')} {...register('ringTimeoutS')} />
          </Field>
          <Field id={id('abandonLockoutHours')} label={t('backoffice.campaign.lockout')} error={errors.abandonLockoutHours} hint={t('backoffice.campaign.lockoutHint')}>
            <input type="number" min={0} max={720} inputMode="numeric" {...text('abandonLockoutHours')} {...register('abandonLockoutHours')} />
          </Field>
          <div className="md:col-span-2">
            <Field id={id('abandonMessage')} label={t('backoffice.campaign.abandonMessage')} error={errors.abandonMessage}>
              <textarea rows={2} maxLength={4000} {...text('abandonMessage')} {...register('abandonMessage')} />
            </Field>
          </div>
        </Section>
      </fieldset>
      <Refusal error={save.error} test="campaign-error" />
      {canEdit ? (
        <div className="flex items-center gap-3">
          <button type="submit" data-test="campaign-save" className={PRIMARY} disabled={isSubmitting || save.isPending}>
            {campaign ? t('backoffice.save') : t('backoffice.campaign.create')}
          </button>
          {save.isSuccess && !isDirty ? <span role="status" data-test="campaign-saved" className="text-sm text-green-800">{t('admin.saved')}</span> : null}
        </div>
      ) : null}
    </form>
  );
}

export function CampaignEditor() {
  const { t } = useTranslation();
  const { supabase } = useAuth();
  const { campaignId } = useParams();
  const isNew = campaignId === undefined || campaignId === 'new';
  const canEdit = usePermission('campaigns.manage');
  const query = useQuery({
    queryKey: campaignKey(campaignId ?? 'new'),
    queryFn: () => getCampaign(supabase, campaignId ?? ''),
    enabled: !isNew,
  });
  const campaign = query.data ?? null;
  let body;
  if (canEdit === undefined || (!isNew && query.isPending)) body = <Loading />;
  else if (isNew && !canEdit) body = <p role="alert">{t('backoffice.readOnly')}</p>;
  else if (!isNew && (query.error || !campaign)) body = <Refusal error={query.error ?? new Error(t('backoffice.campaign.notFound'))} test="campaign-error" />;
  else {
    body = (
      <>
        {!canEdit ? <p data-test="campaign-read-only" role="note" className="rounded-md bg-slate-200 px-3 py-2 text-sm">{t('backoffice.campaign.readOnly')}</p> : null}
        <CampaignForm campaign={campaign} canEdit={canEdit} />
        {campaign ? <CampaignMembers campaignId={campaign.id} canEdit={canEdit} /> : null}
        {campaign ? <CampaignProducts campaignId={campaign.id} canEdit={canEdit} /> : null}
      </>
    );
  }
  return (
    <Page id="campaign-editor" title={isNew ? t('backoffice.campaign.newTitle') : (campaign?.name ?? t('backoffice.campaign.title'))}
      subtitle={t('backoffice.campaign.subtitle')}>
      <Link to="/admin/campaigns" data-test="campaign-back" className="self-start text-sm font-semibold text-brand underline">
        {t('backoffice.campaign.back')}
      </Link>
      {body}
    </Page>
  );
}
