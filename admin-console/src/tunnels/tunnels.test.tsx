import { act, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeAdminApi } from '../test/fakeApi';
import { renderApp } from '../test/render_app';

function rowDomains(): string[] {
  return screen.getAllByTestId(/^tunnel-row-/).map((r) => r.getAttribute('data-testid')!.replace('tunnel-row-', ''));
}

describe('tunnels page', () => {
  let fake: FakeAdminApi;
  let restore: () => void;
  beforeEach(() => {
    fake = new FakeAdminApi();
    restore = fake.install();
  });
  afterEach(() => restore());

  function seed() {
    fake.addTunnel('alpha', { name: 'Alpha API', ageMinutes: 30, total_requests: 5 });
    fake.addTunnel('bravo', { name: 'Webhooks', ageMinutes: 20, total_requests: 50 });
    fake.addTunnel('charlie', { name: 'Dev server', ageMinutes: 10, enabled: false });
    fake.connect('bravo', { remote_address: '10.0.0.7:40000', protocol: '1.1', in_flight: 3 });
  }

  it('lists tunnels newest first with status, session and in-flight columns', async () => {
    seed();
    renderApp(fake, '/tunnels');
    await screen.findByTestId('tunnel-row-alpha');
    expect(rowDomains()).toEqual(['charlie', 'bravo', 'alpha']);
    expect(screen.getByTestId('status-alpha')).toHaveTextContent(/^offline$/);
    expect(screen.getByTestId('status-bravo')).toHaveTextContent(/^online$/);
    expect(screen.getByTestId('status-charlie')).toHaveTextContent(/^disabled$/);
    const bravo = within(screen.getByTestId('tunnel-row-bravo'));
    expect(bravo.getByText('10.0.0.7:40000')).toBeInTheDocument();
    expect(bravo.getByText('1.1')).toBeInTheDocument();
    expect(bravo.getByText('3')).toBeInTheDocument();
    expect(bravo.getByText('just now')).toBeInTheDocument();
    expect(screen.getByText('3 tunnels, 1 online')).toBeInTheDocument();
  });

  it('searches by domain or name', async () => {
    seed();
    const { user } = renderApp(fake, '/tunnels');
    await screen.findByTestId('tunnel-row-alpha');
    await user.type(screen.getByRole('searchbox', { name: 'Search tunnels' }), 'webh');
    expect(rowDomains()).toEqual(['bravo']);
    await user.clear(screen.getByRole('searchbox', { name: 'Search tunnels' }));
    await user.type(screen.getByRole('searchbox', { name: 'Search tunnels' }), 'CHAR');
    expect(rowDomains()).toEqual(['charlie']);
    await user.type(screen.getByRole('searchbox', { name: 'Search tunnels' }), 'zzz');
    expect(screen.getByText('No tunnel matches “CHARzzz”.')).toBeInTheDocument();
  });

  it('sorts by a column and toggles the direction', async () => {
    seed();
    const { user } = renderApp(fake, '/tunnels');
    await screen.findByTestId('tunnel-row-alpha');
    await user.click(screen.getByRole('button', { name: /^Domain/ }));
    expect(rowDomains()).toEqual(['alpha', 'bravo', 'charlie']);
    expect(screen.getByRole('columnheader', { name: /Domain/ })).toHaveAttribute('aria-sort', 'ascending');
    await user.click(screen.getByRole('button', { name: /^Domain/ }));
    expect(rowDomains()).toEqual(['charlie', 'bravo', 'alpha']);
    await user.click(screen.getByRole('button', { name: /^Requests/ }));
    expect(rowDomains()).toEqual(['bravo', 'alpha', 'charlie']);
    await user.click(screen.getByRole('button', { name: /^Status/ }));
    expect(rowDomains()).toEqual(['bravo', 'alpha', 'charlie']); // online, offline, disabled
  });

  it('validates the new-tunnel form like the server and reports availability', async () => {
    seed();
    const { user } = renderApp(fake, '/tunnels');
    await screen.findByTestId('tunnel-row-alpha');
    await user.click(screen.getByRole('button', { name: 'New tunnel' }));
    const dialog = within(screen.getByRole('dialog', { name: 'New tunnel' }));
    await user.click(dialog.getByRole('button', { name: 'Create tunnel' }));
    expect(dialog.getByText('Enter a domain.')).toBeInTheDocument();

    const domain = dialog.getByLabelText('Domain');
    await user.type(domain, '-bad');
    expect(dialog.getByText("Use letters, digits or '-', starting with a letter or digit.")).toBeInTheDocument();
    expect(dialog.getByRole('button', { name: 'Create tunnel' })).toBeDisabled();

    await user.clear(domain);
    await user.type(domain, 'a'.repeat(64));
    expect(dialog.getByText('At most 63 characters.')).toBeInTheDocument();

    await user.clear(domain);
    await user.type(domain, 'bravo');
    expect(await dialog.findByText('Already taken')).toBeInTheDocument();
    await user.clear(domain);
    await user.type(domain, 'admin');
    expect(await dialog.findByText('Reserved by the server')).toBeInTheDocument();
    // The server's own refusal is shown as it said it.
    await user.click(dialog.getByRole('button', { name: 'Create tunnel' }));
    expect(await dialog.findByRole('alert')).toHaveTextContent('Domain is reserved');

    await user.clear(domain);
    await user.type(domain, 'delta');
    expect(await dialog.findByText('Available')).toBeInTheDocument();
    await user.type(dialog.getByLabelText('Name (optional)'), 'x'.repeat(101));
    expect(dialog.getByText('At most 100 characters (now 101).')).toBeInTheDocument();
    expect(dialog.getByRole('button', { name: 'Create tunnel' })).toBeDisabled();
    expect(fake.callsTo('POST', '/api/tunnels')).toHaveLength(1);
  });

  it('shows the 409 detail for a duplicate created meanwhile', async () => {
    seed();
    const { user } = renderApp(fake, '/tunnels');
    await screen.findByTestId('tunnel-row-alpha');
    await user.click(screen.getByRole('button', { name: 'New tunnel' }));
    const dialog = within(screen.getByRole('dialog'));
    await user.type(dialog.getByLabelText('Domain'), 'echo');
    expect(await dialog.findByText('Available')).toBeInTheDocument();
    fake.addTunnel('echo'); // someone else was faster
    await user.click(dialog.getByRole('button', { name: 'Create tunnel' }));
    expect(await dialog.findByRole('alert')).toHaveTextContent('Domain already exists');
  });

  it('creates a tunnel, shows the token once with copy buttons, and lists it', async () => {
    seed();
    const { user } = renderApp(fake, '/tunnels');
    await screen.findByTestId('tunnel-row-alpha');
    const writeText = vi.fn<(text: string) => Promise<void>>().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });

    await user.click(screen.getByRole('button', { name: 'New tunnel' }));
    let dialog = within(screen.getByRole('dialog'));
    await user.type(dialog.getByLabelText('Domain'), 'Delta');
    await user.type(dialog.getByLabelText('Name (optional)'), 'Delta service');
    await user.click(dialog.getByRole('button', { name: 'Create tunnel' }));

    dialog = within(await screen.findByRole('dialog', { name: 'Tunnel delta created' }));
    const token = fake.tokenOf('delta')!;
    expect(token).toMatch(/^tun_/);
    expect(dialog.getByTestId('new-token')).toHaveTextContent(token);
    const command = `tunely connect --server ws://tunnels.example.com:8080/ws/tunnel --token ${token} --target http://localhost:3000`;
    await waitFor(() => expect(dialog.getByTestId('connect-command')).toHaveTextContent(command));

    await user.click(dialog.getByRole('button', { name: 'Copy token' }));
    expect(writeText).toHaveBeenLastCalledWith(token);
    expect(dialog.getByText('Copied')).toBeInTheDocument();
    await user.click(dialog.getByRole('button', { name: 'Copy command' }));
    expect(writeText).toHaveBeenLastCalledWith(command);

    expect(fake.callsTo('POST', '/api/tunnels')[0]?.body).toEqual({ domain: 'Delta', name: 'Delta service' });
    await user.click(dialog.getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(await screen.findByTestId('tunnel-row-delta')).toHaveTextContent('Delta service');
    // Once: the token is nowhere on the page any more, and the list never carries it.
    expect(screen.queryByText(token)).not.toBeInTheDocument();
    expect(document.body.textContent).not.toContain(token);
  });

  it('edits name, description and enabled', async () => {
    seed();
    const { user } = renderApp(fake, '/tunnels');
    await screen.findByTestId('tunnel-row-bravo');
    await user.click(screen.getByRole('button', { name: 'Edit bravo' }));
    const dialog = within(screen.getByRole('dialog', { name: 'Edit bravo' }));
    const name = dialog.getByLabelText('Name');
    expect(name).toHaveValue('Webhooks');
    await user.clear(name);
    await user.type(name, 'Hooks v2');
    await user.type(dialog.getByLabelText('Description'), 'GitHub hooks');
    await user.click(dialog.getByLabelText('Enabled'));
    expect(dialog.getByText(/Disabling closes the connected client/)).toBeInTheDocument();
    await user.click(dialog.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(fake.callsTo('PUT', '/api/tunnels/bravo')[0]?.body).toEqual({ name: 'Hooks v2', description: 'GitHub hooks', enabled: false });
    await waitFor(() => expect(screen.getByTestId('status-bravo')).toHaveTextContent('disabled'));
    expect(screen.getByTestId('tunnel-row-bravo')).toHaveTextContent('Hooks v2');
  });

  it('rotates a token after confirmation and shows the new one once', async () => {
    seed();
    const { user } = renderApp(fake, '/tunnels');
    await screen.findByTestId('tunnel-row-bravo');
    const oldToken = fake.tokenOf('bravo');
    await user.click(screen.getByRole('button', { name: 'Rotate token of bravo' }));
    let dialog = within(screen.getByRole('dialog', { name: 'Rotate the token of bravo?' }));
    expect(dialog.getByText(/connected client is disconnected/)).toBeInTheDocument();
    await user.click(dialog.getByRole('button', { name: 'Cancel' }));
    expect(fake.callsTo('POST', '/api/tunnels/bravo/regenerate-token')).toHaveLength(0);

    await user.click(screen.getByRole('button', { name: 'Rotate token of bravo' }));
    dialog = within(screen.getByRole('dialog'));
    await user.click(dialog.getByRole('button', { name: 'Rotate token' }));
    dialog = within(await screen.findByRole('dialog', { name: 'New token for bravo' }));
    const newToken = fake.tokenOf('bravo')!;
    expect(newToken).not.toBe(oldToken);
    expect(dialog.getByTestId('new-token')).toHaveTextContent(newToken);
    expect(dialog.getByRole('button', { name: 'Copy token' })).toBeInTheDocument();
    // The server dropped the client: the table shows it.
    await waitFor(() => expect(screen.getByTestId('status-bravo')).toHaveTextContent('offline'));
  });

  it('deletes only after the domain is typed', async () => {
    seed();
    const { user } = renderApp(fake, '/tunnels');
    await screen.findByTestId('tunnel-row-alpha');
    await user.click(screen.getByRole('button', { name: 'Delete alpha' }));
    const dialog = within(screen.getByRole('dialog', { name: 'Delete alpha?' }));
    const confirm = dialog.getByRole('button', { name: 'Delete tunnel' });
    expect(confirm).toBeDisabled();
    await user.type(dialog.getByLabelText(/to confirm/), 'alph');
    expect(confirm).toBeDisabled();
    await user.type(dialog.getByLabelText(/to confirm/), 'a');
    expect(confirm).toBeEnabled();
    await user.click(confirm);
    await waitFor(() => expect(screen.queryByTestId('tunnel-row-alpha')).not.toBeInTheDocument());
    expect(fake.tunnel('alpha')).toBeUndefined();
    expect(rowDomains()).toEqual(['charlie', 'bravo']);
  });

  it('picks up a client connecting without a reload (polling)', async () => {
    seed();
    renderApp(fake, '/tunnels', { pollMs: 40 });
    expect(await screen.findByTestId('status-alpha')).toHaveTextContent('offline');
    const before = fake.callsTo('GET', '/api/tunnels').length;
    act(() => fake.connect('alpha', { remote_address: '192.0.2.1:1234' }));
    await waitFor(() => expect(screen.getByTestId('status-alpha')).toHaveTextContent('online'));
    expect(within(screen.getByTestId('tunnel-row-alpha')).getByText('192.0.2.1:1234')).toBeInTheDocument();
    expect(fake.callsTo('GET', '/api/tunnels').length).toBeGreaterThan(before);
  });

  it('shows the database-unavailable detail of a 503', async () => {
    seed();
    fake.databaseDown = true;
    renderApp(fake, '/tunnels');
    expect(await screen.findByRole('alert')).toHaveTextContent("Could not load the tunnels: The server's database is unavailable: Database unavailable");
  });
});
