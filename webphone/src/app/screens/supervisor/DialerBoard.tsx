// /supervisor/dialer: what the dialer does in each campaign the supervisor
// runs (admins: every one), live. Per campaign: the configured and the
// effective mode (why it fell back, in words), lines in progress, dial ratio,
// ready / talking / wrap-up / paused agents, live-answer rate; abandonment
// today, 24 h and 30 days (rpc/dialer_compliance) as bars against the target
// and the cap line; the last hour of dialer_samples (lines and ratio;
// abandonment over 24 h); pause / resume and the mode switch, confirmed.
// dialer_campaign_state is pushed by Realtime (postgres_changes, under RLS),
// read after every join and every 5 s only while Realtime is down; the
// ledger and the samples are read every 30 s. Its own lazy chunk with its
// words. Hooks: dialer-board, dialer-live (data-state), dialer-card
// (data-campaign-id, data-effective), dialer-configured, dialer-effective,
// dialer-reason, dialer-stat-<lines|ratio|ready|talking|wrap_up|paused|live_rate>,
// dialer-updated, dialer-compliance, dialer-abandon-<today|h24|d30>
// (data-level), dialer-chart-compliance, dialer-chart-lines,
// dialer-chart-abandon, dialer-pause, dialer-resume, dialer-mode-select,
// dialer-mode-apply.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  Bar, BarChart, type BarShapeProps, CartesianGrid, ComposedChart, Line, LineChart, Rectangle, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis,
} from 'recharts';
import {
  dialerCompliance, dialerSetMode, dialerSetPaused, listDialerCampaigns, listDialerSamples, listDialerStates,
  type DialerCampaignRow, type DialerCampaignState,
} from '../../../data/dialer';
import { formatNumber, formatTime } from '../../../i18n/format';
import dialerEn from '../../../i18n/dialer.en';
import dialerEs from '../../../i18n/dialer.es';
import { useAuth } from '../../auth/auth-context';
import { useNow } from '../../clock';
import { useNotices } from '../../components/Notices';
import { CARD } from '../../components/table';
import { describeError } from '../../errors';
import { addDictionaries } from '../../i18n';
import { useRealtimeChannels } from '../../realtime';
import {
  applyStateChange, complianceAxisMax, complianceBars, DIALER_MODES, effectiveModeKey, fallbackKey, isStale, samplePoints,
  type ComplianceLevel, type DialerMode,
} from './dialer-logic';

addDictionaries({ es: dialerEs, en: dialerEn });

const STATES_KEY = ['dialer', 'states'] as const;
const POLL_MS = 5_000;
const LEDGER_MS = 30_000;
const HOUR_MS = 3600_000;

const LEVEL_COLOR: Record<ComplianceLevel, string> = { none: '#94a3b8', ok: '#15803d', over_target: '#b45309', over_cap: '#b91c1c' };
const LEVEL_TEXT: Record<ComplianceLevel, string> = { none: 'text-slate-600', ok: 'text-emerald-800', over_target: 'text-amber-800', over_cap: 'text-red-700' };
const EFFECTIVE_TONE: Record<string, string> = {
  predictive: 'bg-emerald-100 text-emerald-800', progressive: 'bg-sky-100 text-sky-900', paused: 'bg-slate-200 text-slate-800',
  stopped_cap: 'bg-red-100 text-red-800', no_agents: 'bg-amber-100 text-amber-900', off: 'bg-slate-200 text-slate-700',
};

function pct(rate: number | null | undefined, language: string, digits = 1): string {
  return rate === null || rate === undefined ? '—' : `${formatNumber(rate * 100, language, digits)} %`;
}

