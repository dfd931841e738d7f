// How a protocol-2 response leaves the client (relayExchange): the head waits
// only until the target's bytes at hand are parsed, so a small response is one
// RESPONSE frame (BODY inline, END_STREAM); a longer one starts inline and goes
// on as DATA; a head whose body is late is not held back; a target that breaks
// after its head still gives RESPONSE then RESET.
import { createServer, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { TunnelClient } from '../src/client.js';
import { v2MaxDataPayload } from '../src/protocol/limits.js';
import * as v2 from '../src/protocol/v2.js';
import { listenLocal } from './support/listen.js';
import { open, scriptedPeer, streamOf, type ScriptedPeer } from './support/peer.js';
import { pattern, sha256, waitFor } from './support/stack.js';

const bigSize = 300_000;

interface Target {
  url: string;
  release?: () => void; // ends the pending /late response
  close(): Promise<void>;
}

// /small: "hello"; /empty: 204; /big: bigSize pattern bytes; /late: the head at
// once, the body "late" when the test calls release(); /broken: a head and a
// few body bytes, then the connection is cut.
async function startTarget(): Promise<Target> {
  const t = {} as Target;
  const server: Server = createServer((req, res) => {
    if (req.url === '/small') res.end('hello');
    else if (req.url === '/empty') {
      res.statusCode = 204;
      res.end();
    } else if (req.url === '/big') res.end(pattern(bigSize));
    else if (req.url === '/late') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.flushHeaders();
      t.release = () => res.end('late');
    } else {
      res.writeHead(200, { 'content-length': '100' });
      res.write('part', () => res.destroy());
    }
  });
  return Object.assign(t, await listenLocal(server));
}

let peer: ScriptedPeer;
let target: Target;
let client: TunnelClient;
beforeEach(async () => {
  peer = await scriptedPeer(true);
  target = await startTarget();
  client = new TunnelClient({ serverUrl: peer.url, token: 't', targetUrl: target.url, reconnectInterval: 60_000 });
  void client.run().catch(() => undefined);
  await waitFor(() => peer.connections.length === 1 && client.isConnected, 5000, 'signed in');
});
afterEach(async () => {
  client.stop();
  await peer.close();
  await target.close();
});

const conn = () => peer.connections[0]!;

describe('protocol-2 response frames', () => {
  it('a small response is one RESPONSE with the body inline and END_STREAM', async () => {
    conn().ws.send(open(1, 'GET', '/small'));
    await waitFor(() => streamOf(conn(), 1).ended, 5000, 'response');
    await new Promise((r) => setTimeout(r, 50)); // nothing follows
    const frames = streamOf(conn(), 1).frames;
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ type: 'response', status: 200, endStream: true });
    expect(Buffer.from((frames[0] as v2.ResponseHead).body).toString()).toBe('hello');
  });

  it('a response without a body is one RESPONSE with END_STREAM and no BODY', async () => {
    conn().ws.send(open(1, 'GET', '/empty'));
    await waitFor(() => streamOf(conn(), 1).ended, 5000, 'response');
    await new Promise((r) => setTimeout(r, 50));
    const frames = streamOf(conn(), 1).frames;
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ type: 'response', status: 204, endStream: true });
    expect((frames[0] as v2.ResponseHead).body.length).toBe(0);
  });

  it('a longer body starts inline (at most 64 KiB) and goes on as DATA, intact', async () => {
    conn().ws.send(open(1, 'GET', '/big'));
    await waitFor(() => streamOf(conn(), 1).body.length === 256 * 1024, 5000, 'the initial window');
    await new Promise((r) => setTimeout(r, 50));
    expect(streamOf(conn(), 1).body.length).toBe(256 * 1024); // inline bytes count against the credit too
    conn().ws.send(v2.encode({ type: 'window', streamId: 1, increment: 1024 * 1024 }));
    await waitFor(() => streamOf(conn(), 1).ended, 5000, 'response');
    const s = streamOf(conn(), 1);
    expect(s.frames[0]).toMatchObject({ type: 'response', status: 200, endStream: false });
    expect((s.frames[0] as v2.ResponseHead).body.length).toBeLessThanOrEqual(v2MaxDataPayload);
    expect(s.frames.slice(1).every((f) => f.type === 'data')).toBe(true);
    expect(s.frames.at(-1)).toMatchObject({ type: 'data', endStream: true });
    expect(s.body.length).toBe(bigSize);
    expect(sha256(s.body)).toBe(sha256(pattern(bigSize)));
  });

  it('sends the head at once when the body is late', async () => {
    conn().ws.send(open(1, 'GET', '/late'));
    await waitFor(() => streamOf(conn(), 1).frames.length === 1, 5000, 'RESPONSE');
    expect(streamOf(conn(), 1).frames[0]).toMatchObject({ type: 'response', status: 200, endStream: false });
    expect(streamOf(conn(), 1).ended).toBe(false);
    target.release!();
    await waitFor(() => streamOf(conn(), 1).ended, 5000, 'the body');
    expect(streamOf(conn(), 1).body.toString()).toBe('late');
  });

  it('a target that breaks after its head: RESPONSE, then RESET target_error', async () => {
    conn().ws.send(open(1, 'GET', '/broken'));
    await waitFor(() => streamOf(conn(), 1).ended, 5000, 'the end');
    const types = streamOf(conn(), 1).frames.map((f) => f.type);
    expect(types[0]).toBe('response');
    expect(types.at(-1)).toBe('reset');
    expect(streamOf(conn(), 1).frames.at(-1)).toMatchObject({ code: v2.resetCodes.target_error });
  });
});
