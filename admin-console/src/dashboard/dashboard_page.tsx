import { useState } from 'react';
import { Link } from 'react-router';
import { useApi } from '../auth/auth_context';
import { ErrorNotice } from '../shared/error_notice';
import { formatBytes, formatCount, formatPercent } from '../shared/format';
import { usePolling } from '../shared/use_polling';
import { CreateTunnelDialog } from '../tunnels/create_tunnel_dialog';
import { FailureList } from './failure_list';
import { FirstSteps } from './first_steps';
import { StatCard } from './stat_card';
import { TrafficChart } from './traffic_chart';

const WINDOW_MINUTES = 60;

export function DashboardPage() {
  const api = useApi();
  const stats = usePolling((signal) => api.stats(WINDOW_MINUTES, signal), 'stats');
  const s = stats.data;
  // Here, not in FirstSteps: the dialog (and the token it shows once) must outlive the steps, which go
  // away as soon as the new tunnel is counted.
  const [creating, setCreating] = useState(false);
  return (
    <section>
      <div className="page-head">
        <h1>Dashboard</h1>
        <span className="muted small">last {s?.window_minutes ?? WINDOW_MINUTES} minutes, updated every few seconds</span>
      </div>
      <ErrorNotice error={stats.error} prefix="Could not load statistics" />
      {!s ? (
        <p className="muted">{stats.loading ? 'Loading…' : ''}</p>
      ) : (
        <>
          {s.tunnels_total === 0 && <FirstSteps onCreate={() => setCreating(true)} />}
          <div className="grid stats">
            <StatCard label="Tunnels" value={formatCount(s.tunnels_total)} hint={`${formatCount(s.tunnels_disabled)} disabled`} testId="stat-tunnels" />
            <StatCard label="Online now" value={formatCount(s.tunnels_online)} testId="stat-online" tone={s.tunnels_online > 0 ? 'good' : undefined} />
            <StatCard label="Requests" value={formatCount(s.requests)} hint={`${formatCount(s.errors)} errors`} testId="stat-requests" />
            <StatCard label="Error rate" value={formatPercent(s.error_rate)} testId="stat-error-rate" tone={s.error_rate > 0.05 ? 'bad' : undefined} />
            <StatCard label="Traffic" value={formatBytes(s.bytes_in + s.bytes_out)} hint={`${formatBytes(s.bytes_in)} in · ${formatBytes(s.bytes_out)} out`} testId="stat-bytes" />
          </div>
          <div className="grid two">
            <div className="card">
              <TrafficChart series={s.series} metric="requests" title="Requests per minute" />
            </div>
            <div className="card">
              <TrafficChart series={s.series} metric="bytes" title="Bytes per minute" />
            </div>
          </div>
          <div className="card">
            <div className="page-head">
              <h2>Recent failures</h2>
              <Link to="/requests?status=error">All failed requests</Link>
            </div>
            <FailureList failures={s.recent_failures} />
          </div>
        </>
      )}
      {creating && <CreateTunnelDialog onClose={() => setCreating(false)} onCreated={stats.refresh} />}
    </section>
  );
}
