// Protocol 1.1 codec: one JSON object per text frame (spec/PROTOCOL.md §1).
// decode() never throws; it follows the decoding rules of §1.6 exactly, as the
// shared vectors check.
import { type Decoded, type ErrorCode, fail, ok } from '../errors.js';
import type { HeaderList } from './headers.js';
import { v1MaxMessageSize } from './limits.js';

export interface Auth { type: 'auth'; token: string; client_version: string; force: boolean; capabilities: string[] }
export interface AuthOk { type: 'auth_ok'; domain: string; tunnel_id: string; server_version: string; capabilities: string[] }
export interface AuthError { type: 'auth_error'; error: string; code: string }
export interface Request {
  type: 'request'; id: string; method: string; path: string; headers: HeaderList; body: string | null;
  timeout: number; timestamp: string;
}
export interface Response {
  type: 'response'; id: string; status: number; headers: HeaderList; body: string | null; error: string | null;
  duration_ms: number;
}
export interface StreamStart { type: 'stream_start'; id: string; status: number; headers: HeaderList }
export interface StreamChunk { type: 'stream_chunk'; id: string; data: string; sequence: number }
export interface StreamEnd { type: 'stream_end'; id: string; error: string | null; duration_ms: number; total_chunks: number }
export interface Ping { type: 'ping'; timestamp: string }
export interface Pong { type: 'pong'; timestamp: string }
export interface TcpConnect { type: 'tcp_connect'; conn_id: string }
export interface TcpData { type: 'tcp_data'; conn_id: string; data: string; sequence: number }
export interface TcpClose { type: 'tcp_close'; conn_id: string; error: string | null }
// UDP tunnels of the original 0.12 (shared/compat/tunely-0.12.md §3).
export interface UdpOpen { type: 'udp_open'; session_id: string }
export interface UdpClose { type: 'udp_close'; session_id: string; reason: string | null }

export type Message =
  | Auth | AuthOk | AuthError | Request | Response | StreamStart | StreamChunk | StreamEnd | Ping | Pong
  | TcpConnect | TcpData | TcpClose | UdpOpen | UdpClose;

class DecodeFailure {
  constructor(readonly code: ErrorCode) {}
}

// Field readers: absent or null optional fields take their default; a present
// field of the wrong type is invalid_field; an absent required one missing_field.
class Reader {
  constructor(private readonly obj: Record<string, unknown>) {}

  private field(key: string): unknown {
    const v = Object.prototype.hasOwnProperty.call(this.obj, key) ? this.obj[key] : undefined;
    return v === null ? undefined : v;
  }

  requiredString(key: string): string {
    const v = this.field(key);
    if (v === undefined) throw new DecodeFailure('missing_field');
    if (typeof v !== 'string') throw new DecodeFailure('invalid_field');
    return v;
  }

  optionalString(key: string, fallback = ''): string {
    const v = this.field(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'string') throw new DecodeFailure('invalid_field');
    return v;
  }

  nullableString(key: string): string | null {
    const v = this.field(key);
    if (v === undefined) return null;
    if (typeof v !== 'string') throw new DecodeFailure('invalid_field');
    return v;
  }

