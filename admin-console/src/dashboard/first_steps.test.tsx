// The dashboard of a server without tunnels explains the first steps with the server's own addresses.
import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeAdminApi } from '../test/fakeApi';
import { renderApp } from '../test/render_app';

describe('first steps on an empty dashboard', () => {
  let fake: FakeAdminApi;
  let restore: () => void;
  beforeEach(() => {
    fake = new FakeAdminApi();
    restore = fake.install();
  });
  afterEach(() => restore());

  it('shows the create, connect and open steps with the server’s addresses', async () => {
    renderApp(fake, '/');
    const steps = within(await screen.findByTestId('first-steps'));
    expect(steps.getByRole('heading', { level: 2 })).toHaveTextContent('No tunnels yet');
    expect(steps.getAllByRole('listitem')).toHaveLength(3);
    expect(steps.getByTestId('step-create')).toHaveTextContent(/^tunely tunnel create myapp --server http:\/\/localhost:3000 --admin-key …$/);
    // websocket_url from GET /api/info, not a guess from the page.
    await waitFor(() =>
      expect(steps.getByTestId('step-connect')).toHaveTextContent(
        /^tunely connect --server ws:\/\/tunnels\.example\.com:8080\/ws\/tunnel --token … --target http:\/\/localhost:3000$/,
      ),
    );
    expect(steps.getByTestId('step-url-path')).toHaveTextContent(/^http:\/\/localhost:3000\/t\/myapp\/$/);
    expect(steps.getByTestId('step-url-host')).toHaveTextContent(/^http:\/\/myapp\.example\.com:3000\/$/);
    expect(steps.getByRole('button', { name: 'Copy the connect command' })).toBeInTheDocument();
    // The numbers stay below the steps.
    expect(screen.getByTestId('stat-tunnels')).toHaveTextContent(/^0$/);
  });

  it('copies a step’s command', async () => {
    const { user } = renderApp(fake, '/');
    const steps = within(await screen.findByTestId('first-steps'));
    await waitFor(() => expect(steps.getByTestId('step-connect')).toHaveTextContent('ws://tunnels.example.com'));
    const writeText = vi.fn<(text: string) => Promise<void>>().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    await user.click(steps.getByRole('button', { name: 'Copy the connect command' }));
    expect(writeText).toHaveBeenLastCalledWith('tunely connect --server ws://tunnels.example.com:8080/ws/tunnel --token … --target http://localhost:3000');
  });

  it('creates the first tunnel with the console’s own dialog; its token stays shown after the steps go', async () => {
    const { user } = renderApp(fake, '/', { pollMs: 40 });
    const steps = within(await screen.findByTestId('first-steps'));
    await user.click(steps.getByRole('button', { name: 'Create a tunnel' }));
    const dialog = within(screen.getByRole('dialog', { name: 'New tunnel' }));
    await user.type(dialog.getByLabelText('Domain'), 'myapp');
    await user.click(dialog.getByRole('button', { name: 'Create tunnel' }));
    const done = within(await screen.findByRole('dialog', { name: 'Tunnel myapp created' }));
    expect(done.getByTestId('new-token')).toHaveTextContent(fake.tokenOf('myapp')!);
    // The dashboard counts the tunnel: the steps go, the dialog with the token stays until Done.
    await waitFor(() => expect(screen.queryByTestId('first-steps')).not.toBeInTheDocument());
    expect(screen.getByTestId('stat-tunnels')).toHaveTextContent(/^1$/);
    expect(screen.getByRole('dialog', { name: 'Tunnel myapp created' })).toBeInTheDocument();
    await user.click(done.getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('is not shown once a tunnel exists', async () => {
    fake.addTunnel('alpha');
    renderApp(fake, '/');
    expect(await screen.findByTestId('stat-tunnels')).toHaveTextContent(/^1$/);
    expect(screen.queryByTestId('first-steps')).not.toBeInTheDocument();
  });
});
