import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAdminApi } from '../test/fakeApi';
import { renderApp } from '../test/render_app';
import { KEY_STORAGE_NAME } from './key_store';

describe('sign-in', () => {
  let fake: FakeAdminApi;
  let restore: () => void;
  beforeEach(() => {
    fake = new FakeAdminApi();
    restore = fake.install();
    fake.addTunnel('alpha');
  });
  afterEach(() => restore());

  it('redirects a signed-out visitor to the sign-in page', async () => {
    renderApp(fake, '/tunnels', { signedIn: false });
    expect(await screen.findByLabelText('Admin key')).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent('/signin');
  });

  it('says where the key is: generated at first start, <data dir>/admin.key, or --admin-key / TUNELY_ADMIN_KEY', async () => {
    renderApp(fake, '/', { signedIn: false });
    const help = within(await screen.findByRole('region', { name: 'Where is the key?' }));
    const text = help.getByText(/generates one at its/).textContent!.replace(/\s+/g, ' ');
    expect(text).toContain('Unless --admin-key or TUNELY_ADMIN_KEY sets it');
    expect(text).toContain('first start, prints it once and stores it in <data dir>/admin.key (mode 0600; ./data/admin.key with make run)');
    expect(help.getByText('<data dir>/admin.key').tagName).toBe('CODE');
  });

  it('refuses a wrong key with "Invalid admin key" and stores nothing', async () => {
    const { user } = renderApp(fake, '/', { signedIn: false });
    await user.type(await screen.findByLabelText('Admin key'), 'not-the-key');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Invalid admin key');
    expect(window.sessionStorage.getItem(KEY_STORAGE_NAME)).toBeNull();
    expect(screen.getByTestId('location')).toHaveTextContent('/signin');
  });

  it('signs in with the right key, keeps it in sessionStorage only, and returns to the page asked for', async () => {
    const { user } = renderApp(fake, '/tunnels', { signedIn: false });
    await user.type(await screen.findByLabelText('Admin key'), fake.adminKey);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByTestId('tunnel-row-alpha')).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent(/^\/tunnels$/);
    expect(window.sessionStorage.getItem(KEY_STORAGE_NAME)).toBe(fake.adminKey);
    expect(window.localStorage.length).toBe(0);
    expect(document.cookie).not.toContain(fake.adminKey);
    // The check itself used GET /api/tunnels with the key typed.
    expect(fake.callsTo('GET', '/api/tunnels')[0]?.apiKey).toBe(fake.adminKey);
  });

  it('signs out from the header and forgets the key', async () => {
    const { user } = renderApp(fake, '/tunnels');
    await screen.findByTestId('tunnel-row-alpha');
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByLabelText('Admin key')).toBeInTheDocument();
    expect(window.sessionStorage.getItem(KEY_STORAGE_NAME)).toBeNull();
  });

  it('sends the user to sign-in with a message when the key is refused mid-session', async () => {
    const { user } = renderApp(fake, '/tunnels');
    await screen.findByTestId('tunnel-row-alpha');
    fake.adminKey = 'rotated-on-the-server';
    // Any API call now gets 401: open the create dialog, which checks availability.
    await user.click(screen.getByRole('button', { name: 'New tunnel' }));
    await user.type(within(screen.getByRole('dialog')).getByLabelText('Domain'), 'beta');
    expect(await screen.findByText('Your admin key was refused. Sign in again.', {}, { timeout: 3000 })).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent('/signin');
    expect(window.sessionStorage.getItem(KEY_STORAGE_NAME)).toBeNull();
    // Signing in again with the new key goes back to where the user was.
    await user.type(screen.getByLabelText('Admin key'), 'rotated-on-the-server');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent(/^\/tunnels$/));
    expect(screen.queryByText('Your admin key was refused. Sign in again.')).not.toBeInTheDocument();
  });
});
