// Protocol 2 codec (spec/PROTOCOL.md §2): one frame per binary WebSocket
// message, `u8 type | u8 flags | u32 stream id | payload`, big-endian.
// decode() never throws and never reads past its input.
import { bufferView } from '../bytes.js';
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
// Bytes as a latin1 string (one char per byte), without a copy of the bytes.
function latin1(b: Uint8Array): string {
  return bufferView(b).toString('latin1');
}

// RFC 9110 token characters (method and field names), by byte.
const tchar = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") tchar[c.charCodeAt(0)] = 1;

// Whether b[start, end) is a token; the whole of `b` by default.
function isToken(b: Uint8Array, start = 0, end = b.length): boolean {
  if (end === start) return false;
  for (let i = start; i < end; i++) if (!tchar[b[i]!]) return false;
  return true;
}

// Whether b[start, end) holds none of CR, LF, NUL (and, with `space`, SP).
function isClean(b: Uint8Array, space = false, start = 0, end = b.length): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c === 0x0d || c === 0x0a || c === 0x00 || (space && c === 0x20)) return false;
  }
  return true;
}

// Bounds-checked big-endian reader.
class Cursor {
  private pos: number;
  // The input as a Buffer over the same bytes, for latin1 reads without views.
  readonly frame: Buffer;
  constructor(private readonly b: Uint8Array, start: number) {
    this.pos = start;
    this.frame = bufferView(b);
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
  // Skips n bytes; returns where they start (no view of them is made).
  skip(n: number): number {
    if (this.b.length - this.pos < n) throw new Failure('malformed_frame');
    this.pos += n;
    return this.pos - n;
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
  // Offsets into the frame instead of a view per name and value (this runs for every field of every OPEN).
  const b = c.frame;
  for (let i = 0; i < count; i++) {
    const nameLength = c.uint(2);
    const name = c.skip(nameLength);
    const valueLength = c.uint(2);
    const value = c.skip(valueLength);
    total += nameLength + valueLength;
    if (total > v2MaxHeadBytes) throw new Failure('headers_too_large');
    if (!isToken(b, name, name + nameLength) || !isClean(b, false, value, value + valueLength)) throw new Failure('invalid_field');
    out.push([b.toString('latin1', name, name + nameLength), b.toString('latin1', value, value + valueLength)]);
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
        if (!isToken(method)) return fail('invalid_field');
        if (target.length === 0 || target[0] !== 0x2f) return fail('invalid_path');
        if (!isClean(target, true)) return fail('invalid_field');
        const headers = readHeaderBlock(c, target.length);
        const body = readInlineBody(c, flags);
        return ok({
          type: 'open', streamId: id, endStream, timeoutMs, method: latin1(method), target: latin1(target), headers, body,
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

const headFlags = (endStream: boolean, body: Uint8Array) => (endStream ? flagEndStream : 0) | (body.length ? flagBody : 0);

// Bytes of a header block (spec §2.2): u16 count, then u16 length + bytes for each name and value.
function headerBlockSize(headers: HeaderList): number {
  let size = 2;
  for (const [n, v] of headers) size += 4 + n.length + v.length;
  return size;
}

// Writes big-endian fields and latin1 strings into a frame sized beforehand.
class Writer {
  pos = 0;
  constructor(readonly b: Buffer) {}
  // The frame as a plain Uint8Array (what encode() has always returned), over the same bytes.
  get frame(): Uint8Array {
    return new Uint8Array(this.b.buffer, this.b.byteOffset, this.b.length);
  }
  u8(v: number): void {
    this.b[this.pos++] = v;
  }
  u16(v: number): void {
    this.b.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }
  u32(v: number): void {
    this.b.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }
  // One byte per char, its low byte (latin1).
  raw(s: string): void {
    this.pos += this.b.write(s, this.pos, 'latin1');
  }
  bytes(v: Uint8Array): void {
    this.b.set(v, this.pos);
    this.pos += v.length;
  }
  head(type: number, flags: number, id: number): void {
    this.u8(type);
    this.u8(flags);
    this.u32(id);
  }
  headerBlock(headers: HeaderList, usedBytes: number): void {
    if (!headFits(headers, usedBytes)) throw new RangeError('header block exceeds protocol 2 limits');
    this.u16(headers.length);
    for (const [n, v] of headers) {
      this.u16(n.length);
      this.raw(n);
      this.u16(v.length);
      this.raw(v);
    }
  }
}

// The 6 bytes a DATA frame starts with (its payload follows them), for senders
// that write the payload without copying it into a frame (FrameWriter.sendData).
export function dataHead(streamId: number, endStream: boolean): Uint8Array {
  const w = new Writer(Buffer.allocUnsafe(v2FrameHeaderSize));
  w.head(typeCodes.data, endStream ? flagEndStream : 0, streamId);
  return w.frame;
}

// A RESPONSE frame from field bytes (names are written lower-cased), byte for
// byte what encode() writes for the same fields as latin1 strings with
// lower-case names. The caller checks that the fields fit (EndToEndHead.fits);
// throws RangeError otherwise.
export function encodeResponseBytes(streamId: number, endStream: boolean, status: number, names: Uint8Array[], values: Uint8Array[],
                                    body: Uint8Array): Uint8Array {
  let size = v2FrameHeaderSize + 2 + 2 + body.length;
  let fieldBytes = 0;
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!.length;
    const v = values[i]!.length;
    if (n > 0xffff || v > 0xffff) throw new RangeError('header block exceeds protocol 2 limits');
    size += 4 + n + v;
    fieldBytes += n + v;
  }
  if (names.length > v2MaxHeaders || fieldBytes > v2MaxHeadBytes) throw new RangeError('header block exceeds protocol 2 limits');
  const w = new Writer(Buffer.allocUnsafe(size));
  w.head(typeCodes.response, headFlags(endStream, body), streamId);
  w.u16(status);
  w.u16(names.length);
  const b = w.b;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    w.u16(name.length);
    for (let k = 0; k < name.length; k++) {
      const c = name[k]!;
      b[w.pos++] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
    }
    w.u16(values[i]!.length);
    w.bytes(values[i]!);
  }
  w.bytes(body);
  return w.frame;
}

// Encodes a frame. Header names and values are latin1 strings (one char per
// byte); throws RangeError when the frame breaks a limit (a programming error:
// callers check headFits() and split bodies first). RESET and GOAWAY messages
// are cut to 1 024 bytes instead. The frame is written once, into a buffer of
// its exact size.
export function encode(f: Frame): Uint8Array {
  switch (f.type) {
    case 'open': {
      const w = new Writer(Buffer.allocUnsafe(v2FrameHeaderSize + 4 + 1 + f.method.length + 2 + f.target.length + headerBlockSize(f.headers) + f.body.length));
      w.head(typeCodes.open, headFlags(f.endStream, f.body) | (f.raw ? flagRaw : 0), f.streamId);
      w.u32(f.timeoutMs);
      w.u8(f.method.length);
      w.raw(f.method);
      w.u16(f.target.length);
      w.raw(f.target);
      w.headerBlock(f.headers, f.target.length);
      w.bytes(f.body);
      return w.frame;
    }
    case 'response': {
      const w = new Writer(Buffer.allocUnsafe(v2FrameHeaderSize + 2 + headerBlockSize(f.headers) + f.body.length));
      w.head(typeCodes.response, headFlags(f.endStream, f.body), f.streamId);
      w.u16(f.status);
      w.headerBlock(f.headers, 0);
      w.bytes(f.body);
      return w.frame;
    }
    case 'data': {
      if (f.bytes.length > v2MaxDataPayload) throw new RangeError('DATA payload too large');
      const w = new Writer(Buffer.allocUnsafe(v2FrameHeaderSize + f.bytes.length));
      w.head(typeCodes.data, f.endStream ? flagEndStream : 0, f.streamId);
      w.bytes(f.bytes);
      return w.frame;
    }
    case 'window': {
      const w = new Writer(Buffer.allocUnsafe(v2FrameHeaderSize + 4));
      w.head(typeCodes.window, 0, f.streamId);
      w.u32(f.increment);
      return w.frame;
    }
    case 'reset': {
      const message = messageBytes(f.message);
      const w = new Writer(Buffer.allocUnsafe(v2FrameHeaderSize + 2 + message.length));
      w.head(typeCodes.reset, 0, f.streamId);
      w.u16(f.code);
      w.bytes(message);
      return w.frame;
    }
    case 'ping':
    case 'pong': {
      const w = new Writer(Buffer.allocUnsafe(v2FrameHeaderSize + 8));
      w.head(typeCodes[f.type], 0, 0);
      w.b.writeBigUInt64BE(f.opaque, w.pos);
      return w.frame;
    }
    case 'goaway': {
      const message = messageBytes(f.message);
      const w = new Writer(Buffer.allocUnsafe(v2FrameHeaderSize + 4 + 2 + message.length));
      w.head(typeCodes.goaway, 0, 0);
      w.u32(f.lastStreamId);
      w.u16(f.code);
      w.bytes(message);
      return w.frame;
    }
  }
}