  optionalBool(key: string, fallback: boolean): boolean {
    const v = this.field(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw new DecodeFailure('invalid_field');
    return v;
  }

  // Any number; fractions truncate toward zero.
  optionalInteger(key: string, fallback: number): number {
    const v = this.field(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new DecodeFailure('invalid_field');
    return Math.trunc(v);
  }

  requiredStatus(key: string): number {
    const v = this.field(key);
    if (v === undefined) throw new DecodeFailure('missing_field');
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 100 || v > 999) throw new DecodeFailure('invalid_field');
    return v;
  }

  optionalTimeout(key: string, fallback: number): number {
    const v = this.field(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new DecodeFailure('invalid_field');
    return v;
  }

  headers(key: string): HeaderList {
    const v = this.field(key);
    if (v === undefined) return [];
    if (typeof v !== 'object' || Array.isArray(v)) throw new DecodeFailure('invalid_field');
    const out: HeaderList = [];
    for (const [name, value] of Object.entries(v as Record<string, unknown>)) {
      if (typeof value !== 'string') throw new DecodeFailure('invalid_field');
      out.push([name, value]);
    }
    return out;
  }

  stringArray(key: string): string[] {
    const v = this.field(key);
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new DecodeFailure('invalid_field');
    return v as string[];
  }

  // tunnel_id: a string, or a number some servers sent, kept as its decimal text.
  requiredIdText(key: string): string {
    const v = this.field(key);
    if (v === undefined) throw new DecodeFailure('missing_field');
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isInteger(v)) return String(v);
    throw new DecodeFailure('invalid_field');
  }
}

const decoders: Record<string, (r: Reader) => Message> = {
  auth: (r) => ({
    type: 'auth', token: r.requiredString('token'), client_version: r.optionalString('client_version', '0.1.0'),
    force: r.optionalBool('force', false), capabilities: r.stringArray('capabilities'),
  }),
  auth_ok: (r) => ({
    type: 'auth_ok', domain: r.requiredString('domain'), tunnel_id: r.requiredIdText('tunnel_id'),
    server_version: r.optionalString('server_version'), capabilities: r.stringArray('capabilities'),
  }),
  auth_error: (r) => ({ type: 'auth_error', error: r.requiredString('error'), code: r.optionalString('code', 'auth_failed') }),
  request: (r) => ({
    type: 'request', id: r.requiredString('id'), method: r.requiredString('method'), path: r.requiredString('path'),
    headers: r.headers('headers'), body: r.nullableString('body'), timeout: r.optionalTimeout('timeout', 1800),
    timestamp: r.optionalString('timestamp'),
  }),
  response: (r) => ({
    type: 'response', id: r.requiredString('id'), status: r.requiredStatus('status'), headers: r.headers('headers'),
    body: r.nullableString('body'), error: r.nullableString('error'), duration_ms: r.optionalInteger('duration_ms', 0),
  }),
  stream_start: (r) => ({
    type: 'stream_start', id: r.requiredString('id'), status: r.requiredStatus('status'), headers: r.headers('headers'),
  }),
  stream_chunk: (r) => ({
    type: 'stream_chunk', id: r.requiredString('id'), data: r.requiredString('data'), sequence: r.optionalInteger('sequence', 0),
  }),
  stream_end: (r) => ({
    type: 'stream_end', id: r.requiredString('id'), error: r.nullableString('error'),
    duration_ms: r.optionalInteger('duration_ms', 0), total_chunks: r.optionalInteger('total_chunks', 0),
  }),
  ping: (r) => ({ type: 'ping', timestamp: r.optionalString('timestamp') }),
  pong: (r) => ({ type: 'pong', timestamp: r.optionalString('timestamp') }),
  tcp_connect: (r) => ({ type: 'tcp_connect', conn_id: r.requiredString('conn_id') }),
  tcp_data: (r) => ({
    type: 'tcp_data', conn_id: r.requiredString('conn_id'), data: r.requiredString('data'), sequence: r.optionalInteger('sequence', 0),
  }),
  tcp_close: (r) => ({ type: 'tcp_close', conn_id: r.requiredString('conn_id'), error: r.nullableString('error') }),
  udp_open: (r) => ({ type: 'udp_open', session_id: r.requiredString('session_id') }),
  udp_close: (r) => ({ type: 'udp_close', session_id: r.requiredString('session_id'), reason: r.nullableString('reason') }),
};

export function decode(text: string): Decoded<Message> {
  if (Buffer.byteLength(text, 'utf8') > v1MaxMessageSize) return fail('frame_too_large');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return fail('malformed_frame');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return fail('malformed_frame');
  const obj = doc as Record<string, unknown>;
  const type = obj['type'];
  if (type === undefined || type === null) return fail('missing_field');
  if (typeof type !== 'string') return fail('invalid_field');
  const decoder = Object.prototype.hasOwnProperty.call(decoders, type) ? decoders[type] : undefined;
  if (!decoder) return fail('unknown_message');
  try {
    return ok(decoder(new Reader(obj)));
  } catch (e) {
    if (e instanceof DecodeFailure) return fail(e.code);
    return fail('malformed_frame');
  }
}

const headerObject = (h: HeaderList): Record<string, string> => Object.fromEntries(h);

// Compact JSON; defaults omitted except where original peers need them
// (response always carries body and error; request headers, body, timeout).
export function encode(m: Message): string {
  switch (m.type) {
    case 'auth': {
      const o: Record<string, unknown> = { type: m.type, token: m.token, client_version: m.client_version };
      if (m.force) o['force'] = true;
      if (m.capabilities.length) o['capabilities'] = m.capabilities;
      return JSON.stringify(o);
    }
    case 'auth_ok': {
      const o: Record<string, unknown> = { type: m.type, domain: m.domain, tunnel_id: m.tunnel_id };
      if (m.server_version) o['server_version'] = m.server_version;
      if (m.capabilities.length) o['capabilities'] = m.capabilities;
      return JSON.stringify(o);
    }
    case 'request': {
      const o: Record<string, unknown> = {
        type: m.type, id: m.id, method: m.method, path: m.path, headers: headerObject(m.headers), body: m.body, timeout: m.timeout,
      };
      if (m.timestamp) o['timestamp'] = m.timestamp;
      return JSON.stringify(o);
    }
    case 'response':
      return JSON.stringify({ type: m.type, id: m.id, status: m.status, headers: headerObject(m.headers), body: m.body, error: m.error, duration_ms: m.duration_ms });
    case 'stream_start':
      return JSON.stringify({ type: m.type, id: m.id, status: m.status, headers: headerObject(m.headers) });
    case 'ping':
    case 'pong':
      return JSON.stringify(m.timestamp ? { type: m.type, timestamp: m.timestamp } : { type: m.type });
    default:
      return JSON.stringify(m);
  }
}
