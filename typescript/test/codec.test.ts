import { describe, expect, it } from 'vitest';

import * as v2 from '../src/protocol/v2.js';
import { v2MaxDataPayload, v2MaxFrameSize } from '../src/protocol/limits.js';

describe('protocol 2 codec', () => {
  it('rejects every truncation of a valid frame', () => {
    const bytes = v2.encode({
      type: 'open', streamId: 7, endStream: false, timeoutMs: 30000, method: 'POST', target: '/upload?x=1',
      headers: [['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']], body: new Uint8Array(0),
    });
    for (let n = 0; n < bytes.length; n++) expect(v2.decode(bytes.subarray(0, n)).ok).toBe(false);
    expect(v2.decode(bytes).ok).toBe(true);
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
});
