import { Link } from 'react-router';
import type { RequestLog } from '../api/types';
import { statusClass, statusText } from '../requests/log_format';
import { RelativeTime } from '../shared/date_time';
import { formatDuration } from '../shared/format';

/** The latest failed exchanges (status ≥ 500 or no response), newest first. */
export function FailureList({ failures }: { failures: RequestLog[] }) {
  if (failures.length === 0) return <p className="muted">No failures in this window.</p>;
  return (
    <ul className="failures" aria-label="Recent failures">
      {failures.map((f) => (
        <li key={f.id} data-testid="failure">
          <span className={`status ${statusClass(f)}`}>{statusText(f)}</span>
          <span className="mono">{f.method}</span>
          <span className="mono path">
            <Link to={`/requests?domain=${encodeURIComponent(f.tunnel_domain)}`}>{f.tunnel_domain}</Link>
            {f.path}
          </span>
          <span className="muted small">
            {f.error ? `${f.error} · ` : ''}
            {formatDuration(f.duration_ms)} · <RelativeTime iso={f.timestamp} />
          </span>
        </li>
      ))}
    </ul>
  );
}
