// The help dialog: the agent's keyboard shortcuts, and what to do when the
// microphone, the phone or the server fails. Hooks: help-dialog, help-close,
// shortcut-table.

import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { Role } from '../auth/profile';
import { AGENT_SHORTCUTS } from '../shortcuts';

export function HelpDialog({ open, role, onClose }: { open: boolean; role: Role; onClose: () => void }) {
  const { t } = useTranslation();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (open && !el.open) el.showModal();
    if (!open && el.open) el.close();
  }, [open]);
  return (
    <dialog ref={dialog} id="help-dialog" data-test="help-dialog" aria-labelledby="help-title" onClose={onClose}
      onClick={(e) => { if (e.target === e.currentTarget) onClose(); }}
      className="m-auto w-full max-w-lg rounded-xl p-0 shadow-2xl backdrop:bg-slate-900/40">
      <div className="p-5">
        <header className="mb-3 flex items-center justify-between">
          <h2 id="help-title" className="text-lg font-semibold">{t('help.title')}</h2>
          <button type="button" data-test="help-close" aria-label={t('common.close')} onClick={onClose}
            className="rounded px-2 text-xl leading-none hover:bg-slate-100">×</button>
        </header>
        {role === 'agent' ? (
          <section className="mb-4">
            <h3 className="font-semibold">{t('help.shortcuts')}</h3>
            <p className="mb-2 text-sm text-slate-600">{t('help.shortcutsIntro')}</p>
            <table data-test="shortcut-table" className="w-full text-sm">
              <tbody>
                {AGENT_SHORTCUTS.map((s) => (
                  <tr key={s.key} className="border-t border-slate-100">
                    <td className="py-1 pr-3 whitespace-nowrap">
                      {s.key.split(' ').map((k) => (
                        <kbd key={k} className="mr-1 rounded border border-slate-300 bg-slate-50 px-1.5 font-mono text-xs">{k}</kbd>
                      ))}
                    </td>
                    <td className="py-1">{t(s.label)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ) : null}
        <section>
          <h3 className="font-semibold">{t('help.problems')}</h3>
          <dl className="text-sm">
            <dt className="mt-2 font-semibold">{t('help.micTitle')}</dt><dd>{t('help.micText')}</dd>
            <dt className="mt-2 font-semibold">{t('help.sipTitle')}</dt><dd>{t('help.sipText')}</dd>
            <dt className="mt-2 font-semibold">{t('help.serverTitle')}</dt><dd>{t('help.serverText')}</dd>
          </dl>
        </section>
      </div>
    </dialog>
  );
}
