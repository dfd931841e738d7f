// TunnelClient: the original SDK's API (npm tunely@0.2.1: serverUrl, token,
// targetUrl, reconnectInterval, maxReconnectAttempts, requestTimeout, force;
// on('onConnect' | 'onDisconnect' | 'onRequest' | 'onError', cb); run(), stop()),
// speaking protocol 2 when the server offers it and 1.1 otherwise
// (spec/PROTOCOL.md). Ours besides: onReconnecting, and onRequestDone with a
// summary of each exchange once it ended (onRequest fires on arrival).
//
// Going away (spec §2.11), as the C++ client: on GOAWAY the streams in flight
// finish (OPENs past its last stream id are refused), the client closes the
// session itself (1000 "Going away") once none is left and reconnects at once,
// reported as onReconnecting(0, attempt). A session the server closes with
// 1001 (a stopping server's 1.1 sessions get no GOAWAY) counts alike. Only one
// reconnect in a row skips the backoff.
//
// Bounded memory: response bytes go out under the stream's credit and only
// while the WebSocket's queue is at most 512 KiB (FrameWriter), so a server
// that stops reading stops the target being read; request DATA beyond the
// credit granted is reset (flow_control); a response head the protocol cannot
// carry fails that one request with 502 (RESET target_error).
//
// TCP tunnels (spec §1.2, §2.15): with a TCP target (tcpTarget, else the
// target URL's host and port) the client offers tunely/2+tcp and, for 1.1
// sessions, tunely/tcp. A RAW OPEN of kind TCP becomes one node:net connection,
// relayed on the stream's windows like an upgraded exchange, with half-close;
// 1.1's tcp_connect / tcp_data / tcp_close are relayed by V1TcpRelay (tcp.ts).
import { Readable } from 'node:stream';
import WebSocket from 'ws';

import { backoffDelay, defaultBackoff } from './backoff.js';
import { bufferView } from './bytes.js';
import { MessageType, type TunnelRequest } from './compat.js';
import { TunelyError } from './errors.js';
import type { HeaderList } from './protocol/headers.js';
import { FrameWriter } from './frame_writer.js';
import { relayed } from './gc_pacer.js';
import { isBatch, splitBatch } from './protocol/batch.js';
import {
  capabilityBatch, capabilityTcp, capabilityUpgrade, capabilityV1Tcp, capabilityV2, v1MaxMessageSize, v2InitialWindow, v2MaxDataPayload,
} from './protocol/limits.js';
import * as v1 from './protocol/v1.js';
import * as v2 from './protocol/v2.js';
import type { EndToEndHead } from './raw_head.js';
import { Target, TargetError, failureStatus, headTooLarge, upgradeProtocol } from './target.js';
import { TcpConnectError, V1TcpRelay, connectTcp, defaultConnectTimeout, maxTcpConnections, tcpTargetOf, type HostPort } from './tcp.js';

export type { TunnelRequest } from './compat.js';

// One exchange, once it ended (onRequestDone).
export interface RequestSummary {
  method: string;
  path: string;
  status: number; // 0 when the exchange failed before a status
  durationMs: number;
  error?: string;
}

// The callbacks, as constructor options, properties, or on(name, callback).
export interface TunnelClientEvents {
  onConnect?: (domain: string) => void;
  onDisconnect?: () => void;
  // A request as it arrives, before it is forwarded to the target.
  onRequest?: (request: TunnelRequest) => void;
  onError?: (error: Error) => void;
  // Before each reconnect: the delay (0 for the immediate reconnect after the
  // server went away) and the attempt number since the last sign-in.
  onReconnecting?: (delayMs: number, attempt: number) => void;
  // Once an exchange ended (answered, failed or reset).
  onRequestDone?: (summary: RequestSummary) => void;
}

const eventNames: ReadonlySet<string> = new Set(['onConnect', 'onDisconnect', 'onRequest', 'onError', 'onReconnecting', 'onRequestDone']);

// The original SDK's TunnelClientConfig, plus our options.
export interface TunnelClientConfig {
  serverUrl: string;
  token: string;
  targetUrl: string;
  reconnectInterval?: number; // ms, base of the backoff (5000)
  maxReconnectAttempts?: number; // 0 = unlimited
  requestTimeout?: number; // ms, when the server gives none (300000)
  force?: boolean;
  protocol2?: boolean; // offer protocol 2 (true)
  pingInterval?: number; // ms (25000)
  idleTimeout?: number; // ms: reconnect when nothing arrives this long (45000)
  // Where TCP tunnel connections go: "HOST:PORT", IPv6 in brackets ("[::1]:22").
  // Default: the host and port of targetUrl (443 for https, 80 for http).
  tcpTarget?: string;
  connectTimeout?: number; // ms, connecting to a TCP target (10000; protocol 2: at most the server's deadline)
}

