// Unit tests of the client's pure parts: backoff, header handling, target error
// mapping (against real loopback sockets), the terminal view.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { backoffDelay, defaultBackoff } from '../src/backoff.js';
import { foldForV1 } from '../src/client.js';
import { Target, TargetError, classifyTargetError, endToEnd, failureStatus, upgradeProtocol, withUpgrade } from '../src/target.js';
import { CoalescedOutputs } from '../src/coalesced_output.js';
import { TerminalView } from '../src/terminal.js';

describe('backoff', () => {
  it('doubles from the base and caps at 300 s without jitter', () => {
    const p = { ...defaultBackoff, jitter: 0 };
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(p, a))).toEqual([
      5000, 10000, 20000, 40000, 80000, 160000, 300000, 300000,
    ]);
    expect(backoffDelay(p, 10_000)).toBe(300000);
  });

  it('keeps jitter within ±20 %', () => {
    expect(backoffDelay(defaultBackoff, 0, 0)).toBe(4000);
    expect(backoffDelay(defaultBackoff, 0, 0.5)).toBe(5000);
    expect(backoffDelay(defaultBackoff, 0, 0.999999)).toBe(5999);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(defaultBackoff, 2);
      expect(d).toBeGreaterThanOrEqual(16000);
      expect(d).toBeLessThan(24000);
    }
  });

  it('uses the configured base (reconnectInterval)', () => {
    expect(backoffDelay({ ...defaultBackoff, baseMs: 100, jitter: 0 }, 3)).toBe(800);
  });
});

describe('header handling', () => {
  it('drops hop-by-hop fields, Host and fields named in Connection', () => {
    const out = endToEnd([
      ['Host', 'example'], ['Connection', 'keep-alive, X-Private'], ['Keep-Alive', 'timeout=5'],
      ['Transfer-Encoding', 'chunked'], ['Upgrade', 'h2c'], ['TE', 'trailers'], ['X-Private', 'secret'],
      ['Content-Type', 'text/plain'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2'],
    ]);
    expect(out).toEqual([['Content-Type', 'text/plain'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']]);
  });

  it('finds an upgrade only when Connection lists it, and keeps just its hop fields', () => {
    const ws: Array<[string, string]> = [['Connection', 'keep-alive, Upgrade'], ['Upgrade', 'websocket'], ['Sec-WebSocket-Key', 'k'], ['Keep-Alive', 'x']];
    expect(upgradeProtocol(ws)).toBe('websocket');
    expect(withUpgrade(ws, 'websocket')).toEqual([['Sec-WebSocket-Key', 'k'], ['Connection', 'Upgrade'], ['Upgrade', 'websocket']]);
    expect(upgradeProtocol([['Upgrade', 'websocket']])).toBe('');
    expect(upgradeProtocol([['Connection', 'upgrade']])).toBe('');
    expect(withUpgrade([['Upgrade', 'h2c']], '')).toEqual([]);
  });

  it('folds repeats for protocol 1.1 maps like the original', () => {
    expect(foldForV1([
      ['Accept', 'a'], ['accept', 'b'], ['Cookie', 'x=1'], ['cookie', 'y=2'], ['Set-Cookie', 's=1'], ['set-cookie', 's=2'],
    ])).toEqual([['Accept', 'a, b'], ['Cookie', 'x=1; y=2'], ['Set-Cookie', 's=1']]);
  });
});

describe('target error mapping', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
      if (req.url === '/echo-headers') return void res.end(JSON.stringify(req.headers));
      if (req.url === '/hangup') return void req.socket.destroy();
      if (req.headers['x-echo-url']) return void res.end(req.url);
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const code = async (target: Target, path: string, timeoutMs = 10_000) => {
    try {
      await target.call('GET', path, [], null, timeoutMs, new AbortController().signal);
      return 'ok';
    } catch (e) {
      expect(e).toBeInstanceOf(TargetError);
      return (e as TargetError).code;
    }
  };

  it('refused connection → target_unavailable (503)', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const t = new Target(`http://127.0.0.1:${freePort}`);
    expect(await code(t, '/')).toBe('target_unavailable');
    await t.close();
  });

  it('no answer within the timeout → target_timeout (504)', async () => {
    const t = new Target(`http://127.0.0.1:${port}`);
    expect(await code(t, '/slow', 200)).toBe('target_timeout');
    await t.close();
  });

  it('a hang-up before the answer → target_error (500/502)', async () => {
    const t = new Target(`http://127.0.0.1:${port}`);
    expect(await code(t, '/hangup')).toBe('target_error');
    await t.close();
  });

  it('keeps repeated response headers and sends no hop-by-hop request headers', async () => {
    const t = new Target(`http://127.0.0.1:${port}/`);
    const res = await t.call('GET', '/', [], null, 5000, new AbortController().signal);
    expect(res.headers.filter(([n]) => n === 'set-cookie').map(([, v]) => v)).toEqual(['a=1', 'b=2']);
    await res.body.resume();
    const echo = await t.call('GET', '/echo-headers', [['Connection', 'X-Drop'], ['X-Drop', '1'], ['X-Keep', '2'], ['Host', 'evil']], null, 5000, new AbortController().signal);
    const seen = JSON.parse(await echo.body.text()) as Record<string, string>;
    expect(seen['x-keep']).toBe('2');
    expect(seen['x-drop']).toBeUndefined();
    expect(seen.host).toBe(`127.0.0.1:${port}`);
    await t.close();
  });

  it('sends every path to the target itself: "//host/x" or "@host/" never names another host', async () => {
    const viaCall = async (t: Target, path: string) => {
      const res = await t.call('GET', path, [['X-Echo-Url', '1']], null, 5000, new AbortController().signal);
      return res.body.text();
    };
    const viaExchange = (t: Target, path: string) => new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      t.exchange('GET', path, [['X-Echo-Url', '1']], null, 5000, {
        head: () => undefined,
        data: (c) => (chunks.push(c), true),
        end: () => resolve(Buffer.concat(chunks).toString()),
        fail: reject,
      });
    });
    const plain = new Target(`http://127.0.0.1:${port}`);
    const based = new Target(`http://127.0.0.1:${port}/app/`);
    for (const via of [viaCall, viaExchange]) {
      expect(await via(plain, '//evil.example/x?q=1')).toBe('//evil.example/x?q=1');
      expect(await via(plain, '@evil.example/x')).toBe('/@evil.example/x');
      expect(await via(plain, '/a/./b/../c?d')).toBe('/a/c?d');
      expect(await via(based, '/x/y?z')).toBe('/app/x/y?z');
      expect(await via(based, '//evil.example/x')).toBe('/app//evil.example/x');
    }
    await plain.close();
    await based.close();
  });

  it('classifies error shapes undici and Node produce', () => {
    expect(classifyTargetError({ code: 'UND_ERR_HEADERS_TIMEOUT' }).code).toBe('target_timeout');
    expect(classifyTargetError({ code: 'UND_ERR_CONNECT_TIMEOUT' }).code).toBe('target_timeout');
    expect(classifyTargetError({ message: 'x', cause: { code: 'ECONNREFUSED' } }).code).toBe('target_unavailable');
    expect(classifyTargetError({ code: 'ENOTFOUND', message: 'getaddrinfo' }).code).toBe('target_unavailable');
    expect(classifyTargetError(new Error('boom')).code).toBe('target_error');
    // A response head beyond the parser's limit: 502 in 1.1 too, like one beyond the protocol's limits.
    for (const code of ['UND_ERR_HEADERS_OVERFLOW', 'HPE_HEADER_OVERFLOW']) {
      const e = classifyTargetError({ code, message: 'Headers Overflow Error' });
      expect([e.code, e.status]).toEqual(['target_error', 502]);
      expect(e.message).toMatch(/head too large/);
    }
    expect(classifyTargetError(new Error('boom')).status).toBeUndefined();
  });

  it('answers failures with the C++ client\'s statuses', () => {
    expect([failureStatus('target_unavailable', 500), failureStatus('target_timeout', 500), failureStatus('target_error', 500)]).toEqual([503, 504, 500]);
    expect(failureStatus('target_error', 502)).toBe(502);
  });

  it('refuses a target that is not http(s)', () => {
    expect(() => new Target('ftp://x')).toThrow(TypeError);
  });
});

