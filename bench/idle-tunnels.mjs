// Helper of bench/idle_tunnels.sh: creates many tunnels through the admin API and holds one idle,
// authenticated protocol 2 session open for each of them, so the script can read the server's memory.
//
//   node bench/idle-tunnels.mjs create  --port P --key KEY --count N --out tokens.txt [--concurrency 32]
//   node bench/idle-tunnels.mjs connect --port P --tokens tokens.txt [--concurrency 200]
//
// create:  POST /api/tunnels {"domain":"idle<i>"} N times (keep-alive, bounded concurrency), one token a line.
// connect: one WebSocket per token to ws://127.0.0.1:P/ws/tunnel, at most --concurrency handshakes at a time,
//          each authenticated as `tunely connect` does by default (protocol 2 with the same capabilities).
//          Prints "connected N of M" once every handshake has ended and exits 1 if any failed. Then it
//          stays up, answering the server's protocol 2 PINGs (WebSocket pings are answered by `ws`), until
//          SIGTERM/SIGINT, when it prints what happened meanwhile (sessions lost, PINGs answered).
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';

// `ws` comes from the TypeScript SDK's dependencies (typescript/node_modules).
const require = createRequire(new URL('../typescript/package.json', import.meta.url));
const WebSocket = require('ws');

function options(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    o[argv[i].slice(2)] = argv[i + 1];
  }
  return o;
}

// Runs worker() `concurrency` times in parallel over the indexes 0..count-1.
async function pool(count, concurrency, worker) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await worker(next++);
  });
  await Promise.all(lanes);
}

async function create(o) {
  const count = Number(o.count), concurrency = Number(o.concurrency ?? 32);
  const url = `http://127.0.0.1:${o.port}/api/tunnels`;
  const tokens = new Array(count);
  const started = performance.now();
  // Node's fetch (undici) keeps connections alive: `concurrency` connections carry all the requests.
  await pool(count, concurrency, async (i) => {
    const domain = `idle${i}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'x-api-key': o.key, 'content-type': 'application/json' },
      body: JSON.stringify({ domain }),
    });
    const text = await res.text();
    if (res.status !== 200 && res.status !== 201) throw new Error(`POST /api/tunnels ${domain}: ${res.status} ${text}`);
    tokens[i] = JSON.parse(text).token;
    if (!tokens[i]) throw new Error(`POST /api/tunnels ${domain}: no token in ${text}`);
  });
  writeFileSync(o.out, tokens.join('\n') + '\n');
  console.log(`created ${count} tunnels in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

// What `tunely connect` offers by default (cpp/src/client/tunnel_client.cpp): protocol 2 with upgrades, BATCH,
// raw TCP and UDP streams, plus the 1.1 capabilities it would use on a 1.1 session.
const CAPABILITIES = ['tunely/2', 'tunely/2+upgrade', 'tunely/2+batch', 'tunely/2+tcp', 'tunely/2+udp',
  'tunely/tcp', 'binary_frames', 'udp'];
const PING = 0x06, PONG = 0x07, GOAWAY = 0x08, BATCH = 0x09;

const stats = { pings: 0, goaways: 0, lost: 0, lostReasons: new Map() };

// One protocol 2 frame (PROTOCOL.md §2.2): answer PING with a PONG carrying the same 8 bytes (§2.4.6).
function onFrame(ws, frame) {
  if (frame.length < 6) return;
  const type = frame[0];
  if (type === PING && frame.length === 14) {
    const pong = Buffer.from(frame);
    pong[0] = PONG;
    ws.send(pong);
    stats.pings++;
  } else if (type === GOAWAY) {
    stats.goaways++;
  } else if (type === BATCH) { // §2.4.8: u32 length + frame, repeated
    for (let at = 6; at + 4 <= frame.length;) {
      const len = frame.readUInt32BE(at);
      if (at + 4 + len > frame.length) break;
      onFrame(ws, frame.subarray(at + 4, at + 4 + len));
      at += 4 + len;
    }
  }
}

function openSession(url, token, timeoutMs) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    let authenticated = false;
    const fail = (why) => { if (authenticated === false) { authenticated = null; ws.terminate(); resolve({ error: why }); } };
    const timer = setTimeout(() => fail('no auth_ok within the timeout'), timeoutMs);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token, client_version: 'idle-bench', capabilities: CAPABILITIES })));
    ws.on('message', (data, isBinary) => {
      if (authenticated) { if (isBinary) onFrame(ws, data); return; }
      if (authenticated === null) return;
      let msg;
      try { msg = JSON.parse(data.toString()); } catch { return fail('undecodable answer to auth'); }
      if (msg.type !== 'auth_ok') return fail(`${msg.type}: ${msg.error ?? ''}`);
      if (!(msg.capabilities ?? []).includes('tunely/2')) return fail('the server did not negotiate protocol 2');
      authenticated = true;
      clearTimeout(timer);
      resolve({ ws });
    });
    ws.on('error', (e) => { clearTimeout(timer); fail(e.message); });
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      if (authenticated === true) {
        stats.lost++;
        const key = `${code} ${reason}`;
        stats.lostReasons.set(key, (stats.lostReasons.get(key) ?? 0) + 1);
      } else fail(`closed ${code} ${reason}`);
    });
  });
}

async function connect(o) {
  const tokens = readFileSync(o.tokens, 'utf8').split('\n').filter(Boolean);
  const concurrency = Number(o.concurrency ?? 200);
  const url = `ws://127.0.0.1:${o.port}/ws/tunnel`;
  const sockets = [], errors = new Map();
  const started = performance.now();
  await pool(tokens.length, concurrency, async (i) => {
    const r = await openSession(url, tokens[i], 30000);
    if (r.ws) sockets.push(r.ws);
    else errors.set(r.error, (errors.get(r.error) ?? 0) + 1);
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`connected ${sockets.length} of ${tokens.length} in ${seconds} s`);
  for (const [why, n] of errors) console.log(`  failed ${n}: ${why}`);
  if (sockets.length !== tokens.length) process.exit(1);

  const report = () => {
    console.log(`held ${sockets.length - stats.lost} sessions; lost ${stats.lost}; protocol 2 PINGs answered ${stats.pings}; GOAWAYs ${stats.goaways}`);
    for (const [why, n] of stats.lostReasons) console.log(`  lost ${n}: close ${why}`);
    process.exit(0);
  };
  process.on('SIGTERM', report);
  process.on('SIGINT', report);
  setInterval(() => {}, 1 << 30); // stay up until signalled
}

const [mode, ...rest] = process.argv.slice(2);
const o = options(rest);
if (mode === 'create') await create(o);
else if (mode === 'connect') await connect(o);
else { console.error('usage: idle-tunnels.mjs create|connect --port P ...'); process.exit(2); }
