// Raw TCP tunnels (spec/PROTOCOL.md §1.2 and §2.15, docs/OPERATIONS.md "TCP
// tunnels"): where the connections go (the TCP target), and the protocol 1.1
// relay of tcp_connect / tcp_data / tcp_close, as the C++ client does it
// (cpp/src/client/client_session_v1.cpp). The protocol 2 relay lives in
// client.ts: it runs on the streams and windows of the HTTP exchanges.
import { connect, isIPv6, type Socket } from 'node:net';

import type { FrameWriter } from './frame_writer.js';
import * as v1 from './protocol/v1.js';

// TCP connections relayed at once per session, by either protocol (as the C++
// client's max_tcp_connections): beyond, 1.1 gets tcp_close with an error and
// protocol 2 RESET refused.
export const maxTcpConnections = 1024;
// 1.1 has no flow control: bytes from the server wait for a slow target up to
// this much per connection, beyond which the connection is ended with an error.
export const v1TcpBufferCap = 8 * 1024 * 1024;
// The client's connect timeout for its targets (the C++ client's connect_timeout).
export const defaultConnectTimeout = 10_000;

export interface HostPort {
  host: string; // a name or an address (IPv6 without brackets)
  port: number; // 1…65535
}

// "HOST:PORT", an IPv6 address in brackets ("[::1]:22"); null when it is not
// one (as the C++ parse_host_port: a name or IPv4 address of letters, digits,
// '-', '.', '_'; a decimal port 1…65535).
export function parseHostPort(text: string): HostPort | null {
  let host: string;
  let port: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') return null;
    host = text.slice(1, close);
    port = text.slice(close + 2);
    if (!isIPv6(host)) return null;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return null;
    host = text.slice(0, colon);
    port = text.slice(colon + 1);
    if (!/^[A-Za-z0-9._-]*$/.test(host)) return null;
  }
  if (!host || !/^[0-9]{1,5}$/.test(port)) return null;
  const number = Number(port);
  if (number < 1 || number > 65535) return null;
  return { host, port: number };
}

// The TCP target: `tcpTarget` when given (throws TypeError when it is not
// HOST:PORT), else the host of `targetUrl` and its port (else 443 for https,
// 80 for http).
export function tcpTargetOf(tcpTarget: string | undefined, targetUrl: string): HostPort {
  if (tcpTarget) {
    const parsed = parseHostPort(tcpTarget);
    if (!parsed) throw new TypeError(`invalid TCP target '${tcpTarget}' (expected HOST:PORT, IPv6 as [ADDRESS]:PORT)`);
    return parsed;
  }
  const url = new URL(targetUrl);
  let host = url.hostname;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80 };
}

export const hostPortText = (t: HostPort): string => (t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`);

export class TcpConnectError extends Error {
  constructor(readonly kind: 'timeout' | 'unavailable' | 'aborted', message: string) {
    super(message);
  }
}

// Opens a connection to `target` (half-open allowed: each direction ends on its own). `connected`
// resolves once connected; it rejects with TcpConnectError: 'timeout' after `timeoutMs`, 'unavailable'
// on an error, 'aborted' when `signal` fires or the socket is destroyed meanwhile (the socket is
// destroyed in every case).
export function connectTcp(target: HostPort, timeoutMs: number, signal?: AbortSignal): { socket: Socket; connected: Promise<void> } {
  const socket = connect({ host: target.host, port: target.port, allowHalfOpen: true });
  const connected = new Promise<void>((resolve, reject) => {
    const settle = (error?: TcpConnectError) => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      socket.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        socket.destroy();
        reject(error);
      } else {
        resolve();
      }
    };
    const onConnect = () => {
      socket.setNoDelay(true);
      settle();
    };
    const onError = (e: Error) => settle(new TcpConnectError('unavailable', e.message || String((e as { code?: string }).code)));
    const onAbort = () => settle(new TcpConnectError('aborted', 'cancelled'));
    const onClose = () => settle(new TcpConnectError('aborted', 'closed')); // destroyed by its owner meanwhile
    const timer = setTimeout(() => settle(new TcpConnectError('timeout', `timed out after ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', onConnect);
    socket.once('error', onError);
    socket.once('close', onClose);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  connected.catch(() => undefined); // the caller awaits it; never an unhandled rejection
  return { socket, connected };
}

// Padded standard base64 only (what the server sends; Buffer.from would accept anything).
const base64Text = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

interface V1Connection {
  socket: Socket;
  sequence: number;
  closed: boolean;
  error?: Error; // the target connection's last error
  sending: Promise<void>; // the target's bytes on their way to the server, in order
}

// A graceful close of a target connection: the bytes already handed to it are
// written, then FIN; a target that does not take them within this long is cut.
const v1CloseGrace = 5_000;

