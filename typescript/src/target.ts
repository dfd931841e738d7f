// Calls the target service with undici (keep-alive pool) and maps failures to
// the codes the C++ client uses: unreachable → target_unavailable (503),
// timeout → target_timeout (504), anything else → target_error.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
// Only undici's Pool module, not its index: the index loads all of undici
// (fetch, WebSocket, caches, mocks, interceptors…), ~5 MiB more resident in the
// CLI for code it never runs. The index (its request() API) is loaded on first
// use by call(), which only protocol-1.1 sessions need; both share the Pool
// class (one module instance). undici is pinned to an exact version
// (package.json), so the module path is fixed with it.
import Pool from 'undici/lib/dispatcher/pool.js';
import type { Dispatcher } from 'undici';

import type { ErrorCode } from './errors.js';
import { hopByHop } from './hop_by_hop.js';
import type { HeaderList } from './protocol/headers.js';
import { v2MaxHeadBytes, v2MaxHeaders } from './protocol/limits.js';
import { EndToEndHead } from './raw_head.js';


// Drops hop-by-hop fields (and those named in Connection) and Host. (Plain
// loops, each name lower-cased once: this runs twice per request.)
export function endToEnd(headers: HeaderList): HeaderList {
  let listed: Set<string> | undefined;
  for (const [n, v] of headers) {
    if (n.length !== 10 || n.toLowerCase() !== 'connection') continue;
    for (const t of v.split(',')) if (t.trim()) (listed ??= new Set()).add(t.trim().toLowerCase());
  }
  const out: HeaderList = [];
  for (const field of headers) {
    const name = field[0].toLowerCase();
    if (!hopByHop.has(name) && !listed?.has(name)) out.push(field);
  }
  return out;
}

// endToEnd() as the flat [name, value, name, value…] list undici takes, in one pass.
export function endToEndFields(headers: HeaderList): string[] {
  let listed: string[] | undefined;
  for (const [n, v] of headers) {
    if (n.length !== 10 || n.toLowerCase() !== 'connection') continue;
    for (const t of v.split(',')) if (t.trim()) (listed ??= []).push(t.trim().toLowerCase());
  }
  const out: string[] = [];
  for (const [n, v] of headers) {
    const name = n.toLowerCase();
    if (!hopByHop.has(name) && !listed?.includes(name)) out.push(n, v);
  }
  return out;
}

// The protocol an HTTP upgrade asks for (Upgrade, when Connection lists
// "upgrade"); '' when the message is no upgrade.
export function upgradeProtocol(headers: HeaderList): string {
  let upgrade = false;
  for (const [n, v] of headers) {
    if (n.length !== 10 || n.toLowerCase() !== 'connection') continue;
    for (const t of v.split(',')) if (t.trim().toLowerCase() === 'upgrade') upgrade = true;
  }
  if (!upgrade) return '';
  return headers.find(([n]) => n.toLowerCase() === 'upgrade')?.[1] ?? '';
}

// endToEnd(), plus Connection: Upgrade / Upgrade: <protocol> when `protocol` is set.
export function withUpgrade(headers: HeaderList, protocol: string): HeaderList {
  const out = endToEnd(headers);
  if (protocol) out.push(['Connection', 'Upgrade'], ['Upgrade', protocol]);
  return out;
}