export function DialerBoard() {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const queryClient = useQueryClient();
  const live = useRealtimeChannels(['dialer-campaign-state'], {
    private: false,
    bind: (channel) => {
      channel.on('postgres_changes', { event: '*', schema: 'public', table: 'dialer_campaign_state' }, (change) => {
        const row = (change.eventType === 'DELETE' ? change.old : change.new) as DialerCampaignState;
        queryClient.setQueryData<DialerCampaignState[]>(STATES_KEY, (old) => applyStateChange(old, row, change.eventType));
      });
    },
    onJoined: () => { void queryClient.invalidateQueries({ queryKey: STATES_KEY }); },
  });
  const campaigns = useQuery({ queryKey: ['dialer', 'campaigns'], queryFn: () => listDialerCampaigns(supabase) });
  const states = useQuery({
    queryKey: STATES_KEY, queryFn: () => listDialerStates(supabase),
    refetchInterval: live === 'live' ? false : POLL_MS,
  });
  const byCampaign = useMemo(() => new Map((states.data ?? []).map((s) => [s.campaign_id, s])), [states.data]);
  const error = campaigns.error ?? states.error;

  return (
    <div data-test="dialer-board" className="flex flex-col gap-4">
      <header className="flex flex-wrap items-baseline justify-between gap-2">
        <div>
          <h1 className="text-xl font-semibold">{t('dialerSup.title')}</h1>
          <p className="text-sm text-slate-600">{t('dialerSup.subtitle')}</p>
        </div>
        <span data-test="dialer-live" data-state={live} className="text-xs text-slate-600">
          {live === 'live' ? t('dialerSup.live') : t('dialerSup.polling')}
        </span>
      </header>
      {error ? <p role="alert" className="text-sm text-red-700">{describeError(i18n, error)}</p> : null}
      {campaigns.data && !campaigns.data.length ? <p className={CARD}>{t('dialerSup.noCampaigns')}</p> : null}
      <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
        {(campaigns.data ?? []).map((c) => <CampaignCard key={c.id} campaign={c} state={byCampaign.get(c.id) ?? null} />)}
      </div>
    </div>
  );
}

