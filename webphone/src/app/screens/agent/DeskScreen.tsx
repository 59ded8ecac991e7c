// The agent's desk: queue and own leads on the left, the lead card in the
// middle, phone, wrap-up and sale on the right; the agent's state in the top
// bar. This is where an agent spends the shift. The desk machine
// (desk/agent-desk.ts) holds the lead, the call and the wrap-up; this screen
// renders it and sends it the agent's actions. Hooks: agent-desk,
// campaign-select, next-lead, queue-message, today-stats, callbacks-list,
// callback-row, lead-search, my-leads, lead-row, lead-area, no-lead,
// next-lead-empty, lead-not-found (and those of the parts it holds).

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { isErasedLead } from '../../../desk/erased';
import { formatDateTime, formatDuration, formatTime } from '../../../i18n/format';
import { useProfile } from '../../auth/auth-context';
import { useNotices } from '../../components/Notices';
import { describeError } from '../../errors';
import { tMaybe } from '../../i18n';
import { formatPhone, leadName } from '../../lead-label';
import { useShortcuts } from '../../shortcuts';
import { useAgentSession, useDeskState } from './agent-session';
import { AgentStateControls, usePauseReason } from './AgentStateControls';
import {
  leadCard, type CallbackRow, type LeadCallRow, type LeadHistoryRow, type LeadListRow, type LeadSaleRow,
} from './desk-data';
import { statusTone } from '../../lead-label';
import { BADGE, LeadCard, type LeadTab } from './LeadCard';
import { useNow } from '../../clock';
import { ConsentNotice, PhonePanel } from './PhonePanel';

// The forms (react-hook-form + zod) come with the first lead: the desk is on screen without them.
const WrapUpForm = lazy(() => import('./WrapUpForm').then((m) => ({ default: m.WrapUpForm })));
const SaleForm = lazy(() => import('./SaleForm').then((m) => ({ default: m.SaleForm })));
// Dialer mode (a progressive or predictive campaign) and its words: loaded only there.
const DialerPanel = lazy(() => import('./DialerPanel').then((m) => ({ default: m.DialerPanel })));
const DIALER_MODES: readonly string[] = ['progressive', 'predictive'];

const REFRESH_MS = 60_000;
// The open lead's calls and sales change elsewhere too (a supervisor validates a sale).
const LEAD_REFRESH_MS = 15_000;
const CAMPAIGN_KEY = 'crm.campaign';

const CARD = 'rounded-xl border border-slate-200 bg-white p-4 shadow-sm';

/** Only the time for today, the date and time otherwise. */
function shortDateTime(value: string, language: string): string {
  const sameDay = new Date(value).toDateString() === new Date().toDateString();
  return sameDay ? formatTime(value, language) : formatDateTime(value, language);
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => { setDebounced(value); }, ms);
    return () => { clearTimeout(timer); };
  }, [value, ms]);
  return debounced;
}

type QueueMessage = { text: string; level: 'info' | 'warning' | 'error' } | null;

