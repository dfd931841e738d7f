import type { Tunnel } from '../api/types';
import { rawSessionCounts } from './tunnel_transport';

/** "2 TCP · 1 UDP" beside a live status; nothing for a tunnel without raw traffic or an older server. */
export function LiveRawCounts({ tunnel }: { tunnel: Tunnel }) {
  const text = rawSessionCounts(tunnel);
  if (!text) return null;
  return (
    <span className="raw-counts muted small" data-testid={`raw-counts-${tunnel.domain}`}>
      {text}
    </span>
  );
}
