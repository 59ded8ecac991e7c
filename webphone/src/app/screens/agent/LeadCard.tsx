// The lead card: who the agent is calling (contact data, local time, consent,
// attempts), and the lead's history, past calls and sales in tabs. Hooks:
// lead-card (data-lead-id), lead-name, lead-status (data-status), lead-phone,
// lead-local-time, lead-erased, lead-tab-<tab>, lead-<tab>, history-row
// (data-kind), history-erased, call-row (data-call-id), sale-row
// (data-sale-id, data-status), sale-status.

import { lazy, Suspense, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isErasedLead } from '../../../desk/erased';
import { formatCurrency, formatDateTime, formatTime, initials } from '../../../i18n/format';
import { tMaybe } from '../../i18n';
import { formatPhone, leadName, statusTone } from '../../lead-label';
import type { DispositionRow, LeadCallRow, LeadHistoryRow, LeadInHand, LeadSaleRow } from './desk-data';
import { historyEntry } from './lead-history';

// The calls tab brings the recording player (and what it checks answers with): loaded when opened.
const CallsTable = lazy(() => import('./LeadCalls').then((m) => ({ default: m.CallsTable })));

export type LeadTab = 'history' | 'calls' | 'sales';

export const BADGE = 'inline-block rounded px-1.5 py-0.5 text-xs font-semibold';


function Chip({ value, label }: { value: boolean | null; label: string }) {
  const tone = value === true ? 'border-emerald-300 bg-emerald-50 text-emerald-800'
    : value === false ? 'border-red-300 bg-red-50 text-red-800' : 'border-slate-300 bg-slate-50 text-slate-700';
  const mark = value === true ? '✓' : value === false ? '✗' : '?';
  return (
    <span className={`inline-flex items-center gap-1 rounded-full border px-2 py-0.5 text-xs font-medium ${tone}`}>
      <span aria-hidden="true">{mark}</span>{label}
    </span>
  );
}

interface LeadCardProps {
  lead: LeadInHand;
  details: { history: LeadHistoryRow[]; calls: LeadCallRow[]; sales: LeadSaleRow[]; loading: boolean };
  dispositions: readonly DispositionRow[];
  tab: LeadTab;
  onTab: (tab: LeadTab) => void;
  /** Whether this user may ask for the recordings (an agent only where the campaign allows it). */
  allowListen: boolean;
}

