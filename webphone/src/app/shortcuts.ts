// Keyboard shortcuts for the agent's frequent actions. Single keys, active
// when the focus is not in a text field (so typing notes never dials);
// Alt + the same key works from inside a field. The help dialog lists them
// from the same table.

import { useEffect, useRef } from 'react';

const EDITABLE = new Set(['INPUT', 'TEXTAREA', 'SELECT']);

/** The agent's shortcuts: key, i18n key of what it does. The desk binds the actions. */
export const AGENT_SHORTCUTS = Object.freeze([
  { key: 'n', label: 'shortcut.nextLead' },
  { key: 'c', label: 'shortcut.call' },
  { key: 'x', label: 'shortcut.hangup' },
  { key: 'm', label: 'shortcut.mute' },
  { key: 'h', label: 'shortcut.hold' },
  { key: 'k', label: 'shortcut.keypad' },
  { key: '0-9 * #', label: 'shortcut.dtmf' },
  { key: 'w', label: 'shortcut.wrapUp' },
  { key: 's', label: 'shortcut.sale' },
  { key: '/', label: 'shortcut.search' },
  { key: 'p', label: 'shortcut.pause' },
  { key: 'a', label: 'shortcut.available' },
  { key: 'Ctrl+Enter', label: 'shortcut.saveWrapUp' },
  { key: '?', label: 'shortcut.help' },
] as const);

/** A key's action; returning false lets the key through. `dtmf` gets the digits, * and #. */
export type ShortcutHandler = (key: string, event: KeyboardEvent) => unknown;
export type ShortcutActions = Partial<Record<string, ShortcutHandler>>;

function isEditable(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (EDITABLE.has(target.tagName) || target.isContentEditable);
}

// With Alt, layouts change event.key (Alt+N may type ñ on a Mac): read the physical key.
function keyFromCode(event: KeyboardEvent): string {
  const m = /^Key([A-Z])$/.exec(event.code) ?? /^Digit([0-9])$/.exec(event.code);
  return m?.[1] ? m[1].toLowerCase() : event.key.toLowerCase();
}

/** Listens on document for the keys in `actions`; returns the off function. */
export function bindShortcuts(actions: ShortcutActions): () => void {
  function onKeyDown(event: KeyboardEvent) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey) return;
    if (document.querySelector('dialog[open]') && event.key !== 'Escape') return;
    const inField = isEditable(event.target);
    if (inField && !event.altKey) return;
    const key = event.altKey ? keyFromCode(event) : event.key.toLowerCase();
    const handler = actions[key] ?? (/^[0-9*#]$/.test(key) ? actions.dtmf : undefined);
    if (!handler) return;
    if (handler(key, event) !== false) event.preventDefault();
  }
  document.addEventListener('keydown', onKeyDown);
  return () => { document.removeEventListener('keydown', onKeyDown); };
}

/** bindShortcuts for a component's life; the latest `actions` are used without rebinding. */
export function useShortcuts(actions: ShortcutActions, enabled = true): void {
  const latest = useRef(actions);
  useEffect(() => { latest.current = actions; });
  useEffect(() => {
    if (!enabled) return undefined;
    const proxy: ShortcutActions = new Proxy({}, {
      get: (_target, key: string) => latest.current[key],
    });
    return bindShortcuts(proxy);
  }, [enabled]);
}
