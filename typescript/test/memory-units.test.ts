// The pieces that keep the CLI's memory bounded during bulk transfers:
// FrameWriter.sendData (bulk DATA leaves without a copy into a frame of ours,
// as two fragments of one WebSocket message, never batched), bufferView (no
// copy of received bytes), the gc pacer (a scavenge every N bytes relayed), and
// isoTime (log timestamps without V8's time-zone data).
import type { AddressInfo } from 'node:net';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';

import { bufferView } from '../src/bytes.js';
import { FrameWriter, batchBypass } from '../src/frame_writer.js';
import { enableGcPacing, paceFree, relayed } from '../src/gc_pacer.js';
import { isoTime } from '../src/iso_time.js';
import { isBatch, splitBatch } from '../src/protocol/batch.js';
import { v2MaxDataPayload } from '../src/protocol/limits.js';
import * as v2 from '../src/protocol/v2.js';
import { pattern, waitFor } from './support/stack.js';

let wss: WebSocketServer | undefined;
let client: WebSocket | undefined;
afterEach(async () => {
  client?.terminate();
  await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
  wss = client = undefined;
});

// A FrameWriter on a real ws client; the server side records every message it receives, whole.
async function writerPair(batching: boolean): Promise<{ out: FrameWriter; received: Buffer[] }> {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss!.once('listening', () => r()));
  const received: Buffer[] = [];
  wss.on('connection', (ws) => ws.on('message', (data: Buffer) => received.push(data)));
  client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: false });
  await new Promise<void>((r, j) => client!.once('open', () => r()).once('error', j));
  return { out: new FrameWriter(client, batching), received };
}

const frames = (messages: Buffer[]) => messages.flatMap((m) => (isBatch(m) ? splitBatch(m)! : [new Uint8Array(m)])).map((f) => {
  const d = v2.decode(f);
  if (!d.ok) throw new Error(`undecodable frame: ${d.error}`);
  return d.value;
});

describe('FrameWriter.sendData', () => {
  it.each([false, true])('a bulk DATA frame arrives as one message equal to the encoded frame, in order (batching %s)', async (batching) => {
    const { out, received } = await writerPair(batching);
    const big = pattern(v2MaxDataPayload);
    out.send(v2.encode({ type: 'response', streamId: 1, endStream: false, status: 200, headers: [['a', 'b']], body: new Uint8Array(0) }));
    out.sendData(1, false, big);
    out.sendData(3, true, big.subarray(0, batchBypass));
    out.sendData(1, true, new Uint8Array(0));
    await waitFor(() => frames(received).length === 4, 5000, 'four frames');
    expect(received.some((m) => m.equals(Buffer.from(v2.encode({ type: 'data', streamId: 1, endStream: false, bytes: big }))))).toBe(true);
    const got = frames(received).map((f) => ({
      type: f.type, streamId: 'streamId' in f ? f.streamId : 0, end: 'endStream' in f && f.endStream,
      bytes: f.type === 'data' ? Buffer.from(f.bytes).toString('hex') : '',
    }));
    expect(got).toEqual([
      { type: 'response', streamId: 1, end: false, bytes: '' },
      { type: 'data', streamId: 1, end: false, bytes: big.toString('hex') },
      { type: 'data', streamId: 3, end: true, bytes: big.subarray(0, batchBypass).toString('hex') },
      { type: 'data', streamId: 1, end: true, bytes: '' },
    ]);
    // Batching joins only small frames: each bulk frame is a message of its own.
    expect(received.filter((m) => !isBatch(m) && m[0] === 0x03 && m.length > batchBypass)).toHaveLength(2);
  });

  it('small DATA still joins the batch of its turn', async () => {
    const { out, received } = await writerPair(true);
    out.sendData(1, false, Buffer.from('small'));
    out.sendData(1, true, Buffer.from('end'));
    await waitFor(() => received.length > 0, 5000, 'a message');
    await new Promise((r) => setTimeout(r, 50));
    expect(received).toHaveLength(1);
    expect(isBatch(received[0]!)).toBe(true);
    expect(frames(received).map((f) => f.type === 'data' && Buffer.from(f.bytes).toString())).toEqual(['small', 'end']);
  });
});

describe('bufferView', () => {
  it('shares the bytes instead of copying them', () => {
    const backing = new Uint8Array([1, 2, 3, 4, 5]);
    const view = bufferView(backing.subarray(1, 4));
    expect([...view]).toEqual([2, 3, 4]);
    backing[2] = 9;
    expect(view[1]).toBe(9);
    const b = Buffer.from('x');
    expect(bufferView(b)).toBe(b);
  });
});

describe('gc pacer', () => {
  it('runs a young-generation collection each time the bytes relayed pass the pace', async () => {
    const minor: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if ((e.detail as { kind?: number } | undefined)?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor.push(e.startTime);
    });
    observer.observe({ entryTypes: ['gc'] });
    try {
      expect(enableGcPacing(1024 * 1024)).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
      minor.length = 0;
      relayed(1024 * 1024 + paceFree - 1); // below the pace: nothing
      await new Promise((r) => setTimeout(r, 50));
      const quiet = minor.length;
      for (let i = 0; i < 1000; i++) relayed(paceFree); // small messages do not count
      await new Promise((r) => setTimeout(r, 50));
      expect(minor.length).toBeLessThanOrEqual(quiet + 1); // (at most one of V8's own)
      const before = minor.length;
      for (let i = 0; i < 3; i++) relayed(1024 * 1024 + paceFree); // three paces: three scavenges
      await waitFor(() => minor.length >= before + 3, 5000, 'three minor GCs');
    } finally {
      observer.disconnect();
    }
  });
});

describe('isoTime', () => {
  it('writes what toISOString writes', () => {
    const times = [0, 1, 9, 10, 99, 100, 999, Date.UTC(2026, 10, 28, 12, 0, 0, 5), Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      Date.UTC(2024, 1, 29, 1, 2, 3, 40), Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), -1, Date.UTC(-1, 0, 1), Date.now()];
    for (let i = 0; i < 1000; i++) times.push(Math.floor(Math.random() * 4e12));
    for (const t of times) expect(isoTime(t)).toBe(new Date(t).toISOString());
  });
});
