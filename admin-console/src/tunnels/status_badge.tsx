import type { Tunnel } from '../api/types';
import { tunnelStatus } from './tunnel_status';

/** The text is exactly online / offline / disabled (the e2e test reads it). */
export function StatusBadge({ tunnel }: { tunnel: Tunnel }) {
  const s = tunnelStatus(tunnel);
  return (
    <span className={`badge badge-${s}`} data-testid={`status-${tunnel.domain}`}>
      {s}
    </span>
  );
}