function pairs(raw: string[]): HeaderList {
  const out: HeaderList = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

// The target switched protocols: the raw connection, and bytes it sent after its 101.
export interface UpgradedTarget {
  status: 101;
  headers: HeaderList;
  socket: Socket;
  head: Buffer;
}

export interface TargetResponse {
  status: number;
  headers: HeaderList;
  body: Readable;
}

export type TargetFailure = Extract<ErrorCode, 'target_unavailable' | 'target_timeout' | 'target_error'>;

export class TargetError extends Error {
  // `status`: the 1.1 answer when it is not failureStatus(code, 500) (a head too large: 502).
  constructor(readonly code: TargetFailure, message: string, readonly status?: number) {
    super(message);
  }
}

// A response head the tunnel cannot carry (spec §2.10: more than 256 fields, or
// more than 65 536 bytes of names and values): that one exchange fails with
// 502 (protocol 2: RESET target_error), as the C++ client answers it.
export function headTooLarge(fieldCount: number): TargetError {
  return new TargetError('target_error',
    `Target response head too large for the tunnel (${fieldCount} fields; at most ${v2MaxHeaders} fields and ${v2MaxHeadBytes} bytes)`, 502);
}

// The status a failure is answered with, as the C++ client does: 503 unreachable,
// 504 timeout, `other` for the rest (500 in 1.1 responses, 502 for protocol 2).
export function failureStatus(code: TargetFailure, other: number): number {
  return code === 'target_unavailable' ? 503 : code === 'target_timeout' ? 504 : other;
}

export function classifyTargetError(e: unknown): TargetError {
  const err = e as { code?: string; message?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code ?? '';
  if (code === 'UND_ERR_HEADERS_OVERFLOW' || code === 'HPE_HEADER_OVERFLOW')
    return new TargetError('target_error', `Target response head too large for the tunnel (${err.message ?? code})`, 502);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
    return new TargetError('target_timeout', 'Target service timeout');
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN'].includes(code) && !err.message?.includes('other side closed'))
    return new TargetError('target_unavailable', `Target service unavailable: ${err.message ?? code}`);
  return new TargetError('target_error', `Target service error: ${err.message ?? String(e)}`);
}

// What exchange() reports, in this order: head once, then data any number of
// times, then end; or fail at any point instead (and nothing after it).
export interface ResponseSink {
  // The head's end-to-end fields as bytes (raw_head.ts); head.list() gives them as strings.
  head(status: number, head: EndToEndHead): void;
  // false: the sink cannot take more now; the target is not read until resume().
  data(chunk: Buffer): boolean;
  end(): void;
  fail(error: TargetError): void;
}

// An exchange in flight: resume() after data() returned false; abort() drops
// it (the sink hears fail() unless it already ended; the connection closes).
export interface Exchange {
  resume(): void;
  abort(): void;
}

// Whether the WHATWG URL parser leaves `path` exactly as it is: "/" then only
// characters it copies unchanged (in path and query), no segment "." or ".."
// (spelled with dots or %2e), no "//" start (read as a host) and no empty "?"
// (dropped). Anything else goes through the parser.
const plainChars = /^\/(?!\/)[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*$/;
const dotSegment = /\/(?:\.|%2e){1,2}(?:[/?]|$)/i;
function isPlainPath(path: string): boolean {
  return plainChars.test(path) && !dotSegment.test(path) && !path.endsWith('?');
}

export class Target {
  // One keep-alive pool for the target's origin (an Agent in front of it only adds a lookup per request).
  private readonly pool: Pool;
  private readonly base: URL;
  private readonly basePath: string;

  constructor(targetUrl: string) {
    this.base = new URL(targetUrl);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:')
      throw new TypeError(`target must be an http(s) URL: ${targetUrl}`);
    this.basePath = this.base.pathname.replace(/\/+$/, '');
    this.pool = new Pool(this.base.origin, { keepAliveTimeout: 30_000, connections: 64 });
  }

  // The request target as sent: base path + path, normalised as a URL would
  // (dot segments, percent-encoding), the path never read as a host ("//x").
  // A plain path, which the URL parser would leave as it is, skips the parser.
  // A path without its leading "/" gets one: appended to the origin as it is,
  // "@host/" or ".evil.example/" would name another host.
  private pathOf(path: string): string {
    if (!path.startsWith('/')) path = `/${path}`;
    if (isPlainPath(path)) return this.basePath + path;
    const url = new URL(this.base.origin + this.basePath + path);
    return url.pathname + url.search;
  }

  // The URL of a request for `path` on the target (for APIs that take one).
  private urlOf(path: string): string {
    return this.base.origin + this.pathOf(path);
  }

  // The fast path (protocol 2): the exchange through undici's dispatch() with
  // callbacks, no Readable, promise or AbortSignal per request. Same request
  // as call() (end-to-end fields, the head within timeoutMs, no body timeout)
  // and the same failure mapping. The body streams: data() returning false
  // stops reading the target's connection until resume().
  exchange(method: string, path: string, headers: HeaderList, body: Readable | null, timeoutMs: number,
           sink: ResponseSink): Exchange {
    let abortFn: ((e: Error) => void) | undefined;
    let resumeFn: (() => void) | undefined;
    let aborted = false;
    let done = false;
    const fail = (e: unknown) => {
      if (done) return;
      done = true;
      sink.fail(e instanceof TargetError ? e : classifyTargetError(e));
    };
    const handler: Dispatcher.DispatchHandler = {
      onConnect: (abort) => {
        abortFn = abort;
        if (aborted) abort(new Error('aborted'));
      },
      onHeaders: (statusCode, raw, resume) => {
        if (statusCode < 200) return true; // 1xx: the final head follows
        resumeFn = resume;
        sink.head(statusCode, new EndToEndHead(raw as unknown as Buffer[]));
        return !aborted;
      },
      onData: (chunk) => sink.data(chunk),
      onComplete: () => {
        if (done) return;
        done = true;
        sink.end();
      },
      onError: fail,
    };
    try {
      this.pool.dispatch({
        path: this.pathOf(path), method: method as Dispatcher.HttpMethod, headers: endToEndFields(headers), body: body ?? undefined,
        headersTimeout: timeoutMs, bodyTimeout: 0,
      }, handler);
    } catch (e) {
      fail(e);
    }
    return {
      resume: () => resumeFn?.(),
      abort: () => {
        if (aborted) return;
        aborted = true;
        abortFn?.(new Error('aborted'));
        fail(new TargetError('target_error', 'aborted'));
      },
    };
  }

  async call(method: string, path: string, headers: HeaderList, body: Readable | string | Buffer | null,
             timeoutMs: number, signal: AbortSignal): Promise<TargetResponse> {
    const url = this.urlOf(path);
    const fields: string[] = [];
    for (const [n, v] of endToEnd(headers)) fields.push(n, v);
    try {
      const { request } = await import('undici');
      const res = await request(url, {
        method: method as never, headers: fields, body: body ?? undefined, signal, dispatcher: this.pool,
        headersTimeout: timeoutMs, bodyTimeout: 0,
      });
      const out: HeaderList = [];
      const raw = res.headers;
      for (const [n, v] of Object.entries(raw)) {
        if (v === undefined) continue;
        for (const one of Array.isArray(v) ? v : [v]) out.push([n, one]);
      }
      return { status: res.statusCode, headers: endToEnd(out), body: res.body };
    } catch (e) {
      throw classifyTargetError(e);
    }
  }

  // An upgrade request on a connection of its own (node:http: undici has no
  // way to receive a 101 and keep the socket). Resolves with the switched
  // connection, or with an ordinary response when the target declines.
  upgrade(method: string, path: string, headers: HeaderList, protocol: string, timeoutMs: number,
          signal: AbortSignal): Promise<UpgradedTarget | TargetResponse> {
    const send = this.base.protocol === 'https:' ? httpsRequest : httpRequest;
    const fields: string[] = [];
    for (const [n, v] of withUpgrade(headers, protocol)) fields.push(n, v);
    return new Promise((resolve, reject) => {
      const req = send(new URL(this.urlOf(path)), { method, headers: fields, agent: false, signal, timeout: timeoutMs });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'UND_ERR_HEADERS_TIMEOUT' })));
      req.on('upgrade', (res: IncomingMessage, socket: Socket, head: Buffer) => {
        socket.setTimeout(0);
        const h = pairs(res.rawHeaders);
        resolve({ status: 101, headers: withUpgrade(h, upgradeProtocol(h)), socket, head });
      });
      req.on('response', (res: IncomingMessage) => resolve({ status: res.statusCode ?? 502, headers: endToEnd(pairs(res.rawHeaders)), body: res }));
      req.on('error', (e) => reject(classifyTargetError(e)));
      req.end();
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
