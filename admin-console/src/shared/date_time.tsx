// A printed time: a <time> element whose tooltip is the full UTC instant (see time_zone.ts).
import { formatDateTime, formatRelative } from './format';
import { formatZonedDateTime, utcTooltip } from './time_zone';

interface Props {
  iso: string | null | undefined;
  /**
   * "value": the text carries its own offset ("2026-11-25 11:00:05 UTC+1"), for a time on its own;
   * "header": a table column names the zone once (zonedHeader), the cell is the bare local time.
   */
  zone: 'value' | 'header';
}

export function DateTime({ iso, zone }: Props) {
  const tooltip = utcTooltip(iso);
  if (!tooltip) return <>—</>;
  return (
    <time dateTime={new Date(iso!).toISOString()} title={tooltip}>
      {zone === 'value' ? formatZonedDateTime(iso) : formatDateTime(iso)}
    </time>
  );
}

/** "5 min ago"; the tooltip gives the local time with its offset and the UTC instant. */
export function RelativeTime({ iso }: { iso: string | null | undefined }) {
  const tooltip = utcTooltip(iso);
  if (!tooltip) return <>—</>;
  return (
    <time dateTime={new Date(iso!).toISOString()} title={`${formatZonedDateTime(iso)} · ${tooltip}`}>
      {formatRelative(iso)}
    </time>
  );
}