function CampaignCard({ campaign, state }: { campaign: DialerCampaignRow; state: DialerCampaignState | null }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { supabase } = useAuth();
  const queryClient = useQueryClient();
  const notices = useNotices();
  const now = useNow(15_000);
  const [mode, setMode] = useState<DialerMode>(campaign.dial_mode);
  const dialing = campaign.dial_mode !== 'preview' || state !== null;

  const compliance = useQuery({
    queryKey: ['dialer', 'compliance', campaign.id], queryFn: () => dialerCompliance(supabase, campaign.id),
    enabled: dialing, refetchInterval: LEDGER_MS,
  });
  const samples = useQuery({
    queryKey: ['dialer', 'samples', campaign.id],
    queryFn: () => listDialerSamples(supabase, campaign.id, new Date(Date.now() - HOUR_MS).toISOString()),
    enabled: dialing, refetchInterval: LEDGER_MS,
  });
  const fail = (err: unknown) => { notices.toast(describeError(i18n, err), { level: 'error', ms: 7000 }); };
  const pause = useMutation({
    mutationFn: (paused: boolean) => dialerSetPaused(supabase, campaign.id, paused),
    onSuccess: (row, paused) => {
      queryClient.setQueryData<DialerCampaignState[]>(STATES_KEY, (old) => applyStateChange(old, row, 'UPDATE'));
      notices.toast(t(paused ? 'dialerSup.done.paused' : 'dialerSup.done.resumed'));
    },
    onError: fail,
  });
  const switchMode = useMutation({
    mutationFn: (next: DialerMode) => dialerSetMode(supabase, campaign.id, next),
    onSuccess: (_row, next) => {
      void queryClient.invalidateQueries({ queryKey: ['dialer', 'campaigns'] });
      notices.toast(t('dialerSup.done.mode', { mode: t(`dialer.mode.${next}`) }));
    },
    onError: fail,
  });

  const effective = state?.effective_mode ?? null;
  const reason = fallbackKey(state?.fallback_reason);
  const paused = state?.paused ?? false;
  const bars = compliance.data ? complianceBars(compliance.data) : [];
  const points = samplePoints(samples.data ?? []);
  const stats = [
    ['lines', t('dialerSup.lines'), formatNumber(state?.lines_in_progress ?? 0, lang)],
    ['ratio', t('dialerSup.ratio'), state?.dial_ratio === null || state?.dial_ratio === undefined ? '—' : formatNumber(state.dial_ratio, lang, 2)],
    ['ready', t('dialerSup.ready'), formatNumber(state?.ready_agents ?? 0, lang)],
    ['talking', t('dialerSup.talking'), formatNumber(state?.talking_agents ?? 0, lang)],
    ['wrap_up', t('dialerSup.wrapUp'), formatNumber(state?.wrap_up_agents ?? 0, lang)],
    ['paused', t('dialerSup.paused'), formatNumber(state?.paused_agents ?? 0, lang)],
    ['live_rate', t('dialerSup.liveRate'), pct(state?.live_answer_rate, lang)],
  ] as const;
  const time = (ms: number) => formatTime(new Date(ms), lang);

  return (
    <section data-test="dialer-card" data-campaign-id={campaign.id} data-effective={effective ?? 'none'}
      aria-labelledby={`dialer-${campaign.id}`} className={`${CARD} flex flex-col gap-3`}>
      <header className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <h2 id={`dialer-${campaign.id}`} className="text-lg font-semibold">{campaign.name}</h2>
          <p className="text-sm text-slate-700">
            {t('dialerSup.configured')}: <strong data-test="dialer-configured">{t(`dialer.mode.${campaign.dial_mode}`)}</strong>
          </p>
        </div>
        <div className="text-right">
          <span className="block text-xs text-slate-600">{t('dialerSup.effective')}</span>
          <span data-test="dialer-effective" className={`inline-block rounded-full px-2.5 py-0.5 text-sm font-semibold ${EFFECTIVE_TONE[effective ?? ''] ?? 'bg-slate-100 text-slate-700'}`}>
            {t(effectiveModeKey(state))}
          </span>
        </div>
      </header>
      {reason ? <p data-test="dialer-reason" className="rounded-md bg-amber-50 px-2 py-1 text-sm text-amber-900">{t(reason)}</p> : null}

      {dialing ? (
        <>
          <dl className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-4">
            {stats.map(([key, label, value]) => (
              <div key={key} data-test={`dialer-stat-${key}`} className="rounded-md bg-slate-50 px-2 py-1">
                <dt className="text-xs text-slate-600">{label}</dt>
                <dd className="font-mono text-lg font-bold">{value}</dd>
              </div>
            ))}
          </dl>
          {state ? (
            <p data-test="dialer-updated" className={`text-xs ${isStale(state.updated_at, now) ? 'text-amber-800' : 'text-slate-600'}`}>
              {isStale(state.updated_at, now)
                ? t('dialerSup.stale', { time: formatTime(state.updated_at, lang) })
                : t('dialerSup.updated', { time: formatTime(state.updated_at, lang), worker: state.worker ?? '—' })}
            </p>
          ) : null}

          <div data-test="dialer-compliance">
            <h3 className="text-sm font-semibold">{t('dialerSup.abandon')}</h3>
            {compliance.error ? <p role="alert" className="text-sm text-red-700">{describeError(i18n, compliance.error)}</p> : null}
            {compliance.data ? (
              <>
                <ul className="mt-1 grid grid-cols-3 gap-2 text-sm">
                  {bars.map((b) => (
                    <li key={b.window} data-test={`dialer-abandon-${b.window}`} data-level={b.level} className="rounded-md bg-slate-50 px-2 py-1">
                      <span className="block text-xs text-slate-600">{t(`dialerSup.window.${b.window}`)}</span>
                      <strong className={`font-mono text-lg ${LEVEL_TEXT[b.level]}`}>{b.rate === null ? '—' : pct(b.rate, lang, 2)}</strong>
                      <span className="block text-xs text-slate-600">
                        {b.rate === null ? t('dialerSup.noAnswers') : b.level === 'over_cap' ? t('dialerSup.overCap')
                          : b.level === 'over_target' ? t('dialerSup.overTarget')
                            : t('dialerSup.abandonDetail', {
                              abandoned: b.w.abandoned, answers: b.w.live_answers, machine: b.w.machine,
                              fp: formatNumber(b.w.machine_false_positive_estimate, lang, 1),
                            })}
                      </span>
                    </li>
                  ))}
                </ul>
                <div data-test="dialer-chart-compliance" className="mt-2 h-40">
                  <ResponsiveContainer width="100%" height={160} initialDimension={{ width: 480, height: 160 }}>
                    <BarChart data={bars.map((b) => ({ ...b, label: t(`dialerSup.window.${b.window}`) }))} margin={{ top: 12, right: 56, bottom: 0, left: 0 }}>
                      <CartesianGrid strokeDasharray="3 3" vertical={false} />
                      <XAxis dataKey="label" tick={{ fontSize: 11, fill: '#475569' }} />
                      <YAxis width={40} domain={[0, complianceAxisMax(compliance.data, bars)]} unit=" %" tick={{ fontSize: 11, fill: '#475569' }} />
                      <Tooltip formatter={(v) => `${String(v)} %`} />
                      <ReferenceLine y={compliance.data.cap * 100} stroke="#b91c1c" strokeWidth={2}
                        label={{ value: t('dialerSup.cap', { rate: pct(compliance.data.cap, lang) }), position: 'right', fontSize: 11, fill: '#b91c1c' }} />
                      <ReferenceLine y={compliance.data.target * 100} stroke="#b45309" strokeDasharray="4 3"
                        label={{ value: t('dialerSup.target', { rate: pct(compliance.data.target, lang) }), position: 'right', fontSize: 11, fill: '#b45309' }} />
                      <Bar dataKey="percent" isAnimationActive={false}
                        shape={(props: BarShapeProps) => <Rectangle {...props} fill={LEVEL_COLOR[(props.payload as { level: ComplianceLevel }).level]} />} />
                    </BarChart>
                  </ResponsiveContainer>
                </div>
              </>
            ) : null}
          </div>

          {points.length ? (
            <div className="grid grid-cols-1 gap-2 md:grid-cols-2">
              <figure data-test="dialer-chart-lines">
                <figcaption className="text-xs font-semibold text-slate-700">{t('dialerSup.chart.lines')}</figcaption>
                <ResponsiveContainer width="100%" height={150} initialDimension={{ width: 280, height: 150 }}>
                  <ComposedChart data={points} margin={{ top: 4, right: 4, bottom: 0, left: 0 }}>
                    <CartesianGrid strokeDasharray="3 3" vertical={false} />
                    <XAxis dataKey="at" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={time} tick={{ fontSize: 10, fill: '#475569' }} />
                    <YAxis yAxisId="lines" width={30} allowDecimals={false} tick={{ fontSize: 10, fill: '#475569' }} />
                    <YAxis yAxisId="ratio" orientation="right" width={30} tick={{ fontSize: 10, fill: '#475569' }} />
                    <Tooltip labelFormatter={(v) => time(Number(v))} />
                    <Line yAxisId="lines" dataKey="lines" name={t('dialerSup.lines')} stroke="#1f5fbf" dot={false} isAnimationActive={false} />
                    <Line yAxisId="ratio" dataKey="ratio" name={t('dialerSup.ratio')} stroke="#0f766e" dot={false} isAnimationActive={false} />
                  </ComposedChart>
                </ResponsiveContainer>
              </figure>
              <figure data-test="dialer-chart-abandon">
                <figcaption className="text-xs font-semibold text-slate-700">{t('dialerSup.chart.abandon')}</figcaption>
                <ResponsiveContainer width="100%" height={150} initialDimension={{ width: 280, height: 150 }}>
                  <LineChart data={points} margin={{ top: 4, right: 4, bottom: 0, left: 0 }}>
                    <CartesianGrid strokeDasharray="3 3" vertical={false} />
                    <XAxis dataKey="at" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={time} tick={{ fontSize: 10, fill: '#475569' }} />
                    <YAxis width={36} unit=" %" tick={{ fontSize: 10, fill: '#475569' }}
                      domain={[0, (max: number) => Math.max(max, (compliance.data?.cap ?? 0.03) * 100 * 1.2)]} />
                    <Tooltip labelFormatter={(v) => time(Number(v))} formatter={(v) => `${String(v)} %`} />
                    {compliance.data ? <ReferenceLine y={compliance.data.cap * 100} stroke="#b91c1c" strokeWidth={2} /> : null}
                    <Line dataKey="abandon" name={t('dialerSup.abandon')} stroke="#b45309" dot={false} isAnimationActive={false} />
                  </LineChart>
                </ResponsiveContainer>
              </figure>
            </div>
          ) : <p className="text-sm text-slate-600">{t('dialerSup.chart.noSamples')}</p>}
        </>
      ) : null}

      <div className="flex flex-wrap items-center gap-2 border-t border-slate-100 pt-3">
        {campaign.dial_mode !== 'preview' ? (
          paused ? (
            <button type="button" data-test="dialer-resume" disabled={pause.isPending}
              onClick={() => { if (window.confirm(t('dialerSup.confirmResume', { name: campaign.name }))) pause.mutate(false); }}
              className="rounded-md bg-emerald-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-emerald-800 disabled:opacity-50">
              {t('dialerSup.resume')}
            </button>
          ) : (
            <button type="button" data-test="dialer-pause" disabled={pause.isPending}
              onClick={() => { if (window.confirm(t('dialerSup.confirmPause', { name: campaign.name }))) pause.mutate(true); }}
              className="rounded-md bg-amber-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-amber-700 disabled:opacity-50">
              {t('dialerSup.pause')}
            </button>
          )
        ) : null}
        <span className="flex-1" />
        <label className="text-sm text-slate-700" htmlFor={`dialer-mode-${campaign.id}`}>{t('dialerSup.switchMode')}</label>
        <select id={`dialer-mode-${campaign.id}`} data-test="dialer-mode-select" value={mode}
          onChange={(e) => { setMode(e.target.value as DialerMode); }}
          className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm">
          {DIALER_MODES.map((m) => <option key={m} value={m}>{t(`dialer.mode.${m}`)}</option>)}
        </select>
        <button type="button" data-test="dialer-mode-apply" disabled={mode === campaign.dial_mode || switchMode.isPending}
          onClick={() => {
            if (window.confirm(t('dialerSup.confirmMode', { name: campaign.name, mode: t(`dialer.mode.${mode}`) }))) switchMode.mutate(mode);
          }}
          className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-semibold hover:bg-slate-50 disabled:opacity-50">
          {t('dialerSup.confirm')}
        </button>
      </div>
    </section>
  );
}
