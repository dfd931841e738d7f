// The request detail panel: the time with its zone, the body notes, and "Copy as curl" against the tunnel's URL.
import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeAdminApi } from '../test/fakeApi';
import { renderApp } from '../test/render_app';
import { formatZonedDateTime } from '../shared/time_zone';

describe('request detail', () => {
  let fake: FakeAdminApi;
  let restore: () => void;
  let writeText: ReturnType<typeof vi.fn<(text: string) => Promise<void>>>;
  beforeEach(() => {
    fake = new FakeAdminApi();
    restore = fake.install();
    fake.addTunnel('alpha');
  });
  afterEach(() => restore());

  async function open(path: string) {
    const r = renderApp(fake, '/requests');
    // After renderApp: user-event installs a clipboard of its own.
    writeText = vi.fn<(text: string) => Promise<void>>().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const rows = await screen.findAllByTestId('request-row');
    const row = rows.find((x) => x.textContent?.includes(path))!;
    await r.user.click(within(row).getByRole('button', { name: path }));
    return { ...r, panel: within(screen.getByRole('complementary')) };
  }

  it('copies the request as a curl command against the tunnel URL, hostile values quoted', async () => {
    const body = `{"note":"it's $(id) \`uname\`"}`;
    fake.addLog({
      tunnel_domain: 'alpha',
      method: 'POST',
      path: "/hooks/it's?x=$(id)",
      request_headers: { host: 'alpha.example.com', 'content-type': 'application/json', authorization: '[REDACTED]', 'x-note': '`id`' },
      request_body: body,
    });
    const { user, panel } = await open("/hooks/it's?x=$(id)");
    const expected = [
      '# Redacted in the log, add them yourself: authorization',
      `curl 'http://localhost:3000/t/alpha/hooks/it'\\''s?x=$(id)' \\`,
      `  -H 'content-type: application/json' \\`,
      "  -H 'x-note: `id`' \\",
      `  --data-raw '{"note":"it'\\''s $(id) \`uname\`"}'`,
    ].join('\n');
    expect(panel.getByTestId('curl-command').textContent).toBe(expected);
    await user.click(panel.getByRole('button', { name: 'Copy as curl' }));
    expect(writeText).toHaveBeenLastCalledWith(expected);
    expect(panel.getByText('Copied')).toBeInTheDocument();
  });

  it('says a cut body is left out, and notes the cut under the body', async () => {
    fake.addLog({ tunnel_domain: 'alpha', method: 'PUT', path: '/upload', request_headers: {}, request_body: 'x'.repeat(4096), bytes_in: 20_000 });
    const { panel } = await open('/upload');
    expect(panel.getByTestId('curl-command').textContent).toMatch(/^# The request body \(20,000 bytes\) was cut to its first 4 KiB in the log: it is left out\.\ncurl -X PUT 'http:\/\/localhost:3000\/t\/alpha\/upload'$/);
    expect(panel.getByText('Only the first 4 KiB are stored (of 20,000 bytes).')).toBeInTheDocument();
  });

  it('uses the server path pattern for the URL', async () => {
    (fake.info as { path_pattern: string }).path_pattern = '/tunnel/{subdomain}/';
    fake.addLog({ tunnel_domain: 'alpha', path: '/x' });
    const { panel } = await open('/x');
    await waitFor(() => expect(panel.getByTestId('curl-command')).toHaveTextContent(/^curl 'http:\/\/localhost:3000\/tunnel\/alpha\/x'/));
  });

  it('prints the time with its offset and the UTC instant as tooltip', async () => {
    const log = fake.addLog({ tunnel_domain: 'alpha', path: '/when' });
    const { panel } = await open('/when');
    const time = panel.getByTestId('request-time').querySelector('time')!;
    expect(time).toHaveTextContent(formatZonedDateTime(log.timestamp));
    expect(time).toHaveTextContent(/ UTC([+-]\d+(:\d\d)?)?$/);
    expect(time).toHaveAttribute('title', `${new Date(log.timestamp).toISOString()} (UTC)`);
  });
});
