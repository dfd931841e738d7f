// How a stored request log is shown: status text/class, headers, bodies.
import type { HeaderMap, RequestLog } from '../api/types';

/** "200", or "error" when no response head came back. */
export function statusText(log: Pick<RequestLog, 'status_code' | 'error'>): string {
  if (log.status_code > 0) return String(log.status_code);
  return log.error ? 'error' : '—';
}

/** CSS class by outcome: s2xx … s5xx, or s-error. */
export function statusClass(log: Pick<RequestLog, 'status_code' | 'error'>): string {
  if (log.status_code >= 100) return `s${Math.floor(log.status_code / 100)}xx`;
  return 's-error';
}

/** Header pairs in stored order; accepts the object, a JSON text of it, or nothing. */
export function headerEntries(headers: HeaderMap | string | null | undefined): [string, string][] {
  if (!headers) return [];
  let value: unknown = headers;
  if (typeof headers === 'string') {
    try {
      value = JSON.parse(headers);
    } catch {
      return [['(raw)', headers]];
    }
  }
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
}

export const STORED_BODY_LIMIT = 4096;

/**
 * A body for display: JSON (object or array) is pretty-printed with two spaces;
 * anything else, including JSON cut at the 4 KiB storage limit, is shown as stored.
 */
export function prettyBody(body: string | null | undefined): { text: string; json: boolean } {
  if (body === null || body === undefined) return { text: '', json: false };
  const trimmed = body.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return { text: JSON.stringify(JSON.parse(trimmed), null, 2), json: true };
    } catch {
      // Not JSON (or truncated): show as is.
    }
  }
  return { text: body, json: false };
}