export interface TunnelClientOptions extends TunnelClientConfig, TunnelClientEvents {}

export const clientVersion = '0.2.0';

// One authenticated WebSocket.
interface Session {
  ws: WebSocket;
  out: FrameWriter;
  // Protocol 2: the server sent GOAWAY. Streams up to lastStreamId finish, then we close and reconnect at once.
  goingAway: boolean;
  lastStreamId: number;
  closing: boolean; // we closed it, or it closed
  tcp: boolean; // protocol 2: tunely/2+tcp negotiated (RAW OPENs of kind TCP are served)
  v1Tcp?: V1TcpRelay; // protocol 1.1: the TCP relay (an original server sends tcp_connect unasked)
}

interface Stream {
  id: number;
  session: Session;
  aborted: boolean; // reset, or the session ended: whatever serves the stream stops
  abortHooks: Array<() => void>; // run once, when it is aborted (onAbort)
  body?: Readable; // request body arriving as DATA
  bodyEnded: boolean; // the request direction has ended (END_STREAM seen)
  receiveCredit: number; // request bytes the server may still send
  pendingCredit: number; // request bytes consumed, not yet granted back
  sendCredit: number;
  creditWaiters: Array<() => void>;
  closed: boolean;
  raw: boolean; // a raw TCP stream (counted against maxTcpConnections)
}

// A response head relayExchange() has not sent yet, and the body bytes that arrived with it.
interface HeldHead {
  status: number;
  fields: EndToEndHead;
  chunks: Buffer[];
  size: number;
}

const noBytes = new Uint8Array(0);

// The callbacks are properties of the client, declared once (TunnelClientEvents, merged into the class).
// eslint-disable-next-line @typescript-eslint/no-empty-interface, @typescript-eslint/no-unsafe-declaration-merging
export interface TunnelClient extends TunnelClientEvents {}

export class TunnelClient {
  private readonly options: Required<TunnelClientConfig>;
  private ws?: WebSocket;
  private session?: Session;
  private connected = false;
  private domain: string | null = null;
  private protocol: '2' | '1.1' = '1.1';
  private stopping = false;
  private wake?: () => void;
  private readonly target: Target;
  private readonly tcpTarget: HostPort;
  private tcpStreams = 0; // raw TCP streams in `streams`
  private readonly streams = new Map<number, Stream>();
  private readonly v1Calls = new Map<string, AbortController>();

  // Throws before anything connects: TunelyError (missing_field) when the token
  // is missing or empty, TypeError when targetUrl is not an http(s) URL.
  constructor(options: TunnelClientOptions) {
    if (typeof options?.token !== 'string' || options.token.trim() === '')
      throw new TunelyError('missing_field', 'a tunnel token is required (the token option, tun_…)');
    const { onConnect, onDisconnect, onRequest, onError, onReconnecting, onRequestDone, ...config } = options;
    this.options = {
      reconnectInterval: 5000, maxReconnectAttempts: 0, requestTimeout: 300_000, force: false, protocol2: true,
      pingInterval: 25_000, idleTimeout: 45_000, tcpTarget: '', connectTimeout: defaultConnectTimeout, ...config,
    };
    Object.assign(this, { onConnect, onDisconnect, onRequest, onError, onReconnecting, onRequestDone });
    this.target = new Target(options.targetUrl);
    this.tcpTarget = tcpTargetOf(this.options.tcpTarget || undefined, options.targetUrl);
  }

  // The original SDK's on(): sets the callback of one event, replacing the
  // previous one (no chaining: returns nothing). Unknown names are ignored.
  on<K extends keyof TunnelClientEvents>(event: K, callback: TunnelClientEvents[K]): void {
    if (eventNames.has(event)) (this as TunnelClientEvents)[event] = callback;
  }

  // Calls a callback; what it throws goes to onError (and never into the session).
  private emit<K extends keyof TunnelClientEvents>(event: K, ...args: Parameters<NonNullable<TunnelClientEvents[K]>>): void {
    const callback = this[event] as ((...a: unknown[]) => void) | undefined;
    if (!callback) return;
    try {
      callback(...args);
    } catch (e) {
      if (event === 'onError') return;
      try {
        this.onError?.(e instanceof Error ? e : new Error(String(e)));
      } catch {
        // an onError that throws: nothing left to tell
      }
    }
  }

  get isConnected(): boolean {
    return this.connected;
  }

  get tunnelDomain(): string | null {
    return this.domain;
  }

  // "2" or "1.1" while connected, null otherwise.
  get protocolVersion(): '2' | '1.1' | null {
    return this.connected ? this.protocol : null;
  }

