// Calls the target service with undici (keep-alive pool) and maps failures to
// the codes the C++ client uses: unreachable → target_unavailable (503),
// timeout → target_timeout (504), anything else → target_error.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';

import type { ErrorCode } from './errors.js';
import type { HeaderList } from './protocol/headers.js';
import { v2MaxHeadBytes, v2MaxHeaders } from './protocol/limits.js';

const hopByHop = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'proxy-authenticate', 'proxy-authorization', 'host',
]);

// Drops hop-by-hop fields (and those named in Connection) and Host.
export function endToEnd(headers: HeaderList): HeaderList {
  const listed = new Set<string>();
  for (const [n, v] of headers)
    if (n.toLowerCase() === 'connection') for (const t of v.split(',')) if (t.trim()) listed.add(t.trim().toLowerCase());
  return headers.filter(([n]) => !hopByHop.has(n.toLowerCase()) && !listed.has(n.toLowerCase()));
}

// The protocol an HTTP upgrade asks for (Upgrade, when Connection lists
// "upgrade"); '' when the message is no upgrade.
export function upgradeProtocol(headers: HeaderList): string {
  const listed = headers
    .filter(([n]) => n.toLowerCase() === 'connection')
    .flatMap(([, v]) => v.split(',').map((t) => t.trim().toLowerCase()));
  if (!listed.includes('upgrade')) return '';
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

export class Target {
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  private readonly base: URL;

  constructor(targetUrl: string) {
    this.base = new URL(targetUrl);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:')
      throw new TypeError(`target must be an http(s) URL: ${targetUrl}`);
  }

  async call(method: string, path: string, headers: HeaderList, body: Readable | string | Buffer | null,
             timeoutMs: number, signal: AbortSignal): Promise<TargetResponse> {
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const url = new URL(basePath + path, this.base.origin);
    const fields: string[] = [];
    for (const [n, v] of endToEnd(headers)) fields.push(n, v);
    try {
      const res = await request(url, {
        method: method as never, headers: fields, body: body ?? undefined, signal, dispatcher: this.agent,
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
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const send = this.base.protocol === 'https:' ? httpsRequest : httpRequest;
    const fields: string[] = [];
    for (const [n, v] of withUpgrade(headers, protocol)) fields.push(n, v);
    return new Promise((resolve, reject) => {
      const req = send(new URL(basePath + path, this.base.origin), { method, headers: fields, agent: false, signal, timeout: timeoutMs });
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
    await this.agent.close();
  }
}
