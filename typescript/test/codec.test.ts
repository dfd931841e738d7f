import { describe, expect, it } from 'vitest';

import * as v2 from '../src/protocol/v2.js';
import { v2MaxDataPayload, v2MaxFrameSize, v2MaxHeadBytes, v2MaxResetMessage } from '../src/protocol/limits.js';

describe('protocol 2 codec', () => {
  it('rejects every truncation of a valid frame', () => {
    const bytes = v2.encode({
      type: 'open', streamId: 7, endStream: false, timeoutMs: 30000, method: 'POST', target: '/upload?x=1',
      headers: [['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']], body: new Uint8Array(0),
    });
    for (let n = 0; n < bytes.length; n++) expect(v2.decode(bytes.subarray(0, n)).ok).toBe(false);
    expect(v2.decode(bytes).ok).toBe(true);
  });

  it('sets and reads the RAW flag on OPEN only', () => {
    const open: v2.Open = {
      type: 'open', streamId: 1, endStream: false, timeoutMs: 10000, method: v2.methodUdp, target: '/',
      headers: [['tunely-peer', '[2001:db8::7]:5353']], body: new Uint8Array(0), raw: true,
    };
    const bytes = v2.encode(open);
    expect(bytes[1]).toBe(v2.flagRaw);
    expect(v2.decode(bytes)).toEqual({ ok: true, value: open });
    const { raw: _raw, ...withoutRaw } = open;
    const plain = v2.decode(v2.encode(withoutRaw));
    expect(plain.ok && plain.value.type === 'open' && plain.value.raw).toBe(false);
    const data = v2.encode({ type: 'data', streamId: 1, endStream: false, bytes: new Uint8Array([1]) });
    data[1] = v2.flagRaw;
    expect(v2.decode(data)).toEqual({ ok: true, value: { type: 'data', streamId: 1, endStream: false, bytes: new Uint8Array([1]) } });
  });

  it('carries binary bodies byte for byte', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const r = v2.decode(v2.encode({ type: 'data', streamId: 3, endStream: true, bytes: all }));
    expect(r.ok && r.value.type === 'data' && Buffer.from(r.value.bytes).equals(Buffer.from(all))).toBe(true);
  });

  it('enforces the size limits on both sides', () => {
    expect(() => v2.encode({ type: 'data', streamId: 1, endStream: false, bytes: new Uint8Array(v2MaxDataPayload + 1) })).toThrow(RangeError);
    expect(v2.decode(new Uint8Array(v2MaxFrameSize + 1).fill(3))).toEqual({ ok: false, error: 'frame_too_large' });
  });

  it('never throws on random input', () => {
    let seed = 12345;
    const next = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 5000; i++) {
      const b = Uint8Array.from({ length: next() % 120 }, next);
      if (b.length) b[0] = 1 + (i % 9);
      expect(() => v2.decode(b)).not.toThrow();
    }
  });

  it('tells which header blocks fit (256 fields, 65 536 bytes of names and values)', () => {
    const fields = (n: number): Array<[string, string]> => Array.from({ length: n }, (_, i) => [`x-${i}`, 'v']);
    expect(v2.headFits(fields(256))).toBe(true);
    expect(v2.headFits(fields(257))).toBe(false);
    expect(v2.headFits([['a', 'v'.repeat(v2MaxHeadBytes - 1)]])).toBe(true);
    expect(v2.headFits([['a', 'v'.repeat(v2MaxHeadBytes)]])).toBe(false);
    expect(v2.headFits([['a', 'v'.repeat(99)]], v2MaxHeadBytes - 100)).toBe(true); // an OPEN's target counts too
    expect(v2.headFits([['a', 'v'.repeat(100)]], v2MaxHeadBytes - 100)).toBe(false);
    const response = (headers: Array<[string, string]>) => ({ type: 'response' as const, streamId: 1, endStream: true, status: 200, headers, body: new Uint8Array(0) });
    expect(v2.decode(v2.encode(response(fields(256)))).ok).toBe(true);
    expect(() => v2.encode(response(fields(257)))).toThrow(RangeError); // callers check headFits() first
    expect(() => v2.encode(response([['a', 'v'.repeat(v2MaxHeadBytes)]]))).toThrow(RangeError);
  });

  it('cuts a long RESET or GOAWAY message at a character boundary, so it still decodes', () => {
    const message = 'x' + 'é'.repeat(v2MaxResetMessage); // 2-byte characters: the 1 024-byte cut falls inside one
    for (const f of [{ type: 'reset' as const, streamId: 1, code: 4, message }, { type: 'goaway' as const, lastStreamId: 1, code: 1, message }]) {
      const d = v2.decode(v2.encode(f));
      expect(d.ok).toBe(true);
      const got = d.ok && (d.value.type === 'reset' || d.value.type === 'goaway') ? d.value.message : '';
      expect(Buffer.byteLength(got)).toBe(v2MaxResetMessage - 1);
      expect(message.startsWith(got)).toBe(true);
    }
  });
});