export function DeskScreen({ leadId }: { leadId: string | null }) {
  const { t, i18n } = useTranslation();
  const profile = useProfile();
  const { desk, phone, data } = useAgentSession();
  const state = useDeskState();
  const notices = useNotices();
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  const [campaignId, setCampaignId] = useState<string | null>(() => localStorage.getItem(CAMPAIGN_KEY));
  const [queueMessage, setQueueMessage] = useState<QueueMessage>(null);
  const [search, setSearch] = useState('');
  const debouncedSearch = useDebounced(search, 250);
  const [tab, setTab] = useState<LeadTab>('history');
  const [notFound, setNotFound] = useState(false);
  // Both belong to one call: keyed by its start, they close and clear with it.
  const [keypad, setKeypad] = useState<number | null>(null);
  const [tones, setTones] = useState<{ call: number | null; sent: string }>({ call: null, sent: '' });
  const [number, setNumber] = useState<{ leadId: string; number: string } | null>(null);
  const [pauseReason, setPauseReason] = usePauseReason();
  const searchRef = useRef<HTMLInputElement>(null);
  const busyWithCall = Boolean(state.activeCall);

  // --------------------------------------------------------------------------
  // Data
  // --------------------------------------------------------------------------

  const catalog = useQuery({
    queryKey: ['agent', 'catalog'],
    queryFn: async () => {
      const [campaigns, products, dispositions] = await Promise.all([data.listCampaigns(), data.listProducts(), data.listDispositions()]);
      return { campaigns: campaigns.filter((c) => c.status === 'active'), products, dispositions };
    },
    staleTime: Infinity,
  });
  const campaigns = catalog.data?.campaigns ?? [];
  const products = catalog.data?.products ?? [];
  const dispositions = catalog.data?.dispositions ?? [];
  const campaign = campaigns.some((c) => c.id === campaignId) ? campaignId : (campaigns[0]?.id ?? null);
  const dialMode = campaigns.find((c) => c.id === campaign)?.dial_mode ?? 'preview';
  const dialer = DIALER_MODES.includes(dialMode);
  // While a dialer session is open the campaign stays (the session is the campaign's).
  const [dialerOpen, setDialerOpen] = useState(false);

  const myLeads = useQuery({
    queryKey: ['agent', 'myLeads', profile.id, debouncedSearch],
    queryFn: () => data.listMyLeads(profile.id, { search: debouncedSearch }),
    // The list stays on screen while a new search is on its way.
    placeholderData: (previous) => previous,
    refetchInterval: busyWithCall ? false : REFRESH_MS,
  });
  const callbacks = useQuery({
    queryKey: ['agent', 'callbacks', profile.id],
    queryFn: () => data.listMyCallbacks(profile.id),
    refetchInterval: busyWithCall ? false : REFRESH_MS,
  });
  const today = useQuery({
    queryKey: ['agent', 'today', profile.id],
    queryFn: async () => {
      const start = new Date();
      start.setHours(0, 0, 0, 0);
      const calls = await data.listMyCallsSince(profile.id, start.toISOString());
      return {
        calls: calls.length,
        talk: calls.reduce((sum, c) => sum + (c.talk_seconds ?? 0), 0),
        sales: calls.filter((c) => c.disposition === 'sale').length,
      };
    },
    refetchInterval: busyWithCall ? false : REFRESH_MS,
  });

  const refreshLists = useCallback(() => {
    for (const what of ['myLeads', 'callbacks', 'today']) void queryClient.invalidateQueries({ queryKey: ['agent', what] });
  }, [queryClient]);

  // --------------------------------------------------------------------------
  // Actions
  // --------------------------------------------------------------------------

  const showError = useCallback((err: unknown) => {
    if (err instanceof Error && err.name === 'PhoneError') {
      const code = (err as Error & { code: string }).code;
      if (code.startsWith('mic_')) {
        // Stays until the next call gets the microphone.
        notices.showBanner('mic', { level: 'error', title: t('banner.mic.title'), text: describeError(i18n, err) });
        return;
      }
    }
    notices.toast(describeError(i18n, err), { level: 'error', ms: 7000 });
  }, [notices, t, i18n]);

  const showLead = useCallback((id: string) => {
    void navigate(`/agent/lead/${id}`, { replace: true });
  }, [navigate]);

  const open = useCallback(async (id: string) => {
    try {
      await desk.openLead(id);
      setTab('history');
      setNotFound(false);
      showLead(id);
    } catch (err) {
      if (err instanceof Error && err.name === 'DeskError' && (err as Error & { code: string }).code === 'lead_not_found') setNotFound(true);
      else showError(err);
    }
  }, [desk, showLead, showError]);

  const takeNext = useCallback(async () => {
    if (dialer) return; // the dialer brings the leads
    setQueueMessage(null);
    try {
      const lead = await desk.takeNextLead(campaign);
      if (!lead) {
        setQueueMessage({ text: t('desk.queueEmpty'), level: 'info' });
      } else {
        setTab('history');
        setNotFound(false);
        showLead(lead.id);
        void queryClient.invalidateQueries({ queryKey: ['agent', 'myLeads'] });
      }
    } catch (err) {
      setQueueMessage({ text: describeError(i18n, err), level: 'error' });
    }
  }, [desk, campaign, dialer, t, i18n, showLead, queryClient]);

  const callStart = state.call.status === 'confirmed' ? state.call.startedAt : null;
  const keypadOpen = callStart !== null && keypad === callStart;
  const setKeypadOpen = useCallback((open: boolean) => { setKeypad(open ? callStart : null); }, [callStart]);
  const dtmfSent = tones.call === callStart ? tones.sent : '';
  const sendTone = useCallback((key: string) => {
    if (desk.dtmf(key)) setTones((old) => ({ call: callStart, sent: ((old.call === callStart ? old.sent : '') + key).slice(-24) }));
  }, [desk, callStart]);

  const pause = useCallback(() => { desk.pause(pauseReason); }, [desk, pauseReason]);
  const resume = useCallback(() => {
    try { desk.resume(); } catch { /* not paused: nothing to do */ }
  }, [desk]);

  // --------------------------------------------------------------------------
  // Start: the catalog, a call left open by a reload, then the lead in the URL
  // --------------------------------------------------------------------------

  const [started, setStarted] = useState(false);
  const starting = useRef(false);
  useEffect(() => {
    if (!catalog.isFetched || starting.current) return;
    starting.current = true;
    if (catalog.error) showError(catalog.error);
    // The wrap-up needs the dispositions (which one asks for a callback time).
    desk.setDispositions(catalog.data?.dispositions ?? []);
    void (async () => {
      const recovered = await desk.recoverOpenCall(profile.id).catch((err: unknown) => {
        console.warn('[desk] could not look for calls left open', err);
        return false;
      });
      if (recovered && desk.state.lead) showLead(desk.state.lead.id);
      setStarted(true);
    })();
  }, [catalog.isFetched, catalog.error, catalog.data, desk, profile.id, showError, showLead]);

  // A lead asked for by URL (a link, the back button, a reload).
  useEffect(() => {
    if (!started || !leadId || desk.state.lead?.id === leadId) return;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- open() sets state only once the lead has been read
    void open(leadId);
  }, [started, leadId, desk, open]);

  // The open lead follows changes made elsewhere (a validated sale).
  useEffect(() => {
    const timer = setInterval(() => {
      const s = desk.state;
      if (s.lead && !s.activeCall && !s.busy.dialing && !document.hidden) desk.refreshLead().catch(() => undefined);
    }, LEAD_REFRESH_MS);
    return () => { clearInterval(timer); };
  }, [desk]);

  // The microphone banner goes once a call has the microphone; the keypad closes with the call.
  useEffect(() => {
    if (state.call.live) notices.hideBanner('mic');
  }, [state.call.live, notices]);

  // --------------------------------------------------------------------------
  // Keyboard
  // --------------------------------------------------------------------------

  useShortcuts({
    n: () => { void takeNext(); },
    c: () => {
      if (!dialer && !phone.callSnapshot().live) desk.call(number?.leadId === state.lead?.id ? number?.number ?? null : null).catch(showError);
    },
    x: () => { desk.hangup(); },
    m: () => desk.mute(!phone.callSnapshot().muted),
    h: () => desk.hold(!phone.callSnapshot().onHold),
    k: () => { if (phone.callSnapshot().status === 'confirmed') setKeypadOpen(!keypadOpen); },
    dtmf: (key) => {
      if (phone.callSnapshot().status !== 'confirmed') return false;
      sendTone(key);
      return true;
    },
    w: () => { document.getElementById('wrap-up-disposition')?.focus(); },
    s: () => {
      const card = document.getElementById('sale-card');
      if (!(card instanceof HTMLDetailsElement)) return false;
      card.open = true;
      document.getElementById('sale-product')?.focus();
      return true;
    },
    '/': () => { searchRef.current?.focus(); },
    p: pause,
    a: resume,
  });

  // --------------------------------------------------------------------------
  // Rendering
  // --------------------------------------------------------------------------

  const lead = state.lead ? leadCard(state.lead) : null;
  const lang = i18n.language;
  const now = useNow(30_000);
  const nextDisabled = dialer || Boolean(state.wrapUp || state.activeCall || state.busy.nextLead || state.busy.dialing);
  const noCampaign = catalog.isSuccess && campaigns.length === 0;
  const message: QueueMessage = queueMessage ?? (noCampaign ? { text: t('desk.noCampaign'), level: 'warning' }
    : dialer ? { text: tMaybe(i18n, 'dialer.hint.nextLead') ?? '', level: 'info' } : null);
  // The lead in hand is fresher than the list (its status follows the call).
  const leadRows: LeadListRow[] = (myLeads.data ?? []).map((row) => (lead?.id === row.id ? { ...row, status: lead.status } : row));
  const chosenNumber = number?.leadId === lead?.id ? number?.number ?? null : lead?.phone ?? null;

  return (
    <div id="agent-desk" data-test="agent-desk"
      className="grid grid-cols-1 items-start gap-4 md:grid-cols-[minmax(0,1fr)_20rem] xl:grid-cols-[17rem_minmax(0,1fr)_22rem]">
      <AgentStateControls reason={pauseReason} onReason={setPauseReason} />
      <h1 className="sr-only">{t('nav.desk')}</h1>

      {/* On a tablet the lists go under the lead and the phone, which the agent needs first. */}
      <aside aria-label={t('desk.myLeads')}
        className="order-last flex flex-col gap-4 md:col-span-2 md:grid md:grid-cols-3 xl:order-none xl:col-span-1 xl:flex">
        <section className={`${CARD} flex flex-col gap-3`}>
          <div>
            <label htmlFor="campaign-select" className="block text-sm font-semibold text-slate-800">{t('desk.campaign')}</label>
            <select id="campaign-select" data-test="campaign-select" value={campaign ?? ''} disabled={campaigns.length < 2 || dialerOpen}
              onChange={(e) => { setCampaignId(e.target.value); localStorage.setItem(CAMPAIGN_KEY, e.target.value); }}
              className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm disabled:bg-slate-50">
              {campaigns.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
            </select>
          </div>
          <button id="next-lead-button" data-test="next-lead" type="button" title={`${t('desk.nextLead')} (N)`}
            disabled={nextDisabled} aria-busy={state.busy.nextLead} onClick={() => { void takeNext(); }}
            className="flex items-center justify-center gap-2 rounded-lg bg-brand px-4 py-3 text-lg font-semibold text-white hover:bg-brand-hover focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand disabled:opacity-50">
            <span aria-hidden="true">➜</span>{t('desk.nextLead')}
            <kbd className="rounded border border-white/40 px-1.5 text-xs">N</kbd>
          </button>
          <p id="queue-message" data-test="queue-message" role="status" hidden={!message}
            className={`text-sm ${message?.level === 'error' ? 'text-red-700' : message?.level === 'warning' ? 'text-amber-800' : 'text-slate-700'}`}>
            {message?.text}
          </p>
          <dl data-test="today-stats" className="flex flex-col gap-1 text-sm">
            {([
              [t('desk.today.calls'), String(today.data?.calls ?? 0)],
              [t('desk.today.talk'), formatDuration(today.data?.talk ?? 0)],
              [t('desk.today.sales'), String(today.data?.sales ?? 0)],
            ] as const).map(([label, value]) => (
              <div key={label} className="flex items-baseline justify-between gap-2 rounded-md bg-slate-50 px-2 py-1">
                <dt className="text-slate-600">{label}</dt>
                <dd className="font-mono font-bold">{value}</dd>
              </div>
            ))}
          </dl>
        </section>

        <section aria-labelledby="callbacks-title" className={CARD}>
          <h2 id="callbacks-title" className="mb-2 text-base font-semibold">{t('desk.callbacks')}</h2>
          <ul id="callbacks-list" data-test="callbacks-list" className="flex flex-col gap-1">
            {callbacks.error ? <li className="text-sm text-red-700">{describeError(i18n, callbacks.error)}</li>
              : !callbacks.data?.length ? <li className="text-sm text-slate-600">{t('desk.noCallbacks')}</li>
                : callbacks.data.map((cb) => (
                  <CallbackItem key={cb.id} cb={cb} now={now} active={lead?.id === cb.lead_id} onOpen={() => { void open(cb.lead_id); }} />
                ))}
          </ul>
        </section>

        <section aria-labelledby="my-leads-title" className={`${CARD} flex min-h-0 flex-col`}>
          <h2 id="my-leads-title" className="mb-2 text-base font-semibold">{t('desk.myLeads')}</h2>
          <input ref={searchRef} id="lead-search" data-test="lead-search" type="search" aria-label={t('desk.search')}
            placeholder={t('desk.searchPlaceholder')} value={search} onChange={(e) => { setSearch(e.target.value); }}
            className="mb-2 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm" />
          <ul id="my-leads" data-test="my-leads" className="flex max-h-[28rem] flex-col gap-1 overflow-y-auto">
            {myLeads.error ? <li className="text-sm text-red-700">{describeError(i18n, myLeads.error)}</li>
              : myLeads.data && !leadRows.length
                ? <li className="text-sm text-slate-600">{debouncedSearch ? t('desk.noSearchResults') : t('desk.noLeads')}</li>
                : leadRows.map((row) => (
                  <li key={row.id}>
                    <button type="button" data-test="lead-row" data-lead-id={row.id} aria-current={lead?.id === row.id ? 'true' : undefined}
                      onClick={() => { void open(row.id); }}
                      className={`flex w-full items-start justify-between gap-2 rounded-md px-2 py-1.5 text-left text-sm hover:bg-slate-50 ${lead?.id === row.id ? 'bg-brand/10' : ''}`}>
                      <span className="min-w-0">
                        <strong className="block truncate">{leadName(t, row)}</strong>
                        <span className="block truncate text-xs text-slate-600">{[row.phone ? formatPhone(row.phone) : null, row.city].filter(Boolean).join(' · ')}</span>
                      </span>
                      <span className="flex shrink-0 flex-col items-end gap-0.5">
                        <span className={`${BADGE} ${statusTone(row.status)}`}>{tMaybe(i18n, `leadStatus.${row.status}`) ?? row.status}</span>
                        {row.next_call_at && new Date(row.next_call_at).getTime() > now ? (
                          <span className="text-xs text-slate-600" title={t('lead.nextCall')}>{shortDateTime(row.next_call_at, lang)}</span>
                        ) : null}
                      </span>
                    </button>
                  </li>
                ))}
          </ul>
        </section>
      </aside>

      <section id="lead-area" data-test="lead-area" aria-label={lead ? leadName(t, lead) : t('desk.noLeadTitle')} className="min-w-0">
        <ConsentNotice onError={showError} />
        {notFound ? (
          <div id="lead-not-found" data-test="lead-not-found" role="alert" className={`${CARD} py-10 text-center`}>
            <h2 className="text-xl font-semibold">{t('desk.leadNotFoundTitle')}</h2>
            <p className="mt-2 text-slate-600">{t('desk.error.lead_not_found')}</p>
          </div>
        ) : lead ? (
          <LeadCard lead={lead} tab={tab} onTab={setTab} dispositions={dispositions}
            details={{
              // The desk reads these with the data functions of desk-data.ts: their rows.
              history: state.details.history as LeadHistoryRow[],
              calls: state.details.calls as LeadCallRow[],
              sales: state.details.sales as LeadSaleRow[],
              loading: state.details.loading,
            }}
            // Agents hear their own calls only where the campaign allows it (the database decides anyway).
            allowListen={profile.role !== 'agent' || Boolean(lead.campaign?.agents_can_listen_own_recordings)} />
        ) : (
          <div data-test="no-lead" className={`${CARD} py-10 text-center`}>
            <h2 className="text-xl font-semibold">{t('desk.noLeadTitle')}</h2>
            <p className="mt-2 text-slate-600">{t('desk.noLeadText')}</p>
            <button type="button" data-test="next-lead-empty" disabled={nextDisabled} onClick={() => { void takeNext(); }}
              className="mt-4 rounded-lg bg-brand px-5 py-2.5 font-semibold text-white hover:bg-brand-hover disabled:opacity-50">
              {t('desk.nextLead')}
            </button>
          </div>
        )}
      </section>

      {/* No sticky parts here: the wrap-up must never slide under the phone panel. */}
      <aside aria-label={t('phone.title')} className="flex min-w-0 flex-col gap-4">
        {dialer && campaign ? (
          started ? (
            <Suspense fallback={null}>
              <DialerPanel key={campaign} campaignId={campaign} mode={dialMode} onError={showError} onActive={setDialerOpen} />
            </Suspense>
          ) : null
        ) : (
          <PhonePanel onError={showError} keypadOpen={keypadOpen} onKeypad={setKeypadOpen} dtmfSent={dtmfSent} onTone={sendTone}
            number={chosenNumber} onNumber={(n) => { if (lead) setNumber({ leadId: lead.id, number: n }); }} />
        )}
        <Suspense fallback={null}>
          {state.wrapUp ? (
            <WrapUpForm key={state.wrapUp.callId} wrapUp={state.wrapUp} lead={lead} dispositions={dispositions}
              submit={(form) => desk.submitWrapUp(form)}
              onDone={() => { notices.toast(t('wrapUp.saved')); refreshLists(); }} />
          ) : null}
          {/* Nothing is sold to a lead whose personal data was erased. */}
          {lead && !isErasedLead(lead) ? (
            <SaleForm key={lead.id} lead={lead} products={products}
              register={(sale) => desk.registerSale(sale)} onSaved={() => { notices.toast(t('sale.saved')); }} />
          ) : null}
        </Suspense>
      </aside>
    </div>
  );
}

function CallbackItem({ cb, now, active, onOpen }: { cb: CallbackRow; now: number; active: boolean; onOpen: () => void }) {
  const { t, i18n } = useTranslation();
  const due = new Date(cb.due_at).getTime() <= now;
  // RLS may hide the lead of an old callback, whatever the embedding's type says.
  const cbLead = cb.lead as CallbackRow['lead'] | null;
  return (
    <li>
      <button type="button" data-test="callback-row" data-lead-id={cb.lead_id} aria-current={active ? 'true' : undefined} onClick={onOpen}
        className={`flex w-full items-start justify-between gap-2 rounded-md px-2 py-1.5 text-left text-sm hover:bg-slate-50 ${active ? 'bg-brand/10' : ''}`}>
        <span className="min-w-0">
          <strong className="block truncate">{cbLead ? leadName(t, cbLead) : t('desk.unknownLead')}</strong>
          <span className="block truncate text-xs text-slate-600">{cbLead?.phone ? formatPhone(cbLead.phone) : ''}</span>
        </span>
        <span className="flex shrink-0 flex-col items-end gap-0.5 text-xs">
          <span className={due ? 'font-semibold text-red-700' : 'text-slate-600'}>{shortDateTime(cb.due_at, i18n.language)}</span>
          {due ? <span className={`${BADGE} bg-red-100 text-red-800`}>{t('desk.due')}</span> : null}
        </span>
      </button>
    </li>
  );
}
