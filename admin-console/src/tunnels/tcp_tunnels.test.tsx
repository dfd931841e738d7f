// TCP / UDP tunnels in the console: mode and public addresses in the list and on the detail page, live
// connection counts, and the mode / port fields of the create and edit forms against the fake's port rules.
import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addressTexts } from '../test/addresses';
import { FakeAdminApi } from '../test/fakeApi';
import { renderApp } from '../test/render_app';

describe('tcp tunnels', () => {
  let fake: FakeAdminApi;
  let restore: () => void;
  beforeEach(() => {
    fake = new FakeAdminApi();
    restore = fake.install();
    fake.portRanges = { tcp: [47000, 47002], udp: [47100, 47100] };
  });
  afterEach(() => restore());

  function seed() {
    fake.addTunnel('web', { ageMinutes: 30 });
    fake.addTunnel('ssh', {
      ageMinutes: 20,
      mode: 'tcp',
      tcp_port: 47000,
      staticListeners: [
        { protocol: 'tcp', host: '0.0.0.0', port: 2222, assigned: false },
        { protocol: 'udp', host: '::1', port: 5353, assigned: false },
      ],
    });
    fake.addTunnel('tls', { ageMinutes: 10, mode: 'tcp', staticListeners: [{ protocol: 'tcp', host: '127.0.0.1', port: 8443, assigned: false, tls: true }] });
    fake.connect('web');
    fake.connect('ssh', { tcp_connections: 2, udp_sessions: 1 });
  }

  async function openCreate() {
    const r = renderApp(fake, '/tunnels');
    await screen.findByTestId('tunnel-row-web');
    await r.user.click(screen.getByRole('button', { name: 'New tunnel' }));
    return { ...r, dialog: within(screen.getByRole('dialog', { name: 'New tunnel' })) };
  }

  it('lists mode, public addresses and live TCP / UDP counts', async () => {
    seed();
    renderApp(fake, '/tunnels');
    await screen.findByTestId('tunnel-row-web');
    const web = within(screen.getByTestId('tunnel-row-web'));
    expect(web.getByRole('cell', { name: 'http' })).toBeInTheDocument();
    expect(web.getByRole('link', { name: 'http://localhost:3000/t/web/' })).toHaveAttribute('href', 'http://localhost:3000/t/web/');
    expect(web.getByRole('link', { name: 'http://web.example.com:3000/' })).toHaveAttribute('href', 'http://web.example.com:3000/');
    // An HTTP tunnel without listeners carries no raw traffic: no counts beside its status.
    expect(screen.queryByTestId('raw-counts-web')).not.toBeInTheDocument();

    const ssh = within(screen.getByTestId('tunnel-row-ssh'));
    expect(ssh.getByRole('cell', { name: 'tcp' })).toBeInTheDocument();
    expect(addressTexts(screen.getByTestId('addresses-ssh'))).toEqual([
      'tcp://localhost:2222', // bound to every interface: the host the console is reached at
      'udp://[::1]:5353',
      'tcp://localhost:47000', // assigned; the fake binds it to every interface
    ]);
    expect(within(screen.getByTestId('addresses-ssh')).queryByRole('link')).toBeNull(); // no HTTP ingress in tcp mode
    expect(screen.getByTestId('raw-counts-ssh')).toHaveTextContent('2 TCP · 1 UDP');
    expect(ssh.getByTestId('status-ssh')).toHaveTextContent(/^online$/);

    expect(within(screen.getByTestId('addresses-tls')).getByRole('listitem')).toHaveTextContent('tcp://127.0.0.1:8443TLS');
    expect(screen.queryByTestId('raw-counts-tls')).not.toBeInTheDocument(); // offline
  });

  it('shows the assigned TCP port of a server without `listeners`', async () => {
    fake.reportsListeners = false;
    fake.listenHost = '127.0.0.1'; // not reported by such a server: the console's host stands in
    fake.addTunnel('db', { mode: 'tcp', tcp_port: 47001 });
    renderApp(fake, '/tunnels');
    expect(addressTexts(await screen.findByTestId('addresses-db'))).toEqual(['tcp://localhost:47001']);
  });

  it('creates a tcp tunnel with an automatic TCP port and shows its address', async () => {
    seed();
    const { user, dialog } = await openCreate();
    expect(dialog.queryByLabelText('TCP port')).not.toBeInTheDocument();
    await user.type(dialog.getByLabelText('Domain'), 'pg');
    await user.selectOptions(dialog.getByLabelText('Mode'), 'tcp');
    expect(dialog.getByText(/answered 410/)).toBeInTheDocument();
    await user.type(dialog.getByLabelText('TCP port'), 'auto');
    await user.click(dialog.getByRole('button', { name: 'Create tunnel' }));

    const done = within(await screen.findByRole('dialog', { name: 'Tunnel pg created' }));
    // 47000 is ssh's: the lowest free one of the range.
    expect(addressTexts(done.getByTestId('created-addresses'))).toEqual(['tcp://localhost:47001']);
    expect(fake.callsTo('POST', '/api/tunnels')[0]?.body).toEqual({ domain: 'pg', mode: 'tcp', tcp_port: 'auto' });
    await user.click(done.getByRole('button', { name: 'Done' }));
    expect(addressTexts(await screen.findByTestId('addresses-pg'))).toEqual(['tcp://localhost:47001']);
    expect(within(screen.getByTestId('tunnel-row-pg')).getByRole('cell', { name: 'tcp' })).toBeInTheDocument();
  });

  it('sends numbers and "auto" for both ports, and no port for an http tunnel', async () => {
    seed();
    const { user, dialog } = await openCreate();
    await user.type(dialog.getByLabelText('Domain'), 'dns');
    await user.selectOptions(dialog.getByLabelText('Mode'), 'tcp');
    await user.type(dialog.getByLabelText('TCP port'), '47002');
    await user.type(dialog.getByLabelText('UDP port'), 'AUTO');
    await user.click(dialog.getByRole('button', { name: 'Create tunnel' }));
    await screen.findByRole('dialog', { name: 'Tunnel dns created' });
    expect(fake.callsTo('POST', '/api/tunnels')[0]?.body).toEqual({ domain: 'dns', mode: 'tcp', tcp_port: 47002, udp_port: 'auto' });
    expect(fake.tunnel('dns')).toMatchObject({ tcp_port: 47002, udp_port: 47100 });
    await user.click(screen.getByRole('button', { name: 'Done' }));

    await user.click(screen.getByRole('button', { name: 'New tunnel' }));
    const again = within(screen.getByRole('dialog', { name: 'New tunnel' }));
    await user.type(again.getByLabelText('Domain'), 'plain');
    await user.selectOptions(again.getByLabelText('Mode'), 'tcp');
    await user.type(again.getByLabelText('TCP port'), '47001');
    await user.selectOptions(again.getByLabelText('Mode'), 'http'); // the typed port goes with the mode
    expect(again.queryByLabelText('TCP port')).not.toBeInTheDocument();
    await user.click(again.getByRole('button', { name: 'Create tunnel' }));
    await screen.findByRole('dialog', { name: 'Tunnel plain created' });
    expect(fake.callsTo('POST', '/api/tunnels')[1]?.body).toEqual({ domain: 'plain' });
  });

  it('checks the port fields and shows the server refusals as it said them', async () => {
    seed();
    const { user, dialog } = await openCreate();
    await user.type(dialog.getByLabelText('Domain'), 'pg');
    await user.selectOptions(dialog.getByLabelText('Mode'), 'tcp');
    const tcp = dialog.getByLabelText('TCP port');
    await user.type(tcp, '70000');
    expect(dialog.getByText('Enter "auto", a port from 1 to 65535, or leave it empty.')).toBeInTheDocument();
    expect(tcp).toHaveAttribute('aria-invalid', 'true');
    expect(dialog.getByRole('button', { name: 'Create tunnel' })).toBeDisabled();

    await user.clear(tcp);
    await user.type(tcp, '46999');
    await user.click(dialog.getByRole('button', { name: 'Create tunnel' }));
    expect(await dialog.findByRole('alert')).toHaveTextContent(/^port 46999 is outside the assignable range 47000-47002$/);

    await user.clear(tcp);
    await user.type(tcp, '47000');
    await user.click(dialog.getByRole('button', { name: 'Create tunnel' }));
    expect(await dialog.findByRole('alert')).toHaveTextContent(/^port 47000 is already assigned$/);

    fake.portRanges.udp = null;
    await user.clear(tcp);
    await user.type(dialog.getByLabelText('UDP port'), 'auto');
    await user.click(dialog.getByRole('button', { name: 'Create tunnel' }));
    expect(await dialog.findByRole('alert')).toHaveTextContent(
      /^UDP ports are not assignable on this server \(start it with --udp-ports LOW-HIGH\)$/,
    );
    expect(fake.tunnel('pg')).toBeUndefined();
  });

  it('edits mode and ports, sending only changes; an emptied port is released with null', async () => {
    seed();
    fake.addTunnel('game', { mode: 'tcp', tcp_port: 47001, udp_port: 47100 });
    const { user } = renderApp(fake, '/tunnels');
    await screen.findByTestId('tunnel-row-game');
    await user.click(screen.getByRole('button', { name: 'Edit game' }));
    let dialog = within(screen.getByRole('dialog', { name: 'Edit game' }));
    expect(dialog.getByLabelText('Mode')).toHaveValue('tcp');
    expect(dialog.getByLabelText('TCP port')).toHaveValue('47001');
    expect(dialog.getByLabelText('UDP port')).toHaveValue('47100');
    await user.clear(dialog.getByLabelText('UDP port'));
    await user.clear(dialog.getByLabelText('TCP port'));
    await user.type(dialog.getByLabelText('TCP port'), '47002');
    await user.click(dialog.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(fake.callsTo('PUT', '/api/tunnels/game')[0]?.body).toEqual({ tcp_port: 47002, udp_port: null });
    await waitFor(() => expect(addressTexts(screen.getByTestId('addresses-game'))).toEqual(['tcp://localhost:47002']));

    // To http: the port field stays while the tunnel has a port, so it can be released too.
    await user.click(screen.getByRole('button', { name: 'Edit game' }));
    dialog = within(screen.getByRole('dialog', { name: 'Edit game' }));
    await user.selectOptions(dialog.getByLabelText('Mode'), 'http');
    expect(dialog.getByLabelText('TCP port')).toBeInTheDocument();
    expect(dialog.queryByLabelText('UDP port')).not.toBeInTheDocument();
    await user.click(dialog.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(fake.callsTo('PUT', '/api/tunnels/game')[1]?.body).toEqual({ mode: 'http' });
    await waitFor(() => expect(within(screen.getByTestId('tunnel-row-game')).getByRole('cell', { name: 'http' })).toBeInTheDocument());
    expect(addressTexts(screen.getByTestId('addresses-game'))).toEqual([
      'http://localhost:3000/t/game/',
      'http://game.example.com:3000/',
      'tcp://localhost:47002',
    ]);
  });

  it('shows a refused edit in the server’s words, also a 503 about ports', async () => {
    seed();
    fake.portRanges.tcp = [47000, 47000]; // ssh holds the only port
    fake.addTunnel('late', { mode: 'tcp' });
    const { user } = renderApp(fake, '/tunnels');
    await screen.findByTestId('tunnel-row-late');
    await user.click(screen.getByRole('button', { name: 'Edit late' }));
    const dialog = within(screen.getByRole('dialog', { name: 'Edit late' }));
    await user.type(dialog.getByLabelText('TCP port'), 'auto');
    await user.click(dialog.getByRole('button', { name: 'Save' }));
    expect(await dialog.findByRole('alert')).toHaveTextContent(/^no free port left in the range 47000-47000$/);
  });

  it('offers no UDP port on a server that does not report one', async () => {
    fake.reportsListeners = false;
    fake.addTunnel('db', { mode: 'tcp', tcp_port: 47001 });
    const { user } = renderApp(fake, '/tunnels');
    await user.click(await screen.findByRole('button', { name: 'Edit db' }));
    const dialog = within(screen.getByRole('dialog', { name: 'Edit db' }));
    expect(dialog.getByLabelText('TCP port')).toHaveValue('47001');
    expect(dialog.queryByLabelText('UDP port')).not.toBeInTheDocument();
  });

  it('shows mode, listeners and live counts on the detail page', async () => {
    seed();
    renderApp(fake, '/tunnels/ssh');
    expect(addressTexts(await screen.findByTestId('listeners'))).toEqual([
      'tcp://localhost:2222',
      'udp://[::1]:5353',
      'tcp://localhost:47000',
    ]);
    expect(screen.getByText('Mode').nextElementSibling).toHaveTextContent(/^tcp$/);
    expect(screen.getByTestId('public-url')).toHaveTextContent(/answered 410 in tcp mode/);
    expect(within(screen.getByTestId('listeners')).getByRole('button', { name: 'Copy tcp://localhost:2222' })).toBeInTheDocument();
    const live = within(screen.getByTestId('live-session'));
    expect(live.getByText('TCP connections').nextElementSibling).toHaveTextContent(/^2$/);
    expect(live.getByText('UDP sessions').nextElementSibling).toHaveTextContent(/^1$/);
  });

  it('shows no listener on the detail page of a plain http tunnel', async () => {
    seed();
    renderApp(fake, '/tunnels/web');
    expect(await screen.findByTestId('listeners')).toHaveTextContent(/^—$/);
    expect(screen.getByText('Mode').nextElementSibling).toHaveTextContent(/^http$/);
    expect(addressTexts(screen.getByTestId('public-url'))).toEqual(['http://localhost:3000/t/web/', 'http://web.example.com:3000/']);
  });
});
