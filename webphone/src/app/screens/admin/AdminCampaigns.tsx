// Campaigns: each campaign's status, changed inline (campaigns.manage), with
// its calling hours and days, attempts, recording and retention; its name
// opens the editor (/admin/campaigns/:id), "new campaign" creates one.
// Supervisors see their own campaigns here, read-only.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createColumnHelper, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { updateCampaignStatus, type CampaignStatus } from '../../../data/admin';
import { listCampaigns, type CampaignRow } from '../../../data/catalog';
import { useAuth } from '../../auth/auth-context';
import { tMaybe } from '../../i18n';
import { usePermission } from '../../permissions';
import { CONTROL, DataTable, MUTED, Page, PRIMARY, useListStatus, useSaveToasts } from './admin-ui';

const STATUSES: readonly CampaignStatus[] = ['draft', 'active', 'paused', 'archived'];
export const CAMPAIGNS_KEY = ['admin', 'campaigns'] as const;

function StatusCell({ campaign, canEdit }: { campaign: CampaignRow; canEdit: boolean }) {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const queryClient = useQueryClient();
  const toasts = useSaveToasts();
  const change = useMutation({
    mutationFn: (status: CampaignStatus) => updateCampaignStatus(supabase, campaign.id, status),
    onSuccess: (saved) => {
      queryClient.setQueryData<CampaignRow[]>(CAMPAIGNS_KEY, (rows) => rows?.map((r) => (saved && r.id === saved.id ? { ...r, ...saved } : r)));
      toasts.onSuccess();
    },
    onError: toasts.onError,
    // The agents' campaign pickers read the same table.
    onSettled: () => queryClient.invalidateQueries({ queryKey: CAMPAIGNS_KEY }),
  });
  return (
    <select data-test="campaign-status" aria-label={`${t('admin.campaigns.status')}: ${campaign.name}`} className={CONTROL}
      disabled={!canEdit || change.isPending} value={change.isPending ? change.variables : campaign.status}
      onChange={(e) => { change.mutate(e.target.value as CampaignStatus); }}>
      {STATUSES.map((s) => <option key={s} value={s}>{tMaybe(i18n, `campaignStatus.${s}`) ?? s}</option>)}
    </select>
  );
}

/** "09:00–21:00": PostgREST sends times as HH:MM:SS. */
function hours(c: CampaignRow): string {
  return `${c.calling_hours_start.slice(0, 5)}–${c.calling_hours_end.slice(0, 5)}`;
}

const column = createColumnHelper<CampaignRow>();

export function AdminCampaigns() {
  const { t, i18n } = useTranslation();
  const { supabase } = useAuth();
  const query = useQuery({ queryKey: CAMPAIGNS_KEY, queryFn: () => listCampaigns(supabase) });
  const status = useListStatus(query);
  const canEdit = usePermission('campaigns.manage') === true;
  const columns = useMemo(() => [
    column.accessor('name', {
      header: () => t('admin.campaigns.name'),
      cell: ({ row: { original: c } }) => (
        <>
          <Link to={`/admin/campaigns/${c.id}`} data-test="campaign-open" className="font-semibold text-brand underline">{c.name}</Link>
          {c.description && <div className={MUTED}>{c.description}</div>}
        </>
      ),
    }),
    column.accessor('status', { header: () => t('admin.campaigns.status'), cell: (c) => <StatusCell campaign={c.row.original} canEdit={canEdit} /> }),
    column.display({
      id: 'hours',
      header: () => t('admin.campaigns.hours'),
      cell: ({ row: { original: c } }) => (
        <>
          {hours(c)}
          <div className={MUTED}>{c.calling_days.map((d) => tMaybe(i18n, `weekday.${String(d)}`) ?? String(d)).join(' ')}</div>
        </>
      ),
    }),
    column.accessor('max_attempts', { header: () => t('admin.campaigns.maxAttempts'), meta: { className: 'text-right tabular-nums' } }),
    column.accessor('recording_enabled', {
      header: () => t('admin.campaigns.recording'),
      cell: ({ row: { original: c } }) => (
        <>
          {c.recording_enabled ? t('common.yes') : t('common.no')}
          {c.recording_notice && <div className={`${MUTED} line-clamp-2 max-w-xs`} title={c.recording_notice}>{c.recording_notice}</div>}
        </>
      ),
    }),
    column.accessor('recording_retention_days', {
      header: () => t('admin.campaigns.retention'),
      meta: { className: 'text-right tabular-nums' },
      cell: (c) => {
        const days = c.getValue();
        return <span data-test="campaign-retention">{days ? t('admin.campaigns.retentionDays', { days }) : '—'}</span>;
      },
    }),
  ], [t, i18n, canEdit]);
  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Table: the compiler leaves this component alone
  const table = useReactTable({ data: query.data ?? [], columns, getCoreRowModel: getCoreRowModel(), getRowId: (c) => c.id });
  return (
    <Page id="admin-campaigns" title={t('admin.campaigns.title')} subtitle={t('admin.campaigns.subtitle')}>
      {canEdit ? (
        <Link to="/admin/campaigns/new" data-test="campaign-new" className={`${PRIMARY} self-start`}>{t('backoffice.campaign.new')}</Link>
      ) : null}
      <DataTable table={table} test="campaigns-table" status={status}
        rowAttrs={(c) => ({ 'data-test': 'campaign-row', 'data-campaign-id': c.id })} />
    </Page>
  );
}
