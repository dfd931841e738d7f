// The ORIGINAL npm client (tunely@0.2.1: CommonJS, `new TunnelClient({...})`, `client.on('onConnect', …)`,
// its `tunely connect` CLI) against OUR `tunely server`. It speaks JSON protocol 1.1, forwards `body` verbatim
// with fetch(), streams text/event-stream answers as stream_start / stream_chunk… / stream_end.
//
// TUNELY_BIN: our binary (default build/apps/tunely/tunely); TUNELY_NPM_PREFIX: where scripts/test-interop.sh
// ran `npm install --prefix … tunely@0.2.1`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const tunelyBin = process.env.TUNELY_BIN || path.join(repo, 'build', 'apps', 'tunely', 'tunely');
const npmPrefix = process.env.TUNELY_NPM_PREFIX || path.join(here, '..');
const requireOriginal = createRequire(path.join(npmPrefix, 'node_modules', '.interop.cjs'));
const originalPackage = requireOriginal('tunely/package.json');
const { TunnelClient } = requireOriginal('tunely');
const originalCli = requireOriginal.resolve('tunely/dist/cli.js');
const adminKey = 'interop-admin-key-0123456789';

// The original client logs every step with console.*: keep it out of the test report, print it on failure.
const clientLog = [];
for (const level of ['log', 'warn', 'error']) {
  console[level] = (...args) => clientLog.push(`[${level}] ${args.map(String).join(' ')}`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// Settles like `promise`, or rejects after `ms` (the timer does not keep the process alive).
function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
async function waitFor(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await sleep(25);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${clientLog.slice(-20).join('\n')}`);
}

// ------------------------------------------------------------------------------------------------ our server
class OurServer {
  async start() {
    this.dir = mkdtempSync(path.join(tmpdir(), 'tunely-interop-node-'));
    this.output = '';
    this.proc = spawn(tunelyBin, ['server', '--host', '127.0.0.1', '--port', '0', '--admin-key', adminKey,
      '--database', `sqlite:///${path.join(this.dir, 'tunnels.db')}`, '--log-level', 'debug'],
    { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk) => { this.output += chunk; };
    this.proc.stdout.on('data', collect);
    this.proc.stderr.on('data', collect);
    await waitFor(() => /listening on http:\/\/[0-9.]+:([0-9]+)/.test(this.output) || this.proc.exitCode !== null,
      20_000, 'our server to listen');
    const m = /listening on http:\/\/[0-9.]+:([0-9]+)/.exec(this.output);
    assert.ok(m, `our server did not start:\n${this.output}`);
    this.url = `http://127.0.0.1:${m[1]}`;
    this.wsUrl = `ws://127.0.0.1:${m[1]}/ws/tunnel`;
  }

  async admin(method, p, body) {
    const res = await fetch(this.url + p, {
      method, headers: { 'x-api-key': adminKey, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  }

  async createTunnel(domain) {
    const r = await this.admin('POST', '/api/tunnels', { domain });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json.token;
  }

  async connected(domain) {
    return (await this.admin('GET', `/api/tunnels/${domain}`)).json.connected;
  }

  async stop() {
    if (this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      await once(this.proc, 'exit');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------------ the target
const SSE_EVENTS = [0, 1, 2].map((i) => `data: {"index": ${i}}\n\n`);
const SSE_GAP_MS = 300;
const GZIP_TEXT = 'compressible text '.repeat(200);

function startTarget() {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (req.url.startsWith('/status/')) {
        const code = Number(req.url.split('/')[2]);
        res.writeHead(code, { 'content-type': 'text/plain', 'x-target': 'interop' });
        res.end(`status ${code} from the target\n`);
      } else if (req.url === '/gzip') {
        let payload = Buffer.from(GZIP_TEXT);
        const headers = { 'content-type': 'text/plain' };
        if ((req.headers['accept-encoding'] || '').includes('gzip')) {
          payload = gzipSync(payload);
          headers['content-encoding'] = 'gzip';
        }
        res.writeHead(200, { ...headers, 'content-length': payload.length });
        res.end(payload);
      } else if (req.url === '/sse') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        for (const event of SSE_EVENTS) {
          res.write(event);
          await sleep(SSE_GAP_MS);
        }
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'x-target': 'interop' });
        res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: body.toString() }));
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${server.address().port}`,
      requests,
      last: (prefix) => [...requests].reverse().find((r) => r.url.startsWith(prefix)),
      close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
    }));
  });
}

// A known incompatibility: the test passes while `fn` fails, and fails once `fn` passes (then drop the marker).
function knownIncompatibility(name, reason, fn) {
  test(`${name} [known incompatibility]`, async (t) => {
    try {
      await fn();
    } catch (error) {
      t.diagnostic(`expected failure (${reason}): ${error.message}`);
      return;
    }
    assert.fail(`passes now: remove the known-incompatibility marker (${reason})`);
  });
}

// ---------------------------------------------------------------------------------------------- the suite
const server = new OurServer();
let target;
let client;
let running;
const domain = 'npm-original';
const events = { connect: [], disconnect: 0, request: [], error: [] };

before(async () => {
  assert.equal(originalPackage.version, '0.2.1');
  target = await startTarget();
  await server.start();
  const token = await server.createTunnel(domain);
  client = new TunnelClient({ serverUrl: server.wsUrl, token, targetUrl: target.url, reconnectInterval: 200 });
  client.on('onConnect', (d) => events.connect.push(d));
  client.on('onDisconnect', () => { events.disconnect += 1; });
  client.on('onRequest', (r) => events.request.push(r));
  client.on('onError', (e) => events.error.push(e));
  running = client.run();
  await waitFor(() => client.isConnected, 15_000, 'the original npm client to connect');
  await waitFor(() => server.connected(domain), 15_000, 'our server to list the tunnel as connected');
});

after(async () => {
  client?.stop();
  if (running) await withTimeout(running, 5000, 'run() to end after stop()');
  await server.stop();
  await target?.close();
});

test('onConnect reports the domain; isConnected and tunnelDomain follow', () => {
  assert.deepEqual(events.connect, [domain]);
  assert.equal(client.isConnected, true);
  assert.equal(client.tunnelDomain, domain);
});

test('GET round trip with query and headers; onRequest gets the request message', async () => {
  const before = events.request.length;
  const res = await fetch(`${server.url}/t/${domain}/hello/world?x=1&y=two`, { headers: { 'x-custom': 'yes' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-target'), 'interop');
  const echo = await res.json();
  assert.equal(echo.method, 'GET');
  assert.equal(echo.url, '/hello/world?x=1&y=two');
  assert.equal(echo.headers['x-custom'], 'yes');
  const seen = events.request.slice(before).find((r) => r.path.startsWith('/hello/world'));
  assert.ok(seen, 'onRequest was not called');
  assert.equal(seen.type, 'request');
  assert.match(seen.id, /^[0-9a-f-]{36}$/);
  assert.equal(seen.method, 'GET');
  assert.equal(seen.path, '/hello/world?x=1&y=two');
  assert.equal(seen.headers['x-custom'], 'yes');
  assert.equal(typeof seen.timeout, 'number');
});

test('POST round trip: a non-compact JSON body reaches the target byte for byte', async () => {
  const sent = '{"a": 1,  "b": [1, 2],   "c": "caf\u00e9"}';
  const res = await fetch(`${server.url}/t/${domain}/api/items`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: sent,
  });
  assert.equal(res.status, 200);
  const seen = target.last('/api/items');
  assert.equal(seen.method, 'POST');
  assert.equal(seen.body.toString(), sent);
  assert.equal(Number(seen.headers['content-length']), Buffer.byteLength(sent));
  assert.equal(seen.headers['content-type'], 'application/json');
  assert.equal((await res.json()).body, sent);
});

test('POST round trip: a form body reaches the target exactly', async () => {
  const sent = 'a=1&b=two+words&c=%C3%A9';
  const res = await fetch(`${server.url}/t/${domain}/form`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: sent,
  });
  assert.equal(res.status, 200);
  assert.equal(target.last('/form').body.toString(), sent);
});

test('a 404 from the target passes through', async () => {
  const res = await fetch(`${server.url}/t/${domain}/status/404`);
  assert.equal(res.status, 404);
  assert.equal(await res.text(), 'status 404 from the target\n');
  assert.equal(res.headers.get('x-target'), 'interop');
});

test('an SSE answer streams through (stream_start / stream_chunk / stream_end)', async () => {
  const started = Date.now();
  const res = await fetch(`${server.url}/t/${domain}/sse`, { headers: { accept: 'text/event-stream' } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/event-stream/);
  const decoder = new TextDecoder();
  let text = '';
  let firstAt;
  for await (const chunk of res.body) {
    firstAt ??= Date.now() - started;
    text += decoder.decode(chunk, { stream: true });
  }
  const doneAt = Date.now() - started;
  assert.equal(text, SSE_EVENTS.join(''));
  assert.ok(firstAt < doneAt - SSE_GAP_MS, `not streamed: first bytes at ${firstAt} ms, end at ${doneAt} ms`);
});

test('Expect: 100-continue from the caller does not reach fetch() in the client', async () => {
  const sent = JSON.stringify({ big: 'x'.repeat(4096) });
  const reply = await new Promise((resolve, reject) => {
    const u = new URL(`${server.url}/t/${domain}/expect`);
    const req = http.request({
      host: u.hostname, port: u.port, path: u.pathname, method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(sent), expect: '100-continue' },
    });
    req.on('continue', () => req.end(sent));
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
  });
  assert.equal(reply.status, 200, reply.body);
  const seen = target.last('/expect');
  assert.equal(seen.body.toString(), sent);
  assert.equal(seen.headers.expect, undefined);
});

test('a gzip answer from the target reaches a caller that accepts gzip', async () => {
  // fetch() in the client decodes the body but forwards `content-encoding: gzip`; our server drops
  // Content-Encoding from 1.1 answers (a 1.1 body is decoded text, always).
  const res = await fetch(`${server.url}/t/${domain}/gzip`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-encoding'), null);
  assert.equal(await res.text(), GZIP_TEXT);  // fetch decodes per content-encoding, and fails on a plain body
});

test('bodies that are JSON scalars or UTF-8 text reach the target exactly (this client forwards `body` as is)', async () => {
  for (const sent of ['"quoted"', '42', 'true', 'null', 'h\u00e9llo \u2713 \u{1f389}\n"q" back\\slash']) {
    const res = await fetch(`${server.url}/t/${domain}/scalar`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: sent,
    });
    assert.equal(res.status, 200);
    assert.equal(target.last('/scalar').body.toString(), sent);
  }
});

test('a second client with the same token is refused and the first keeps serving', async () => {
  const dup = 'npm-duplicate';
  const dupToken = await server.createTunnel(dup);
  const first = new TunnelClient({ serverUrl: server.wsUrl, token: dupToken, targetUrl: target.url, reconnectInterval: 200 });
  const firstRun = first.run();
  await waitFor(() => first.isConnected, 15_000, 'the first client');
  const logStart = clientLog.length;
  const second = new TunnelClient({
    serverUrl: server.wsUrl, token: dupToken, targetUrl: target.url, reconnectInterval: 200, maxReconnectAttempts: 1,
  });
  let secondConnects = 0;
  let secondDisconnects = 0;
  second.on('onConnect', () => { secondConnects += 1; });
  second.on('onDisconnect', () => { secondDisconnects += 1; });
  try {
    await withTimeout(second.run(), 15_000, 'the second client to give up');
    assert.equal(secondConnects, 0);
    assert.equal(secondDisconnects, 2);  // one per refused attempt (maxReconnectAttempts: 1 → two attempts)
    // the refusal the client logged carries the server's text, which must say "already connected"
    assert.ok(clientLog.slice(logStart).some((l) => l.includes('already connected')), clientLog.slice(logStart).join('\n'));
    assert.equal(first.isConnected, true);
    const res = await fetch(`${server.url}/t/${dup}/still-first`);
    assert.equal(res.status, 200);
  } finally {
    second.stop();
    first.stop();
    await withTimeout(firstRun, 5000, 'run() to end after stop()');
  }
});

test('onDisconnect fires when our server revokes the tunnel, and run() ends after maxReconnectAttempts', async () => {
  const name = 'npm-revoked';
  const token = await server.createTunnel(name);
  let disconnects = 0;
  const c = new TunnelClient({
    serverUrl: server.wsUrl, token, targetUrl: target.url, reconnectInterval: 200, maxReconnectAttempts: 1,
  });
  c.on('onDisconnect', () => { disconnects += 1; });
  const done = c.run();
  try {
    await waitFor(() => c.isConnected, 15_000, 'the client');
    const rotated = await server.admin('POST', `/api/tunnels/${name}/regenerate-token`);
    assert.equal(rotated.status, 200);
    await withTimeout(done, 15_000, 'run() to end');
    assert.equal(c.isConnected, false);
    assert.ok(disconnects >= 1, `onDisconnect fired ${disconnects} times`);
    assert.equal(await server.connected(name), false);
  } finally {
    c.stop();
  }
});

test("the original CLI (`tunely connect -s -t -T -r`) serves GET and POST", async () => {
  const name = 'npm-cli';
  const token = await server.createTunnel(name);
  let output = '';
  const cli = spawn(process.execPath, [originalCli, 'connect', '-s', server.wsUrl, '-t', token, '-T', target.url, '-r', '0.2'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  cli.stdout.on('data', (c) => { output += c; });
  cli.stderr.on('data', (c) => { output += c; });
  try {
    await waitFor(() => server.connected(name), 15_000, `the CLI to connect:\n${output}`);
    assert.match(output, new RegExp(`domain=${name}`));
    const get = await fetch(`${server.url}/t/${name}/cli-get?q=1`);
    assert.equal(get.status, 200);
    assert.equal((await get.json()).url, '/cli-get?q=1');
    const sent = '{"k": [1,  2]}';
    const post = await fetch(`${server.url}/t/${name}/cli-post`, { method: 'POST', body: sent, headers: { 'content-type': 'application/json' } });
    assert.equal(post.status, 200);
    assert.equal(target.last('/cli-post').body.toString(), sent);
  } finally {
    cli.kill('SIGINT');
    await once(cli, 'exit');
  }
});
