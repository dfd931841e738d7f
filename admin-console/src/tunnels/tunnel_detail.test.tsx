import { act, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAdminApi } from '../test/fakeApi';
import { renderApp } from '../test/render_app';

describe('tunnel detail page', () => {
  let fake: FakeAdminApi;
  let restore: () => void;
  beforeEach(() => {
    fake = new FakeAdminApi();
    restore = fake.install();
    fake.addTunnel('other');
    fake.addTunnel('myapp', { name: 'My app', description: 'The demo service' });
    fake.connect('myapp', { remote_address: '127.0.0.1:5555', protocol: '2', client_version: 'tunely-cpp/0.9.0', in_flight: 2, requests: 7 });
    fake.addLog({ tunnel_domain: 'myapp', method: 'POST', path: '/hooks/github', status_code: 201, minutesAgo: 2 });
    fake.addLog({ tunnel_domain: 'myapp', method: 'GET', path: '/health', status_code: 200, minutesAgo: 1 });
    fake.addLog({ tunnel_domain: 'other', method: 'GET', path: '/elsewhere', status_code: 200 });
  });
  afterEach(() => restore());

  it('shows the record, the live session and only its own recent requests', async () => {
    renderApp(fake, '/tunnels/myapp');
    expect(await screen.findByText('The demo service')).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('myapp');
    expect(screen.getByTestId('status-myapp')).toHaveTextContent('online');
    expect(await screen.findByRole('link', { name: 'http://localhost:3000/t/myapp/' })).toBeInTheDocument();
    const live = within(screen.getByTestId('live-session'));
    expect(live.getByText('127.0.0.1:5555')).toBeInTheDocument();
    expect(live.getByText('tunely-cpp/0.9.0')).toBeInTheDocument();
    expect(live.getByText('In flight').nextElementSibling).toHaveTextContent(/^2$/);
    expect(live.getByText('Protocol').nextElementSibling).toHaveTextContent(/^2$/);
    expect(live.getByText('Requests (this session)').nextElementSibling).toHaveTextContent(/^7$/);
    const rows = await screen.findAllByTestId('request-row');
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringContaining('/health'),
      expect.stringContaining('/hooks/github'),
    ]);
    expect(rows[1]).toHaveTextContent('POST');
    expect(rows[1]).toHaveTextContent('201');
    expect(screen.queryByText('/elsewhere')).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'All requests of myapp' })).toHaveAttribute('href', '/requests?domain=myapp');
  });

  it('is reached from the tunnels table', async () => {
    const { user } = renderApp(fake, '/tunnels');
    await user.click(await screen.findByRole('link', { name: 'myapp' }));
    expect(await screen.findByText('The demo service')).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent('/tunnels/myapp');
  });

  it('follows the session live and shows when the client is gone', async () => {
    renderApp(fake, '/tunnels/myapp', { pollMs: 40 });
    expect(await within(await screen.findByTestId('live-session')).findByText('127.0.0.1:5555')).toBeInTheDocument();
    act(() => fake.disconnect('myapp'));
    await waitFor(() => expect(screen.getByTestId('status-myapp')).toHaveTextContent('offline'));
    expect(within(screen.getByTestId('live-session')).getByText('No client is connected.')).toBeInTheDocument();
  });

  it('says so for an unknown tunnel', async () => {
    renderApp(fake, '/tunnels/nope');
    expect(await screen.findByRole('heading', { name: 'Tunnel not found' })).toBeInTheDocument();
  });

  it('goes back to the list after deleting the tunnel', async () => {
    const { user } = renderApp(fake, '/tunnels/myapp');
    await user.click(await screen.findByRole('button', { name: 'Delete myapp' }));
    const dialog = within(screen.getByRole('dialog'));
    await user.type(dialog.getByLabelText(/to confirm/), 'myapp');
    await user.click(dialog.getByRole('button', { name: 'Delete tunnel' }));
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent(/^\/tunnels$/));
    expect(await screen.findByTestId('tunnel-row-other')).toBeInTheDocument();
    expect(screen.queryByTestId('tunnel-row-myapp')).not.toBeInTheDocument();
  });
});
