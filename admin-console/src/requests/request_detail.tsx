import { useEffect, useId } from 'react';
import type { RequestLog } from '../api/types';
import { CopyButton } from '../shared/copy_button';
import { DateTime } from '../shared/date_time';
import { formatBytes, formatCount, formatDuration } from '../shared/format';
import { currentPage, pathIngressUrl } from '../shared/public_url';
import { useServerInfo } from '../shared/use_server_info';
import { curlCommand } from './curl_command';
import { headerEntries, prettyBody, statusClass, statusText, storedBody } from './log_format';

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

/** `bytes`: the log's byte count of that body (bytes_in / bytes_out), which tells a cut body from a whole one. */
function Body({ title, body, bytes }: { title: string; body: string | null; bytes: number }) {
  const { text, json } = prettyBody(body);
  const stored = storedBody(body, bytes);
  return (
    <section aria-label={title}>
      <h3>
        {title}
        {json && <span className="tag">JSON</span>}
      </h3>
      {body === null ? (
        <p className="muted small">{stored === 'unrecorded' ? `${formatBytes(bytes)}, not stored.` : 'No body stored.'}</p>
      ) : (
        <>
          <pre className="body" data-testid={`${title.toLowerCase().replace(/\s+/g, '-')}`}>
            {text}
          </pre>
          {stored === 'cut' && (
            <p className="muted small">
              Only the first 4 KiB are stored{bytes > 0 ? ` (of ${formatCount(bytes)} bytes)` : ''}.
            </p>
          )}
          {stored === 'binary' && <p className="muted small">Not text: the server stores no binary bodies.</p>}
        </>
      )}
    </section>
  );
}

/** The recorded request as a curl command against the tunnel's public URL (path routing: it needs no DNS). */
function CurlCommand({ log }: { log: RequestLog }) {
  const { info } = useServerInfo();
  const tunnelUrl = pathIngressUrl(log.tunnel_domain, currentPage(), info?.path_pattern);
  const command = curlCommand(log, tunnelUrl);
  return (
    <section aria-label="curl command">
      <h3>
        curl command
        <CopyButton text={command} label="Copy as curl" />
      </h3>
      <pre className="body" data-testid="curl-command">
        {command}
      </pre>
      <p className="muted small">Running it sends the request through the tunnel to its target again.</p>
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
        <dd data-testid="request-time">
          <DateTime iso={log.timestamp} zone="value" />
        </dd>
        <dt>Tunnel</dt>
        <dd className="mono">{log.tunnel_domain}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(log.duration_ms)}</dd>
        <dt>Bytes in / out</dt>
        <dd>
          {formatBytes(log.bytes_in)} / {formatBytes(log.bytes_out)}
        </dd>
      </dl>
      <CurlCommand log={log} />
      <Headers title="Request headers" headers={log.request_headers} />
      <Body title="Request body" body={log.request_body} bytes={log.bytes_in} />
      <Headers title="Response headers" headers={log.response_headers} />
      <Body title="Response body" body={log.response_body} bytes={log.bytes_out} />
    </aside>
  );
}
