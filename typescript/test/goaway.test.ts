// Going away, against a scripted server (spec §2.11): GOAWAY lets the streams in
// flight finish, the client then closes the session itself and reconnects at
// once (only once in a row); a 1.1 session closed with 1001 comes back at once
// too. Plus the protocol-2 checks the client makes on a draining or hostile
// server (OPEN past GOAWAY, DATA after END_STREAM, a response head too large).
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { TunnelClient, type RequestSummary } from '../src/client.js';
import * as v1 from '../src/protocol/v1.js';
import * as v2 from '../src/protocol/v2.js';
import { open, scriptedPeer, streamOf, type ScriptedPeer } from './support/peer.js';
import { waitFor } from './support/stack.js';

// A backoff this long would time every wait below out: a reconnect within the
// waits happened without one.
const longBackoff = 60_000;

interface HoldTarget {
  url: string;
  held: ServerResponse[]; // /hold requests waiting for the test to answer them
  close(): Promise<void>;
}

// /hold: answered by the test (held[i].end(...)); /many-headers?n=: n extra fields; else "ok".
async function holdTarget(): Promise<HoldTarget> {
  const held: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/hold') return void held.push(res);
    if (url.pathname === '/many-headers') {
      const n = Number(url.searchParams.get('n'));
      for (let i = 0; i < n; i++) res.setHeader(`x-field-${i}`, 'v');
    }
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

let peer: ScriptedPeer | undefined;
let target: HoldTarget;
let client: TunnelClient | undefined;
let done: Promise<void> | undefined;
const reconnects: Array<[number, number]> = [];
const requests: RequestSummary[] = [];

beforeEach(async () => {
  target = await holdTarget();
  reconnects.length = 0;
  requests.length = 0;
});
afterEach(async () => {
  client?.stop();
  await done?.catch(() => undefined);
  await peer?.close();
  await target.close();
  peer = client = done = undefined;
});

function start(protocol2: boolean): TunnelClient {
  client = new TunnelClient({
    serverUrl: peer!.url, token: 't', targetUrl: target.url, protocol2, reconnectInterval: longBackoff,
    onReconnecting: (delay, attempt) => void reconnects.push([delay, attempt]),
    onRequestDone: (r) => void requests.push(r),
  });
  done = client.run();
  return client;
}

// Sends a PING and waits for its PONG: every frame sent before it has been handled.
async function roundTrip(c: ScriptedPeer['connections'][number], opaque: bigint): Promise<void> {
  c.ws.send(v2.encode({ type: 'ping', opaque }));
  await waitFor(() => c.frames.some((f) => f.type === 'pong' && f.opaque === opaque), 5000, 'pong');
}

describe('GOAWAY (protocol 2)', () => {
  it.each([false, true])('finishes the stream in flight, then closes and reconnects without backoff (batching %s)', async (batching) => {
    peer = await scriptedPeer(true, batching);
    start(true);
    await waitFor(() => peer!.connections.length === 1, 5000, 'signed in');
    const first = peer.connections[0]!;
    first.ws.send(open(1, 'GET', '/hold'));
    await waitFor(() => target.held.length === 1, 5000, 'request at the target');

    first.ws.send(v2.encode({ type: 'goaway', lastStreamId: 1, code: v2.resetCodes.cancel, message: 'server shutting down' }));
    first.ws.send(open(3, 'GET', '/hold')); // past last_stream_id: refused, never reaches the target
    await roundTrip(first, 42n);
    // Still serving stream 1: the session stays open.
    expect(first.closed).toBeUndefined();
    expect(client!.isConnected).toBe(true);
    expect(streamOf(first, 3).frames).toEqual([{ type: 'reset', streamId: 3, code: v2.resetCodes.refused, message: 'going away' }]);
    expect(target.held.length).toBe(1);

    target.held[0]!.end('finished after GOAWAY');
    await waitFor(() => first.closed !== undefined, 5000, 'client closes the drained session');
    const s1 = streamOf(first, 1);
    expect(s1.frames[0]).toMatchObject({ type: 'response', status: 200 });
    expect(s1.body.toString()).toBe('finished after GOAWAY');
    expect(s1.ended).toBe(true); // its last frame went out before the close
    expect(first.closed).toMatchObject({ code: 1000, reason: 'Going away' });

    await waitFor(() => peer!.connections.length === 2 && client!.isConnected, 5000, 'reconnected at once');
    expect(reconnects).toEqual([[0, 1]]);
    expect(requests.map((r) => r.status)).toEqual([200]);
  });

  it('closes at once when nothing is in flight, and reconnects without backoff only once in a row', async () => {
    peer = await scriptedPeer(true);
    peer.onSignedIn = (c) => c.ws.send(v2.encode({ type: 'goaway', lastStreamId: 0, code: v2.resetCodes.cancel, message: 'bye' }));
    start(true);
    await waitFor(() => reconnects.length === 2, 5000, 'two reconnect decisions');
    expect(peer.connections.length).toBe(2);
    expect(peer.connections.map((c) => c.closed?.code)).toEqual([1000, 1000]);
    expect(reconnects[0]).toEqual([0, 1]);
    // The second GOAWAY in a row gets the ordinary backoff (base × [0.8, 1.2)).
    expect(reconnects[1]![0]).toBeGreaterThanOrEqual(longBackoff * 0.8);
    expect(reconnects[1]![1]).toBe(1); // attempts count from the last sign-in
  });
});

describe('server closing a 1.1 session with 1001', () => {
  it('reconnects without backoff once, then backs off on an ordinary close', async () => {
    peer = await scriptedPeer(false);
    start(false);
    await waitFor(() => peer!.connections.length === 1, 5000, 'signed in');
    const first = peer.connections[0]!;
    first.ws.send(v1.encode({ type: 'request', id: 'r1', method: 'GET', path: '/hold', headers: [], body: null, timeout: 10, timestamp: '' }));
    await waitFor(() => target.held.length === 1, 5000, 'request at the target');
    target.held[0]!.end('answered');
    await waitFor(() => first.texts.some((m) => m.type === 'response' && m.id === 'r1'), 5000, 'response');
    first.ws.close(1001, 'Server shutting down'); // what the C++ server does once a 1.1 session's requests are answered
    await waitFor(() => peer!.connections.length === 2 && client!.isConnected, 5000, 'reconnected at once');
    expect(reconnects).toEqual([[0, 1]]);

    peer.connections[1]!.ws.close(1000, 'New connection (force)');
    await waitFor(() => reconnects.length === 2, 5000, 'reconnect decision');
    expect(reconnects[1]![0]).toBeGreaterThanOrEqual(longBackoff * 0.8);
    expect(peer.connections.length).toBe(2);
  });
});

describe('protocol 2 against a misbehaving server', () => {
  it('resets a stream that gets DATA after its request ended (flow_control)', async () => {
    peer = await scriptedPeer(true);
    start(true);
    await waitFor(() => peer!.connections.length === 1, 5000, 'signed in');
    const c = peer.connections[0]!;
    c.ws.send(open(1, 'GET', '/hold')); // END_STREAM: no request body
    await waitFor(() => target.held.length === 1, 5000, 'request at the target');
    c.ws.send(v2.encode({ type: 'data', streamId: 1, endStream: false, bytes: new Uint8Array(100) }));
    await waitFor(() => streamOf(c, 1).ended, 5000, 'reset');
    expect(streamOf(c, 1).frames).toEqual([{ type: 'reset', streamId: 1, code: v2.resetCodes.flow_control, message: 'request body beyond window' }]);
    await roundTrip(c, 1n); // the session goes on
  });

  it('answers a response head of more than 256 fields with RESET target_error and keeps serving', async () => {
    peer = await scriptedPeer(true);
    start(true);
    await waitFor(() => peer!.connections.length === 1, 5000, 'signed in');
    const c = peer.connections[0]!;
    c.ws.send(open(1, 'GET', '/many-headers?n=300'));
    await waitFor(() => streamOf(c, 1).ended, 5000, 'stream 1 answered');
    const [reset] = streamOf(c, 1).frames;
    expect(streamOf(c, 1).frames.length).toBe(1);
    expect(reset).toMatchObject({ type: 'reset', code: v2.resetCodes.target_error });
    expect((reset as v2.Reset).message).toMatch(/head too large.*at most 256 fields/);
    c.ws.send(open(3, 'GET', '/many-headers?n=250'));
    await waitFor(() => streamOf(c, 3).ended, 5000, 'stream 3 answered');
    expect(streamOf(c, 3).frames[0]).toMatchObject({ type: 'response', status: 200 });
    expect(streamOf(c, 3).body.toString()).toBe('ok');
    expect(requests.map((r) => r.status)).toEqual([502, 200]);
    expect(peer.connections.length).toBe(1);
  });
});