// The protocol 1.1 TCP relay of one session (spec §1.2): one target connection
// per tcp_connect, bytes both ways as JSON tcp_data (padded standard base64,
// `sequence` from 0), tcp_close both ways. There is no flow control and no
// half-close: either side's end of input ends the connection both ways.
export class V1TcpRelay {
  private readonly connections = new Map<string, V1Connection>();

  constructor(
    private readonly out: FrameWriter,
    private readonly target: HostPort,
    private readonly connectTimeout: number,
  ) {}

  get size(): number {
    return this.connections.size;
  }

  // tcp_connect, tcp_data and tcp_close; false for any other message.
  handle(m: v1.Message): boolean {
    if (m.type === 'tcp_connect') this.onConnect(m.conn_id);
    else if (m.type === 'tcp_data') this.onData(m);
    else if (m.type === 'tcp_close') this.onClose(m);
    else return false;
    return true;
  }

  // The session ended: every target connection is cut.
  closeAll(): void {
    for (const c of this.connections.values()) {
      c.closed = true;
      c.socket.destroy();
    }
    this.connections.clear();
  }

  private send(m: v1.Message): void {
    this.out.sendText(v1.encode(m));
  }

  private onConnect(id: string): void {
    if (!this.out.open || this.connections.has(id)) return;
    if (this.connections.size >= maxTcpConnections) {
      this.send({ type: 'tcp_close', conn_id: id, error: 'Too many TCP connections through this client' });
      return;
    }
    const { socket, connected } = connectTcp(this.target, this.connectTimeout);
    const c: V1Connection = { socket, sequence: 0, closed: false, sending: Promise.resolve() };
    this.connections.set(id, c);
    socket.on('error', (e: Error) => (c.error = e)); // reported by connect, or on 'close' (relay)
    connected.then(
      () => this.relay(id, c),
      (e: Error) => this.end(id, c, `Target connect failed: ${e.message}`, true),
    );
  }

  // Target → server as tcp_data, each waiting for room in the outbox (the socket
  // pauses meanwhile: a server that stops reading stops the target reads).
  private relay(id: string, c: V1Connection): void {
    if (c.closed) return;
    c.socket.on('data', (chunk: Buffer) => {
      if (c.closed) return;
      c.socket.pause();
      c.sending = c.sending.then(async () => {
        await this.out.whenWritable();
        if (c.closed) return;
        this.send({ type: 'tcp_data', conn_id: id, data: chunk.toString('base64'), sequence: c.sequence++ });
        c.socket.resume();
      });
    });
    // Our end of the target connection: after EOF, bytes for it still go out (no half-close here).
    c.socket.on('end', () => void c.sending.then(() => this.end(id, c, null, false)));
    c.socket.on('close', (hadError: boolean) => {
      const error = hadError || c.error ? `Target connection broken: ${c.error?.message ?? 'error'}` : null;
      void c.sending.then(() => this.end(id, c, error, true));
    });
  }

  private onData(m: v1.TcpData): void {
    const c = this.connections.get(m.conn_id);
    if (!c) return; // unknown ids are dropped
    if (!base64Text.test(m.data)) return this.end(m.conn_id, c, 'tcp_data is not base64', true);
    const bytes = Buffer.from(m.data, 'base64');
    // Queued for the target (while it connects, or reads slowly) counts against the cap.
    if (c.socket.writableLength + bytes.length > v1TcpBufferCap)
      return this.end(m.conn_id, c, 'the target reads slower than the connection sends', true);
    if (bytes.length) c.socket.write(bytes);
  }

  // The server ended the connection: echo its tcp_close, close the target side.
  private onClose(m: v1.TcpClose): void {
    const c = this.connections.get(m.conn_id);
    if (!c) return; // unknown, or the echo of our own tcp_close
    this.send({ type: 'tcp_close', conn_id: m.conn_id, error: m.error });
    this.forget(m.conn_id, c, m.error !== null);
  }

  // We end connection `id` (the target's EOF: no error; a failure: its text): tell the server, close the target.
  private end(id: string, c: V1Connection, error: string | null, destroy: boolean): void {
    if (c.closed || this.connections.get(id) !== c) return;
    this.send({ type: 'tcp_close', conn_id: id, error });
    this.forget(id, c, destroy || error !== null);
  }

  // Stops relaying `c`. After an error the target connection is cut at once;
  // else what it was handed is written first (then FIN), within v1CloseGrace.
  private forget(id: string, c: V1Connection, destroy: boolean): void {
    c.closed = true;
    if (this.connections.get(id) === c) this.connections.delete(id);
    const socket = c.socket;
    if (destroy || socket.destroyed) {
      socket.destroy();
      return;
    }
    socket.resume(); // nothing more is relayed: what the target still sends is read and dropped
    socket.end();
    const timer = setTimeout(() => socket.destroy(), v1CloseGrace);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    socket.once('finish', () => socket.destroy());
  }
}
