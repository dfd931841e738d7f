import { act, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAdminApi } from '../test/fakeApi';
import { renderApp } from '../test/render_app';

describe('requests page', () => {
  let fake: FakeAdminApi;
  let restore: () => void;
  beforeEach(() => {
    fake = new FakeAdminApi();
    restore = fake.install();
    fake.addTunnel('alpha');
    fake.addTunnel('bravo');
  });
  afterEach(() => restore());

  function seedMany() {
    // 120 requests on alpha, one a minute back in time: ids 1..120, path /item/<n>.
    for (let i = 120; i >= 1; i--) {
      fake.addLog({ tunnel_domain: 'alpha', path: `/item/${i}`, minutesAgo: i, status_code: i % 10 === 0 ? 503 : 200 });
    }
  }

  it('lists requests newest first with method, path and status, 50 per page', async () => {
    seedMany();
    const { user } = renderApp(fake, '/requests');
    let rows = await screen.findAllByTestId('request-row');
    expect(rows).toHaveLength(50);
    expect(rows[0]).toHaveTextContent('GET');
    expect(rows[0]).toHaveTextContent('/item/1');
    expect(rows[0]).toHaveTextContent('200');
    expect(screen.getByTestId('page-range')).toHaveTextContent('1–50 of 120');
    expect(screen.getByRole('button', { name: 'Previous' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(screen.getByTestId('page-range')).toHaveTextContent('51–100 of 120'));
    rows = screen.getAllByTestId('request-row');
    expect(rows[0]).toHaveTextContent('/item/51');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(screen.getByTestId('page-range')).toHaveTextContent('101–120 of 120'));
    expect(screen.getAllByTestId('request-row')).toHaveLength(20);
    expect(screen.getByRole('button', { name: 'Next' })).toBeDisabled();
    expect(screen.getByTestId('location')).toHaveTextContent('/requests?page=3');
    await user.click(screen.getByRole('button', { name: 'Previous' }));
    await waitFor(() => expect(screen.getByTestId('page-range')).toHaveTextContent('51–100 of 120'));
    expect(fake.callsTo('GET', '/api/requests').at(-1)?.query.get('offset')).toBe('50');
  });

  it('filters by tunnel, status class, method, path text and time range', async () => {
    seedMany();
    fake.addLog({ tunnel_domain: 'bravo', method: 'POST', path: '/hooks/github', status_code: 500, minutesAgo: 0 });
    fake.addLog({ tunnel_domain: 'bravo', method: 'DELETE', path: '/things/1', status_code: 0, error: 'Target unreachable', minutesAgo: 0 });
    const { user } = renderApp(fake, '/requests');
    await screen.findAllByTestId('request-row');

    await user.selectOptions(screen.getByLabelText('Tunnel'), 'bravo');
    await waitFor(() => expect(screen.getAllByTestId('request-row')).toHaveLength(2));
    expect(screen.getByTestId('page-range')).toHaveTextContent('1–2 of 2');

    // "failed" is the server's status=error: the 500 and the exchange that got no status at all.
    await user.selectOptions(screen.getByLabelText('Status'), 'error');
    await waitFor(() => expect(screen.getAllByTestId('request-row')).toHaveLength(2));
    const failed = screen.getAllByTestId('request-row').map((r) => r.textContent);
    expect(failed.some((t) => t?.includes('/things/1') && t.includes('error'))).toBe(true);
    expect(failed.some((t) => t?.includes('/hooks/github') && t.includes('500'))).toBe(true);

    await user.selectOptions(screen.getByLabelText('Status'), '5xx');
    await waitFor(() => expect(screen.getByTestId('request-row')).toHaveTextContent('/hooks/github'));
    expect(screen.getAllByTestId('request-row')).toHaveLength(1);

    await user.selectOptions(screen.getByLabelText('Method'), 'GET');
    expect(await screen.findByText('No request matches these filters.')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(screen.getByTestId('page-range')).toHaveTextContent('1–50 of 122'));

    await user.type(screen.getByLabelText('Path contains'), 'item/11');
    // /item/11 and /item/110..119
    await waitFor(() => expect(screen.getAllByTestId('request-row')).toHaveLength(11));
    expect(fake.callsTo('GET', '/api/requests').at(-1)?.query.get('q')).toBe('item/11');

    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(screen.getByTestId('page-range')).toHaveTextContent('of 122'));
    // Only the last 30 minutes (local time in the input, ISO in the query).
    const from = new Date(Date.now() - 30.5 * 60_000);
    const pad = (n: number) => String(n).padStart(2, '0');
    const local = `${from.getFullYear()}-${pad(from.getMonth() + 1)}-${pad(from.getDate())}T${pad(from.getHours())}:${pad(from.getMinutes())}`;
    const fromInput = screen.getByLabelText(/^From \(.+\)$/); // the label names the zone
    await act(async () => {
      // datetime-local cannot be typed into in jsdom: set its value as the browser would.
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
      setter.call(fromInput, local);
      fromInput.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await waitFor(() => expect(screen.getByTestId('page-range')).toHaveTextContent(/of 3[23]$/));
    const sent = fake.callsTo('GET', '/api/requests').at(-1)!.query.get('from')!;
    expect(Math.abs(Date.parse(sent) - new Date(local).getTime())).toBe(0);
  });

  it('keeps filters in the URL and reads them back', async () => {
    seedMany();
    fake.addLog({ tunnel_domain: 'bravo', method: 'POST', path: '/hooks/github', status_code: 500 });
    renderApp(fake, '/requests?domain=bravo&status=5xx');
    const rows = await screen.findAllByTestId('request-row');
    await waitFor(() => expect(screen.getAllByTestId('request-row')).toHaveLength(1));
    expect(rows[0]).toBeDefined();
    expect(screen.getByLabelText('Tunnel')).toHaveValue('bravo');
    expect(screen.getByLabelText('Status')).toHaveValue('5xx');
  });

  it('opens a detail panel with redacted headers and pretty-printed JSON bodies', async () => {
    fake.addLog({
      tunnel_domain: 'alpha',
      method: 'POST',
      path: '/api/orders?x=1',
      status_code: 201,
      request_headers: { authorization: '[REDACTED]', 'content-type': 'application/json' },
      request_body: '{"item":"book","qty":2}',
      response_headers: { 'content-type': 'text/plain', 'set-cookie': '[REDACTED]' },
      response_body: 'created, not json',
    });
    fake.addLog({ tunnel_domain: 'alpha', path: '/other' });
    const { user } = renderApp(fake, '/requests');
    const rows = await screen.findAllByTestId('request-row');
    const target = rows.find((r) => r.textContent?.includes('/api/orders'))!;
    await user.click(within(target).getByRole('button', { name: '/api/orders?x=1' }));

    const panel = within(screen.getByRole('complementary'));
    expect(panel.getByRole('heading', { level: 2 })).toHaveTextContent('POST /api/orders?x=1');
    const reqHeaders = within(panel.getByRole('region', { name: 'Request headers' }));
    expect(reqHeaders.getByRole('rowheader', { name: 'authorization' }).nextElementSibling).toHaveTextContent('[REDACTED]');
    expect(panel.getByTestId('request-body').textContent).toBe('{\n  "item": "book",\n  "qty": 2\n}');
    expect(panel.getByTestId('response-body').textContent).toBe('created, not json');
    const resHeaders = within(panel.getByRole('region', { name: 'Response headers' }));
    expect(resHeaders.getByText('set-cookie')).toBeInTheDocument();

    await user.click(panel.getByRole('button', { name: 'Close request detail' }));
    expect(screen.queryByRole('complementary')).not.toBeInTheDocument();
  });

  it('shows new requests as they arrive (polling)', async () => {
    fake.addLog({ tunnel_domain: 'alpha', path: '/first' });
    renderApp(fake, '/requests', { pollMs: 40 });
    expect(await screen.findAllByTestId('request-row')).toHaveLength(1);
    act(() => {
      fake.addLog({ tunnel_domain: 'alpha', path: '/second', status_code: 404 });
    });
    await waitFor(() => expect(screen.getAllByTestId('request-row')).toHaveLength(2));
    expect(screen.getAllByTestId('request-row')[0]).toHaveTextContent('404');
  });
});
