// The public URL of every tunnel in the list and on its detail page: links that open in a new tab, each
// with a copy button; path routing and Host routing (GET /api/info); tcp tunnels show their listeners.
import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { addressTexts } from '../test/addresses';
import { FakeAdminApi } from '../test/fakeApi';
import { renderApp } from '../test/render_app';

describe('public URL', () => {
  let fake: FakeAdminApi;
  let restore: () => void;
  beforeEach(() => {
    fake = new FakeAdminApi();
    restore = fake.install();
    fake.addTunnel('web');
    fake.addTunnel('db', { mode: 'tcp', staticListeners: [{ protocol: 'tcp', host: '127.0.0.1', port: 5432, assigned: false, tls: true }] });
  });
  afterEach(() => restore());

  function mockClipboard() {
    const writeText = vi.fn<(text: string) => Promise<void>>().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    return writeText;
  }

  it('lists both URLs of an http tunnel as links opening a new tab, each with a copy button', async () => {
    const { user } = renderApp(fake, '/tunnels');
    const cell = await screen.findByTestId('addresses-web');
    await waitFor(() => expect(addressTexts(cell)).toEqual(['http://localhost:3000/t/web/', 'http://web.example.com:3000/']));
    expect(screen.getByRole('columnheader', { name: 'Public address' })).toBeInTheDocument();
    for (const url of ['http://localhost:3000/t/web/', 'http://web.example.com:3000/']) {
      const link = within(cell).getByRole('link', { name: url });
      expect(link).toHaveAttribute('href', url);
      expect(link).toHaveAttribute('target', '_blank');
      expect(link.getAttribute('rel')?.split(' ')).toContain('noopener');
    }
    const writeText = mockClipboard();
    await user.click(within(cell).getByRole('button', { name: 'Copy http://web.example.com:3000/' }));
    expect(writeText).toHaveBeenLastCalledWith('http://web.example.com:3000/');
    expect(within(cell).getByText('Copied')).toBeInTheDocument();
  });

  it('shows a tcp tunnel’s listeners (host:port, TLS) instead of an HTTP URL', async () => {
    const { user } = renderApp(fake, '/tunnels');
    const cell = await screen.findByTestId('addresses-db');
    expect(addressTexts(cell)).toEqual(['tcp://127.0.0.1:5432']);
    expect(within(cell).queryByRole('link')).toBeNull();
    expect(within(cell).getByText('TLS')).toBeInTheDocument();
    const writeText = mockClipboard();
    await user.click(within(cell).getByRole('button', { name: 'Copy tcp://127.0.0.1:5432' }));
    expect(writeText).toHaveBeenLastCalledWith('tcp://127.0.0.1:5432');
  });

  it('leaves Host routing out when the server has no base domain', async () => {
    (fake.info as { domain_pattern: string | null }).domain_pattern = null;
    renderApp(fake, '/tunnels');
    const cell = await screen.findByTestId('addresses-web');
    await waitFor(() => expect(fake.callsTo('GET', '/api/info').length).toBeGreaterThan(0));
    expect(addressTexts(cell)).toEqual(['http://localhost:3000/t/web/']);
  });

  it('gives the detail page a Public URL line with the same links and copy buttons', async () => {
    const { user } = renderApp(fake, '/tunnels/web');
    const line = await screen.findByTestId('public-url');
    await waitFor(() => expect(addressTexts(line)).toEqual(['http://localhost:3000/t/web/', 'http://web.example.com:3000/']));
    expect(screen.getByText('Public URL').nextElementSibling).toBe(line);
    expect(within(line).getByRole('link', { name: 'http://localhost:3000/t/web/' })).toHaveAttribute('target', '_blank');
    const writeText = mockClipboard();
    await user.click(within(line).getByRole('button', { name: 'Copy http://localhost:3000/t/web/' }));
    expect(writeText).toHaveBeenLastCalledWith('http://localhost:3000/t/web/');
  });

  it('gives a tcp tunnel’s detail page its listeners and no URL', async () => {
    renderApp(fake, '/tunnels/db');
    expect(await screen.findByTestId('public-url')).toHaveTextContent(/answered 410 in tcp mode/);
    expect(within(screen.getByTestId('public-url')).queryByRole('link')).toBeNull();
    expect(addressTexts(screen.getByTestId('listeners'))).toEqual(['tcp://127.0.0.1:5432']);
  });
});