  // Runs until stop(), a rejection by the server (auth_failed or
  // connection_exists: never retried automatically) or maxReconnectAttempts.
  async run(): Promise<void> {
    let failures = 0; // backoff steps since the last sign-in
    let attempt = 0; // reconnects since the last sign-in, as reported to onReconnecting
    let reconnectedNow = false;
    try {
      while (!this.stopping) {
        const outcome = await this.connectOnce();
        if (this.stopping) break;
        if (outcome.fatal) throw outcome.fatal;
        if (outcome.authenticated) failures = attempt = 0;
        // The server went away (GOAWAY, or a close with 1001: it is stopping or
        // restarting): reconnect without backoff, as the C++ client does, but only
        // once in a row, so a server that does it on every connection gets no tight loop.
        const immediate: boolean = outcome.wentAway && !reconnectedNow;
        reconnectedNow = immediate;
        if (immediate) {
          this.emit('onReconnecting', 0, ++attempt);
          continue;
        }
        if (this.options.maxReconnectAttempts > 0 && failures >= this.options.maxReconnectAttempts)
          throw new TunelyError('tunnel_disconnected', `gave up after ${failures} reconnect attempts`);
        const delay = backoffDelay({ ...defaultBackoff, baseMs: this.options.reconnectInterval }, failures);
        failures++;
        this.emit('onReconnecting', delay, ++attempt);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    } finally {
      await this.target.close().catch(() => undefined);
    }
  }

  stop(): void {
    this.stopping = true;
    this.wake?.();
    this.ws?.close(1000, 'Client stopping');
  }

  private report(error: Error): void {
    this.emit('onError', error);
  }

  private connectOnce(): Promise<{ authenticated: boolean; wentAway: boolean; fatal?: TunelyError }> {
    return new Promise((resolve) => {
      let authenticated = false;
      let fatal: TunelyError | undefined;
      let session: Session | undefined; // once signed in
      let protocol2 = false;
      let lastSeen = Date.now();
      const ws = new WebSocket(this.options.serverUrl, { perMessageDeflate: false, handshakeTimeout: 10_000 });
      ws.binaryType = 'nodebuffer';
      this.ws = ws;
      // Heartbeat: a ping every pingInterval; a connection silent for idleTimeout is dropped (and retried).
      const pinger = setInterval(() => {
        if (!session?.out.open) return;
        if (protocol2) session.out.send(v2.encode({ type: 'ping', opaque: BigInt(Date.now()) }));
        else session.out.sendText(v1.encode({ type: 'ping', timestamp: new Date().toISOString() }));
      }, this.options.pingInterval);
      const watchdog = setInterval(() => {
        if (Date.now() - lastSeen >= this.options.idleTimeout) ws.terminate();
      }, Math.min(1000, this.options.idleTimeout / 4));

      ws.on('open', () => {
        // TCP: raw streams on protocol 2; the original's tcp_* messages should the session be 1.1.
        const caps = this.options.protocol2 ? [capabilityV2, capabilityUpgrade, capabilityBatch, capabilityTcp, capabilityV1Tcp] : [capabilityV1Tcp];
        ws.send(v1.encode({ type: 'auth', token: this.options.token, client_version: clientVersion, force: this.options.force, capabilities: caps }));
      });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        lastSeen = Date.now();
        if (!session) {
          const m = isBinary ? undefined : v1.decode(data.toString('utf8'));
          if (m?.ok && m.value.type === 'auth_ok') {
            authenticated = true;
            protocol2 = this.options.protocol2 && m.value.capabilities.includes(capabilityV2);
            const batching = protocol2 && m.value.capabilities.includes(capabilityBatch);
            const out = new FrameWriter(ws, batching);
            session = {
              ws, out, goingAway: false, lastStreamId: 0, closing: false,
              tcp: protocol2 && m.value.capabilities.includes(capabilityTcp),
              v1Tcp: protocol2 ? undefined : new V1TcpRelay(out, this.tcpTarget, this.options.connectTimeout),
            };
            this.session = session;
            this.connected = true;
            this.protocol = protocol2 ? '2' : '1.1';
            this.domain = m.value.domain;
            this.emit('onConnect', m.value.domain);
          } else if (m?.ok && m.value.type === 'auth_error') {
            fatal = new TunelyError(m.value.code === 'connection_exists' ? 'connection_exists' : 'auth_failed', m.value.error);
            ws.close(1000);
          } else {
            ws.terminate();
          }
          return;
        }
        if (protocol2) this.onFrameV2(session, data, isBinary);
        else if (!isBinary) {
          relayed(data.length);
          this.onFrameV1(session, data.toString('utf8'));
        }
      });
      ws.on('ping', () => {
        lastSeen = Date.now();
      });
      ws.on('error', (e) => {
        if (!this.stopping) this.report(e);
      });
      ws.on('close', (code: number) => {
        clearInterval(pinger);
        clearInterval(watchdog);
        if (session) session.closing = true;
        session?.v1Tcp?.closeAll();
        if (this.session === session) this.session = undefined;
        for (const s of this.streams.values()) this.closeStream(s, true);
        this.streams.clear();
        for (const c of this.v1Calls.values()) c.abort();
        this.v1Calls.clear();
        if (this.connected) {
          this.connected = false;
          this.emit('onDisconnect');
        }
        if (fatal) this.report(fatal);
        // GOAWAY (protocol 2), or a close with 1001 "going away" (the server is stopping; 1.1 gets no GOAWAY).
        const wentAway = authenticated && (session?.goingAway === true || code === 1001);
        resolve({ authenticated, wentAway, fatal });
      });
    });
  }

  // ---- protocol 1.1 ----

  private onFrameV1(session: Session, text: string): void {
    const m = v1.decode(text);
    if (!m.ok) return; // malformed frames are dropped; the session goes on
    if (m.value.type === 'ping') session.out.sendText(v1.encode({ type: 'pong', timestamp: m.value.timestamp }));
    else if (m.value.type === 'request') void this.serveV1(session.out, m.value);
    else session.v1Tcp?.handle(m.value); // tcp_connect, tcp_data, tcp_close; anything else is dropped
  }

  private async serveV1(out: FrameWriter, r: v1.Request): Promise<void> {
    const started = Date.now();
    this.emit('onRequest', {
      type: MessageType.REQUEST, id: r.id, method: r.method, path: r.path, headers: Object.fromEntries(r.headers), body: r.body,
      timeout: r.timeout, ...(r.timestamp ? { timestamp: r.timestamp } : {}),
    });
    const abort = new AbortController();
    this.v1Calls.set(r.id, abort);
    const send = (m: v1.Message) => out.sendText(v1.encode(m));
    const fail = (status: number, error: string) => {
      send({ type: 'response', id: r.id, status, headers: [], body: null, error, duration_ms: Date.now() - started });
      this.emit('onRequestDone', { method: r.method, path: r.path, status, durationMs: Date.now() - started, error });
    };
    try {
      if (!r.path.startsWith('/')) return fail(400, "Path must start with '/'");
      const timeout = r.timeout > 0 ? r.timeout * 1000 : this.options.requestTimeout;
      const res = await this.target.call(r.method, r.path, r.headers, r.body, timeout, abort.signal);
      // The same head limits as protocol 2 (the server holds both to them): 502 for this request.
      if (!v2.headFits(res.headers)) {
        discard(res.body);
        throw headTooLarge(res.headers.length);
      }
      const folded = foldForV1(res.headers).filter(([n]) => n.toLowerCase() !== 'content-length');
      const contentType = res.headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? '';
      if (contentType.startsWith('text/event-stream')) {
        send({ type: 'stream_start', id: r.id, status: res.status, headers: folded });
        const decoder = new TextDecoder('utf-8', { fatal: true });
        let sequence = 0;
        let error: string | null = null;
        try {
          for await (const chunk of res.body) {
            const text = decoder.decode(chunk as Buffer, { stream: true });
            if (!text) continue;
            // 1.1 has no window: a server that stops reading holds the target back here.
            await out.whenWritable();
            send({ type: 'stream_chunk', id: r.id, data: text, sequence: sequence++ });
          }
        } catch (e) {
          error = `Target stream broken: ${(e as Error).message}`;
        }
        send({ type: 'stream_end', id: r.id, error, duration_ms: Date.now() - started, total_chunks: sequence });
        this.emit('onRequestDone', { method: r.method, path: r.path, status: res.status, durationMs: Date.now() - started });
        return;
      }
      // A whole body in one message, which may not exceed 64 MiB (spec §1.1).
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > v1MaxMessageSize) {
          discard(res.body);
          return fail(502, 'Target response too large for protocol 1.1');
        }
        chunks.push(chunk as Buffer);
      }
      const body = Buffer.concat(chunks);
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(body);
      } catch {
        return fail(502, 'Target response is binary; protocol 1.1 carries only UTF-8 text');
      }
      const message = v1.encode({ type: 'response', id: r.id, status: res.status, headers: folded, body: body.length ? text : null, error: null, duration_ms: Date.now() - started });
      if (Buffer.byteLength(message) > v1MaxMessageSize) return fail(502, 'Target response too large for protocol 1.1');
      out.sendText(message);
      this.emit('onRequestDone', { method: r.method, path: r.path, status: res.status, durationMs: Date.now() - started });
    } catch (e) {
      if (e instanceof TargetError) fail(e.status ?? failureStatus(e.code, 500), e.message);
      else if (!abort.signal.aborted) fail(500, (e as Error).message);
    } finally {
      this.v1Calls.delete(r.id);
    }
  }

  // ---- protocol 2 ----

  private onFrameV2(session: Session, data: Buffer, isBinary: boolean): void {
    if (!isBinary) return; // text after negotiation: ignored
    if (isBatch(data)) {
      for (const frame of splitBatch(data) ?? []) this.handleV2(session, frame); // a malformed batch is dropped whole
      return;
    }
    this.handleV2(session, data);
  }

  private handleV2(session: Session, data: Uint8Array): void {
    relayed(data.length); // per frame, not per BATCH message: the gc pacer ignores small frames
    const d = v2.decode(data);
    if (!d.ok) return;
    const f = d.value;
    const out = session.out;
    const s = 'streamId' in f ? this.streams.get(f.streamId) : undefined;
    switch (f.type) {
      case 'open':
        if (session.closing || this.streams.has(f.streamId)) break;
        if (session.goingAway && f.streamId > session.lastStreamId) {
          // Past the server's own GOAWAY: it said it opens no more streams.
          out.send(v2.encode({ type: 'reset', streamId: f.streamId, code: v2.resetCodes.refused, message: 'going away' }));
          break;
        }
        // A raw stream (spec §2.15) is never an HTTP exchange: TCP when negotiated, else refused.
        if (f.raw) this.serveRaw(session, f);
        else void this.serveV2(session, f);
        break;
      case 'data':
        if (!s) break;
        // Beyond the credit we granted, or after END_STREAM: the server broke flow control (spec §2.6, §2.7).
        if (!s.body || s.bodyEnded || f.bytes.length > s.receiveCredit) {
          out.send(v2.encode({ type: 'reset', streamId: s.id, code: v2.resetCodes.flow_control, message: 'request body beyond window' }));
          this.closeStream(s, true);
          break;
        }
        s.receiveCredit -= f.bytes.length;
        if (f.bytes.length) s.body.push(bufferView(f.bytes)); // no copy: the message is ours (bytes.ts)
        s.pendingCredit += f.bytes.length;
        if (f.endStream) {
          s.bodyEnded = true;
          s.body.push(null);
        }
        this.maybeGrant(out, s);
        break;
      case 'window':
        if (s) {
          s.sendCredit += f.increment;
          for (const w of s.creditWaiters.splice(0)) w();
        }
        break;
      case 'reset':
        if (s) this.closeStream(s, true);
        break;
      case 'ping':
        out.send(v2.encode({ type: 'pong', opaque: f.opaque }));
        break;
      case 'goaway':
        // The server stops (or ran out of stream ids): let the streams in flight
        // finish, close once none is left, and reconnect at once (run()).
        if (!session.goingAway || f.lastStreamId < session.lastStreamId) session.lastStreamId = f.lastStreamId;
        session.goingAway = true;
        this.closeIfGone(session);
        break;
      default:
        break;
    }
  }

  // After GOAWAY: close the session once its last stream has ended.
  private closeIfGone(session: Session): void {
    if (!session.goingAway || session.closing || this.session !== session || this.streams.size > 0) return;
    session.closing = true;
    session.out.close(1000, 'Going away');
  }

  // Returns request-body credit once half a window was consumed by the target.
  private maybeGrant(out: FrameWriter, s: Stream): void {
    if (s.closed || s.bodyEnded || s.pendingCredit < v2InitialWindow / 2) return;
    if (s.body && s.body.readableLength > v2InitialWindow / 2) return; // the target is slow: hold credit back
    out.send(v2.encode({ type: 'window', streamId: s.id, increment: s.pendingCredit }));
    s.receiveCredit += s.pendingCredit;
    s.pendingCredit = 0;
  }

  private closeStream(s: Stream, abort: boolean): void {
    if (s.closed) return;
    s.closed = true;
    if (s.raw) this.tcpStreams--;
    if (abort) {
      s.aborted = true;
      for (const h of s.abortHooks.splice(0)) h();
    }
    for (const w of s.creditWaiters.splice(0)) w();
    if (this.streams.get(s.id) === s) this.streams.delete(s.id);
    this.closeIfGone(s.session);
  }

  // A new stream for OPEN `f`: credit both ways at the initial window, and the
  // request direction as a Readable (when it carries anything) whose reads grant
  // credit back as its consumer drains it.
  private openStream(session: Session, f: v2.Open, raw: boolean): Stream {
    const s: Stream = {
      id: f.streamId, session, aborted: false, abortHooks: [], bodyEnded: f.endStream, receiveCredit: v2InitialWindow - f.body.length,
      pendingCredit: 0, sendCredit: v2InitialWindow, creditWaiters: [], closed: false, raw,
    };
    this.streams.set(s.id, s);
    if (raw) this.tcpStreams++;
    if (raw || !f.endStream || f.body.length) {
      const body = new Readable({ read: () => this.maybeGrant(session.out, s) });
      s.body = body;
      if (f.body.length) body.push(bufferView(f.body));
      if (f.endStream) body.push(null);
    }
    return s;
  }

  // Runs `hook` once when the stream is aborted (at once if it already was).
  private onAbort(s: Stream, hook: () => void): void {
    if (s.aborted) hook();
    else s.abortHooks.push(hook);
  }

  // An AbortSignal that fires when the stream is aborted, for APIs that take
  // one (an AbortController per stream only where it is needed: it is costly).
  private abortSignal(s: Stream): AbortSignal {
    const c = new AbortController();
    this.onAbort(s, () => c.abort());
    return c.signal;
  }

  // Sends all of `chunk` as DATA at once when the stream's credit covers it and
  // the WebSocket's queue is at or below its high-water mark; false (nothing
  // sent) otherwise, or once the stream is closed: then sendData() waits.
  private sendNow(s: Stream, chunk: Buffer): boolean {
    const out = s.session.out;
    if (s.closed || chunk.length > s.sendCredit || out.queued > out.highWater) return false;
    for (let at = 0; at < chunk.length; at += v2MaxDataPayload) out.sendData(s.id, false, chunk.subarray(at, at + v2MaxDataPayload));
    s.sendCredit -= chunk.length;
    return true;
  }

  // Bytes towards the server as DATA frames under the stream's send credit, and
  // below the WebSocket's high-water mark: a server that grants credit but stops
  // reading holds the producer (target) back here instead of filling memory.
  // Throws once the stream is closed (reset, or the session ended).
  private async sendData(s: Stream, chunk: Buffer): Promise<void> {
    const out = s.session.out;
    let bytes = chunk;
    while (bytes.length) {
      while (s.sendCredit <= 0 && !s.closed) await new Promise<void>((r) => s.creditWaiters.push(r));
      await out.whenWritable();
      if (s.closed) throw new Error('stream reset');
      const n = Math.min(bytes.length, v2MaxDataPayload, s.sendCredit);
      out.sendData(s.id, false, bytes.subarray(0, n));
      s.sendCredit -= n;
      bytes = bytes.subarray(n);
    }
  }

  // A RAW OPEN (spec §2.15): TCP when tunely/2+tcp was negotiated, within
  // maxTcpConnections; anything else is refused before any processing.
  private serveRaw(session: Session, f: v2.Open): void {
    const refuse = (message: string) =>
      session.out.send(v2.encode({ type: 'reset', streamId: f.streamId, code: v2.resetCodes.refused, message }));
    if (f.method !== v2.methodTcp) return refuse(`Raw ${f.method} streams not supported by this client`);
    if (!session.tcp) return refuse('Raw TCP streams not supported: tunely/2+tcp was not negotiated');
    if (this.tcpStreams >= maxTcpConnections) return refuse('Too many TCP connections through this client');
    void this.serveTcp(session, f);
  }

  // One raw TCP stream: a new connection to the TCP target within the connect
  // timeout (and the OPEN's deadline, when it gives one), RESPONSE 200 without
  // fields, then bytes both ways on the stream's windows. Bytes the server sent
  // before RESPONSE wait in the stream's Readable (within its window) and go
  // first. Each direction ends on its own (half-close): the server's END_STREAM
  // ends our writes to the target (after what is held), the target's EOF is
  // DATA END_STREAM; the stream is done once both ended. A broken target
  // connection is RESET target_error; a RESET from the server cuts it.
  // Reported once, when it ends, to onRequestDone: method TCP, path the
  // external peer (tunely-peer), status 200 once connected (0 if never).
  private async serveTcp(session: Session, f: v2.Open): Promise<void> {
    const started = Date.now();
    const out = session.out;
    const s = this.openStream(session, f, true);
    const body = s.body!;
    const peer = f.headers.find(([n]) => n.toLowerCase() === 'tunely-peer')?.[1];
    const summary: RequestSummary = { method: f.method, path: peer ?? f.target, status: 0, durationMs: 0 };
    const reset = (code: keyof typeof v2.resetCodes, message: string) => {
      if (s.closed) return;
      out.send(v2.encode({ type: 'reset', streamId: s.id, code: v2.resetCodes[code], message }));
      summary.error ??= message;
      this.closeStream(s, true);
    };
    const limit = f.timeoutMs ? Math.min(this.options.connectTimeout, f.timeoutMs) : this.options.connectTimeout;
    const { socket, connected } = connectTcp(this.tcpTarget, limit, this.abortSignal(s));
    socket.on('error', () => undefined); // handled below (connect failure, then 'error' while relaying)
    try {
      await connected;
      if (s.closed) throw new TcpConnectError('aborted', 'cancelled'); // reset as the connect completed
    } catch (e) {
      socket.destroy();
      if (e instanceof TcpConnectError && e.kind === 'timeout') reset('target_timeout', 'Target service timeout');
      else if (e instanceof TcpConnectError && e.kind === 'unavailable') reset('target_unavailable', `Target service unavailable: ${e.message}`);
      else if (!s.closed) reset('internal', (e as Error).message);
      summary.error ??= 'Connection reset';
      this.closeStream(s, true);
      summary.durationMs = Date.now() - started;
      this.emit('onRequestDone', summary);
      return;
    }
    this.onAbort(s, () => socket.destroy());
    out.send(v2.encode({ type: 'response', streamId: s.id, endStream: false, status: 200, headers: [], body: new Uint8Array(0) }));
    summary.status = 200;
    await new Promise<void>((resolve) => {
      let targetEnded = false; // our DATA END_STREAM went out
      let writesEnded = false; // the server's direction ended and was written, then FIN
      let sending = Promise.resolve(); // the target's bytes on their way, in order; never rejects
      const finishIfDone = () => {
        if (!targetEnded || !writesEnded || s.closed) return;
        this.closeStream(s, false);
        socket.destroy();
      };
      // Target → server: one chunk at a time, the socket paused while it waits for credit or outbox room.
      socket.on('data', (chunk: Buffer) => {
        socket.pause();
        sending = sending.then(() => this.sendData(s, chunk)).then(
          () => void (s.closed || socket.resume()),
          () => void socket.destroy(),
        );
      });
      socket.on('end', () => {
        sending = sending.then(() => {
          if (s.closed) return;
          out.send(v2.encode({ type: 'data', streamId: s.id, endStream: true, bytes: new Uint8Array(0) }));
          targetEnded = true;
          finishIfDone();
        });
      });
      socket.on('finish', () => {
        writesEnded = true;
        finishIfDone();
      });
      socket.on('error', (e: Error) => reset('target_error', `Target connection broken: ${e.message}`));
      socket.on('close', () => {
        void sending.then(() => {
          // Closed with both directions over: done; otherwise (a reset already closed it, or the
          // connection went away without an error event) the stream cannot go on.
          finishIfDone();
          reset('target_error', 'Target connection closed');
          resolve();
        });
      });
      // Server → target: what is held, then what arrives; its END_STREAM ends our writes (socket.end()).
      body.pipe(socket);
    });
    if (s.aborted && !summary.error) summary.error = 'Connection reset'; // a RESET, or the session ended
    summary.durationMs = Date.now() - started;
    this.emit('onRequestDone', summary);
  }

  private async serveV2(session: Session, f: v2.Open): Promise<void> {
    const started = Date.now();
    // The original's request message: the stream id as id, header names in
    // lower case, folded as 1.1 folds them; the body only when it arrived whole
    // in OPEN as UTF-8 text, else null (it streams to the target). Built only
    // when someone listens: it costs a fold of the head per request.
    if (this.onRequest) this.emit('onRequest', {
      type: MessageType.REQUEST, id: String(f.streamId), method: f.method, path: f.target,
      headers: Object.fromEntries(foldForV1(f.headers).map(([n, v]) => [n.toLowerCase(), v])), body: wholeText(f),
      timeout: (f.timeoutMs || this.options.requestTimeout) / 1000,
    });
    const out = session.out;
    const s = this.openStream(session, f, false);
    const send = (frame: v2.Frame) => out.send(v2.encode(frame));
    const body = s.body ?? null;
    const summary: RequestSummary = { method: f.method, path: f.target, status: 0, durationMs: 0 };
    try {
      const timeout = f.timeoutMs || this.options.requestTimeout;
      const upgrade = upgradeProtocol(f.headers);
      let ended = false; // END_STREAM went out with the RESPONSE
      if (upgrade) await this.relayUpgrade(s, f, upgrade, timeout, summary);
      else ended = await this.relayExchange(s, f, body, timeout, summary);
      if (!ended) send({ type: 'data', streamId: s.id, endStream: true, bytes: noBytes });
    } catch (e) {
      if (!s.closed) {
        const code = e instanceof TargetError ? e.code : 'target_error';
        summary.error = (e as Error).message;
        send({ type: 'reset', streamId: s.id, code: v2.resetCodes[code], message: summary.error });
        if (!summary.status) summary.status = failureStatus(code, 502);
      }
    } finally {
      this.closeStream(s, false);
      summary.durationMs = Date.now() - started;
      this.emit('onRequestDone', summary);
    }
  }

  // An ordinary exchange (Target.exchange): the head as RESPONSE, the body as
  // DATA. A chunk goes out at once while the stream's credit and the outbox
  // allow (sendNow); else the target's connection is paused until it went
  // (sendData). Resolves once the whole body was handed to the outbox, with
  // whether END_STREAM went out already (else it is the caller's); rejects
  // with the target's failure, a head the protocol cannot carry, or once the
  // stream was reset.
  //
  // The head waits until the target's bytes at hand are parsed (a microtask:
  // undici reports head, body chunks and the end of what one read brought
  // synchronously), so the body bytes that came with it leave inline in the
  // RESPONSE (BODY, up to 64 KiB, within the initial credit, spec §2.4.2), and
  // a response that ended there carries END_STREAM: one frame for a small
  // response instead of RESPONSE, DATA and an empty DATA. A failure flushes the
  // held head first, so the server sees RESPONSE then RESET as before.
  private relayExchange(s: Stream, f: v2.Open, body: Readable | null, timeout: number, summary: RequestSummary): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let pending: Promise<void> | undefined; // chunks waiting for credit or room, in order
      let held: HeldHead | undefined; // the head not sent yet, with the body bytes that came with it
      const sendHead = (endStream: boolean) => {
        const h = held!;
        held = undefined;
        if (s.closed) return;
        const inline = h.chunks.length === 1 ? h.chunks[0]! : h.chunks.length ? Buffer.concat(h.chunks, h.size) : noBytes;
        s.session.out.send(v2.encodeResponseBytes(s.id, endStream, h.status, h.fields.names, h.fields.values, inline));
        s.sendCredit -= h.size;
      };
      const fail = (e: unknown) => {
        if (held) sendHead(false);
        reject(e);
        exchange.abort();
      };
      const exchange = this.target.exchange(f.method, f.target, f.headers, body, timeout, {
        head: (status, fields) => {
          // Not a frame we may send (spec §2.10): this exchange fails with 502; the session goes on.
          if (!fields.fits()) return fail(headTooLarge(fields.length));
          held = { status, fields, chunks: [], size: 0 };
          summary.status = status;
          queueMicrotask(() => held && sendHead(false));
        },
        data: (chunk) => {
          if (held) {
            if (held.size + chunk.length <= v2MaxDataPayload) {
              held.chunks.push(chunk);
              held.size += chunk.length;
              return true;
            }
            sendHead(false);
          }
          if (!pending && this.sendNow(s, chunk)) return true;
          const mine = (pending ?? Promise.resolve()).then(() => this.sendData(s, chunk));
          pending = mine;
          mine.then(() => {
            if (pending !== mine) return;
            pending = undefined;
            exchange.resume();
          }, fail);
          return false;
        },
        end: () => {
          if (held) {
            sendHead(true);
            resolve(true);
          } else if (pending) pending.then(() => resolve(false), () => undefined);
          else resolve(false);
        },
        fail: (e) => {
          if (held) sendHead(false);
          reject(e);
        },
      });
      this.onAbort(s, () => exchange.abort());
    });
  }

  // An HTTP upgrade (spec §2.12) on a connection of its own: on 101 raw bytes
  // both ways until the target closes (the caller's end half-closes the
  // target); a target that declines answers as an ordinary response.
  private async relayUpgrade(s: Stream, f: v2.Open, upgrade: string, timeout: number, summary: RequestSummary): Promise<void> {
    const res = await this.target.upgrade(f.method, f.target, f.headers, upgrade, timeout, this.abortSignal(s));
    if (!v2.headFits(res.headers)) {
      // Not a frame we may send (spec §2.10): this exchange fails with 502; the session goes on.
      if ('socket' in res) res.socket.destroy();
      else discard(res.body);
      throw headTooLarge(res.headers.length);
    }
    s.session.out.send(v2.encode({ type: 'response', streamId: s.id, endStream: false, status: res.status, headers: res.headers, body: new Uint8Array(0) }));
    summary.status = res.status;
    if ('socket' in res) {
      const socket = res.socket;
      this.onAbort(s, () => socket.destroy());
      s.body!.pipe(socket);
      socket.on('error', () => undefined); // reported through the iteration below
      if (res.head.length) await this.sendData(s, res.head);
      for await (const chunk of socket) await this.sendData(s, chunk as Buffer);
      socket.destroy();
    } else {
      for await (const chunk of res.body) await this.sendData(s, chunk as Buffer);
    }
  }
}

function wholeText(f: v2.Open): string | null {
  if (!f.endStream || f.body.length === 0) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(f.body);
  } catch {
    return null;
  }
}

// Drops a target response unread (its connection is closed). undici's body
// emits an AbortError when destroyed: without a listener that would be an
// uncaught exception, which ends the process.
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

// Protocol 1.1 header maps: repeats joined with ", " (cookie "; "), set-cookie keeps the first.
export function foldForV1(headers: HeaderList): HeaderList {
  const out: HeaderList = [];
  for (const [n, v] of headers) {
    const existing = out.find(([o]) => o.toLowerCase() === n.toLowerCase());
    if (!existing) out.push([n, v]);
    else if (n.toLowerCase() !== 'set-cookie') existing[1] += (n.toLowerCase() === 'cookie' ? '; ' : ', ') + v;
  }
  return out;
}

export async function runTunnelClient(serverUrl: string, token: string, targetUrl: string, reconnectInterval = 5000): Promise<void> {
  const client = new TunnelClient({ serverUrl, token, targetUrl, reconnectInterval });
  const stop = () => client.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await client.run();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
