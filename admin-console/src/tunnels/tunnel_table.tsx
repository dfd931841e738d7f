import { Link } from 'react-router';
import type { Tunnel } from '../api/types';
import { formatCount, formatDateTime, formatRelative } from '../shared/format';
import { TunnelAddresses } from './address_list';
import { LiveRawCounts } from './live_raw_counts';
import { StatusBadge } from './status_badge';
import { TunnelActionButtons, type TunnelAction } from './tunnel_actions';
import type { SortDir, SortKey } from './tunnel_list';
import { tunnelMode } from './tunnel_transport';

interface Column {
  label: string;
  sort?: SortKey;
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
  { label: 'Created', sort: 'created_at' },
  { label: 'Actions' },
];

interface Props {
  tunnels: Tunnel[];
  sortKey: SortKey;
  sortDir: SortDir;
  onSort: (key: SortKey) => void;
  onAction: (action: TunnelAction, tunnel: Tunnel) => void;
  /** The server's ingress path pattern (GET /api/info); the default until it answers. */
  pathPattern?: string;
}

/** On narrow screens CSS turns rows into cards; each cell names its column in data-label. */
export function TunnelTable({ tunnels, sortKey, sortDir, onSort, onAction, pathPattern }: Props) {
  return (
    <table className="table tunnels-table">
      <thead>
        <tr>
          {COLUMNS.map((c) => {
            const active = c.sort === sortKey;
            return (
              <th
                key={c.label}
                scope="col"
                aria-sort={active ? (sortDir === 'asc' ? 'ascending' : 'descending') : c.sort ? 'none' : undefined}
              >
                {c.sort ? (
                  <button type="button" className={active ? 'sort active' : 'sort'} onClick={() => onSort(c.sort!)}>
                    {c.label}
                    <span aria-hidden="true" className="sort-mark">
                      {active ? (sortDir === 'asc' ? ' ▲' : ' ▼') : ''}
                    </span>
                  </button>
                ) : (
                  c.label
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
              <TunnelAddresses tunnel={t} pathPattern={pathPattern} />
            </td>
            <td data-label="Status">
              <StatusBadge tunnel={t} />
              <LiveRawCounts tunnel={t} />
            </td>
            <td data-label="Connected since" title={formatDateTime(t.live?.connected_since)}>
              {t.live ? formatRelative(t.live.connected_since) : '—'}
            </td>
            <td data-label="Client address" className="mono">
              {t.live?.remote_address ?? '—'}
            </td>
            <td data-label="Protocol">{t.live?.protocol ?? '—'}</td>
            <td data-label="In flight">{t.live ? t.live.in_flight : '—'}</td>
            <td data-label="Requests">{formatCount(t.total_requests)}</td>
            <td data-label="Created">{formatDateTime(t.created_at)}</td>
            <td data-label="Actions">
              <TunnelActionButtons tunnel={t} open={onAction} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
