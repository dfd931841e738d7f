// Every printed time says its zone: tables once in the column header, single values per value; every value
// has the full UTC instant as its tooltip.
import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAdminApi } from '../test/fakeApi';
import { renderApp } from '../test/render_app';
import { formatDateTime } from './format';
import { formatZonedDateTime, localZoneName } from './time_zone';

const utc = (iso: string) => `${new Date(iso).toISOString()} (UTC)`;

describe('time zones in the console', () => {
  let fake: FakeAdminApi;
  let restore: () => void;
  const zone = localZoneName();
  beforeEach(() => {
    fake = new FakeAdminApi();
    restore = fake.install();
    fake.addTunnel('alpha', { ageMinutes: 90 });
    fake.connect('alpha');
  });
  afterEach(() => restore());

  it('tunnels table: the Created header names the zone; cells have the UTC tooltip', async () => {
    renderApp(fake, '/tunnels');
    const row = within(await screen.findByTestId('tunnel-row-alpha'));
    expect(screen.getByRole('columnheader', { name: `Created (${zone})` })).toBeInTheDocument();
    const t = fake.tunnel('alpha')!;
    const created = row.getByText(formatDateTime(t.created_at));
    expect(created.tagName).toBe('TIME');
    expect(created).toHaveAttribute('title', utc(t.created_at));
    const since = row.getByText('just now');
    expect(since).toHaveAttribute('title', `${formatZonedDateTime(t.live!.connected_since)} · ${utc(t.live!.connected_since)}`);
  });

  it('requests table and filters: the zone once in the header and in the time inputs’ labels', async () => {
    const log = fake.addLog({ tunnel_domain: 'alpha', path: '/a' });
    renderApp(fake, '/requests');
    const row = within((await screen.findAllByTestId('request-row'))[0]!);
    expect(screen.getByRole('columnheader', { name: `Time (${zone})` })).toBeInTheDocument();
    expect(row.getByText(formatDateTime(log.timestamp))).toHaveAttribute('title', utc(log.timestamp));
    expect(screen.getByLabelText(`From (${zone})`)).toHaveAttribute('type', 'datetime-local');
    expect(screen.getByLabelText(`To (${zone})`)).toHaveAttribute('type', 'datetime-local');
  });

  it('tunnel detail: each time carries its offset', async () => {
    renderApp(fake, '/tunnels/alpha');
    const t = fake.tunnel('alpha')!;
    await screen.findByTestId('live-session');
    const created = screen.getByText('Created').nextElementSibling!.querySelector('time');
    expect(created?.textContent).toBe(formatZonedDateTime(t.created_at));
    expect(created).toHaveAttribute('title', utc(t.created_at));
    const live = within(screen.getByTestId('live-session'));
    expect(live.getByText(formatZonedDateTime(t.live!.connected_since))).toHaveAttribute('title', utc(t.live!.connected_since));
  });

  it('dashboard: the charts name the zone of their time axis; failures have the UTC tooltip', async () => {
    const failure = fake.addLog({ tunnel_domain: 'alpha', path: '/boom', status_code: 502, minutesAgo: 3 });
    renderApp(fake, '/');
    await screen.findByTestId('stat-tunnels');
    expect(screen.getAllByText(`· times in ${zone}`)).toHaveLength(2);
    const item = within(screen.getByRole('list', { name: 'Recent failures' })).getByRole('listitem');
    expect(within(item).getByText('3 min ago')).toHaveAttribute('title', `${formatZonedDateTime(failure.timestamp)} · ${utc(failure.timestamp)}`);
    const bar = screen.getByRole('img', { name: /Requests per minute/ }).querySelectorAll('rect.bar title');
    await waitFor(() => expect(bar[bar.length - 4]?.textContent).toMatch(/^\d\d:\d\d UTC\S*: 1 requests, 1 errors · \S+Z \(UTC\)$/));
  });
});
