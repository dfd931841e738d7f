// The TCP relays against a scripted server (spec §1.2, §2.15): what the client
// offers, RAW OPENs it refuses (never served as HTTP), data held before the
// connect, credit, half-close, RESET; the 1.1 tcp_* messages with their
// sequence numbers, errors and caps. Plus the TCP target's parsing and the CLI flag.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { connect as cliConnect, program } from '../src/cli.js';
import { TunnelClient, type RequestSummary } from '../src/client.js';
import { encodeBatch } from '../src/protocol/batch.js';
import * as v1 from '../src/protocol/v1.js';
import * as v2 from '../src/protocol/v2.js';
import { maxTcpConnections, parseHostPort, tcpTargetOf, v1TcpBufferCap } from '../src/tcp.js';
import { scriptedPeer, streamOf, type PeerConnection, type ScriptedPeer } from './support/peer.js';
import { closedPort, pattern, sha256, waitFor } from './support/stack.js';
import { echoTarget, type EchoTarget } from './support/tcp.js';
import { createServer, type Server, type Socket } from 'node:net';

let peer: ScriptedPeer | undefined;
let client: TunnelClient | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  client?.stop();
  await peer?.close();
  for (const c of cleanups.splice(0)) await c();
  peer = undefined;
  client = undefined;
});

async function signIn(v2Offer: boolean, caps: string[], options: { tcpTarget?: string; targetUrl?: string; protocol2?: boolean } = {}) {
  peer = await scriptedPeer(v2Offer, false, caps);
  const summaries: RequestSummary[] = [];
  client = new TunnelClient({
    serverUrl: peer.url, token: 't', targetUrl: options.targetUrl ?? 'http://127.0.0.1:1', tcpTarget: options.tcpTarget,
    protocol2: options.protocol2 ?? true, onRequestDone: (s) => void summaries.push(s),
  });
  void client.run().catch(() => undefined);
  await waitFor(() => client!.isConnected && peer!.connections.length > 0, 5000, 'connected');
  return { c: peer.connections[0]!, summaries };
}

const rawOpen = (streamId: number, method = 'TCP', timeoutMs = 10_000) =>
  v2.encode({
    type: 'open', streamId, endStream: false, timeoutMs, method, target: '/', raw: true, body: new Uint8Array(0),
    headers: [['tunely-peer', '203.0.113.7:50312'], ['tunely-listener', '7000']],
  });
const data = (streamId: number, bytes: Buffer | string, endStream = false) =>
  v2.encode({ type: 'data', streamId, endStream, bytes: typeof bytes === 'string' ? Buffer.from(bytes) : bytes });

