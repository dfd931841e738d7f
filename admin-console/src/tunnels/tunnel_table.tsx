import { Link } from 'react-router';
import type { Tunnel } from '../api/types';
import { DateTime, RelativeTime } from '../shared/date_time';
import { formatCount } from '../shared/format';
import type { IngressPatterns } from '../shared/public_url';
import { localZoneName, zonedHeader } from '../shared/time_zone';
import { TunnelAddresses } from './address_list';
import { LiveRawCounts } from './live_raw_counts';
import { StatusBadge } from './status_badge';
import { TunnelActionButtons, type TunnelAction } from './tunnel_actions';
import type { SortDir, SortKey } from './tunnel_list';
import { tunnelMode } from './tunnel_transport';

interface Column {
  label: string;
  sort?: SortKey;
  /** The header names the browser's zone: the cells print bare local times. */
  zoned?: boolean;
}

const COLUMNS: Column[] = [
  { label: 'Domain', sort: 'domain' },
  { label: 'Name', sort: 'name' },
  { label: 'Mode' },
  { label: 'Public address' },
  { label: 'Status', sort: 'status' },
  { label: 'Connected since', sort: 'connected_since' },
  { label: 'Client address' },
  { label: 'Protocol' },
  { label: 'In flight' },
  { label: 'Requests', sort: 'requests' },
  { label: 'Created', sort: 'created_at', zoned: true },
  { label: 'Actions' },
];

interface Props {
  tunnels: Tunnel[];
  sortKey: SortKey;
  sortDir: SortDir;
  onSort: (key: SortKey) => void;
  onAction: (action: TunnelAction, tunnel: Tunnel) => void;
  /** The server's ingress patterns (GET /api/info); the defaults until it answers. */
  patterns?: IngressPatterns | null;
}

/** On narrow screens CSS turns rows into cards; each cell names its column in data-label. */
export function TunnelTable({ tunnels, sortKey, sortDir, onSort, onAction, patterns }: Props) {
  const zone = localZoneName();
  const created = zonedHeader('Created', zone);
  return (
    <table className="table tunnels-table">
      <thead>
        <tr>
          {COLUMNS.map((c) => {
            const active = c.sort === sortKey;
            const text = c.zoned ? zonedHeader(c.label, zone) : c.label;
            return (
              <th
                key={c.label}
                scope="col"
                aria-sort={active ? (sortDir === 'asc' ? 'ascending' : 'descending') : c.sort ? 'none' : undefined}
              >
                {c.sort ? (
                  <button type="button" className={active ? 'sort active' : 'sort'} onClick={() => onSort(c.sort!)}>
                    {text}
                    <span aria-hidden="true" className="sort-mark">
                      {active ? (sortDir === 'asc' ? ' ▲' : ' ▼') : ''}
                    </span>
                  </button>
                ) : (
                  text
                )}
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        {tunnels.map((t) => (
          <tr key={t.domain} data-testid={`tunnel-row-${t.domain}`}>
            <td data-label="Domain">
              <Link to={`/tunnels/${encodeURIComponent(t.domain)}`} className="mono">
                {t.domain}
              </Link>
            </td>
            <td data-label="Name">{t.name}</td>
            <td data-label="Mode">{tunnelMode(t)}</td>
            <td data-label="Public address" data-testid={`addresses-${t.domain}`}>
              <TunnelAddresses tunnel={t} patterns={patterns} />
            </td>
            <td data-label="Status">
              <StatusBadge tunnel={t} />
              <LiveRawCounts tunnel={t} />
            </td>
            <td data-label="Connected since">
              <RelativeTime iso={t.live?.connected_since} />
            </td>
            <td data-label="Client address" className="mono">
              {t.live?.remote_address ?? '—'}
            </td>
            <td data-label="Protocol">{t.live?.protocol ?? '—'}</td>
            <td data-label="In flight">{t.live ? t.live.in_flight : '—'}</td>
            <td data-label="Requests">{formatCount(t.total_requests)}</td>
            <td data-label={created}>
              <DateTime iso={t.created_at} zone="header" />
            </td>
            <td data-label="Actions">
              <TunnelActionButtons tunnel={t} open={onAction} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
