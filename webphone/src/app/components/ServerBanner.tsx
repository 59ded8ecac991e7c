// "Sin conexión con el servidor": a banner while requests fail to reach the
// server, and a toast when they get through again.

import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useServerReachable } from '../app-context';
import { useNotices } from './Notices';

export function ServerBanner() {
  const { t } = useTranslation();
  const reachable = useServerReachable();
  const { showBanner, hideBanner, toast } = useNotices();
  const wasDown = useRef(false);
  useEffect(() => {
    if (!reachable) {
      wasDown.current = true;
      showBanner('server', { level: 'error', title: t('banner.server.title'), text: t('banner.server.text') });
    } else if (wasDown.current) {
      wasDown.current = false;
      hideBanner('server');
      toast(t('banner.server.back'), { level: 'info' });
    }
  }, [reachable, showBanner, hideBanner, toast, t]);
  return null;
}
