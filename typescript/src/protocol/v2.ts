// Protocol 2 codec (spec/PROTOCOL.md §2): one frame per binary WebSocket
// message, `u8 type | u8 flags | u32 stream id | payload`, big-endian.
// decode() never throws and never reads past its input.
import { type Decoded, type ErrorCode, fail, ok } from '../errors.js';
import type { HeaderList } from './headers.js';
import {
  v2FrameHeaderSize, v2MaxDataPayload, v2MaxFrameSize, v2MaxHeadBytes, v2MaxHeaders, v2MaxResetMessage, v2MaxWindow,
} from './limits.js';

export const flagEndStream = 0x01;
export const flagBody = 0x02;
// On OPEN only (capabilities tunely/2+tcp, tunely/2+udp): a raw stream of a TCP or UDP tunnel, whose `method`
// names the kind (methodTcp, methodUdp); spec/PROTOCOL.md §2.15.
export const flagRaw = 0x04;
export const methodTcp = 'TCP';
export const methodUdp = 'UDP';

export const resetCodes = {
  cancel: 1, target_unavailable: 2, target_timeout: 3, target_error: 4, protocol_error: 5, flow_control: 6,
  refused: 7, timeout: 8, internal: 9,
} as const;

export interface Open {
  type: 'open'; streamId: number; endStream: boolean; timeoutMs: number; method: string; target: string; headers: HeaderList; body: Uint8Array;
  raw?: boolean; // flagRaw (absent = false); decode() always sets it
}
export interface ResponseHead { type: 'response'; streamId: number; endStream: boolean; status: number; headers: HeaderList; body: Uint8Array }
export interface Data { type: 'data'; streamId: number; endStream: boolean; bytes: Uint8Array }
export interface Window { type: 'window'; streamId: number; increment: number }
export interface Reset { type: 'reset'; streamId: number; code: number; message: string }
export interface Ping { type: 'ping'; opaque: bigint }
export interface Pong { type: 'pong'; opaque: bigint }
export interface GoAway { type: 'goaway'; lastStreamId: number; code: number; message: string }
export type Frame = Open | ResponseHead | Data | Window | Reset | Ping | Pong | GoAway;

const typeCodes = { open: 1, response: 2, data: 3, window: 4, reset: 5, ping: 6, pong: 7, goaway: 8 } as const;

class Failure {
  constructor(readonly code: ErrorCode) {}
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

function isTchar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c));
}

