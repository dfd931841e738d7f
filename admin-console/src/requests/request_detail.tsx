import { useEffect, useId } from 'react';
import type { RequestLog } from '../api/types';
import { formatBytes, formatDateTime, formatDuration } from '../shared/format';
import { headerEntries, prettyBody, statusClass, statusText, STORED_BODY_LIMIT } from './log_format';

function Headers({ title, headers }: { title: string; headers: RequestLog['request_headers'] }) {
  const entries = headerEntries(headers);
  return (
    <section aria-label={title}>
      <h3>{title}</h3>
      {entries.length === 0 ? (
        <p className="muted small">None recorded.</p>
      ) : (
        <table className="headers">
          <tbody>
            {entries.map(([name, value], i) => (
              <tr key={`${name}-${i}`}>
                <th scope="row">{name}</th>
                <td className={value === '[REDACTED]' ? 'redacted' : undefined}>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Body({ title, body }: { title: string; body: string | null }) {
  const { text, json } = prettyBody(body);
  return (
    <section aria-label={title}>
      <h3>
        {title}
        {json && <span className="tag">JSON</span>}
      </h3>
      {body === null ? (
        <p className="muted small">No body stored.</p>
      ) : (
        <>
          <pre className="body" data-testid={`${title.toLowerCase().replace(/\s+/g, '-')}`}>
            {text}
          </pre>
          {body.length >= STORED_BODY_LIMIT && <p className="muted small">Only the first 4 KiB are stored.</p>}
        </>
      )}
    </section>
  );
}

/** The side panel of one request. Escape closes it. */
export function RequestDetail({ log, onClose }: { log: RequestLog; onClose: () => void }) {
  const id = useId();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);

  return (
    <aside className="detail-panel" aria-labelledby={`${id}-title`} role="complementary">
      <header className="dialog-head">
        <h2 id={`${id}-title`} className="mono">
          {log.method} {log.path}
        </h2>
        <button type="button" className="icon" aria-label="Close request detail" onClick={onClose}>
          ×
        </button>
      </header>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <span className={`status ${statusClass(log)}`}>{statusText(log)}</span>
        </dd>
        {log.error && (
          <>
            <dt>Error</dt>
            <dd className="field-error">{log.error}</dd>
          </>
        )}
        <dt>Time</dt>
        <dd>{formatDateTime(log.timestamp)}</dd>
        <dt>Tunnel</dt>
        <dd className="mono">{log.tunnel_domain}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(log.duration_ms)}</dd>
        <dt>Bytes in / out</dt>
        <dd>
          {formatBytes(log.bytes_in)} / {formatBytes(log.bytes_out)}
        </dd>
      </dl>
      <Headers title="Request headers" headers={log.request_headers} />
      <Body title="Request body" body={log.request_body} />
      <Headers title="Response headers" headers={log.response_headers} />
      <Body title="Response body" body={log.response_body} />
    </aside>
  );
}
