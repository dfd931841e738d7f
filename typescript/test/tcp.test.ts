// TCP tunnels end to end: a caller connects to the real C++ server's TCP
// listener (--tcp-listen), the TypeScript client relays the connection to a
// node:net echo target; over protocol 2 (raw streams, §2.15) and over 1.1
// (server --no-protocol-2: tcp_connect / tcp_data / tcp_close, §1.2).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TunnelClient, type RequestSummary } from '../src/client.js';
import { TunelyServer, closedPort, pattern, sha256, waitFor } from './support/stack.js';
import { Caller, echoTarget, type EchoTarget } from './support/tcp.js';

const uniqueDomain = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

interface Running {
  client: TunnelClient;
  done: Promise<void>;
  summaries: RequestSummary[];
}

async function connectClient(server: TunelyServer, token: string, options: { targetUrl: string; tcpTarget?: string }): Promise<Running> {
  const r = { summaries: [] as RequestSummary[] } as Running;
  r.client = new TunnelClient({
    serverUrl: server.wsUrl, token, reconnectInterval: 100, ...options,
    onRequestDone: (s) => void r.summaries.push(s),
  });
  let failure: unknown;
  r.done = r.client.run();
  r.done.catch((e) => (failure = e));
  await waitFor(() => r.client.isConnected || failure !== undefined, 15_000, 'client connected');
  if (failure) throw failure;
  return r;
}

const size = 8 * 1024 * 1024;

for (const protocol of ['2', '1.1'] as const) {
  describe(`TCP tunnel through the TypeScript client, protocol ${protocol}`, () => {
    const domain = uniqueDomain('tcp');
    const downDomain = uniqueDomain('tcpdown');
    const server = new TunelyServer([
      '--tcp-listen', `127.0.0.1:0:${domain}`, '--tcp-listen', `127.0.0.1:0:${downDomain}`,
      ...(protocol === '1.1' ? ['--no-protocol-2'] : []),
    ]);
    let target: EchoTarget;
    let tunnel: Running;
    let down: Running;
    let port = 0;
    let downPort = 0;

    beforeAll(async () => {
      target = await echoTarget();
      await server.start(0);
      port = await server.tcpListenerPort(domain);
      downPort = await server.tcpListenerPort(downDomain);
      // The TCP target by default: the target URL's host and port.
      tunnel = await connectClient(server, await server.createTunnel(domain), { targetUrl: `http://127.0.0.1:${target.port}` });
      // --tcp-target pointing at a port nobody listens on.
      down = await connectClient(server, await server.createTunnel(downDomain), {
        targetUrl: `http://127.0.0.1:${target.port}`, tcpTarget: `127.0.0.1:${await closedPort()}`,
      });
    });
    afterAll(async () => {
      for (const r of [tunnel, down]) {
        r?.client.stop();
        await r?.done.catch(() => undefined);
      }
      await server.dispose();
      await target?.close();
    });

    it('speaks the expected protocol (the client asks for protocol 2 both times)', () => {
      expect(tunnel.client.protocolVersion).toBe(protocol);
    });

    it('echoes bytes round trip', async () => {
      const accepted = target.accepted;
      const caller = await Caller.dial(port);
      await caller.write(Buffer.from('hello through the tunnel\n'));
      await caller.waitBytes(25);
      expect(caller.data.toString()).toBe('hello through the tunnel\n');
      expect(target.accepted).toBe(accepted + 1);
      // A second exchange on the same connection.
      await caller.write(Buffer.from([0, 1, 2, 255]));
      await caller.waitBytes(29);
      expect([...caller.data.subarray(25)]).toEqual([0, 1, 2, 255]);
      caller.socket.destroy();
      await waitFor(() => target.sockets.size === 0, 10_000, 'the target connection closed');
    });

    it('carries 8 MiB each way byte-exact, written and read concurrently', async () => {
      const payload = pattern(size);
      const caller = await Caller.dial(port);
      await Promise.all([caller.write(payload), caller.waitBytes(size, 60_000)]);
      expect(caller.length).toBe(size);
      expect(sha256(caller.data)).toBe(sha256(payload));
      if (protocol === '2') {
        // Then a half-close: the target saw exactly 8 MiB and says so.
        caller.socket.end();
        await caller.waitEnd();
        expect(caller.data.subarray(size).toString()).toBe(`[end after ${size} bytes]`);
      }
      caller.socket.destroy();
    }, 90_000);

    if (protocol === '2') {
      it('half-closes: the caller ends its side, the target sees the end and still answers', async () => {
        const sawEnd = target.sawEnd;
        const before = tunnel.summaries.length;
        const caller = await Caller.dial(port);
        await caller.write(Buffer.from('ping'));
        caller.socket.end();
        await caller.waitEnd();
        expect(target.sawEnd).toBe(sawEnd + 1);
        // The echo, then the answer written after the target's 'end': the target → caller direction was still open.
        expect(caller.data.toString()).toBe('ping[end after 4 bytes]');
        expect(caller.error).toBeUndefined();
        // Both directions ended: the stream is done without a RESET.
        await waitFor(() => tunnel.summaries.length > before, 10_000, 'the TCP summary');
        const summary = tunnel.summaries[tunnel.summaries.length - 1]!;
        expect(summary).toMatchObject({ method: 'TCP', status: 200 });
        expect(summary.path).toMatch(/^127\.0\.0\.1:\d+$/);
        expect(summary.error).toBeUndefined();
        await caller.waitClosed();
      });
    }

    it('closes the caller at once when the target refuses the connection', async () => {
      const started = Date.now();
      const caller = await Caller.dial(downPort);
      await caller.write(Buffer.from('anyone there?'));
      // The server ends the caller's connection (protocol 2: closes it; 1.1: FIN first, the server still reading).
      await waitFor(() => caller.ended || caller.closed, 5_000, 'the caller connection ended');
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(caller.length).toBe(0);
      caller.socket.destroy();
      if (protocol === '2') {
        await waitFor(() => down.summaries.length > 0, 5_000, 'the TCP summary');
        expect(down.summaries[0]).toMatchObject({ method: 'TCP', status: 0 });
        expect(down.summaries[0]!.error).toMatch(/^Target service unavailable: /);
      }
      // The tunnel goes on.
      expect(down.client.isConnected).toBe(true);
    });

    it('relays 50 concurrent connections, each byte-exact', async () => {
      const callers = await Promise.all(Array.from({ length: 50 }, () => Caller.dial(port)));
      const payloads = callers.map(() => randomBytes(100 * 1024));
      await Promise.all(callers.map(async (c, i) => {
        await Promise.all([c.write(payloads[i]!), c.waitBytes(payloads[i]!.length, 60_000)]);
      }));
      callers.forEach((c, i) => expect(c.data.equals(payloads[i]!), `connection ${i}`).toBe(true));
      for (const c of callers) c.socket.destroy();
      await waitFor(() => target.sockets.size === 0, 10_000, 'all target connections closed');
    }, 90_000);
  });
}
