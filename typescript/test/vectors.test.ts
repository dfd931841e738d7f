// The shared vectors of spec/vectors/, the same files the C++ tests read.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import * as v1 from '../src/protocol/v1.js';
import * as v2 from '../src/protocol/v2.js';

const specDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'spec', 'vectors');

interface Vector {
  name: string;
  valid: boolean;
  text?: string;
  hex?: string;
  message?: Record<string, unknown>;
  error?: string;
  canonical?: boolean;
}

// Throws on a missing file, a wrong protocol tag or an empty vector set, so
// the tests can never pass vacuously.
export function loadVectors(path: string, protocol: string): Vector[] {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { protocol: string; vectors: Vector[] };
  if (doc.protocol !== protocol) throw new Error(`${path}: expected protocol ${protocol}`);
  if (!Array.isArray(doc.vectors) || doc.vectors.length === 0) throw new Error(`${path}: no vectors found`);
  return doc.vectors;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const latin1Bytes = (s: string) => Buffer.from(s, 'latin1');

// The canonical form of spec/vectors/README.md.
function canonicalV2(f: v2.Frame): Record<string, unknown> {
  switch (f.type) {
    case 'open':
      return { type: 'open', stream_id: f.streamId, end_stream: f.endStream, raw: f.raw === true, timeout_ms: f.timeoutMs, method: f.method,
        target: Buffer.from(f.target, 'latin1').toString('utf8'),
        headers: f.headers.map(([n, v]) => [n, latin1Bytes(v).toString('utf8')]), data_hex: hex(f.body) };
    case 'response':
      return { type: 'response', stream_id: f.streamId, end_stream: f.endStream, status: f.status,
        headers: f.headers.map(([n, v]) => [n, latin1Bytes(v).toString('utf8')]), data_hex: hex(f.body) };
    case 'data':
      return { type: 'data', stream_id: f.streamId, end_stream: f.endStream, data_hex: hex(f.bytes) };
    case 'window':
      return { type: 'window', stream_id: f.streamId, increment: f.increment };
    case 'reset':
      return { type: 'reset', stream_id: f.streamId, code: f.code, message: f.message };
    case 'ping':
    case 'pong':
      return { type: f.type, opaque_hex: f.opaque.toString(16).padStart(16, '0') };
    case 'goaway':
      return { type: 'goaway', last_stream_id: f.lastStreamId, code: f.code, message: f.message };
  }
}

describe('vector loader', () => {
  it('rejects a missing file, a wrong protocol and an empty set', () => {
    expect(() => loadVectors(join(specDir, 'nope.json'), '1.1')).toThrow();
    expect(() => loadVectors(join(specDir, 'v1.json'), '2')).toThrow();
    const empty = join(process.env['TMPDIR'] ?? '/tmp', `tunely-empty-${process.pid}.json`);
    writeFileSync(empty, '{"protocol":"1.1","vectors":[]}');
    try {
      expect(() => loadVectors(empty, '1.1')).toThrow(/no vectors/);
    } finally {
      rmSync(empty);
    }
  });
});

describe('protocol 1.1 vectors', () => {
  const vectors = loadVectors(join(specDir, 'v1.json'), '1.1');
  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const r = v1.decode(v.text!);
    if (!v.valid) {
      expect(r).toEqual({ ok: false, error: v.error });
      return;
    }
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toEqual(v.message);
    expect(v1.decode(v1.encode(r.value))).toEqual(r);
  });
});

describe('protocol 2 vectors', () => {
  const vectors = loadVectors(join(specDir, 'v2.json'), '2');
  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const bytes = Buffer.from(v.hex!, 'hex');
    const r = v2.decode(bytes);
    if (!v.valid) {
      expect(r).toEqual({ ok: false, error: v.error });
      return;
    }
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(canonicalV2(r.value)).toEqual(v.message);
    if (v.canonical !== false) expect(hex(v2.encode(r.value))).toBe(v.hex);
  });
});