describe('terminal view', () => {
  const capture = () => {
    const lines: string[] = [];
    return { lines, out: { write: (t: string) => void lines.push(t) } };
  };

  it('prints the status block and one coloured line per request on a terminal', () => {
    const o = capture();
    const v = new TerminalView('ws://s/ws/tunnel', 'http://t:1', true, o.out, o.out);
    v.connected('myapp', '2');
    v.request({ method: 'GET', path: '/a', status: 200, durationMs: 12 });
    v.request({ method: 'POST', path: '/b', status: 503, durationMs: 3, error: 'Target service unavailable' });
    const text = o.lines.join('');
    expect(text).toContain('Session Status      \x1b[32monline');
    expect(text).toContain('Protocol            2 (binary, streaming)');
    expect(text).toContain('Forwarding          /t/myapp/ → http://t:1');
    expect(text).toMatch(/GET {5}\/a {47}\x1b\[32m200\x1b\[0m {5}12 ms\n/);
    expect(text).toContain('\x1b[31m503\x1b[0m');
    expect(text).toContain('Target service unavailable');
  });

  it('prints plain log lines when not a terminal', () => {
    const o = capture();
    const v = new TerminalView('ws://s', 'http://t', false, o.out, o.out);
    v.connected('myapp', '1.1');
    v.request({ method: 'GET', path: '/x', status: 404, durationMs: 1 });
    v.reconnecting(5000, 2);
    expect(o.lines.join('')).not.toContain('\x1b[');
    expect(o.lines[0]).toMatch(/connected: tunnel 'myapp' → http:\/\/t \(protocol 1\.1\)/);
    expect(o.lines[1]).toMatch(/GET \/x 404 1 ms/);
    expect(o.lines[2]).toMatch(/reconnecting in 5\.0 s \(attempt 2\)/);
  });
});

describe('coalesced output', () => {
  const sink = () => {
    const writes: string[] = [];
    return { writes, stream: { write: (t: string) => (writes.push(t), true) } as unknown as NodeJS.WritableStream };
  };

  it('writes the lines of one event-loop turn at once, in order, and keeps the order across stdout and stderr', async () => {
    const log: string[] = [];
    const out = { write: (t: string) => (log.push(`out:${t}`), true) } as unknown as NodeJS.WritableStream;
    const err = { write: (t: string) => (log.push(`err:${t}`), true) } as unknown as NodeJS.WritableStream;
    const o = new CoalescedOutputs(out, err);
    o.out.write('a\n');
    o.out.write('b\n');
    expect(log).toEqual([]); // held until the turn ends
    o.err.write('c\n'); // the other stream: what stdout holds goes first
    o.out.write('d\n');
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['out:a\nb\n', 'err:c\n', 'out:d\n']);
  });

  it('flush() writes what is held at once (before process.exit)', () => {
    const s = sink();
    const o = new CoalescedOutputs(s.stream, s.stream);
    o.out.write('x\n');
    o.flush();
    expect(s.writes).toEqual(['x\n']);
    o.flush();
    expect(s.writes).toEqual(['x\n']);
  });
});