// Bounds-checked big-endian reader.
class Cursor {
  private pos: number;
  constructor(private readonly b: Uint8Array, start: number) {
    this.pos = start;
  }
  get atEnd(): boolean {
    return this.pos === this.b.length;
  }
  uint(n: number): number {
    if (this.b.length - this.pos < n) throw new Failure('malformed_frame');
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + (this.b[this.pos + i] ?? 0);
    this.pos += n;
    return v;
  }
  bytes(n: number): Uint8Array {
    if (this.b.length - this.pos < n) throw new Failure('malformed_frame');
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  rest(): Uint8Array {
    const v = this.b.subarray(this.pos);
    this.pos = this.b.length;
    return v;
  }
}

// Names and values are bytes on the wire; we hold them as latin1 strings so
// every byte survives (HTTP field values are octets).
function readHeaderBlock(c: Cursor, usedBytes: number): HeaderList {
  const count = c.uint(2);
  if (count > v2MaxHeaders) throw new Failure('headers_too_large');
  let total = usedBytes;
  const out: HeaderList = [];
  for (let i = 0; i < count; i++) {
    const name = c.bytes(c.uint(2));
    const value = c.bytes(c.uint(2));
    total += name.length + value.length;
    if (total > v2MaxHeadBytes) throw new Failure('headers_too_large');
    if (name.length === 0 || !name.every(isTchar)) throw new Failure('invalid_field');
    if (value.some((b) => b === 0x0d || b === 0x0a || b === 0x00)) throw new Failure('invalid_field');
    out.push([latin1.decode(name), latin1.decode(value)]);
  }
  return out;
}

function readInlineBody(c: Cursor, flags: number): Uint8Array {
  if (!(flags & flagBody)) {
    if (!c.atEnd) throw new Failure('malformed_frame');
    return new Uint8Array(0);
  }
  const rest = c.rest();
  if (rest.length > v2MaxDataPayload) throw new Failure('frame_too_large');
  return rest;
}

function readMessage(c: Cursor): string {
  const m = c.rest();
  if (m.length > v2MaxResetMessage) throw new Failure('frame_too_large');
  try {
    return utf8.decode(m);
  } catch {
    throw new Failure('invalid_field');
  }
}

export function decode(bytes: Uint8Array): Decoded<Frame> {
  if (bytes.length < v2FrameHeaderSize) return fail('malformed_frame');
  if (bytes.length > v2MaxFrameSize) return fail('frame_too_large');
  const c = new Cursor(bytes, 0);
  try {
    const type = c.uint(1);
    const flags = c.uint(1);
    const id = c.uint(4);
    const streamFrame = type >= 1 && type <= 5;
    const sessionFrame = type >= 6 && type <= 8;
    if (!streamFrame && !sessionFrame) return fail('unknown_message');
    if (streamFrame && id === 0) return fail('invalid_field');
    if (sessionFrame && id !== 0) return fail('invalid_field');
    const endStream = (flags & flagEndStream) !== 0;
    switch (type) {
      case 1: {
        const timeoutMs = c.uint(4);
        const method = c.bytes(c.uint(1));
        const target = c.bytes(c.uint(2));
        if (method.length === 0 || !method.every(isTchar)) return fail('invalid_field');
        if (target.length === 0 || target[0] !== 0x2f) return fail('invalid_path');
        if (target.some((b) => b === 0x0d || b === 0x0a || b === 0x00 || b === 0x20)) return fail('invalid_field');
        const headers = readHeaderBlock(c, target.length);
        const body = readInlineBody(c, flags);
        return ok({
          type: 'open', streamId: id, endStream, timeoutMs, method: latin1.decode(method), target: latin1.decode(target), headers, body,
          raw: (flags & flagRaw) !== 0,
        });
      }
      case 2: {
        const status = c.uint(2);
        if (status < 100 || status > 999) return fail('invalid_field');
        const headers = readHeaderBlock(c, 0);
        const body = readInlineBody(c, flags);
        return ok({ type: 'response', streamId: id, endStream, status, headers, body });
      }
      case 3: {
        const payload = c.rest();
        if (payload.length > v2MaxDataPayload) return fail('frame_too_large');
        return ok({ type: 'data', streamId: id, endStream, bytes: payload });
      }
      case 4: {
        const increment = c.uint(4);
        if (!c.atEnd) return fail('malformed_frame');
        if (increment === 0 || increment > v2MaxWindow) return fail('invalid_field');
        return ok({ type: 'window', streamId: id, increment });
      }
      case 5: {
        const code = c.uint(2);
        return ok({ type: 'reset', streamId: id, code, message: readMessage(c) });
      }
      case 6:
      case 7: {
        const opaque = c.bytes(8);
        if (!c.atEnd) return fail('malformed_frame');
        const value = Buffer.from(opaque).readBigUInt64BE(0);
        return ok(type === 6 ? { type: 'ping', opaque: value } : { type: 'pong', opaque: value });
      }
      default: {
        const lastStreamId = c.uint(4);
        const code = c.uint(2);
        return ok({ type: 'goaway', lastStreamId, code, message: readMessage(c) });
      }
    }
  } catch (e) {
    if (e instanceof Failure) return fail(e.code);
    return fail('malformed_frame');
  }
}

function header(out: number[], type: number, flags: number, id: number): void {
  out.push(type, flags, (id >>> 24) & 0xff, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff);
}
const u16 = (out: number[], v: number) => out.push((v >>> 8) & 0xff, v & 0xff);
const u32 = (out: number[], v: number) => out.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
const raw = (out: number[], s: string) => {
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff);
};
// Whether a header block fits protocol 2 (spec §2.2, §2.10): at most 256
// fields, every name and value at most 65 535 bytes (u16 lengths), and
// `usedBytes` (an OPEN's target) plus all names and values at most 65 536
// bytes. Names and values are latin1 strings (one char per byte).
export function headFits(headers: HeaderList, usedBytes = 0): boolean {
  if (headers.length > v2MaxHeaders) return false;
  let total = usedBytes;
  for (const [n, v] of headers) {
    if (n.length > 0xffff || v.length > 0xffff) return false;
    total += n.length + v.length;
  }
  return total <= v2MaxHeadBytes;
}

