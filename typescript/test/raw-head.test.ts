// EndToEndHead and v2.encodeResponseBytes (the protocol-2 response head
// without strings) against the string path they replace: endToEnd() over the
// raw fields as latin1 strings with lower-case names, and v2.encode().
import { describe, expect, it } from 'vitest';

import * as v2 from '../src/protocol/v2.js';
import { EndToEndHead } from '../src/raw_head.js';
import { endToEnd } from '../src/target.js';

const viaStrings = (raw: Buffer[]) => {
  const fields: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) fields.push([raw[i]!.toString('latin1').toLowerCase(), raw[i + 1]!.toString('latin1')]);
  return endToEnd(fields);
};

const heads: Array<Array<[string, string]>> = [
  [['Server', 'nginx'], ['Date', 'Sat, 28 Nov 2026 12:00:00 GMT'], ['Content-Type', 'text/plain'], ['Content-Length', '1024'],
    ['Connection', 'keep-alive'], ['ETag', '"x"'], ['Accept-Ranges', 'bytes']],
  [['Connection', 'X-Drop, Keep-Alive'], ['x-drop', '1'], ['X-DROP', '2'], ['x-dropped', 'kept'], ['Keep-Alive', 'timeout=5'],
    ['Set-Cookie', 'a=1'], ['set-cookie', 'b=2'], ['Transfer-Encoding', 'chunked'], ['TE', 'trailers'], ['Host', 'h'],
    ['Trailer', 'x'], ['Upgrade', 'websocket'], ['Proxy-Authenticate', 'Basic'], ['Proxy-Connection', 'close'], ['X-Latin1', 'caf\u00e9 \u00ff']],
  [],
  [['connection', ','], ['te', ''], ['abcd', 'v']],
];

describe('EndToEndHead', () => {
  it.each(heads.map((h, i) => [i, h] as const))('selects the fields endToEnd() selects (head %i)', (_i, head) => {
    const raw = head.flatMap(([n, v]) => [Buffer.from(n, 'latin1'), Buffer.from(v, 'latin1')]);
    const e = new EndToEndHead(raw);
    expect(e.list()).toEqual(viaStrings(raw));
    expect(e.fits()).toBe(v2.headFits(viaStrings(raw)));
    for (const [endStream, body] of [[false, new Uint8Array(0)], [true, Buffer.from('hello')]] as const) {
      const bytes = v2.encodeResponseBytes(9, endStream, 200, e.names, e.values, body);
      expect(Buffer.from(bytes).equals(Buffer.from(v2.encode({ type: 'response', streamId: 9, endStream, status: 200, headers: viaStrings(raw), body })))).toBe(true);
    }
  });

  it('tells a head the protocol cannot carry', () => {
    const many = Array.from({ length: 257 }, (_, i) => [Buffer.from(`x-${i}`), Buffer.from('v')]).flat();
    expect(new EndToEndHead(many).fits()).toBe(false);
    const huge = [Buffer.from('x-a'), Buffer.alloc(40_000, 0x61), Buffer.from('x-b'), Buffer.alloc(40_000, 0x61)];
    expect(new EndToEndHead(huge).fits()).toBe(false);
    const e = new EndToEndHead(huge);
    expect(() => v2.encodeResponseBytes(1, false, 200, e.names, e.values, new Uint8Array(0))).toThrow(RangeError);
  });
});
