import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { DateTime, RelativeTime } from './date_time';
import { formatDateTime } from './format';
import { formatZonedDateTime, localZoneName, offsetAt, offsetLabel, utcTooltip, zonedHeader } from './time_zone';

describe('zone labels', () => {
  it.each([
    [0, 'UTC'],
    [60, 'UTC+1'],
    [120, 'UTC+2'],
    [-300, 'UTC-5'],
    [330, 'UTC+5:30'],
    [-210, 'UTC-3:30'],
    [525, 'UTC+8:45'],
    [840, 'UTC+14'],
  ])('%i minutes east reads %s', (minutes, label) => {
    expect(offsetLabel(minutes)).toBe(label);
  });
  it('takes the offset of the instant itself (Date.getTimezoneOffset counts the other way)', () => {
    const d = new Date('2026-07-01T12:00:00.000Z');
    expect(offsetAt(d)).toBe(offsetLabel(-d.getTimezoneOffset()));
  });
  it('names the browser zone in headers', () => {
    expect(localZoneName()).toMatch(/^(UTC([+-]\d{1,2}(:\d\d)?)?|[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*)$/);
    expect(zonedHeader('Time', 'Europe/Berlin')).toBe('Time (Europe/Berlin)');
  });
});

describe('printed times', () => {
  const iso = '2026-11-25T10:00:05.000Z';
  it('carry their offset and the UTC instant as tooltip', () => {
    expect(formatZonedDateTime(iso)).toBe(`${formatDateTime(iso)} ${offsetAt(new Date(iso))}`);
    expect(utcTooltip(iso)).toBe('2026-11-25T10:00:05.000Z (UTC)');
    expect(utcTooltip('2026-11-25T10:00:05Z')).toBe('2026-11-25T10:00:05.000Z (UTC)'); // normalised
    expect(formatZonedDateTime(null)).toBe('—');
    expect(utcTooltip('not a time')).toBe('');
  });
  it('render as <time> elements', () => {
    render(
      <p data-testid="out">
        <DateTime iso={iso} zone="value" />|<DateTime iso={iso} zone="header" />|<DateTime iso={null} zone="value" />|
        <RelativeTime iso={iso} />
      </p>,
    );
    const times = screen.getByTestId('out').querySelectorAll('time');
    expect(times).toHaveLength(3);
    expect(times[0]).toHaveTextContent(formatZonedDateTime(iso));
    expect(times[0]).toHaveAttribute('title', '2026-11-25T10:00:05.000Z (UTC)');
    expect(times[0]).toHaveAttribute('datetime', iso);
    expect(times[1]).toHaveTextContent(new RegExp(`^${formatDateTime(iso)}$`));
    expect(screen.getByTestId('out')).toHaveTextContent('|—|');
    expect(times[2]).toHaveAttribute('title', `${formatZonedDateTime(iso)} · 2026-11-25T10:00:05.000Z (UTC)`);
  });
});
