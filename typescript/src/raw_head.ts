// A target's response head as undici reports it (raw: name, value, name,
// value… as bytes), reduced to its end-to-end fields without turning each
// field into strings: on the protocol-2 hot path the head only goes back to
// bytes (a RESPONSE frame, v2.encodeResponseBytes). Same selection as
// endToEnd() over the fields as latin1 strings: hop-by-hop fields and those
// named in Connection are dropped, order and repeats kept; names leave in
// lower case (as undici's parsed headers had them). Only names whose length
// matches a hop-by-hop or Connection-listed name are lower-cased to compare.
import { hopByHop, hopByHopLengths } from './hop_by_hop.js';
import type { HeaderList } from './protocol/headers.js';
import { v2MaxHeadBytes, v2MaxHeaders } from './protocol/limits.js';

const latin1 = (b: Buffer | string) => (typeof b === 'string' ? b : b.toString('latin1'));
const bytes = (b: Buffer | string) => (typeof b === 'string' ? Buffer.from(b, 'latin1') : b);

export class EndToEndHead {
  readonly names: Buffer[] = [];
  readonly values: Buffer[] = [];

  constructor(raw: ReadonlyArray<Buffer | string>) {
    let listed: string[] | undefined; // tokens of Connection, lower-case
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (raw[i]!.length !== 10 || latin1(raw[i]!).toLowerCase() !== 'connection') continue;
      for (const t of latin1(raw[i + 1]!).split(',')) if (t.trim()) (listed ??= []).push(t.trim().toLowerCase());
    }
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!;
      if (hopByHopLengths.has(name.length) || listed?.some((t) => t.length === name.length)) {
        const lower = latin1(name).toLowerCase();
        if (hopByHop.has(lower) || listed?.includes(lower)) continue;
      }
      this.names.push(bytes(name));
      this.values.push(bytes(raw[i + 1]!));
    }
  }

  get length(): number {
    return this.names.length;
  }

  // Whether protocol 2 can carry the head (spec §2.10), as v2.headFits() over the same fields.
  fits(): boolean {
    if (this.names.length > v2MaxHeaders) return false;
    let total = 0;
    for (let i = 0; i < this.names.length; i++) {
      const n = this.names[i]!.length;
      const v = this.values[i]!.length;
      if (n > 0xffff || v > 0xffff) return false;
      total += n + v;
    }
    return total <= v2MaxHeadBytes;
  }

  // The fields as latin1 strings, names lower-case (what endToEnd() gives for them).
  list(): HeaderList {
    return this.names.map((n, i) => [latin1(n).toLowerCase(), latin1(this.values[i]!)]);
  }
}
