// Test support: the real C++ `tunely server` binary (TUNELY_BIN, or the CMake
// build at ../build/apps/tunely/tunely) on a loopback port with a throw-away
// SQLite database, and a real HTTP target. Missing binary = failing test.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { WebSocketServer } from 'ws';
import { join, resolve } from 'node:path';

export const adminKey = 'interop-admin-key-' + randomBytes(8).toString('hex');

export function tunelyBinary(): string {
  const bin = process.env.TUNELY_BIN ?? resolve(import.meta.dirname, '../../../build/apps/tunely/tunely');
  if (!existsSync(bin)) throw new Error(`tunely binary not found at ${bin}: build it (make build) or set TUNELY_BIN`);
  return bin;
}

// Starts `command args`, resolves with the first match of `pattern` in its
// output; rejects when it exits first or after `timeoutMs`.
export function spawnAndWait(command: string, args: string[], pattern: RegExp, timeoutMs = 20_000, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  const matched = new Promise<RegExpMatchArray>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for ${pattern} in:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = output.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolvePromise(m);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}) before ${pattern}:\n${output}`));
    });
  });
  return { child, matched, output: () => output };
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export class TunelyServer {
  port = 0;
  private child?: ChildProcess;
  private log: () => string = () => '';
  private readonly dir = mkdtempSync(join(tmpdir(), 'tunely-ts-'));

  // `extraArgs`: more `tunely server` options (e.g. --shutdown-grace 10), on every start.
  constructor(private readonly extraArgs: string[] = []) {}

  async start(port = this.port): Promise<void> {
    const s = spawnAndWait(tunelyBinary(), [
      'server', '--host', '127.0.0.1', '--port', String(port), '--admin-key', adminKey,
      '--database', `sqlite:///${join(this.dir, 'tunnels.db')}`, '--no-request-log', ...this.extraArgs,
    ], /listening on http:\/\/[0-9.]+:([0-9]+)/);
    this.child = s.child;
    this.log = s.output;
    this.port = Number((await s.matched)[1]);
  }

  // Everything the server printed so far (this start).
  get output(): string {
    return this.log();
  }

  // The port of the server's TCP listener for `domain` (`--tcp-listen …:0:domain`), from its output.
  async tcpListenerPort(domain: string): Promise<number> {
    const line = new RegExp(`TCP listener on [0-9.]+:([0-9]+) for tunnel ${domain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);
    await waitFor(() => line.test(this.output), 10_000, `TCP listener for ${domain}`);
    return Number(this.output.match(line)![1]);
  }

  // Sends SIGTERM (a graceful stop) and resolves with the exit code; SIGKILL after `killAfterMs`.
  async terminate(killAfterMs = 15_000): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws/tunnel`;
  }

  async createTunnel(domain: string): Promise<string> {
    const res = await fetch(`${this.url}/api/tunnels`, {
      method: 'POST', headers: { 'x-api-key': adminKey, 'content-type': 'application/json' },
      body: JSON.stringify({ domain }),
    });
    if (res.status !== 200) throw new Error(`create tunnel: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { token: string }).token;
  }

  async stop(): Promise<void> {
    if (this.child) await stopProcess(this.child);
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// Deterministic bytes 0..n-1 (mod 251, a prime, so chunk boundaries never line up).
export function pattern(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = i % 251;
  return b;
}

export const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

export interface TestTarget {
  server: Server;
  url: string;
  sseSentAt: number[]; // when each event of the last /sse call was written
  endlessClosed: number; // /endless responses whose caller went away
  slowArrived: number; // /slow requests that reached the target
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

// Routes: /json (echo), /bytes?n= (download), /upload (sha256 of the body),
// /sse (three events 300 ms apart), /endless (an event every 50 ms until the
// caller goes away, counted in endlessClosed), /slow?ms= ("slow" after ms,
// arrivals counted in slowArrived), /many-headers?n= (n extra fields),
// /huge-headers (three 30 000-byte fields), /zeros?n= (n zero bytes written
// in 64 KiB chunks as the connection takes them), /drain (reads the body,
// answers its length: nothing held), anything else 404.
export async function startTarget(): Promise<TestTarget> {
  const t = { sseSentAt: [] as number[], endlessClosed: 0, slowArrived: 0 } as TestTarget;
  t.server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/json') {
      const body = (await readBody(req)).toString();
      res.setHeader('content-type', 'application/json');
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end(JSON.stringify({ method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), body, headers: req.headers }));
    } else if (url.pathname === '/bytes') {
      const data = pattern(Number(url.searchParams.get('n') ?? '0'));
      res.setHeader('content-type', 'application/octet-stream');
      res.end(data);
    } else if (url.pathname === '/upload') {
      const body = await readBody(req);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ length: body.length, sha256: sha256(body) }));
    } else if (url.pathname === '/sse') {
      t.sseSentAt = [];
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (let i = 0; i < 3; i++) {
        if (i) await new Promise((r) => setTimeout(r, 300));
        t.sseSentAt.push(Date.now());
        res.write(`id: ${i}\ndata: event ${i}\n\n`);
      }
      res.end();
    } else if (url.pathname === '/endless') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write('data: tick\n\n'), 50);
      res.on('close', () => {
        clearInterval(timer);
        t.endlessClosed++;
      });
    } else if (url.pathname === '/slow') {
      t.slowArrived++;
      setTimeout(() => res.end('slow'), Number(url.searchParams.get('ms') ?? '1000'));
    } else if (url.pathname === '/many-headers') {
      for (let i = 0; i < Number(url.searchParams.get('n') ?? '0'); i++) res.setHeader(`x-field-${i}`, 'v');
      res.end('headers');
    } else if (url.pathname === '/zeros') {
      let left = Number(url.searchParams.get('n') ?? '0');
      const chunk = Buffer.alloc(64 * 1024);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(left) });
      const pump = () => {
        while (left > 0) {
          const part = chunk.subarray(0, Math.min(left, chunk.length));
          left -= part.length;
          if (!res.write(part)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    } else if (url.pathname === '/drain') {
      let length = 0;
      for await (const c of req) length += (c as Buffer).length;
      res.end(String(length));
    } else if (url.pathname === '/huge-headers') {
      for (let i = 0; i < 3; i++) res.setHeader(`x-huge-${i}`, 'h'.repeat(30_000));
      res.end('huge');
    } else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  // /ws: a WebSocket echo; the text "close" closes with 4000 "bye"; "probe" answers the X-Probe request header.
  const wss = new WebSocketServer({ server: t.server, path: '/ws' });
  wss.on('connection', (socket, req) => {
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      if (text === 'close') socket.close(4000, 'bye');
      else if (text === 'probe') socket.send(String(req.headers['x-probe'] ?? ''));
      else socket.send(data, { binary: isBinary });
    });
  });
  await new Promise<void>((r) => t.server.listen(0, '127.0.0.1', r));
  t.url = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}`;
  t.close = () => new Promise<void>((r) => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    t.server.closeAllConnections();
    t.server.close(() => r());
  });
  return t;
}

// A loopback port nobody listens on.
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function waitFor(check: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
