// Which zone a printed time is in. The server sends UTC instants; the console prints them in the browser's
// zone and says so: a table names the zone once in its column header (the IANA name, right across a DST
// change), a single value carries the offset it had at that instant ("UTC+1"), and every value has the
// full UTC instant as its tooltip.
import { formatDateTime } from './format';

/** "UTC", "UTC+1", "UTC-3", "UTC+5:30" for an offset in minutes east of UTC. */
export function offsetLabel(minutesEast: number): string {
  if (!Number.isFinite(minutesEast) || minutesEast === 0) return 'UTC';
  const sign = minutesEast > 0 ? '+' : '-';
  const abs = Math.abs(Math.round(minutesEast));
  const h = Math.floor(abs / 60);
  const m = abs % 60;
  return `UTC${sign}${h}${m ? `:${String(m).padStart(2, '0')}` : ''}`;
}

/** The browser zone's offset at `date` (Date.getTimezoneOffset counts minutes *behind* UTC). */
export function offsetAt(date: Date): string {
  return offsetLabel(-date.getTimezoneOffset());
}

/** The browser's zone by name ("Europe/Berlin"; "UTC" for UTC); its current offset where the name is unknown. */
export function localZoneName(): string {
  let name: string | undefined;
  try {
    name = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    name = undefined;
  }
  if (!name) return offsetAt(new Date());
  return name === 'Etc/UTC' || name === 'Etc/GMT' || name === 'GMT' ? 'UTC' : name;
}

/** A column header that names the zone once: "Time (Europe/Berlin)". */
export function zonedHeader(label: string, zone: string = localZoneName()): string {
  return `${label} (${zone})`;
}

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The tooltip of a printed time: "2026-11-25T10:00:05.000Z (UTC)"; '' for null or unparsable input. */
export function utcTooltip(iso: string | null | undefined): string {
  const d = parse(iso);
  return d ? `${d.toISOString()} (UTC)` : '';
}

/** "2026-11-25 11:00:05 UTC+1": local time with the offset it had then; "—" for null or unparsable input. */
export function formatZonedDateTime(iso: string | null | undefined): string {
  const d = parse(iso);
  return d ? `${formatDateTime(iso)} ${offsetAt(d)}` : '—';
}
