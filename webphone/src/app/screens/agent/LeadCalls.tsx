// The lead card's calls tab: each call to the lead with its outcome,
// disposition, talk time, notes and recording (Listen where this user may).
// Hooks: call-row (data-call-id) and the recording cell's.

import { useTranslation } from 'react-i18next';
import { formatDateTime, formatDuration } from '../../../i18n/format';
import { RecordingCell, useRecordingPlayer } from '../../components/Recording';
import { tMaybe } from '../../i18n';
import type { LeadCallRow } from './desk-data';
import { BADGE, Empty, TD, TH } from './LeadCard';

export function CallsTable({ calls, label, allowListen, loading }:
  { calls: LeadCallRow[]; label: (code: string) => string; allowListen: boolean; loading: boolean }) {
  const { t, i18n } = useTranslation();
  const { play, player } = useRecordingPlayer();
  if (!calls.length) return <Empty loading={loading} text={t('lead.noCalls')} />;
  const lang = i18n.language;
  return (
    // Focusable: on a narrow screen the table scrolls sideways, by keyboard too.
    <div className="overflow-x-auto" role="region" aria-label={t('lead.tab.calls')} tabIndex={0}>
      <table className="w-full text-sm">
        <thead className="border-b border-slate-200">
          <tr>
            <th className={TH}>{t('calls.when')}</th><th className={TH}>{t('calls.outcome')}</th>
            <th className={TH}>{t('calls.disposition')}</th><th className={`${TH} text-right`}>{t('calls.talk')}</th>
            <th className={TH}>{t('calls.notes')}</th><th className={TH}>{t('calls.recording')}</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((c) => (
            <tr key={c.id} data-test="call-row" data-call-id={c.id} className="border-b border-slate-100">
              <td className={`${TD} whitespace-nowrap`}>{formatDateTime(c.started_at, lang)}</td>
              <td className={TD}>
                {c.outcome
                  ? <span className={`${BADGE} bg-slate-100 text-slate-800`}>{tMaybe(i18n, `outcome.${c.outcome}`) ?? c.outcome}</span>
                  : <span className={`${BADGE} bg-sky-100 text-sky-800`}>{tMaybe(i18n, `call.status.${c.status}`) ?? c.status}</span>}
              </td>
              <td className={TD}>{c.disposition ? label(c.disposition) : '—'}</td>
              <td className={`${TD} text-right tabular-nums`}>{c.talk_seconds !== null ? formatDuration(c.talk_seconds) : '—'}</td>
              <td className={`${TD} max-w-60 break-words`}>{c.notes || ''}</td>
              <td className={TD}><RecordingCell call={c} onPlay={play} allowListen={allowListen} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      {player}
    </div>
  );
}
