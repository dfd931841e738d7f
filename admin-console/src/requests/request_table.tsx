import type { RequestLog } from '../api/types';
import { DateTime } from '../shared/date_time';
import { formatBytes, formatDuration } from '../shared/format';
import { localZoneName, zonedHeader } from '../shared/time_zone';
import { statusClass, statusText } from './log_format';

interface Props {
  logs: RequestLog[];
  selectedId?: number | null;
  onSelect: (log: RequestLog) => void;
  showTunnel?: boolean;
}

/** One row per request (data-testid="request-row"); the path is a button that opens the detail. */
export function RequestTable({ logs, selectedId, onSelect, showTunnel = true }: Props) {
  // The header names the zone once; phones, which hide the header, print it after each time (data-zone).
  const zone = localZoneName();
  return (
    <table className="table requests-table">
      <thead>
        <tr>
          <th scope="col">{zonedHeader('Time', zone)}</th>
          {showTunnel && <th scope="col">Tunnel</th>}
          <th scope="col">Method</th>
          <th scope="col">Path</th>
          <th scope="col">Status</th>
          <th scope="col">Duration</th>
          <th scope="col">In / out</th>
        </tr>
      </thead>
      <tbody>
        {logs.map((log) => (
          <tr
            key={log.id}
            data-testid="request-row"
            className={log.id === selectedId ? 'clickable selected' : 'clickable'}
            aria-selected={log.id === selectedId}
            onClick={() => onSelect(log)}
          >
            <td data-label="Time" data-zone={zone} className="nowrap">
              <DateTime iso={log.timestamp} zone="header" />
            </td>
            {showTunnel && (
              <td data-label="Tunnel" className="mono">
                {log.tunnel_domain}
              </td>
            )}
            <td data-label="Method" className="mono">
              {log.method}
            </td>
            <td data-label="Path" className="path-cell">
              <button
                type="button"
                className="linkish mono"
                onClick={(e) => {
                  e.stopPropagation();
                  onSelect(log);
                }}
                title={log.path}
              >
                {log.path}
              </button>
            </td>
            <td data-label="Status">
              <span className={`status ${statusClass(log)}`} title={log.error ?? undefined}>
                {statusText(log)}
              </span>
            </td>
            <td data-label="Duration">{formatDuration(log.duration_ms)}</td>
            <td data-label="In / out" className="nowrap">
              {formatBytes(log.bytes_in)} / {formatBytes(log.bytes_out)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
