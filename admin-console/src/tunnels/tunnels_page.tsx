import { useState } from 'react';
import { useApi } from '../auth/auth_context';
import { ErrorNotice } from '../shared/error_notice';
import { usePolling } from '../shared/use_polling';
import { useServerInfo } from '../shared/use_server_info';
import { CreateTunnelDialog } from './create_tunnel_dialog';
import { useTunnelActions } from './tunnel_actions';
import { searchTunnels, sortTunnels, type SortDir, type SortKey } from './tunnel_list';
import { TunnelTable } from './tunnel_table';
import { tunnelStatus } from './tunnel_status';

export function TunnelsPage() {
  const api = useApi();
  const tunnels = usePolling((signal) => api.listTunnels(signal), 'tunnels');
  const { info } = useServerInfo();
  const [query, setQuery] = useState('');
  const [sortKey, setSortKey] = useState<SortKey>('created_at');
  const [sortDir, setSortDir] = useState<SortDir>('desc');
  const [creating, setCreating] = useState(false);
  const actions = useTunnelActions({ onChanged: tunnels.refresh });

  const all = tunnels.data ?? [];
  const shown = sortTunnels(searchTunnels(all, query), sortKey, sortDir);
  const online = all.filter((t) => tunnelStatus(t) === 'online').length;

  function sortBy(key: SortKey) {
    if (key === sortKey) setSortDir(sortDir === 'asc' ? 'desc' : 'asc');
    else {
      setSortKey(key);
      setSortDir(key === 'requests' || key === 'created_at' ? 'desc' : 'asc');
    }
  }

  return (
    <section>
      <div className="page-head">
        <h1>Tunnels</h1>
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          New tunnel
        </button>
      </div>
      <div className="toolbar">
        <label className="search">
          <span className="visually-hidden">Search tunnels</span>
          <input type="search" placeholder="Search domain or name" value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
        <p className="muted" aria-live="polite">
          {tunnels.data ? `${all.length} ${all.length === 1 ? 'tunnel' : 'tunnels'}, ${online} online` : ''}
        </p>
      </div>
      <ErrorNotice error={tunnels.error} prefix="Could not load the tunnels" />
      {tunnels.loading && !tunnels.data ? (
        <p className="muted">Loading…</p>
      ) : all.length === 0 && tunnels.data ? (
        <div className="empty card">
          <p>No tunnels yet.</p>
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create the first tunnel
          </button>
        </div>
      ) : shown.length === 0 ? (
        <p className="muted">No tunnel matches “{query}”.</p>
      ) : (
        <div className="table-wrap">
          <TunnelTable tunnels={shown} sortKey={sortKey} sortDir={sortDir} onSort={sortBy} onAction={actions.open}
            patterns={info} />
        </div>
      )}
      {creating && <CreateTunnelDialog onClose={() => setCreating(false)} onCreated={tunnels.refresh} />}
      {actions.dialog}
    </section>
  );
}
