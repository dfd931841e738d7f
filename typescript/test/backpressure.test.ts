// Bounded memory against a server that stops reading: while the WebSocket's
// outgoing queue is above the high-water mark (512 KiB) the client stops reading
// its target, for protocol 2 DATA and 1.1 stream_chunk alike. The server here
// grants all the credit a 64 MiB body needs and then stops reading, so only the
// WebSocket can hold the client back. Checked by state, not by timing: the
// client ends up waiting on its queue while the target is blocked in a write
// and has not finished; no body message was queued above the mark; once the
// server reads again the whole body arrives intact.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';

import { TunnelClient } from '../src/client.js';
import { FrameWriter, sendHighWater } from '../src/frame_writer.js';
import { v2MaxWindow } from '../src/protocol/limits.js';
import * as v1 from '../src/protocol/v1.js';
import * as v2 from '../src/protocol/v2.js';
import { listenLocal } from './support/listen.js';
import { open, scriptedPeer, streamOf, type ScriptedPeer } from './support/peer.js';
import { pattern, sha256, waitFor } from './support/stack.js';

const bodySize = 64 * 1024 * 1024; // far more than the loopback socket buffers on both hops hold

interface FloodTarget {
  url: string;
  written: number; // bytes the target's response accepted
  blocked: boolean; // its last write did not fit: it waits for 'drain'
  finished: boolean;
  close(): Promise<void>;
}

// GET /flood: `bodySize` bytes as fast as the connection takes them (honouring
// backpressure); ?sse=1 sends them as text/event-stream text.
async function floodTarget(): Promise<FloodTarget> {
  const bytes = pattern(bodySize);
  const text = Buffer.from('data: ' + 'x'.repeat(1000) + '\n\n'); // 1008 bytes of ASCII, repeated
  const t = { written: 0, blocked: false, finished: false } as FloodTarget;
  const server: Server = createServer((req, res) => {
    const sse = req.url?.includes('sse=1');
    res.writeHead(200, { 'content-type': sse ? 'text/event-stream' : 'application/octet-stream' });
    const pump = () => {
      while (t.written < bodySize) {
        const n = Math.min(64 * 1024, bodySize - t.written);
        const part = sse ? Buffer.alloc(n, text) : bytes.subarray(t.written, t.written + n);
        t.written += n;
        if (!res.write(part)) {
          t.blocked = true;
          res.once('drain', () => {
            t.blocked = false;
            pump();
          });
          return;
        }
      }
      res.end(() => (t.finished = true));
    };
    pump();
  });
  return Object.assign(t, await listenLocal(server));
}

let peer: ScriptedPeer | undefined;
let target: FloodTarget | undefined;
let client: TunnelClient | undefined;
afterEach(async () => {
  client?.stop();
  await peer?.close();
  await target?.close();
  peer = target = client = undefined;
});

// Connects, and returns the session's writer with the highest queue seen
// right before each body message (`isBody` picks them out).
async function connect(protocol2: boolean, isBody: (message: Uint8Array | string) => boolean) {
  peer = await scriptedPeer(protocol2);
  target = await floodTarget();
  client = new TunnelClient({ serverUrl: peer.url, token: 't', targetUrl: target.url, protocol2, reconnectInterval: 60_000 });
  void client.run().catch(() => undefined);
  await waitFor(() => peer!.connections.length === 1 && client!.isConnected, 5000, 'signed in');
  const out = (client as unknown as { session: { out: FrameWriter } }).session.out;
  const seen = { maxQueuedBeforeBody: 0, bodyMessages: 0 };
  const before = () => {
    seen.bodyMessages++;
    seen.maxQueuedBeforeBody = Math.max(seen.maxQueuedBeforeBody, out.queued);
  };
  const send = out.send.bind(out);
  const sendData = out.sendData.bind(out);
  const sendText = out.sendText.bind(out);
  out.send = (frame) => {
    if (isBody(frame)) before();
    send(frame);
  };
  out.sendData = (streamId, endStream, payload) => {
    if (payload.length) before(); // DATA with body bytes (sent unbatched from 16 KiB on)
    sendData(streamId, endStream, payload);
  };
  out.sendText = (message) => {
    if (isBody(message)) before();
    sendText(message);
  };
  return { conn: peer.connections[0]!, out, seen };
}

// The server stopped reading: the client must stop reading the target.
async function expectStalled(out: FrameWriter): Promise<void> {
  await waitFor(() => (out.waiting > 0 && target!.blocked) || target!.finished, 30_000, 'client waiting on the WebSocket, target blocked');
  expect(target!.finished).toBe(false);
  expect(target!.written).toBeLessThan(bodySize);
  expect(out.queued).toBeGreaterThan(sendHighWater);
}

describe('backpressure towards a server that stops reading', () => {
  it('protocol 2: pauses the target while the WebSocket queue is above 512 KiB', async () => {
      const { conn, out, seen } = await connect(true, (m) => typeof m !== 'string' && m[0] === 0x03);
    conn.ws.pause(); // the server stops reading
    conn.ws.send(open(1, 'GET', '/flood'));
    for (let granted = 0; granted < bodySize; granted += v2MaxWindow) // credit is no limit
      conn.ws.send(v2.encode({ type: 'window', streamId: 1, increment: v2MaxWindow }));
    await expectStalled(out);

    conn.ws.resume();
    await waitFor(() => {
      const last = conn.frames.at(-1);
      return last?.type === 'reset' || (last?.type === 'data' && last.endStream);
    }, 30_000, 'whole body');
    const s = streamOf(conn, 1);
    expect(s.frames[0]).toMatchObject({ type: 'response', status: 200 });
    expect(s.body.length).toBe(bodySize);
    expect(sha256(s.body)).toBe(sha256(pattern(bodySize)));
    expect(seen.bodyMessages).toBeGreaterThan(0);
    expect(seen.maxQueuedBeforeBody).toBeLessThanOrEqual(sendHighWater);
  });

  it('protocol 1.1: pauses the SSE target while the WebSocket queue is above 512 KiB', async () => {
    const { conn, out, seen } = await connect(false, (m) => typeof m === 'string' && m.startsWith('{"type":"stream_chunk"'));
    conn.ws.pause();
    conn.ws.send(v1.encode({ type: 'request', id: 'r1', method: 'GET', path: '/flood?sse=1', headers: [], body: null, timeout: 60, timestamp: '' }));
    await expectStalled(out);

    conn.ws.resume();
    await waitFor(() => conn.texts.at(-1)?.type === 'stream_end', 30_000, 'whole stream');
    const chunks = conn.texts.filter((m): m is v1.StreamChunk => m.type === 'stream_chunk');
    expect(conn.texts[0]).toMatchObject({ type: 'stream_start', status: 200 });
    expect(conn.texts.at(-1)).toMatchObject({ type: 'stream_end', error: null, total_chunks: chunks.length });
    expect(chunks.reduce((n, c) => n + c.data.length, 0)).toBe(bodySize);
    expect(seen.bodyMessages).toBeGreaterThan(0);
    expect(seen.maxQueuedBeforeBody).toBeLessThanOrEqual(sendHighWater);
  });
});
