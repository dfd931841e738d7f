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

/** The server keeps the first 4 KiB (bytes of UTF-8) of each body. */
export const STORED_BODY_LIMIT = 4096;
/** What the server stores instead of a body that is not UTF-8 text. */
export const BINARY_BODY_MARKER = '[binary data]';

/** Length in bytes of `text` as UTF-8 (the unit of the log's byte counts and of the storage limit). */
export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * How much of a body the log holds. The Log object has no "cut" flag: the byte count of that direction
 * (`bytes_in`: request body bytes sent towards the client; `bytes_out`: response body bytes) against the
 * stored text's length says it.
 * - none: there was no body;
 * - whole: the stored text is the body;
 * - cut: only its first 4 KiB are stored;
 * - binary: not UTF-8 text, stored as "[binary data]";
 * - unrecorded: there was a body but none is stored.
 * A count below the stored length (a server that does not count) is trusted below the storage limit only.
 */
export type StoredBody = 'none' | 'whole' | 'cut' | 'binary' | 'unrecorded';

export function storedBody(body: string | null | undefined, bytes: number): StoredBody {
  const sent = Number.isFinite(bytes) ? bytes : 0;
  if (body === null || body === undefined || body === '') return sent > 0 ? 'unrecorded' : 'none';
  const stored = utf8Length(body);
  if (stored === sent) return 'whole';
  if (body === BINARY_BODY_MARKER) return 'binary';
  if (stored < sent) return 'cut';
  return stored < STORED_BODY_LIMIT ? 'whole' : 'cut';
}

export function storedRequestBody(log: Pick<RequestLog, 'request_body' | 'bytes_in'>): StoredBody {
  return storedBody(log.request_body, log.bytes_in);
}

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