export function LeadCard({ lead, details, dispositions, tab, onTab, allowListen }: LeadCardProps) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const campaign = lead.campaign;
  const erased = isErasedLead(lead);
  const name = leadName(t, lead);

  const contact: [string, ReactNode][] = erased ? [
    [t('lead.attempts'), String(lead.attempts)],
    [t('lead.lastCalled'), lead.last_called_at ? formatDateTime(lead.last_called_at, lang) : t('lead.never')],
  ] : [
    [t('lead.phone'), <span data-test="lead-phone" className="font-mono">{formatPhone(lead.phone)}</span>],
    ...(lead.alternate_phones.length
      ? [[t('lead.alternatePhones'), lead.alternate_phones.map(formatPhone).join(', ')] as [string, ReactNode]] : []),
    [t('lead.email'), lead.email || '—'],
    [t('lead.address'), [lead.address_line, lead.postal_code, lead.city, lead.region].filter(Boolean).join(', ') || '—'],
    [t('lead.localTime'), <span><strong data-test="lead-local-time">{formatTime(new Date(), lang, lead.time_zone)}</strong> · {lead.time_zone}</span>],
    [t('lead.birthDate'), lead.birth_date ? (formatDateTime(`${lead.birth_date}T12:00:00Z`, lang).split(',')[0] ?? '—') : '—'],
    [t('lead.attempts'), `${String(lead.attempts)}${campaign?.max_attempts ? ` / ${String(campaign.max_attempts)}` : ''}`],
    [t('lead.lastCalled'), lead.last_called_at ? formatDateTime(lead.last_called_at, lang) : t('lead.never')],
    [t('lead.nextCall'), lead.next_call_at ? formatDateTime(lead.next_call_at, lang) : '—'],
    [t('lead.source'), lead.source || '—'],
  ];
  const custom = erased || !lead.custom || typeof lead.custom !== 'object' || Array.isArray(lead.custom)
    ? [] : Object.entries(lead.custom);

  const tabs: [LeadTab, string, number][] = [
    ['history', t('lead.tab.history'), details.history.length],
    ['calls', t('lead.tab.calls'), details.calls.length],
    ['sales', t('lead.tab.sales'), details.sales.length],
  ];
  const dispositionLabel = (code: string) => {
    const d = dispositions.find((x) => x.code === code);
    return d ? (lang === 'en' ? d.label_en : d.label_es) : code;
  };

  return (
    <article id="lead-card" data-test="lead-card" data-lead-id={lead.id}
      className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <header className="flex flex-wrap items-center gap-3">
        <div aria-hidden="true"
          className={`grid size-12 place-items-center rounded-full text-lg font-bold ${erased ? 'bg-slate-200 text-slate-500' : 'bg-brand/10 text-brand'}`}>
          {erased ? '—' : initials(name)}
        </div>
        <div className="min-w-0 flex-1">
          <h2 data-test="lead-name" className={`text-xl font-semibold ${erased ? 'text-slate-500 italic' : ''}`}>{name}</h2>
          <div className="mt-1 flex flex-wrap items-center gap-2 text-sm">
            <span data-test="lead-status" data-status={lead.status} className={`${BADGE} ${statusTone(lead.status)}`}>
              {tMaybe(i18n, `leadStatus.${lead.status}`) ?? lead.status}
            </span>
            {campaign ? <span className="text-slate-600">{campaign.name}</span> : null}
          </div>
        </div>
        {erased ? null : (
          <div className="font-mono text-lg font-semibold text-slate-800"><span aria-hidden="true">☎ </span>{formatPhone(lead.phone)}</div>
        )}
      </header>
      {erased ? (
        <p data-test="lead-erased" role="note" className="mt-3 rounded-md border border-sky-200 bg-sky-50 p-3 text-sm text-sky-900">
          {t('lead.erasedNote', { when: formatDateTime(lead.erased_at, lang) || '—' })}
        </p>
      ) : null}
      <dl className="mt-4 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm lg:grid-cols-[max-content_1fr_max-content_1fr]">
        {contact.map(([label, value]) => (
          <div key={label} className="contents">
            <dt className="font-medium text-slate-600">{label}</dt>
            <dd className="min-w-0 break-words">{value}</dd>
          </div>
        ))}
      </dl>
      {erased ? null : (
        <div className="mt-3 flex flex-wrap gap-2">
          <Chip value={lead.consent_contact} label={t('lead.consentContact')} />
          <Chip value={lead.consent_recording} label={t('lead.consentRecording')} />
          <Chip value={lead.consent_marketing} label={t('lead.consentMarketing')} />
        </div>
      )}
      {custom.length ? (
        <dl className="mt-3 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
          {custom.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="font-medium text-slate-600">{k}</dt>
              <dd>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {!erased && lead.notes ? <p className="mt-3 rounded-md bg-amber-50 p-2 text-sm text-amber-900">{lead.notes}</p> : null}
      <div role="tablist" aria-label={name || t('lead.tab.history')} className="mt-4 flex gap-1 border-b border-slate-200">
        {tabs.map(([key, label, count]) => (
          <button key={key} type="button" role="tab" id={`lead-tab-${key}`} aria-selected={tab === key} aria-controls="lead-tab-body"
            data-test={`lead-tab-${key}`} onClick={() => { onTab(key); }}
            className={`-mb-px border-b-2 px-3 py-2 text-sm font-semibold ${tab === key ? 'border-brand text-brand' : 'border-transparent text-slate-600 hover:text-slate-900'}`}>
            {label} <span className="ml-1 rounded-full bg-slate-100 px-1.5 text-xs text-slate-700">{count}</span>
          </button>
        ))}
      </div>
      <div id="lead-tab-body" role="tabpanel" aria-labelledby={`lead-tab-${tab}`} data-test={`lead-${tab}`} className="pt-3">
        {tab === 'calls' ? (
          <Suspense fallback={<Empty loading text="" />}>
            <CallsTable calls={details.calls} label={dispositionLabel} allowListen={allowListen} loading={details.loading} />
          </Suspense>
        )
          : tab === 'sales' ? <SalesTable sales={details.sales} loading={details.loading} />
            : <HistoryList history={details.history} loading={details.loading} />}
      </div>
    </article>
  );
}

export function Empty({ loading, text }: { loading: boolean; text: string }) {
  const { t } = useTranslation();
  return <p className="text-sm text-slate-600">{loading ? t('common.loading') : text}</p>;
}

export function HistoryList({ history, loading }: { history: LeadHistoryRow[]; loading: boolean }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  if (!history.length) return <Empty loading={loading} text={t('lead.noHistory')} />;
  const show = (field: string, value: unknown): string => {
    if (value === null || value === undefined || value === '') return '—';
    if (field === 'status' && typeof value === 'string') return tMaybe(i18n, `leadStatus.${value}`) ?? value;
    if (field.endsWith('_at') && typeof value === 'string') return formatDateTime(value, lang);
    if (field === 'owner_id') return t('history.agent');
    if (field === 'phone' && typeof value === 'string') return formatPhone(value);
    if (typeof value === 'boolean') return value ? t('common.yes') : t('common.no');
    if (Array.isArray(value)) return value.join(', ') || '—';
    return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value);
  };
  return (
    <ol className="flex flex-col gap-2">
      {history.map((row) => {
        const entry = historyEntry(row);
        const what = entry.kind === 'created' ? t('history.created')
          : (entry.via ? tMaybe(i18n, `history.via.${entry.via}`) : null) ?? t('history.updated');
        const actor = row.actor && row.actor !== 'user' ? tMaybe(i18n, `history.actor.${row.actor}`) ?? row.actor : null;
        return (
          <li key={row.id} data-test="history-row" data-kind={entry.kind} className="border-l-2 border-slate-200 pl-3 text-sm">
            <time dateTime={row.changed_at} className="block text-xs text-slate-600">{formatDateTime(row.changed_at, lang)}</time>
            <strong>{what}</strong>
            {actor ? <span className="text-slate-600"> · {actor}</span> : null}
            {entry.kind === 'erased' ? (
              <p data-test="history-erased" className="text-xs text-slate-600">
                {t('history.erasedFields', { fields: entry.fields.map((f) => tMaybe(i18n, `lead.field.${f}`) ?? f).join(', ') || '—' })}
              </p>
            ) : entry.changes.length ? (
              <ul className="text-xs text-slate-700">
                {entry.changes.map((c) => (
                  <li key={c.field}>
                    <span className="font-medium">{tMaybe(i18n, `lead.field.${c.field}`) ?? c.field}</span>:{' '}
                    {c.hasOld ? <><span className="text-slate-500 line-through">{show(c.field, c.old)}</span> → </> : null}
                    <span>{show(c.field, c.new)}</span>
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}

export const TH = 'px-2 py-1.5 text-left text-xs font-semibold uppercase tracking-wide text-slate-600';
export const TD = 'px-2 py-1.5 align-top';

export function SalesTable({ sales, loading }: { sales: LeadSaleRow[]; loading: boolean }) {
  const { t, i18n } = useTranslation();
  if (!sales.length) return <Empty loading={loading} text={t('lead.noSales')} />;
  const lang = i18n.language;
  return (
    <div className="overflow-x-auto" role="region" aria-label={t('lead.tab.sales')} tabIndex={0}>
      <table className="w-full text-sm">
        <thead className="border-b border-slate-200">
          <tr>
            <th className={TH}>{t('sales.when')}</th><th className={TH}>{t('sales.product')}</th>
            <th className={`${TH} text-right`}>{t('sales.premium')}</th><th className={TH}>{t('sales.policy')}</th>
            <th className={TH}>{t('sales.status')}</th>
          </tr>
        </thead>
        <tbody>
          {sales.map((s) => (
            <tr key={s.id} data-test="sale-row" data-sale-id={s.id} data-status={s.status} className="border-b border-slate-100">
              <td className={`${TD} whitespace-nowrap`}>{formatDateTime(s.sold_at, lang)}</td>
              <td className={TD}>{(s.product as LeadSaleRow['product'] | null)?.name ?? '—'}</td>
              <td className={`${TD} text-right tabular-nums`}>
                {formatCurrency(s.premium, s.currency, lang)}
                <small className="text-slate-600"> / {tMaybe(i18n, `frequency.${s.payment_frequency}`) ?? s.payment_frequency}</small>
              </td>
              <td className={`${TD} font-mono`}>{s.policy_number || '—'}</td>
              <td className={TD}>
                <span data-test="sale-status" className={`${BADGE} ${s.status === 'validated' ? 'bg-emerald-100 text-emerald-800' : s.status === 'rejected' ? 'bg-red-100 text-red-800' : 'bg-amber-100 text-amber-900'}`}>
                  {tMaybe(i18n, `saleStatus.${s.status}`) ?? s.status}
                </span>
                {s.status_reason ? <div className="text-xs text-slate-600">{s.status_reason}</div> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
