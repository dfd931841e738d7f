// Interop: the TypeScript TunnelClient against the real C++ `tunely server`
// and a real HTTP target, over protocol 2 and protocol 1.1.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { TunnelClient, type RequestSummary } from '../src/client.js';
import { TunelyError } from '../src/errors.js';
import { TunelyServer, closedPort, pattern, sha256, startTarget, waitFor, type TestTarget } from './support/stack.js';

const uniqueDomain = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

interface Running {
  client: TunnelClient;
  done: Promise<void>;
  requests: RequestSummary[];
  connects: number;
  disconnects: number;
  reconnects: Array<[number, number]>; // onReconnecting(delay, attempt)
}

// Starts run() and resolves once connected (or rejects with run()'s error).
async function connectClient(server: TunelyServer, token: string, targetUrl: string, protocol2: boolean, force = false): Promise<Running> {
  const r = { requests: [], connects: 0, disconnects: 0, reconnects: [] } as unknown as Running;
  r.client = new TunnelClient({
    serverUrl: server.wsUrl, token, targetUrl, protocol2, force, reconnectInterval: 100,
    onConnect: () => void r.connects++,
    onDisconnect: () => void r.disconnects++,
    onRequestDone: (q) => void r.requests.push(q),
    onReconnecting: (delay, attempt) => void r.reconnects.push([delay, attempt]),
  });
  let failure: unknown;
  r.done = r.client.run();
  r.done.catch((e) => (failure = e));
  await waitFor(() => r.client.isConnected || failure !== undefined, 15_000, 'client connected');
  if (failure) throw failure;
  return r;
}

async function stopClient(r: Running): Promise<void> {
  r.client.stop();
  await r.done.catch(() => undefined);
}

