// Client heartbeat and robustness against a scripted peer (a ws server on a
// loopback port): pongs, the silent-connection watchdog, malformed frames,
// a path that does not start with '/'.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';

import { TunnelClient, type TunnelClientOptions } from '../src/client.js';
import * as v1 from '../src/protocol/v1.js';
import * as v2 from '../src/protocol/v2.js';
import { encodeBatch, isBatch, splitBatch } from '../src/protocol/batch.js';
import { waitFor } from './support/stack.js';

interface Peer {
  wss: WebSocketServer;
  url: string;
  sockets: WebSocket[];
  received: Array<{ data: Buffer; binary: boolean }>;
}

// Answers auth with auth_ok (offering protocol 2 when `v2`), records the rest.
async function scriptedServer(v2Offer: boolean, extraCaps: string[] = []): Promise<Peer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const peer: Peer = { wss, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws/tunnel`, sockets: [], received: [] };
  wss.on('connection', (ws) => {
    peer.sockets.push(ws);
    let authed = false;
    ws.on('message', (data: Buffer, binary: boolean) => {
      if (!authed) {
        authed = true;
        ws.send(JSON.stringify({ type: 'auth_ok', domain: 'scripted', tunnel_id: '1', ...(v2Offer ? { capabilities: ['tunely/2', ...extraCaps] } : {}) }));
        return;
      }
      peer.received.push({ data, binary });
    });
  });
  return peer;
}

let peer: Peer | undefined;
let client: TunnelClient | undefined;
afterEach(async () => {
  client?.stop();
  for (const s of peer?.sockets ?? []) s.terminate();
  await new Promise<void>((r) => (peer ? peer.wss.close(() => r()) : r()));
  peer = undefined;
  client = undefined;
});

// Starts a client against the scripted peer and waits until it is signed in.
async function connectClient(options: Partial<TunnelClientOptions> = {}): Promise<TunnelClient> {
  client = new TunnelClient({ serverUrl: peer!.url, token: 't', targetUrl: 'http://127.0.0.1:1', ...options });
  void client.run().catch(() => undefined);
  await waitFor(() => client!.isConnected, 5000, 'connected');
  return client;
}

describe('heartbeat', () => {
  it('answers a 1.1 ping with a pong carrying its timestamp', async () => {
    peer = await scriptedServer(false);
    await connectClient();
    peer.sockets[0]!.send(JSON.stringify({ type: 'ping', timestamp: 'T1' }));
    await waitFor(() => peer!.received.length > 0, 5000, 'pong');
    expect(JSON.parse(peer.received[0]!.data.toString())).toEqual({ type: 'pong', timestamp: 'T1' });
  });

  it('answers a protocol-2 PING with a PONG carrying its opaque value', async () => {
    peer = await scriptedServer(true);
    await connectClient();
    peer.sockets[0]!.send(v2.encode({ type: 'ping', opaque: 0x1122334455667788n }));
    await waitFor(() => peer!.received.length > 0, 5000, 'pong');
    const d = v2.decode(peer.received[0]!.data);
    expect(d.ok && d.value.type === 'pong' && d.value.opaque).toBe(0x1122334455667788n);
  });

  it('sends its own pings and reconnects when the server goes silent', async () => {
    peer = await scriptedServer(false);
    let connects = 0;
    client = new TunnelClient({
      serverUrl: peer.url, token: 't', targetUrl: 'http://127.0.0.1:1', pingInterval: 50, idleTimeout: 400,
      reconnectInterval: 50, onConnect: () => void connects++,
    });
    void client.run().catch(() => undefined);
    await waitFor(() => peer!.received.some((m) => JSON.parse(m.data.toString()).type === 'ping'), 5000, 'client ping');
    // The scripted server never answers: the watchdog drops the silent connection and the client comes back.
    await waitFor(() => connects >= 2 && peer!.sockets.length >= 2, 10_000, 'reconnect after silence');
    expect(peer.sockets[0]!.readyState).not.toBe(WebSocket.OPEN);
  });
});

describe('robustness', () => {
  it('drops malformed frames and keeps the session', async () => {
    peer = await scriptedServer(false);
    let disconnects = 0;
    await connectClient({ onDisconnect: () => void disconnects++ });
    const ws = peer.sockets[0]!;
    for (const bad of ['{', '[]', '{"type":"request"}', '{"type":"nope"}', 'x'.repeat(1000)]) ws.send(bad);
    ws.send(Buffer.from([0xff, 0x00]), { binary: true });
    ws.send(JSON.stringify({ type: 'ping', timestamp: 'after' }));
    await waitFor(() => peer!.received.length > 0, 5000, 'pong after garbage');
    expect(JSON.parse(peer.received[0]!.data.toString())).toEqual({ type: 'pong', timestamp: 'after' });
    expect(disconnects).toBe(0);
  });

  it("answers 400 to a 1.1 request whose path does not start with '/'", async () => {
    peer = await scriptedServer(false);
    await connectClient();
    peer.sockets[0]!.send(v1.encode({ type: 'request', id: 'r1', method: 'GET', path: 'http://evil/', headers: [], body: null, timeout: 5, timestamp: '' }));
    await waitFor(() => peer!.received.length > 0, 5000, 'response');
    const m = JSON.parse(peer.received[0]!.data.toString());
    expect(m.type).toBe('response');
    expect(m.id).toBe('r1');
    expect(m.status).toBe(400);
  });
});

describe('robustness, protocol 2', () => {
  it("drops an OPEN whose target does not start with '/' (spec §2: invalid_path) and keeps the session", async () => {
    peer = await scriptedServer(true);
    const seen: string[] = [];
    await connectClient({ onRequestDone: (r) => void seen.push(r.path) });
    const open = v2.encode({ type: 'open', streamId: 1, endStream: true, timeoutMs: 1000, method: 'GET', target: '/x', headers: [], body: new Uint8Array(0) });
    const bad = Buffer.from(open);
    bad[bad.indexOf(Buffer.from('/x'))] = 0x68; // 'h': the target no longer starts with '/'
    expect(v2.decode(bad)).toEqual({ ok: false, error: 'invalid_path' });
    peer.sockets[0]!.send(bad);
    peer.sockets[0]!.send(v2.encode({ type: 'ping', opaque: 7n }));
    await waitFor(() => peer!.received.length > 0, 5000, 'pong');
    const d = v2.decode(peer.received[0]!.data);
    expect(d.ok && d.value.type === 'pong' && d.value.opaque).toBe(7n);
    expect(seen).toEqual([]);
  });
});

describe('BATCH (tunely/2+batch)', () => {
  it('takes a batch apart and answers frames of one turn in one batch', async () => {
    peer = await scriptedServer(true, ['tunely/2+batch']);
    await connectClient();
    const ws = peer.sockets[0]!;
    ws.send(encodeBatch([v2.encode({ type: 'ping', opaque: 1n }), v2.encode({ type: 'ping', opaque: 2n }), v2.encode({ type: 'ping', opaque: 3n })]));
    await waitFor(() => peer!.received.length > 0, 5000, 'answer');
    const answer = new Uint8Array(peer.received[0]!.data);
    expect(isBatch(answer)).toBe(true);
    const pongs = splitBatch(answer)!.map((f) => v2.decode(f)).map((d) => (d.ok && d.value.type === 'pong' ? d.value.opaque : -1n));
    expect(pongs).toEqual([1n, 2n, 3n]);
  });

  it('drops a malformed batch whole and keeps the session', async () => {
    peer = await scriptedServer(true, ['tunely/2+batch']);
    await connectClient();
    const good = encodeBatch([v2.encode({ type: 'ping', opaque: 9n })]);
    expect(splitBatch(good.subarray(0, good.length - 1))).toBeNull();
    expect(splitBatch(encodeBatch([]))).toBeNull();
    expect(splitBatch(encodeBatch([good]))).toBeNull(); // nested
    peer.sockets[0]!.send(good.subarray(0, good.length - 1));
    peer.sockets[0]!.send(v2.encode({ type: 'ping', opaque: 10n }));
    await waitFor(() => peer!.received.length > 0, 5000, 'pong');
    const d = v2.decode(new Uint8Array(peer.received[0]!.data));
    expect(d.ok && d.value.type === 'pong' && d.value.opaque).toBe(10n);
  });

  it('is not used unless the server offers it', async () => {
    peer = await scriptedServer(true);
    await connectClient();
    peer.sockets[0]!.send(v2.encode({ type: 'ping', opaque: 1n }));
    peer.sockets[0]!.send(v2.encode({ type: 'ping', opaque: 2n }));
    await waitFor(() => peer!.received.length >= 2, 5000, 'two pongs');
    expect(peer.received.every((m) => !isBatch(new Uint8Array(m.data)))).toBe(true);
  });
});
