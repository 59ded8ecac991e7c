// The help dialog: keyboard shortcuts and what to do when something fails.

import { h, icon, mount } from './dom.js';
import { t } from '../i18n/index.js';
import { AGENT_SHORTCUTS } from './shortcuts.js';

export function createHelpDialog() {
  const dialog = h('dialog', { class: 'dialog', id: 'help-dialog', 'data-test': 'help-dialog', 'aria-labelledby': 'help-title' });

  function open({ role }) {
    mount(dialog,
      h('header', { class: 'dialog-header' },
        h('h2', { id: 'help-title' }, icon('help'), ' ', t('help.title')),
        h('button', { class: 'btn-icon', type: 'button', 'aria-label': t('common.close'), onclick: () => dialog.close(), 'data-test': 'help-close' }, icon('x'))),
      role === 'agent'
        ? h('section', {},
          h('h3', {}, t('help.shortcuts')),
          h('p', { class: 'muted' }, t('help.shortcutsIntro')),
          h('table', { class: 'shortcut-table', 'data-test': 'shortcut-table' },
            h('tbody', {}, AGENT_SHORTCUTS.map((s) => h('tr', {},
              h('td', {}, s.key.split(' ').map((k) => h('kbd', {}, k))),
              h('td', {}, t(s.label)))))))
        : null,
      h('section', {},
        h('h3', {}, t('help.problems')),
        h('dl', { class: 'help-list' },
          h('dt', {}, t('help.micTitle')), h('dd', {}, t('help.micText')),
          h('dt', {}, t('help.sipTitle')), h('dd', {}, t('help.sipText')),
          h('dt', {}, t('help.serverTitle')), h('dd', {}, t('help.serverText')))));
    if (!dialog.open) dialog.showModal();
  }

  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();
  });

  return { el: dialog, open, close: () => dialog.close() };
}
