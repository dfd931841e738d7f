// Calls the target service with undici (keep-alive pool) and maps failures to
// the codes the C++ client uses: unreachable → target_unavailable (503),
// timeout → target_timeout (504), anything else → target_error.
import { Agent, request } from 'undici';
import type { Readable } from 'node:stream';

import type { ErrorCode } from './errors.js';
import type { HeaderList } from './protocol/headers.js';

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

export interface TargetResponse {
  status: number;
  headers: HeaderList;
  body: Readable;
}

export class TargetError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}

export function classifyTargetError(e: unknown): TargetError {
  const err = e as { code?: string; message?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code ?? '';
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

  async close(): Promise<void> {
    await this.agent.close();
  }
}
