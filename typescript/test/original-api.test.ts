// Drop-in for the original SDK (npm tunely@0.2.1): code written for its API,
// unchanged (new TunnelClient(config); client.on('onConnect' | 'onDisconnect' |
// 'onRequest' | 'onError', cb); run(); stop(); the protocol helpers), run
// against our package and the real C++ `tunely server`. Plus what we changed
// around it: the token is checked before connecting, the per-request summary
// moved to onRequestDone, callbacks that throw go to onError.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import {
  MessageType, TunelyError, TunnelClient, clientVersion, createAuthMessage, createPongMessage, createResponse, parseMessage, v1,
  type RequestSummary, type TunnelClientConfig, type TunnelRequest,
} from '../src/index.js';
import { connect, packageVersion } from '../src/cli.js';
import { scriptedPeer, type ScriptedPeer } from './support/peer.js';
import { TunelyServer, startTarget, waitFor, type TestTarget } from './support/stack.js';

const uniqueDomain = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const manifest = JSON.parse(readFileSync(resolve(import.meta.dirname, '../package.json'), 'utf8')) as { version: string };

for (const protocol of ['2', '1.1'] as const) {
  describe(`original SDK code against the C++ server (our client negotiating protocol ${protocol})`, () => {
    const server = new TunelyServer();
    let target: TestTarget;

    beforeAll(async () => {
      target = await startTarget();
      await server.start(0);
    });
    afterAll(async () => {
      await server.dispose();
      await target?.close();
    });

    // The original's options only; protocol 1.1 is forced with our one extra option.
    const configFor = (token: string): TunnelClientConfig => ({
      serverUrl: server.wsUrl, token, targetUrl: target.url, reconnectInterval: 200,
      ...(protocol === '1.1' ? { protocol2: false } : {}),
    });

    it('fires onConnect(domain), onRequest(request) on arrival, onDisconnect; run() resolves after stop()', async () => {
      const domain = uniqueDomain('orig');
      const token = await server.createTunnel(domain);

      // ---- as written for tunely@0.2.1 ----
      const events: string[] = [];
      const requests: TunnelRequest[] = [];
      const errors: Error[] = [];
      let slowArrivedAtRequest = -1;
      const client = new TunnelClient(configFor(token));
      const returned = client.on('onConnect', (domain: string) => {
        events.push(`connect ${domain}`);
      });
      client.on('onDisconnect', () => {
        events.push('disconnect');
      });
      client.on('onRequest', (request: TunnelRequest) => {
        requests.push(request);
        if (request.path.startsWith('/slow')) slowArrivedAtRequest = target.slowArrived;
      });
      client.on('onError', (error: Error) => {
        errors.push(error);
      });
      const running = client.run();
      // ----

      expect(returned).toBeUndefined(); // the original's on() returns nothing
      await waitFor(() => client.isConnected, 15_000, 'connected');
      expect(client.tunnelDomain).toBe(domain);
      expect(events).toEqual([`connect ${domain}`]);

      const res = await fetch(`${server.url}/t/${domain}/json?x=1`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-custom': 'yes' }, body: '{"hello":"wörld"}',
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(((await res.json()) as { body: string }).body)).toEqual({ hello: 'wörld' });
      const request = requests.find((r) => r.path.startsWith('/json'))!;
      expect(request).toMatchObject({ type: MessageType.REQUEST, method: 'POST', path: '/json?x=1' });
      expect(request.type).toBe('request');
      expect(typeof request.id).toBe('string');
      expect(request.id.length).toBeGreaterThan(0);
      expect(request.headers['x-custom']).toBe('yes');
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['x-forwarded-proto']).toBe('http'); // lower-case names, as 1.1 maps arrive
      expect(typeof request.timeout).toBe('number');
      // 1.1 carries the body in the request message; protocol 2 only when it arrived whole in OPEN.
      if (protocol === '1.1') expect(request.body).toBe('{"hello":"wörld"}');
      else expect([null, '{"hello":"wörld"}']).toContain(request.body);

      // On arrival: before the target saw the request.
      const before = target.slowArrived;
      const slow = await fetch(`${server.url}/t/${domain}/slow?ms=200`);
      expect(await slow.text()).toBe('slow');
      expect(target.slowArrived).toBe(before + 1);
      expect(slowArrivedAtRequest).toBe(before);
      expect(requests.map((r) => r.method + ' ' + r.path)).toEqual(['POST /json?x=1', 'GET /slow?ms=200']);

      client.stop();
      await running;
      expect(client.isConnected).toBe(false);
      expect(events).toEqual([`connect ${domain}`, 'disconnect']);
      expect(errors).toEqual([]);
    });

    it('keeps the per-request summary under onRequestDone, after onRequest', async () => {
      const domain = uniqueDomain('done');
      const token = await server.createTunnel(domain);
      const order: string[] = [];
      const summaries: RequestSummary[] = [];
      const client = new TunnelClient({
        ...configFor(token),
        onRequest: (r) => void order.push(`arrived ${r.method} ${r.path}`),
        onRequestDone: (s) => {
          order.push(`done ${s.status}`);
          summaries.push(s);
        },
      });
      const running = client.run();
      try {
        await waitFor(() => client.isConnected, 15_000, 'connected');
        expect((await fetch(`${server.url}/t/${domain}/missing?q=1`)).status).toBe(404);
        await waitFor(() => summaries.length === 1, 5000, 'the summary');
        expect(summaries[0]).toMatchObject({ method: 'GET', path: '/missing?q=1', status: 404 });
        expect(summaries[0]!.durationMs).toBeGreaterThanOrEqual(0);
        expect(order).toEqual(['arrived GET /missing?q=1', 'done 404']);
      } finally {
        client.stop();
        await running;
      }
    });
  });
}