// A target that counts what reaches it (an HTTP server: a RAW OPEN must never arrive as a request).
async function httpCounter(): Promise<{ url: string; hits: number }> {
  const t = { url: '', hits: 0 };
  const server: HttpServer = createHttpServer((_req, res) => {
    t.hits++;
    res.end('served');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  return t;
}

async function echo(): Promise<EchoTarget> {
  const t = await echoTarget();
  cleanups.push(() => t.close());
  return t;
}

// A target that records each connection's bytes and lets the test drive it.
interface ManualTarget { port: number; sockets: Socket[]; received: Buffer[][]; ended: boolean[]; closed: boolean[] }
async function manualTarget(options: { read?: boolean } = {}): Promise<ManualTarget> {
  const t: ManualTarget = { port: 0, sockets: [], received: [], ended: [], closed: [] };
  const server: Server = createServer({ allowHalfOpen: true, pauseOnConnect: options.read === false }, (socket) => {
    const i = t.sockets.push(socket) - 1;
    t.received[i] = [];
    t.ended[i] = false;
    t.closed[i] = false;
    socket.on('data', (d: Buffer) => t.received[i]!.push(d));
    socket.on('end', () => (t.ended[i] = true));
    socket.on('close', () => (t.closed[i] = true));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.port = (server.address() as AddressInfo).port;
  cleanups.push(() => new Promise<void>((r) => {
    for (const s of t.sockets) s.destroy();
    server.close(() => r());
  }));
  return t;
}

// The client closed target connection `i` entirely (not just its writing side):
// the target sees EOF, and what it writes afterwards makes its connection fail.
async function cutByClient(t: ManualTarget, i: number): Promise<void> {
  await waitFor(() => t.ended[i] === true || t.closed[i] === true, 5000, `EOF at target connection ${i}`);
  const started = Date.now();
  while (!t.closed[i]) {
    if (Date.now() - started > 5000) throw new Error(`target connection ${i} still open`);
    t.sockets[i]!.write('x');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const dataOf = (c: PeerConnection, id: number) => streamOf(c, id).body;
const resetOf = (c: PeerConnection, id: number) => streamOf(c, id).frames.find((f): f is v2.Reset => f.type === 'reset');

describe('TCP target', () => {
  it('parses HOST:PORT, IPv6 in brackets, and rejects the rest', () => {
    expect(parseHostPort('localhost:22')).toEqual({ host: 'localhost', port: 22 });
    expect(parseHostPort('10.0.0.7:5432')).toEqual({ host: '10.0.0.7', port: 5432 });
    expect(parseHostPort('[::1]:22')).toEqual({ host: '::1', port: 22 });
    expect(parseHostPort('[2001:db8::7]:65535')).toEqual({ host: '2001:db8::7', port: 65535 });
    for (const bad of ['', 'localhost', ':22', 'host:', 'host:0', 'host:65536', 'host:22x', '::1:22', '[::1]22', '[nope]:22', 'a b:1', 'host:123456'])
      expect(parseHostPort(bad), bad).toBeNull();
  });

  it('defaults to the target URL host and port (443 for https, 80 for http)', () => {
    expect(tcpTargetOf(undefined, 'http://localhost:3000/api')).toEqual({ host: 'localhost', port: 3000 });
    expect(tcpTargetOf(undefined, 'https://example.com')).toEqual({ host: 'example.com', port: 443 });
    expect(tcpTargetOf(undefined, 'http://[::1]')).toEqual({ host: '::1', port: 80 });
    expect(tcpTargetOf('db:5432', 'http://localhost:3000')).toEqual({ host: 'db', port: 5432 });
    expect(() => tcpTargetOf('nope', 'http://localhost')).toThrow(/invalid TCP target 'nope'/);
    expect(() => new TunnelClient({ serverUrl: 'ws://x', token: 't', targetUrl: 'http://x', tcpTarget: 'x:0' })).toThrow(TypeError);
  });

  it('CLI: an invalid --tcp-target (or TUNELY_TCP_TARGET) is a usage error, exit 2', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await cliConnect({ server: 'ws://127.0.0.1:1/ws/tunnel', token: 't', target: 'http://x', tcpTarget: 'nope', reconnect: 1, force: false, maxAttempts: 0, protocol2: true })).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toContain("--tcp-target 'nope' is not HOST:PORT");
      const exitCode = process.exitCode;
      try {
        process.env['TUNELY_TCP_TARGET'] = '::1:22';
        await program().parseAsync(['node', 'tunely', 'connect', '-t', 'tok']);
        expect(process.exitCode).toBe(2);
        expect(String(stderr.mock.calls.at(-1)?.[0])).toContain("--tcp-target '::1:22' is not HOST:PORT");
      } finally {
        delete process.env['TUNELY_TCP_TARGET'];
        process.exitCode = exitCode;
      }
    } finally {
      stderr.mockRestore();
    }
  });
});

describe('protocol 2 raw TCP streams (scripted server)', () => {
  it('offers tunely/2+tcp and tunely/tcp; tunely/tcp alone without protocol 2', async () => {
    const { c } = await signIn(true, ['tunely/2+tcp']);
    expect((c.auth as v1.Auth).capabilities).toEqual(['tunely/2', 'tunely/2+upgrade', 'tunely/2+batch', 'tunely/2+tcp', 'tunely/tcp']);
    client!.stop();
    await peer!.close();
    const second = await signIn(false, [], { protocol2: false });
    expect((second.c.auth as v1.Auth).capabilities).toEqual(['tunely/tcp']);
  });

  it('refuses RAW OPENs of TCP when tunely/2+tcp was not echoed, never serving them as HTTP', async () => {
    const http = await httpCounter();
    const { c } = await signIn(true, [], { targetUrl: http.url });
    c.ws.send(rawOpen(1));
    // The target is there: an ordinary OPEN reaches it.
    c.ws.send(v2.encode({ type: 'open', streamId: 3, endStream: true, timeoutMs: 10_000, method: 'GET', target: '/', headers: [], body: new Uint8Array(0) }));
    await waitFor(() => streamOf(c, 1).ended && streamOf(c, 3).ended, 5000, 'both streams answered');
    expect(resetOf(c, 1)).toMatchObject({ code: v2.resetCodes.refused, message: 'Raw TCP streams not supported: tunely/2+tcp was not negotiated' });
    expect(streamOf(c, 1).frames).toHaveLength(1);
    expect(http.hits).toBe(1); // stream 3 only
    expect(dataOf(c, 3).toString()).toBe('served');
  });

  it('refuses RAW OPENs of other kinds (UDP, unknown) even with TCP negotiated', async () => {
    const t = await echo();
    const { c } = await signIn(true, ['tunely/2+tcp'], { tcpTarget: `127.0.0.1:${t.port}` });
    c.ws.send(rawOpen(1, 'UDP'));
    c.ws.send(rawOpen(3, 'SCTP'));
    await waitFor(() => streamOf(c, 1).ended && streamOf(c, 3).ended, 5000, 'both refused');
    expect(resetOf(c, 1)).toMatchObject({ code: v2.resetCodes.refused, message: 'Raw UDP streams not supported by this client' });
    expect(resetOf(c, 3)).toMatchObject({ code: v2.resetCodes.refused });
    expect(t.accepted).toBe(0);
  });

  it('holds DATA sent before RESPONSE, writes it after the connect; END_STREAM half-closes the target', async () => {
    const t = await manualTarget();
    const { c, summaries } = await signIn(true, ['tunely/2+tcp'], { tcpTarget: `127.0.0.1:${t.port}` });
    // OPEN, DATA and END_STREAM in one go: all of it arrives before the connect completes.
    c.ws.send(rawOpen(1));
    c.ws.send(data(1, 'early '));
    c.ws.send(data(1, 'bytes', true));
    await waitFor(() => t.ended[0] === true, 5000, 'the target saw the end');
    expect(Buffer.concat(t.received[0]!).toString()).toBe('early bytes');
    const head = streamOf(c, 1).frames[0];
    expect(head).toMatchObject({ type: 'response', status: 200, endStream: false, headers: [] });
    // The target's direction is still open: it answers, then ends.
    t.sockets[0]!.end('answer after end');
    await waitFor(() => streamOf(c, 1).ended, 5000, 'END_STREAM from the client');
    expect(dataOf(c, 1).toString()).toBe('answer after end');
    expect(streamOf(c, 1).frames.some((f) => f.type === 'reset')).toBe(false);
    await waitFor(() => summaries.length === 1, 5000, 'summary');
    expect(summaries[0]).toMatchObject({ method: 'TCP', path: '203.0.113.7:50312', status: 200 });
    expect(summaries[0]!.error).toBeUndefined();
    await waitFor(() => t.closed[0] === true, 5000, 'the target connection closed');
  });

  it('sends no more than its credit, and stops reading the target until WINDOW', async () => {
    const t = await manualTarget();
    const { c } = await signIn(true, ['tunely/2+tcp'], { tcpTarget: `127.0.0.1:${t.port}` });
    c.ws.send(rawOpen(1));
    await waitFor(() => t.sockets.length === 1, 5000, 'target connection');
    // Far more than the loopback socket buffers hold: a client that kept reading would take it all.
    const payload = pattern(32 * 1024 * 1024);
    t.sockets[0]!.end(payload);
    await waitFor(() => dataOf(c, 1).length >= 262_144, 5000, 'the first window');
    await new Promise((r) => setTimeout(r, 300));
    expect(dataOf(c, 1).length).toBe(262_144); // not a byte beyond the initial window
    expect(streamOf(c, 1).ended).toBe(false);
    expect(t.sockets[0]!.writableLength).toBeGreaterThan(0); // the target is held back: the client stopped reading it
    for (let i = 0; i < 2; i++) c.ws.send(v2.encode({ type: 'window', streamId: 1, increment: 16 * 1024 * 1024 }));
    await waitFor(() => streamOf(c, 1).ended, 10_000, 'the rest and END_STREAM');
    expect(sha256(dataOf(c, 1))).toBe(sha256(payload));
  });

  it('holds at most its window before the connect: DATA beyond the credit is RESET flow_control', async () => {
    const t = await manualTarget();
    const { c } = await signIn(true, ['tunely/2+tcp'], { tcpTarget: `127.0.0.1:${t.port}` });
    // One message, processed in one go before the connect can complete: 7 × 64 KiB is more than the
    // initial window plus the half window granted back while the first bytes wait (393 216 bytes).
    const chunk = pattern(64 * 1024);
    c.ws.send(encodeBatch([rawOpen(1), ...Array.from({ length: 7 }, () => data(1, chunk))]));
    await waitFor(() => resetOf(c, 1) !== undefined, 5000, 'RESET');
    expect(resetOf(c, 1)!.code).toBe(v2.resetCodes.flow_control);
    expect(streamOf(c, 1).frames.some((f) => f.type === 'response')).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(t.sockets.every((_, i) => t.closed[i])).toBe(true); // no target connection left open
  });

  it('a RESET from the server cuts the target connection', async () => {
    const t = await manualTarget();
    const { c, summaries } = await signIn(true, ['tunely/2+tcp'], { tcpTarget: `127.0.0.1:${t.port}` });
    c.ws.send(rawOpen(1));
    await waitFor(() => streamOf(c, 1).frames.length === 1, 5000, 'RESPONSE');
    c.ws.send(v2.encode({ type: 'reset', streamId: 1, code: v2.resetCodes.cancel, message: 'idle timeout' }));
    await cutByClient(t, 0);
    await waitFor(() => summaries.length === 1, 5000, 'summary');
    expect(summaries[0]).toMatchObject({ status: 200, error: 'Connection reset' });
    expect(streamOf(c, 1).frames.map((f) => f.type)).toEqual(['response']); // nothing after a RESET
  });

  it('a target that breaks the connection is RESET target_error', async () => {
    const t = await manualTarget();
    const { c } = await signIn(true, ['tunely/2+tcp'], { tcpTarget: `127.0.0.1:${t.port}` });
    c.ws.send(rawOpen(1));
    await waitFor(() => t.sockets.length === 1 && streamOf(c, 1).frames.length === 1, 5000, 'connected');
    t.sockets[0]!.resetAndDestroy();
    await waitFor(() => resetOf(c, 1) !== undefined, 5000, 'RESET');
    expect(resetOf(c, 1)).toMatchObject({ code: v2.resetCodes.target_error });
    expect(resetOf(c, 1)!.message).toMatch(/^Target connection broken: /);
  });

  it('answers a target that refuses with RESET target_unavailable', async () => {
    const { c } = await signIn(true, ['tunely/2+tcp'], { tcpTarget: `127.0.0.1:${await closedPort()}` });
    c.ws.send(rawOpen(1));
    await waitFor(() => streamOf(c, 1).ended, 5000, 'RESET');
    expect(streamOf(c, 1).frames).toHaveLength(1);
    expect(resetOf(c, 1)).toMatchObject({ code: v2.resetCodes.target_unavailable });
    expect(resetOf(c, 1)!.message).toMatch(/^Target service unavailable: .*ECONNREFUSED/);
  });

  it(`relays at most ${maxTcpConnections} TCP streams at once; the next is refused`, async () => {
    const t = await manualTarget();
    const { c } = await signIn(true, ['tunely/2+tcp'], { tcpTarget: `127.0.0.1:${t.port}` });
    for (let i = 0; i <= maxTcpConnections; i++) c.ws.send(rawOpen(2 * i + 1));
    const last = 2 * maxTcpConnections + 1;
    await waitFor(() => streamOf(c, last).ended, 10_000, 'the last one refused');
    expect(resetOf(c, last)).toMatchObject({ code: v2.resetCodes.refused, message: 'Too many TCP connections through this client' });
    await waitFor(() => c.frames.filter((f) => f.type === 'response').length === maxTcpConnections, 20_000, 'all others connected');
    // Once one ends, a new one is served.
    c.ws.send(v2.encode({ type: 'reset', streamId: 1, code: v2.resetCodes.cancel, message: '' }));
    await cutByClient(t, 0);
    c.ws.send(rawOpen(last + 2));
    await waitFor(() => streamOf(c, last + 2).frames.length > 0, 5000, 'served again');
    expect(streamOf(c, last + 2).frames[0]).toMatchObject({ type: 'response', status: 200 });
  }, 30_000);
});

describe('protocol 1.1 TCP relay (scripted server)', () => {
  const texts = (c: PeerConnection, id: string) => c.texts.filter((m) => 'conn_id' in m && m.conn_id === id);
  const tcpData = (c: PeerConnection, id: string) => texts(c, id).filter((m): m is v1.TcpData => m.type === 'tcp_data');
  const bytesOf = (c: PeerConnection, id: string) => Buffer.concat(tcpData(c, id).map((m) => Buffer.from(m.data, 'base64')));
  const closeOf = (c: PeerConnection, id: string) => texts(c, id).find((m): m is v1.TcpClose => m.type === 'tcp_close');
  const send = (c: PeerConnection, m: v1.Message) => c.ws.send(v1.encode(m));

  it('relays bytes both ways as JSON tcp_data with sequence from 0; target EOF is tcp_close null', async () => {
    const t = await manualTarget();
    const { c } = await signIn(false, ['tunely/tcp'], { tcpTarget: `127.0.0.1:${t.port}` });
    send(c, { type: 'tcp_connect', conn_id: 'a' });
    send(c, { type: 'tcp_data', conn_id: 'a', data: Buffer.from('hello ').toString('base64'), sequence: 0 });
    // A binary tcp_data (0.12's binary_frames form) is dropped: we never offer binary_frames.
    c.ws.send(Buffer.concat([Buffer.from([2, 1]), Buffer.alloc(16), Buffer.from('binary')]));
    send(c, { type: 'tcp_data', conn_id: 'a', data: Buffer.from('target').toString('base64'), sequence: 1 });
    send(c, { type: 'tcp_data', conn_id: 'nobody', data: 'AAAA', sequence: 0 }); // unknown ids are dropped
    await waitFor(() => Buffer.concat(t.received[0] ?? []).toString() === 'hello target', 5000, 'bytes at the target');
    const big = pattern(300_000);
    t.sockets[0]!.write(big);
    await waitFor(() => bytesOf(c, 'a').length === big.length, 5000, 'tcp_data from the client');
    expect(sha256(bytesOf(c, 'a'))).toBe(sha256(big));
    expect(tcpData(c, 'a').map((m) => m.sequence)).toEqual(tcpData(c, 'a').map((_, i) => i));
    t.sockets[0]!.end();
    await waitFor(() => closeOf(c, 'a') !== undefined, 5000, 'tcp_close');
    expect(closeOf(c, 'a')!.error).toBeNull();
    expect(texts(c, 'nobody')).toEqual([]);
    await waitFor(() => t.closed[0] === true, 5000, 'the target connection closed');
  });

  it('answers a connect failure with tcp_close carrying the error', async () => {
    const { c } = await signIn(false, ['tunely/tcp'], { tcpTarget: `127.0.0.1:${await closedPort()}` });
    send(c, { type: 'tcp_connect', conn_id: 'x' });
    await waitFor(() => closeOf(c, 'x') !== undefined, 5000, 'tcp_close');
    expect(closeOf(c, 'x')!.error).toMatch(/^Target connect failed: .*ECONNREFUSED/);
  });

  it("echoes the server's tcp_close and closes the target after what it was sent", async () => {
    const t = await manualTarget();
    const { c } = await signIn(false, [], { tcpTarget: `127.0.0.1:${t.port}` }); // an original server: tcp_connect unasked
    send(c, { type: 'tcp_connect', conn_id: 'b' });
    send(c, { type: 'tcp_data', conn_id: 'b', data: Buffer.from('last words').toString('base64'), sequence: 0 });
    send(c, { type: 'tcp_close', conn_id: 'b', error: null });
    await waitFor(() => closeOf(c, 'b') !== undefined, 5000, 'the echo');
    expect(closeOf(c, 'b')).toEqual({ type: 'tcp_close', conn_id: 'b', error: null });
    await cutByClient(t, 0);
    expect(Buffer.concat(t.received[0]!).toString()).toBe('last words');
    // Nothing more for a closed id: data is dropped, its tcp_close (our echo's echo) ignored.
    send(c, { type: 'tcp_data', conn_id: 'b', data: 'AAAA', sequence: 1 });
    send(c, { type: 'tcp_close', conn_id: 'b', error: null });
    await new Promise((r) => setTimeout(r, 100));
    expect(texts(c, 'b')).toHaveLength(1);
  });

  it(`ends a connection whose target does not read once ${v1TcpBufferCap / 1024 / 1024} MiB wait for it`, async () => {
    const t = await manualTarget({ read: false });
    const { c } = await signIn(false, ['tunely/tcp'], { tcpTarget: `127.0.0.1:${t.port}` });
    send(c, { type: 'tcp_connect', conn_id: 'slow' });
    const chunk = pattern(48 * 1024).toString('base64');
    let sent = 0;
    while (!closeOf(c, 'slow') && sent < 128 * 1024 * 1024) {
      for (let i = 0; i < 16; i++) send(c, { type: 'tcp_data', conn_id: 'slow', data: chunk, sequence: 0 });
      sent += 16 * 48 * 1024;
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(() => closeOf(c, 'slow') !== undefined, 10_000, 'tcp_close');
    expect(closeOf(c, 'slow')!.error).toBe('the target reads slower than the connection sends');
    expect(sent).toBeGreaterThan(v1TcpBufferCap); // not before the cap was reached
    t.sockets[0]!.resume(); // what the kernel still holds, then the end
    await waitFor(() => t.ended[0] === true || t.closed[0] === true, 10_000, 'the target connection ended');
  }, 30_000);

  it(`relays at most ${maxTcpConnections} connections at once`, async () => {
    const t = await manualTarget();
    const { c } = await signIn(false, ['tunely/tcp'], { tcpTarget: `127.0.0.1:${t.port}` });
    for (let i = 0; i <= maxTcpConnections; i++) send(c, { type: 'tcp_connect', conn_id: `c${i}` });
    await waitFor(() => closeOf(c, `c${maxTcpConnections}`) !== undefined, 10_000, 'the last one refused');
    expect(closeOf(c, `c${maxTcpConnections}`)!.error).toBe('Too many TCP connections through this client');
    await waitFor(() => t.sockets.length === maxTcpConnections, 20_000, 'all others connected');
    expect(c.texts.filter((m) => m.type === 'tcp_close')).toHaveLength(1);
  }, 30_000);
});
