// "Copy as curl": a shell command that repeats a recorded request against the tunnel's public URL.
//
// Contract:
// - every value taken from the log (URL, header, body, an unusual method) is one single-quoted shell word,
//   a quote in it written '\'' — nothing in it is expanded: no $VAR, $(…), `…`, globs or history (!);
// - comment lines (# …) carry only the generator's own words, numbers and header names that are HTTP tokens
//   (no spaces or line breaks), so no log value can end a comment and start a command;
// - headers: the recorded ones except what curl or the server sets for the new request itself (Host,
//   Content-Length, hop-by-hop fields and those named in Connection, Expect, the server's X-Forwarded-*);
//   Accept-Encoding becomes --compressed so the answer prints decoded; a redacted value is left out and named
//   in a comment; a header curl cannot send as recorded (a name that is not a token, a CR, LF or NUL) too;
// - the body is sent (--data-raw: a leading @ is not a file name) only when the log holds it whole; otherwise
//   a comment says why it is left out (cut at 4 KiB, binary, not recorded).
import type { RequestLog } from '../api/types';
import { urlOfPath } from '../shared/public_url';
import { headerEntries, storedRequestBody } from './log_format';

/** One POSIX shell word that stands for `value` exactly: single quotes, a quote as '\''. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const SAFE_METHOD = /^[A-Z]+$/;
const UNSENDABLE = /[\r\n\0]/;

/** Fields that describe the connection or the hop, not the request; the replay gets its own. */
const NOT_REPEATED = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'expect',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
]);

const REDACTED = '[REDACTED]';

/** Names listed in the Connection field: hop-by-hop too (RFC 9110 §7.6.1). */
function connectionTokens(entries: [string, string][]): Set<string> {
  const listed = new Set<string>();
  for (const [name, value] of entries)
    if (name.toLowerCase() === 'connection')
      for (const token of value.split(',')) if (token.trim()) listed.add(token.trim().toLowerCase());
  return listed;
}

const BODY_LEFT_OUT: Record<'cut' | 'binary' | 'unrecorded', (bytes: string) => string> = {
  cut: (bytes) => `The request body (${bytes} bytes) was cut to its first 4 KiB in the log: it is left out.`,
  binary: (bytes) => `The request body (${bytes} bytes) is not text and not in the log: it is left out.`,
  unrecorded: (bytes) => `The request body (${bytes} bytes) is not in the log: it is left out.`,
};

/**
 * The curl command for `log` against `tunnelUrl` (the tunnel's public URL ending in "/", e.g.
 * "https://server/t/myapp/"): comment lines first, then one command over several lines.
 */
export function curlCommand(log: Pick<RequestLog, 'method' | 'path' | 'request_headers' | 'request_body' | 'bytes_in'>, tunnelUrl: string): string {
  const comments: string[] = [];
  const method = (log.method || 'GET').toUpperCase();
  const url = urlOfPath(tunnelUrl, log.path || '/');
  const head = method === 'HEAD';

  const body = storedRequestBody(log);
  let data: string | null = null;
  if (body === 'whole' && !head) {
    if (log.request_body!.includes('\0')) comments.push('The request body holds NUL bytes, which a shell word cannot: it is left out.');
    else data = log.request_body!;
  } else if (body !== 'none' && body !== 'whole') {
    comments.push(BODY_LEFT_OUT[body](log.bytes_in.toLocaleString('en-US')));
  }

  const entries = headerEntries(log.request_headers);
  const listed = connectionTokens(entries);
  const headers: string[] = [];
  const redacted: string[] = [];
  let unsendable = 0;
  let compressed = false;
  let contentType = false;
  for (const [name, value] of entries) {
    if (!TOKEN.test(name) || UNSENDABLE.test(value)) {
      unsendable += 1;
      continue;
    }
    const lower = name.toLowerCase();
    if (NOT_REPEATED.has(lower) || listed.has(lower)) continue;
    if (value === REDACTED) {
      redacted.push(name);
      continue;
    }
    if (lower === 'accept-encoding') {
      compressed = true;
      continue;
    }
    if (lower === 'content-type') contentType = true;
    // "name;" is curl's way to send a field with an empty value ("name:" would remove it).
    headers.push(value === '' ? `${name};` : `${name}: ${value}`);
  }
  if (redacted.length) comments.push(`Redacted in the log, add them yourself: ${redacted.join(', ')}`);
  if (unsendable) comments.push(`${unsendable} recorded header(s) cannot be sent as recorded and are left out.`);

  const args: string[] = ['curl'];
  if (head) args.push('--head');
  // --data-raw makes curl POST: any other method with a body is named.
  else if (!(method === 'GET' && data === null) && !(method === 'POST' && data !== null))
    args.push('-X', SAFE_METHOD.test(method) ? method : shellQuote(method));
  // curl would otherwise read [] and {} as URL globs and drop ../ segments (leaving the tunnel's path).
  if (/[[\]{}]/.test(url)) args.push('--globoff');
  if (/(^|\/)\.\.?(\/|$|\?|#)/.test(log.path || '')) args.push('--path-as-is');
  if (compressed) args.push('--compressed');
  const lines = [args.join(' ') + ' ' + shellQuote(url)];
  for (const h of headers) lines.push(`-H ${shellQuote(h)}`);
  if (data !== null) {
    // Without a recorded Content-Type, stop curl from adding its form type.
    if (!contentType) lines.push(`-H ${shellQuote('Content-Type:')}`);
    lines.push(`--data-raw ${shellQuote(data)}`);
  }
  return [...comments.map((c) => `# ${c}`), lines.join(' \\\n  ')].join('\n');
}
