// Search and sort of the tunnels table; pure so the rules are tested directly.
import type { Tunnel } from '../api/types';
import { tunnelStatus } from './tunnel_status';

export type SortKey = 'domain' | 'name' | 'status' | 'connected_since' | 'requests' | 'created_at';
export type SortDir = 'asc' | 'desc';

/** Case-insensitive substring of domain or name; an empty query keeps everything. */
export function searchTunnels(tunnels: Tunnel[], query: string): Tunnel[] {
  const q = query.trim().toLowerCase();
  if (!q) return tunnels;
  return tunnels.filter((t) => t.domain.toLowerCase().includes(q) || t.name.toLowerCase().includes(q));
}

const STATUS_ORDER = { online: 0, offline: 1, disabled: 2 } as const;

function sortValue(t: Tunnel, key: SortKey): string | number {
  switch (key) {
    case 'domain':
      return t.domain.toLowerCase();
    case 'name':
      return t.name.toLowerCase();
    case 'status':
      return STATUS_ORDER[tunnelStatus(t)];
    case 'connected_since':
      // Never-connected sessions sort after every connected one when ascending.
      return t.live ? new Date(t.live.connected_since).getTime() : Number.MAX_SAFE_INTEGER;
    case 'requests':
      return t.total_requests;
    case 'created_at':
      return new Date(t.created_at).getTime();
  }
}

/** A stable sort; ties keep the server's order (newest first). */
export function sortTunnels(tunnels: Tunnel[], key: SortKey, dir: SortDir): Tunnel[] {
  const sign = dir === 'asc' ? 1 : -1;
  return tunnels
    .map((t, i) => ({ t, i }))
    .sort((a, b) => {
      const x = sortValue(a.t, key);
      const y = sortValue(b.t, key);
      if (x < y) return -sign;
      if (x > y) return sign;
      return a.i - b.i;
    })
    .map(({ t }) => t);
}
