// Two banners under the top bar, one at a time:
// - "Sin conexión a la red" (banner-offline) while the browser has no network
//   (navigator.onLine false, its offline event), a toast when it is back;
// - "Sin conexión con el servidor" (banner-server) while the browser is online
//   but requests fail to reach the server, a toast when they get through again.

import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useBrowserOnline, useServerReachable } from '../app-context';
import { useNotices } from './Notices';

type Down = 'offline' | 'server' | null;

export function ServerBanner() {
  const { t } = useTranslation();
  const reachable = useServerReachable();
  const online = useBrowserOnline();
  const { showBanner, hideBanner, toast } = useNotices();
  // Without a network every request fails: the offline banner says why, not the server's.
  const down: Down = !online ? 'offline' : reachable ? null : 'server';
  const shown = useRef<Down>(null);
  useEffect(() => {
    const before = shown.current;
    shown.current = down;
    if (before && before !== down) hideBanner(before);
    if (down === 'offline') {
      showBanner('offline', { level: 'error', title: t('banner.offline.title'), text: t('banner.offline.text') });
    } else if (down === 'server') {
      showBanner('server', { level: 'error', title: t('banner.server.title'), text: t('banner.server.text') });
    } else if (before) {
      toast(t(before === 'offline' ? 'banner.offline.back' : 'banner.server.back'), { level: 'info' });
    }
  }, [down, showBanner, hideBanner, toast, t]);
  return null;
}
