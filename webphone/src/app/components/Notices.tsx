// System messages: banners that stay while a condition lasts (server
// unreachable, SIP registration failed, microphone denied) and short toasts
// for what just happened (sale registered, wrap-up saved). Hooks for tests:
// data-test banner-<id>, banner-<id>-action, toast.

import { createContext, use, useCallback, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export type Level = 'error' | 'warning' | 'info' | 'success';

export interface Banner {
  level?: Exclude<Level, 'success'>;
  title: string;
  text?: string;
  action?: { label: string; run: () => void };
}

interface Toast { id: number; text: string; level: Level }

export interface Notices {
  /** Shows (or replaces) the banner `id` until hideBanner(id). */
  showBanner: (id: string, banner: Banner) => void;
  hideBanner: (id: string) => void;
  /** A message that goes away by itself. */
  toast: (text: string, options?: { level?: Level; ms?: number }) => void;
}

const NoticesContext = createContext<Notices | null>(null);

const BANNER_STYLE: Record<Exclude<Level, 'success'>, string> = {
  error: 'border-red-300 bg-red-50 text-red-900',
  warning: 'border-amber-300 bg-amber-50 text-amber-900',
  info: 'border-sky-300 bg-sky-50 text-sky-900',
};
const TOAST_STYLE: Record<Level, string> = {
  success: 'bg-emerald-700', error: 'bg-red-700', warning: 'bg-amber-700', info: 'bg-slate-800',
};

export function NoticesProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const [banners, setBanners] = useState<ReadonlyMap<string, Banner>>(new Map());
  const [toasts, setToasts] = useState<readonly Toast[]>([]);
  const nextToast = useRef(0);

  const showBanner = useCallback((id: string, banner: Banner) => {
    setBanners((old) => new Map(old).set(id, banner));
  }, []);
  const hideBanner = useCallback((id: string) => {
    setBanners((old) => {
      if (!old.has(id)) return old;
      const next = new Map(old);
      next.delete(id);
      return next;
    });
  }, []);
  const toast = useCallback((text: string, { level = 'success', ms = 3500 }: { level?: Level; ms?: number } = {}) => {
    const id = ++nextToast.current;
    setToasts((old) => [...old, { id, text, level }]);
    setTimeout(() => { setToasts((old) => old.filter((item) => item.id !== id)); }, ms);
  }, []);

  const value = useMemo(() => ({ showBanner, hideBanner, toast }), [showBanner, hideBanner, toast]);
  return (
    <NoticesContext value={value}>
      <div id="banners" aria-live="polite" className="flex flex-col gap-2 empty:hidden px-4 pt-3">
        {[...banners].map(([id, b]) => {
          const level = b.level ?? 'error';
          return (
            <div key={id} id={`banner-${id}`} data-test={`banner-${id}`} role={level === 'error' ? 'alert' : 'status'}
              className={`flex items-center gap-3 rounded-lg border px-4 py-2 text-sm ${BANNER_STYLE[level]}`}>
              <div className="flex-1"><strong>{b.title}</strong>{b.text ? <span> {b.text}</span> : null}</div>
              {b.action ? (
                <button type="button" data-test={`banner-${id}-action`} onClick={b.action.run}
                  className="rounded-md border border-current px-2 py-1 text-xs font-semibold">{b.action.label}</button>
              ) : null}
              <button type="button" aria-label={t('common.close')} onClick={() => { hideBanner(id); }}
                className="rounded px-1 text-lg leading-none">×</button>
            </div>
          );
        })}
      </div>
      {children}
      <div id="toasts" aria-live="polite" className="pointer-events-none fixed right-4 bottom-4 z-50 flex flex-col gap-2">
        {toasts.map((item) => (
          <div key={item.id} role="status" data-test="toast"
            className={`rounded-lg px-4 py-2 text-sm font-medium text-white shadow-lg ${TOAST_STYLE[item.level]}`}>
            {item.text}
          </div>
        ))}
      </div>
    </NoticesContext>
  );
}

export function useNotices(): Notices {
  const value = use(NoticesContext);
  if (!value) throw new Error('useNotices outside <NoticesProvider>');
  return value;
}