// A RESET or GOAWAY message as UTF-8, cut to 1 024 bytes without splitting a
// character (a cut sequence would make the frame undecodable: invalid_field).
function messageBytes(message: string): Uint8Array {
  const b = Buffer.from(message, 'utf8');
  if (b.length <= v2MaxResetMessage) return b;
  let end = v2MaxResetMessage;
  while (end > 0 && ((b[end] ?? 0) & 0xc0) === 0x80) end--; // b[end] continues a sequence: cut before its lead byte
  return b.subarray(0, end);
}

function headerBlock(out: number[], headers: HeaderList, usedBytes: number): void {
  if (!headFits(headers, usedBytes)) throw new RangeError('header block exceeds protocol 2 limits');
  u16(out, headers.length);
  for (const [n, v] of headers) {
    u16(out, n.length);
    raw(out, n);
    u16(out, v.length);
    raw(out, v);
  }
}
const headFlags = (endStream: boolean, body: Uint8Array) => (endStream ? flagEndStream : 0) | (body.length ? flagBody : 0);

// Encodes a frame. Header names and values are latin1 strings (one char per
// byte); throws RangeError when the frame breaks a limit (a programming error:
// callers check headFits() and split bodies first). RESET and GOAWAY messages
// are cut to 1 024 bytes instead.
export function encode(f: Frame): Uint8Array {
  const out: number[] = [];
  let tail: Uint8Array | undefined;
  switch (f.type) {
    case 'open':
      header(out, typeCodes.open, headFlags(f.endStream, f.body) | (f.raw ? flagRaw : 0), f.streamId);
      u32(out, f.timeoutMs);
      out.push(f.method.length);
      raw(out, f.method);
      u16(out, f.target.length);
      raw(out, f.target);
      headerBlock(out, f.headers, f.target.length);
      tail = f.body;
      break;
    case 'response':
      header(out, typeCodes.response, headFlags(f.endStream, f.body), f.streamId);
      u16(out, f.status);
      headerBlock(out, f.headers, 0);
      tail = f.body;
      break;
    case 'data':
      if (f.bytes.length > v2MaxDataPayload) throw new RangeError('DATA payload too large');
      header(out, typeCodes.data, f.endStream ? flagEndStream : 0, f.streamId);
      tail = f.bytes;
      break;
    case 'window':
      header(out, typeCodes.window, 0, f.streamId);
      u32(out, f.increment);
      break;
    case 'reset':
      header(out, typeCodes.reset, 0, f.streamId);
      u16(out, f.code);
      tail = messageBytes(f.message);
      break;
    case 'ping':
    case 'pong': {
      header(out, typeCodes[f.type], 0, 0);
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(f.opaque);
      tail = b;
      break;
    }
    case 'goaway':
      header(out, typeCodes.goaway, 0, 0);
      u32(out, f.lastStreamId);
      u16(out, f.code);
      tail = messageBytes(f.message);
      break;
  }
  const head = Uint8Array.from(out);
  if (!tail || tail.length === 0) return head;
  const frame = new Uint8Array(head.length + tail.length);
  frame.set(head, 0);
  frame.set(tail, head.length);
  return frame;
}
