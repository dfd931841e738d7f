// /tunnels/:domain — the tunnel's record, its live session and its latest requests, polled.
import { useCallback, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../api/api_error';
import type { RequestLog } from '../api/types';
import { useApi } from '../auth/auth_context';
import { RequestDetail } from '../requests/request_detail';
import { RequestTable } from '../requests/request_table';
import { DateTime } from '../shared/date_time';
import { ErrorNotice } from '../shared/error_notice';
import { formatBytes, formatCount, formatRelative } from '../shared/format';
import { currentPage } from '../shared/public_url';
import { usePolling } from '../shared/use_polling';
import { useServerInfo } from '../shared/use_server_info';
import { AddressList } from './address_list';
import { StatusBadge } from './status_badge';
import { TunnelActionButtons, useTunnelActions } from './tunnel_actions';
import { listenerAddress, publicAddresses, tunnelListeners, tunnelMode } from './tunnel_transport';

const RECENT = 20;

export function TunnelDetailPage() {
  const { domain = '' } = useParams();
  const api = useApi();
  const navigate = useNavigate();
  const { info } = useServerInfo();
  const tunnel = usePolling((signal) => api.getTunnel(domain, signal), `tunnel:${domain}`);
  const logs = usePolling((signal) => api.tunnelLogs(domain, { limit: RECENT }, signal), `logs:${domain}`);
  const [selected, setSelected] = useState<RequestLog | null>(null);
  const close = useCallback(() => setSelected(null), []);
  const actions = useTunnelActions({
    onChanged: tunnel.refresh,
    onDeleted: () => navigate('/tunnels', { replace: true }),
  });

  const t = tunnel.data;
  const notFound = tunnel.error instanceof ApiError && tunnel.error.isNotFound;
  if (notFound) {
    return (
      <section>
        <h1>Tunnel not found</h1>
        <p>
          There is no tunnel <span className="mono">{domain}</span>. <Link to="/tunnels">Back to the tunnels</Link>
        </p>
      </section>
    );
  }

  const page = currentPage();

  return (
    <section className={selected ? 'with-detail' : undefined}>
      <p className="crumbs">
        <Link to="/tunnels">Tunnels</Link> / <span className="mono">{domain}</span>
      </p>
      <div className="page-head">
        <h1 className="mono">{domain}</h1>
        {t && <StatusBadge tunnel={t} />}
        <span className="grow" />
        {t && <TunnelActionButtons tunnel={t} open={actions.open} />}
      </div>
      <ErrorNotice error={tunnel.error} prefix="Could not load the tunnel" />
      {!t ? (
        <p className="muted">Loading…</p>
      ) : (
        <div className="grid two">
          <div className="card">
            <h2>Tunnel</h2>
            <dl className="facts">
              <dt>Name</dt>
              <dd>{t.name || '—'}</dd>
              <dt>Description</dt>
              <dd>{t.description || '—'}</dd>
              <dt>Enabled</dt>
              <dd>{t.enabled ? 'yes' : 'no'}</dd>
              <dt>Mode</dt>
              <dd>{tunnelMode(t)}</dd>
              <dt>Public URL</dt>
              {tunnelMode(t) === 'http' ? (
                <dd data-testid="public-url">
                  <AddressList addresses={publicAddresses(t, page, info).filter((a) => a.protocol === 'http')} />
                </dd>
              ) : (
                <dd className="muted" data-testid="public-url">
                  none: HTTP requests are answered 410 in tcp mode; clients connect to the listeners below
                </dd>
              )}
              <dt>TCP / UDP</dt>
              <dd data-testid="listeners">
                <AddressList addresses={tunnelListeners(t).map((l) => listenerAddress(l, page.hostname))} />
              </dd>
              <dt>Created</dt>
              <dd>
                <DateTime iso={t.created_at} zone="value" />
              </dd>
              <dt>Updated</dt>
              <dd>
                <DateTime iso={t.updated_at} zone="value" />
              </dd>
              <dt>Last connected</dt>
              <dd>
                <DateTime iso={t.last_connected_at} zone="value" />
              </dd>
              <dt>Requests (all time)</dt>
              <dd>{formatCount(t.total_requests)}</dd>
              <dt>Bytes in / out</dt>
              <dd>
                {formatBytes(t.bytes_in)} / {formatBytes(t.bytes_out)}
              </dd>
            </dl>
          </div>
          <div className="card" data-testid="live-session">
            <h2>Live session</h2>
            {t.live ? (
              <dl className="facts">
                <dt>Connected since</dt>
                <dd>
                  <DateTime iso={t.live.connected_since} zone="value" /> ({formatRelative(t.live.connected_since)})
                </dd>
                <dt>Client address</dt>
                <dd className="mono">{t.live.remote_address}</dd>
                <dt>Protocol</dt>
                <dd>{t.live.protocol}</dd>
                <dt>Client version</dt>
                <dd>{t.live.client_version || '—'}</dd>
                <dt>In flight</dt>
                <dd>{t.live.in_flight}</dd>
                <dt>Requests (this session)</dt>
                <dd>{formatCount(t.live.requests)}</dd>
                {t.live.tcp_connections !== undefined && (
                  <>
                    <dt>TCP connections</dt>
                    <dd>{formatCount(t.live.tcp_connections)}</dd>
                  </>
                )}
                {t.live.udp_sessions !== undefined && (
                  <>
                    <dt>UDP sessions</dt>
                    <dd>{formatCount(t.live.udp_sessions)}</dd>
                  </>
                )}
                <dt>Bytes in / out</dt>
                <dd>
                  {formatBytes(t.live.bytes_in)} / {formatBytes(t.live.bytes_out)}
                </dd>
              </dl>
            ) : (
              <p className="muted">{t.enabled ? 'No client is connected.' : 'The tunnel is disabled: clients are refused.'}</p>
            )}
          </div>
        </div>
      )}
      <div className="page-head">
        <h2>Recent requests</h2>
        <Link to={`/requests?domain=${encodeURIComponent(domain)}`}>All requests of {domain}</Link>
      </div>
      <ErrorNotice error={logs.error} prefix="Could not load the requests" />
      <div className="split">
        <div className="split-main">
          {logs.data && logs.data.logs.length === 0 && <p className="muted">No requests recorded yet.</p>}
          {logs.data && logs.data.logs.length > 0 && (
            <div className="table-wrap">
              <RequestTable logs={logs.data.logs} showTunnel={false} selectedId={selected?.id} onSelect={setSelected} />
            </div>
          )}
        </div>
        {selected && <RequestDetail log={selected} onClose={close} />}
      </div>
      {actions.dialog}
    </section>
  );
}
