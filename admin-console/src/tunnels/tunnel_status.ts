import type { Tunnel } from '../api/types';

export type TunnelStatus = 'online' | 'offline' | 'disabled';

/** disabled wins over everything; otherwise online while a client is connected. */
export function tunnelStatus(t: Pick<Tunnel, 'enabled' | 'connected'>): TunnelStatus {
  if (!t.enabled) return 'disabled';
  return t.connected ? 'online' : 'offline';
}