describe("the original's protocol helpers", () => {
  it('MessageType has the original names and values', () => {
    expect({ ...MessageType }).toEqual({
      AUTH: 'auth', AUTH_OK: 'auth_ok', AUTH_ERROR: 'auth_error', REQUEST: 'request', RESPONSE: 'response',
      STREAM_START: 'stream_start', STREAM_CHUNK: 'stream_chunk', STREAM_END: 'stream_end', PING: 'ping', PONG: 'pong',
    });
  });

  it('createAuthMessage(token, force = false), a valid 1.1 auth', () => {
    expect(createAuthMessage('tun_abc')).toEqual({ type: 'auth', token: 'tun_abc', client_version: '0.1.0', force: false });
    expect(createAuthMessage('tun_abc', true).force).toBe(true);
    const d = v1.decode(JSON.stringify(createAuthMessage('tun_abc', true)));
    expect(d).toEqual({ ok: true, value: { type: 'auth', token: 'tun_abc', client_version: '0.1.0', force: true, capabilities: [] } });
  });

  it('createPongMessage() carries an ISO timestamp', () => {
    const m = createPongMessage();
    expect(m.type).toBe(MessageType.PONG);
    expect(new Date(m.timestamp!).toISOString()).toBe(m.timestamp);
  });

  it('createResponse(id, status, body?, headers?, error?, durationMs?), a valid 1.1 response', () => {
    const full = createResponse('r1', 200, 'ok', { 'content-type': 'text/plain' }, undefined, 12);
    expect(full).toMatchObject({ type: 'response', id: 'r1', status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok', duration_ms: 12 });
    expect(full.error).toBeUndefined();
    const bare = createResponse('r2', 503, null, undefined, 'Target service unavailable: x');
    expect(bare).toMatchObject({ id: 'r2', status: 503, headers: {}, body: null, error: 'Target service unavailable: x' });
    const d = v1.decode(JSON.stringify(bare));
    expect(d.ok && d.value).toEqual({ type: 'response', id: 'r2', status: 503, headers: [], body: null, error: 'Target service unavailable: x', duration_ms: 0 });
  });

  it('parseMessage(data) is JSON.parse, throwing on invalid JSON', () => {
    expect(parseMessage('{"type":"ping","timestamp":"t"}')).toEqual({ type: 'ping', timestamp: 't' });
    expect(() => parseMessage('not json')).toThrow(SyntaxError);
  });
});

describe('on() and callbacks', () => {
  let peer: ScriptedPeer | undefined;
  let client: TunnelClient | undefined;
  afterEach(async () => {
    client?.stop();
    await peer?.close();
    peer = client = undefined;
  });

  it('replaces the previous callback, ignores unknown names, and sends what a callback throws to onError', async () => {
    peer = await scriptedPeer(false);
    client = new TunnelClient({ serverUrl: peer.url, token: 't', targetUrl: 'http://127.0.0.1:1' });
    const seen: string[] = [];
    client.on('onConnect', () => void seen.push('first'));
    client.on('onConnect', (domain) => {
      seen.push(`second ${domain}`);
      throw new Error('callback failed');
    });
    (client.on as (event: string, cb: unknown) => void)('run', () => undefined); // not an event: ignored
    expect(typeof client.run).toBe('function');
    const errors: string[] = [];
    client.on('onError', (e) => void errors.push(e.message));
    void client.run().catch(() => undefined);
    await waitFor(() => client!.isConnected && errors.length > 0, 5000, 'connected');
    expect(seen).toEqual(['second scripted']);
    expect(errors).toEqual(['callback failed']);
    // The session goes on: a 1.1 ping is still answered.
    peer.connections[0]!.ws.send(JSON.stringify({ type: 'ping', timestamp: 'x' }));
    await waitFor(() => peer!.connections[0]!.texts.some((m) => m.type === 'pong'), 5000, 'pong');
  });
});

describe('token and version', () => {
  it('a missing or empty token is an error before connecting', () => {
    for (const token of ['', '   ', undefined, null]) {
      let error: unknown;
      try {
        new TunnelClient({ serverUrl: 'ws://127.0.0.1:1/ws/tunnel', token: token as string, targetUrl: 'http://127.0.0.1:1' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TunelyError);
      expect((error as TunelyError).code).toBe('missing_field');
      expect((error as Error).message).toMatch(/token is required/);
    }
  });

  it('the CLI answers a blank token with usage code 2', async () => {
    const flags = { server: 'ws://127.0.0.1:1/ws/tunnel', target: 'http://127.0.0.1:1', reconnect: 5, force: false, maxAttempts: 0, protocol2: true };
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await connect({ ...flags, token: '   ' })).toBe(2);
      expect(await connect({ ...flags })).toBe(2);
      expect(stderr.mock.calls.map((c) => String(c[0]))).toEqual(Array(2).fill('error: a tunnel token is required: --token tun_… (or TUNELY_TOKEN)\n'));
    } finally {
      stderr.mockRestore();
    }
  });

  it('the CLI version and the version sent at sign-in are the package version', () => {
    expect(packageVersion).toBe(manifest.version);
    expect(clientVersion).toBe(manifest.version);
  });
});
