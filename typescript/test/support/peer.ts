// A scripted tunnel server for client tests: a `ws` server on a loopback port
// that answers auth with auth_ok (offering protocol 2 or not) and records, per
// connection, every message the client sends and how the connection closed.
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

import { isBatch, splitBatch } from '../../src/protocol/batch.js';
import * as v1 from '../../src/protocol/v1.js';
import * as v2 from '../../src/protocol/v2.js';

export interface PeerConnection {
  ws: WebSocket;
  auth?: v1.Message; // the client's first message
  frames: v2.Frame[]; // protocol 2: decoded frames (BATCH messages taken apart), in order
  texts: v1.Message[]; // protocol 1.1: decoded text messages after auth, in order
  closed?: { code: number; reason: string; afterFrames: number; afterTexts: number };
}

export interface ScriptedPeer {
  url: string;
  connections: PeerConnection[];
  // Runs right after auth_ok went out on connection number `index`.
  onSignedIn?: (c: PeerConnection, index: number) => void;
  close(): Promise<void>;
}

// `v2Offer`: answer with protocol 2; `batch`: also agree to tunely/2+batch;
// `extraCaps`: more capabilities for auth_ok (e.g. tunely/2+tcp, tunely/tcp).
export async function scriptedPeer(v2Offer: boolean, batch = false, extraCaps: string[] = []): Promise<ScriptedPeer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const peer: ScriptedPeer = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws/tunnel`,
    connections: [],
    close: () => new Promise<void>((r) => {
      for (const c of peer.connections) c.ws.terminate();
      wss.close(() => r());
    }),
  };
  wss.on('connection', (ws) => {
    const c: PeerConnection = { ws, frames: [], texts: [] };
    let authed = false;
    ws.on('message', (data: Buffer, binary: boolean) => {
      if (!authed) {
        authed = true;
        const auth = v1.decode(data.toString('utf8'));
        if (auth.ok) c.auth = auth.value;
        const index = peer.connections.push(c) - 1;
        const caps = [...(v2Offer ? (batch ? ['tunely/2', 'tunely/2+batch'] : ['tunely/2']) : []), ...extraCaps];
        ws.send(JSON.stringify({ type: 'auth_ok', domain: 'scripted', tunnel_id: '1', ...(caps.length ? { capabilities: caps } : {}) }));
        peer.onSignedIn?.(c, index);
        return;
      }
      if (binary) {
        const message = new Uint8Array(data);
        for (const frame of isBatch(message) ? splitBatch(message) ?? [] : [message]) {
          const d = v2.decode(frame);
          if (d.ok) c.frames.push(d.value);
        }
      } else {
        const m = v1.decode(data.toString('utf8'));
        if (m.ok) c.texts.push(m.value);
      }
    });
    ws.on('close', (code: number, reason: Buffer) => {
      c.closed = { code, reason: reason.toString(), afterFrames: c.frames.length, afterTexts: c.texts.length };
    });
  });
  return peer;
}

export const open = (streamId: number, method: string, target: string, endStream = true): Uint8Array =>
  v2.encode({ type: 'open', streamId, endStream, timeoutMs: 10_000, method, target, headers: [], body: new Uint8Array(0) });

// The frames of one stream, and the concatenated response body (RESPONSE's inline bytes, then DATA).
export function streamOf(c: PeerConnection, id: number): { frames: v2.Frame[]; body: Buffer; ended: boolean } {
  const frames = c.frames.filter((f) => 'streamId' in f && f.streamId === id);
  const body = Buffer.concat(frames.flatMap((f) => (f.type === 'data' ? [Buffer.from(f.bytes)] : f.type === 'response' ? [Buffer.from(f.body)] : [])));
  const ended = frames.some((f) => (f.type === 'data' || f.type === 'response') && f.endStream) || frames.some((f) => f.type === 'reset');
  return { frames, body, ended };
}