for (const protocol of ['2', '1.1'] as const) {
  describe(`TypeScript client ↔ C++ server, protocol ${protocol}`, () => {
    const server = new TunelyServer();
    let target: TestTarget;
    let tunnel: Running;
    let domain: string;
    let token: string;

    beforeAll(async () => {
      target = await startTarget();
      await server.start(0);
      domain = uniqueDomain('ts');
      token = await server.createTunnel(domain);
      tunnel = await connectClient(server, token, target.url, protocol === '2');
    });
    afterAll(async () => {
      if (tunnel) await stopClient(tunnel);
      await server.dispose();
      await target?.close();
    });

    it('negotiates the expected protocol and reports the domain', () => {
      expect(tunnel.client.protocolVersion).toBe(protocol);
      expect(tunnel.client.tunnelDomain).toBe(domain);
    });

    it('round-trips JSON with method, query, body and repeated headers', async () => {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
        const hasBody = method !== 'GET';
        const res = await fetch(`${server.url}/t/${domain}/json?x=1&y=two`, {
          method, headers: { 'content-type': 'application/json', 'x-custom': 'yes' },
          body: hasBody ? JSON.stringify({ hello: 'wörld', method }) : undefined,
        });
        expect(res.status).toBe(200);
        const echo = (await res.json()) as { method: string; query: Record<string, string>; body: string; headers: Record<string, string> };
        expect(echo.method).toBe(method);
        expect(echo.query).toEqual({ x: '1', y: 'two' });
        expect(echo.headers['x-custom']).toBe('yes');
        if (hasBody) expect(JSON.parse(echo.body)).toEqual({ hello: 'wörld', method });
        // 1.1 carries one Set-Cookie (string maps); protocol 2 carries all of them.
        expect(res.headers.getSetCookie()).toEqual(protocol === '2' ? ['a=1', 'b=2'] : ['a=1']);
      }
      expect(tunnel.requests.filter((q) => q.path.startsWith('/json')).map((q) => q.status)).toEqual([200, 200, 200, 200]);
    });

    it('answers 404 from the target as 404', async () => {
      const res = await fetch(`${server.url}/t/${domain}/missing`);
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('not found');
    });

    it('streams SSE events as the target emits them', async () => {
      const res = await fetch(`${server.url}/t/${domain}/sse`);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const arrivals: Array<{ at: number; text: string }> = [];
      const decoder = new TextDecoder();
      let text = '';
      for await (const chunk of res.body!) {
        text += decoder.decode(chunk, { stream: true });
        while (text.includes('\n\n')) {
          const end = text.indexOf('\n\n');
          arrivals.push({ at: Date.now(), text: text.slice(0, end) });
          text = text.slice(end + 2);
        }
      }
      expect(arrivals.map((a) => a.text)).toEqual(['id: 0\ndata: event 0', 'id: 1\ndata: event 1', 'id: 2\ndata: event 2']);
      // Causality, not a timing threshold: event 0 reached the caller before the target wrote event 2.
      expect(arrivals[0]!.at).toBeLessThan(target.sseSentAt[2]!);
      expect(arrivals[1]!.at).toBeLessThan(target.sseSentAt[2]!);
    });

    it('answers 503 when the target is down', async () => {
      const d = uniqueDomain('down');
      const t = await server.createTunnel(d);
      const down = await connectClient(server, t, `http://127.0.0.1:${await closedPort()}`, protocol === '2');
      try {
        const res = await fetch(`${server.url}/t/${d}/anything`);
        expect(res.status).toBe(503);
        expect(down.requests[0]?.status).toBe(503);
      } finally {
        await stopClient(down);
      }
    });

    if (protocol === '2') {
      it('carries a 4 MiB binary body each way byte-exact', async () => {
        const n = 4 * 1024 * 1024;
        const down = Buffer.from(await (await fetch(`${server.url}/t/${domain}/bytes?n=${n}`)).arrayBuffer());
        expect(down.length).toBe(n);
        expect(sha256(down)).toBe(sha256(pattern(n)));
        const up = randomBytes(n);
        const res = await fetch(`${server.url}/t/${domain}/upload`, { method: 'POST', body: up, headers: { 'content-type': 'application/octet-stream' } });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ length: n, sha256: sha256(up) });
      });
    }

    if (protocol === '2') {
      it('cancels the target request when the caller goes away', async () => {
        const before = target.endlessClosed;
        const abort = new AbortController();
        const res = await fetch(`${server.url}/t/${domain}/endless`, { signal: abort.signal });
        const reader = res.body!.getReader();
        expect(new TextDecoder().decode((await reader.read()).value)).toContain('data: tick');
        abort.abort();
        await waitFor(() => target.endlessClosed > before, 10_000, 'target request cancelled');
        await waitFor(() => tunnel.requests.some((q) => q.path === '/endless'), 10_000, 'exchange reported');
      });
    }

    it(protocol === '2' ? 'passes a WebSocket through (upgrade, text, binary, close code)' : 'answers a WebSocket upgrade with 501', async () => {
      const caller = new WebSocket(`ws://127.0.0.1:${server.port}/t/${domain}/ws`, { headers: { 'x-probe': 'p1' } });
      if (protocol === '1.1') {
        caller.on('error', () => undefined); // the aborted handshake
        const status = await new Promise<number>((resolve) => caller.on('unexpected-response', (req, res) => {
          resolve(res.statusCode ?? 0);
          req.destroy();
        }));
        expect(status).toBe(501);
        return;
      }
      const messages: Array<{ data: Buffer; binary: boolean }> = [];
      caller.on('message', (data: Buffer, binary: boolean) => void messages.push({ data, binary }));
      const closed = new Promise<{ code: number; reason: string }>((r) => caller.on('close', (code, reason) => r({ code, reason: reason.toString() })));
      await new Promise<void>((resolve, reject) => {
        caller.once('open', () => resolve());
        caller.once('error', reject);
      });
      caller.send('probe');
      caller.send('héllo');
      const big = randomBytes(1024 * 1024 + 3);
      caller.send(big);
      await waitFor(() => messages.length === 3, 15_000, 'three echoes');
      expect(messages[0]!.data.toString()).toBe('p1');
      expect(messages[1]!.data.toString()).toBe('héllo');
      expect(messages[2]!.binary).toBe(true);
      expect(sha256(messages[2]!.data)).toBe(sha256(big));
      caller.send('close');
      expect(await closed).toEqual({ code: 4000, reason: 'bye' });
      await waitFor(() => tunnel.requests.some((q) => q.path === '/ws' && q.status === 101), 10_000, 'upgrade reported');
    });

    it('answers 502 to a target response head of more than 256 fields, and goes on serving', async () => {
      const res = await fetch(`${server.url}/t/${domain}/many-headers?n=300`);
      expect(res.status).toBe(502);
      // 1.1 relays the client's error text; over protocol 2 the server answers RESET target_error with its own.
      expect(await res.text()).toMatch(protocol === '1.1' ? /head too large/ : /error/);
      expect(tunnel.requests.at(-1)).toMatchObject({ path: '/many-headers?n=300', status: 502, error: expect.stringMatching(/head too large for the tunnel \(\d+ fields; at most 256 fields/) });
      const ok = await fetch(`${server.url}/t/${domain}/many-headers?n=200`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-field-199')).toBe('v');
      expect(await ok.text()).toBe('headers');
      expect(tunnel.client.isConnected).toBe(true);
      expect(tunnel.requests.filter((q) => q.path.startsWith('/many-headers')).map((q) => q.status)).toEqual([502, 200]);
    });

    it('answers 502 to a target response head of more than 64 KiB, and goes on serving', async () => {
      const res = await fetch(`${server.url}/t/${domain}/huge-headers`);
      expect(res.status).toBe(502);
      expect(await res.text()).toMatch(protocol === '1.1' ? /head too large/ : /error/);
      expect(tunnel.requests.at(-1)).toMatchObject({ path: '/huge-headers', status: 502, error: expect.stringMatching(/head too large/) });
      expect((await fetch(`${server.url}/t/${domain}/json`)).status).toBe(200);
      expect(tunnel.client.isConnected).toBe(true);
    });

    it('rejects a duplicate connection without forcing, and --force takes over', async () => {
      const d = uniqueDomain('dup');
      const t = await server.createTunnel(d);
      const first = await connectClient(server, t, target.url, protocol === '2');
      const second = new TunnelClient({ serverUrl: server.wsUrl, token: t, targetUrl: target.url, protocol2: protocol === '2', reconnectInterval: 100 });
      const rejection = await second.run().then(() => null, (e: unknown) => e);
      expect(rejection).toBeInstanceOf(TunelyError);
      expect((rejection as TunelyError).code).toBe('connection_exists');
      expect((rejection as TunelyError).message).toContain('already connected');
      expect(first.client.isConnected).toBe(true);

      const third = await connectClient(server, t, target.url, protocol === '2', true);
      try {
        await waitFor(() => first.disconnects > 0, 10_000, 'first client dropped');
        const res = await fetch(`${server.url}/t/${d}/json`);
        expect(res.status).toBe(200);
        expect(third.requests.length).toBe(1);
      } finally {
        await stopClient(third);
        await stopClient(first);
      }
    });

    it('fails authentication with a wrong token and does not retry', async () => {
      const c = new TunnelClient({ serverUrl: server.wsUrl, token: 'tun_' + 'x'.repeat(43), targetUrl: target.url, protocol2: protocol === '2', reconnectInterval: 100 });
      const e = await c.run().then(() => null, (x: unknown) => x);
      expect(e).toBeInstanceOf(TunelyError);
      expect((e as TunelyError).code).toBe('auth_failed');
    });
  });
}

