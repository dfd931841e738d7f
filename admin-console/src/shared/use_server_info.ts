import { useEffect, useState } from 'react';
import { useApi } from '../auth/auth_context';
import type { ServerInfo } from '../api/types';

/**
 * GET /api/info once per mount. Until it answers (or if it fails) the WebSocket
 * URL falls back to this page's host with the default path.
 */
export function useServerInfo(): { info: ServerInfo | null; websocketUrl: string } {
  const api = useApi();
  const [info, setInfo] = useState<ServerInfo | null>(null);
  useEffect(() => {
    const c = new AbortController();
    api.info(c.signal).then(setInfo, () => {});
    return () => c.abort();
  }, [api]);
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return { info, websocketUrl: info?.websocket_url ?? `${scheme}://${window.location.host}/ws/tunnel` };
}
