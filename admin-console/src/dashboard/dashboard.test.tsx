import { act, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAdminApi } from '../test/fakeApi';
import { renderApp } from '../test/render_app';

describe('dashboard', () => {
  let fake: FakeAdminApi;
  let restore: () => void;
  beforeEach(() => {
    fake = new FakeAdminApi();
    restore = fake.install();
    fake.addTunnel('alpha');
    fake.addTunnel('bravo');
    fake.addTunnel('charlie', { enabled: false });
    fake.connect('alpha');
    for (let i = 0; i < 18; i++) fake.addLog({ tunnel_domain: 'alpha', minutesAgo: i % 30, bytes_in: 1024, bytes_out: 2048 });
    fake.addLog({ tunnel_domain: 'alpha', path: '/boom', status_code: 502, minutesAgo: 3, bytes_in: 1024, bytes_out: 2048 });
    fake.addLog({ tunnel_domain: 'bravo', method: 'POST', path: '/down', status_code: 0, error: 'Tunnel not connected', minutesAgo: 1, bytes_in: 1024, bytes_out: 2048 });
    // Outside the hour: not counted.
    fake.addLog({ tunnel_domain: 'alpha', path: '/old', status_code: 500, minutesAgo: 90 });
  });
  afterEach(() => restore());

  it('shows totals, error rate, traffic, a chart per metric and recent failures', async () => {
    renderApp(fake, '/');
    expect(await screen.findByTestId('stat-tunnels')).toHaveTextContent(/^3$/);
    expect(screen.getByTestId('stat-online')).toHaveTextContent(/^1$/);
    expect(screen.getByText('1 disabled')).toBeInTheDocument();
    expect(screen.getByTestId('stat-requests')).toHaveTextContent(/^20$/);
    expect(screen.getByText('2 errors')).toBeInTheDocument();
    expect(screen.getByTestId('stat-error-rate')).toHaveTextContent(/^10%$/);
    expect(screen.getByTestId('stat-bytes')).toHaveTextContent('60.0 KiB');

    const requests = screen.getByRole('img', { name: /Requests per minute: 20 requests, 2 errors over 60 minutes/ });
    expect(requests.querySelectorAll('rect.bar')).toHaveLength(60);
    expect(requests.querySelectorAll('rect.bar-error')).toHaveLength(2);
    const bytes = screen.getByRole('img', { name: /Bytes per minute: 20\.0 KiB in, 40\.0 KiB out/ });
    expect(bytes.querySelectorAll('path')).toHaveLength(2);

    const failures = within(screen.getByRole('list', { name: 'Recent failures' })).getAllByRole('listitem');
    expect(failures).toHaveLength(2);
    expect(failures[0]).toHaveTextContent('POST');
    expect(failures[0]).toHaveTextContent('/down');
    expect(failures[0]).toHaveTextContent('Tunnel not connected');
    expect(failures[1]).toHaveTextContent('502');
    expect(failures[1]).toHaveTextContent('/boom');
    expect(screen.queryByText('/old')).not.toBeInTheDocument();
  });

  it('updates the numbers while open (polling)', async () => {
    renderApp(fake, '/', { pollMs: 40 });
    expect(await screen.findByTestId('stat-online')).toHaveTextContent(/^1$/);
    act(() => {
      fake.connect('bravo');
      fake.addLog({ tunnel_domain: 'bravo', path: '/new' });
    });
    await waitFor(() => expect(screen.getByTestId('stat-online')).toHaveTextContent(/^2$/));
    expect(screen.getByTestId('stat-requests')).toHaveTextContent(/^21$/);
  });

  it('shows an empty state without traffic', async () => {
    const empty = new FakeAdminApi();
    restore();
    restore = empty.install();
    renderApp(empty, '/');
    expect(await screen.findByTestId('stat-tunnels')).toHaveTextContent(/^0$/);
    expect(screen.getByTestId('stat-error-rate')).toHaveTextContent(/^0%$/);
    expect(screen.getByText('No failures in this window.')).toBeInTheDocument();
  });
});