describe('reconnect', () => {
  it('comes back after the server is restarted on the same port', async () => {
    const server = new TunelyServer();
    const target = await startTarget();
    await server.start(0);
    const d = uniqueDomain('restart');
    const t = await server.createTunnel(d);
    const c = await connectClient(server, t, target.url, true);
    try {
      await server.stop();
      await waitFor(() => c.disconnects === 1, 10_000, 'disconnect noticed');
      await server.start(server.port); // same database, same port
      await waitFor(() => c.client.isConnected && c.connects === 2, 15_000, 'reconnected');
      const res = await fetch(`${server.url}/t/${d}/json?after=restart`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { query: Record<string, string> }).query).toEqual({ after: 'restart' });
    } finally {
      await stopClient(c);
      await server.dispose();
      await target.close();
    }
  });
});

describe('graceful server stop (SIGTERM, --shutdown-grace 10)', () => {
  for (const protocol of ['2', '1.1'] as const) {
    it(`protocol ${protocol}: the requests in flight complete, the client reconnects at once and is served after the restart`, async () => {
      const server = new TunelyServer(['--shutdown-grace', '10']);
      const target = await startTarget();
      await server.start(0);
      const d = uniqueDomain('drain');
      const t = await server.createTunnel(d);
      const c = await connectClient(server, t, target.url, protocol === '2');
      try {
        const calls = Array.from({ length: 4 }, (_, i) => fetch(`${server.url}/t/${d}/slow?ms=1000&i=${i}`)
          .then(async (r) => ({ status: r.status, body: await r.text() }), (e: unknown) => ({ status: 0, body: String(e) })));
        await waitFor(() => target.slowArrived === 4, 10_000, 'four requests at the target');
        const exited = server.terminate(); // GOAWAY (protocol 2) / close 1001 once answered (1.1)
        expect(await Promise.all(calls)).toEqual(Array.from({ length: 4 }, () => ({ status: 200, body: 'slow' })));
        expect(await exited).toBe(0);
        await waitFor(() => c.disconnects === 1 && c.reconnects.length > 0, 10_000, 'session ended');
        expect(c.reconnects[0]).toEqual([0, 1]); // the server went away: no backoff for the first reconnect
        expect(c.requests.filter((q) => q.path.startsWith('/slow')).map((q) => q.status)).toEqual([200, 200, 200, 200]);

        await server.start(server.port); // same port, same database
        await waitFor(() => c.client.isConnected && c.connects === 2, 15_000, 'reconnected after the restart');
        const res = await fetch(`${server.url}/t/${d}/json?after=graceful`);
        expect(res.status).toBe(200);
        expect(((await res.json()) as { query: Record<string, string> }).query).toEqual({ after: 'graceful' });
        expect(c.client.protocolVersion).toBe(protocol);
      } finally {
        await stopClient(c);
        await server.dispose();
        await target.close();
      }
    });
  }
});
