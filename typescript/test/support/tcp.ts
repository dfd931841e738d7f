// Test support for TCP tunnels: a node:net echo target and a caller socket
// that records what it receives.
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

import { waitFor } from './stack.js';

export interface EchoTarget {
  port: number;
  accepted: number;
  sawEnd: number; // connections whose peer ended its side (EOF reached the target)
  closed: number;
  sockets: Set<Socket>;
  close(): Promise<void>;
}

// Echoes every byte (honouring backpressure); on the peer's EOF it answers
// `[end after N bytes]` and ends its own side (so a half-close is visible:
// the answer is written after the target saw the end).
export async function echoTarget(): Promise<EchoTarget> {
  const t = { accepted: 0, sawEnd: 0, closed: 0, sockets: new Set<Socket>() } as EchoTarget;
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    t.accepted++;
    t.sockets.add(socket);
    let n = 0;
    socket.on('data', (d: Buffer) => {
      n += d.length;
      if (!socket.write(d)) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    });
    socket.on('end', () => {
      t.sawEnd++;
      socket.end(`[end after ${n} bytes]`);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      t.closed++;
      t.sockets.delete(socket);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.port = (server.address() as AddressInfo).port;
  t.close = () => new Promise<void>((r) => {
    for (const s of t.sockets) s.destroy();
    server.close(() => r());
  });
  return t;
}

// One external connection to a TCP listener: everything it receives, and when it ended or closed.
export class Caller {
  private chunks: Buffer[] = [];
  length = 0;
  ended = false; // the far side's EOF arrived
  closed = false;
  closedAt = 0;
  error?: Error;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.length += d.length;
    });
    socket.on('end', () => (this.ended = true));
    socket.on('error', (e) => (this.error = e));
    socket.on('close', () => {
      this.closed = true;
      this.closedAt = Date.now();
    });
  }

  static async dial(port: number): Promise<Caller> {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    await once(socket, 'connect');
    return new Caller(socket);
  }

  get data(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  // Writes `payload` in 64 KiB pieces, waiting for 'drain' whenever the socket asks to.
  async write(payload: Buffer): Promise<void> {
    for (let off = 0; off < payload.length; off += 64 * 1024) {
      if (this.closed) throw new Error(`caller closed after writing ${off} bytes`);
      if (!this.socket.write(payload.subarray(off, off + 64 * 1024))) {
        await Promise.race([once(this.socket, 'drain'), once(this.socket, 'close')]);
      }
    }
  }

  async waitBytes(n: number, timeoutMs = 20_000): Promise<void> {
    await waitFor(() => this.length >= n || this.closed, timeoutMs, `${n} bytes (have ${this.length})`);
    if (this.length < n) throw new Error(`connection closed after ${this.length} of ${n} bytes`);
  }

  async waitEnd(timeoutMs = 10_000): Promise<void> {
    await waitFor(() => this.ended || this.closed, timeoutMs, 'the far end');
  }

  async waitClosed(timeoutMs = 10_000): Promise<void> {
    await waitFor(() => this.closed, timeoutMs, 'the connection closed');
  }
}
