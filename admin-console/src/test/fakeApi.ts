// An in-memory admin API with the server's behaviour (state, auth, validation,
// conflicts, filters, pagination, stats), installed in place of globalThis.fetch.
// Tests drive it through the seed/mutate helpers (addTunnel, connect, addLog, …)
// and read `calls` to see what the console asked.
import type { Listener, LiveSession, RequestLog, ServerInfo, Stats, StatsBucket, Tunnel } from '../api/types';

const DOMAIN = /^[a-zA-Z0-9][-a-zA-Z0-9]{0,62}$/;
const RESERVED = ['admin', 'api', 'www', 'ws', 't', 'metrics'];

interface StoredTunnel extends Omit<Tunnel, 'connected' | 'live' | 'token' | 'tcp_port' | 'udp_port' | 'listeners'> {
  token: string;
  live: LiveSession | null;
  tcp_port: number | null;
  udp_port: number | null;
  /** --tcp-listen / --udp-listen entries of the server for this tunnel. */
  staticListeners: Listener[];
}

type RawProtocol = 'tcp' | 'udp';
type PortClaim = { port: number | null } | { status: number; text: string };
const NO_CHANGE = Symbol('no change');

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  apiKey: string | null;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
const detail = (status: number, text: string) => json(status, { detail: text });
// What the server counts as failed (spec/ADMIN-API.md, `status=error`): a 5xx, no status at all, or an error text.
const isFailure = (l: RequestLog) => l.status_code >= 500 || l.status_code < 100 || l.error !== null;

export class FakeAdminApi {
  adminKey = 'admin-secret';
  /** When true every keyed endpoint answers 503 like a server whose database is down. */
  databaseDown = false;
  /** --tcp-ports / --udp-ports of the server: the ranges tcp_port / udp_port are assigned from; null = refused. */
  portRanges: Record<RawProtocol, [number, number] | null> = { tcp: null, udp: null };
  /** Where runtime-assigned listeners are bound (the server's --host). */
  listenHost = '0.0.0.0';
  /**
   * false: a server from before udp_port and `listeners` (it reports tcp_port only and ignores udp_port),
   * like the one the console e2e may run against.
   */
  reportsListeners = true;
  /** Wall clock of the fake (ms); tests may pin it. */
  now: () => number = () => Date.now();
  readonly calls: Call[] = [];
  readonly info: ServerInfo = {
    name: 'Tunely',
    version: '0.9.0-test',
    domain_pattern: '{subdomain}.example.com',
    path_pattern: '/t/{subdomain}/',
    websocket_url: 'ws://tunnels.example.com:8080/ws/tunnel',
    protocols: ['1.1', '2'],
  };
  private tunnels: StoredTunnel[] = [];
  private logs: RequestLog[] = [];
  private nextTunnelId = 1;
  private nextLogId = 1;
  private tokenCounter = 0;

  /** The fetch to install: `globalThis.fetch = fake.fetch`. */
  readonly fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    if (init.signal?.aborted) throw new DOMException('The operation was aborted.', 'AbortError');
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, 'http://console.test');
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    let body: unknown = undefined;
    if (typeof init.body === 'string') {
      try {
        body = JSON.parse(init.body);
      } catch {
        body = init.body;
      }
    }
    const call: Call = { method, path: url.pathname, query: url.searchParams, body, apiKey: headers.get('x-api-key') };
    this.calls.push(call);
    // Answer asynchronously like a network would.
    await Promise.resolve();
    return this.route(call);
  };

  /** Replaces globalThis.fetch; returns a function that puts the old one back. */
  install(): () => void {
    const previous = globalThis.fetch;
    globalThis.fetch = this.fetch as typeof fetch;
    return () => {
      globalThis.fetch = previous;
    };
  }

  callsTo(method: string, path: string): Call[] {
    return this.calls.filter((c) => c.method === method && c.path === path);
  }

  // ---- seeding and server-side events -------------------------------------------------

  /** Creates a tunnel as the server would; returns its token. `ageMinutes` backdates it. */
  addTunnel(
    domain: string,
    fields: Partial<Pick<StoredTunnel, 'name' | 'description' | 'enabled' | 'total_requests' | 'mode' | 'tcp_port' | 'udp_port' | 'staticListeners'>> & {
      ageMinutes?: number;
    } = {},
  ): string {
    const created = new Date(this.now() - (fields.ageMinutes ?? 0) * 60_000).toISOString();
    const token = this.newToken();
    this.tunnels.unshift({
      id: this.nextTunnelId++,
      domain: domain.toLowerCase(),
      name: fields.name ?? domain.toLowerCase(),
      description: fields.description ?? '',
      mode: fields.mode ?? 'http',
      tcp_port: fields.tcp_port ?? null,
      udp_port: fields.udp_port ?? null,
      staticListeners: fields.staticListeners ?? [],
      enabled: fields.enabled ?? true,
      token,
      created_at: created,
      updated_at: created,
      last_connected_at: null,
      total_requests: fields.total_requests ?? 0,
      bytes_in: 0,
      bytes_out: 0,
      live: null,
    });
    this.sortTunnels();
    return token;
  }

  /** A tunnel client connects (the server's registry now has a session). */
  connect(domain: string, live: Partial<LiveSession> = {}): void {
    const t = this.find(domain);
    if (!t) throw new Error(`no tunnel ${domain}`);
    const since = new Date(this.now()).toISOString();
    t.live = {
      connected_since: since,
      remote_address: '127.0.0.1:5555',
      protocol: '2',
      client_version: 'tunely-cpp/0.9.0',
      in_flight: 0,
      requests: 0,
      tcp_connections: 0,
      udp_sessions: 0,
      bytes_in: 0,
      bytes_out: 0,
      ...live,
    };
    t.last_connected_at = t.live.connected_since;
  }

  disconnect(domain: string): void {
    const t = this.find(domain);
    if (t) t.live = null;
  }

  /**
   * Records one exchange; fields default to a 200 GET / on the first tunnel. `minutesAgo` backdates it.
   * As the server counts them, `bytes_in` / `bytes_out` default to the stored bodies' UTF-8 lengths.
   */
  addLog(fields: Partial<RequestLog> & { minutesAgo?: number } = {}): RequestLog {
    const { minutesAgo, ...rest } = fields;
    const utf8 = (s: string | null | undefined) => (s ? new TextEncoder().encode(s).length : 0);
    const log: RequestLog = {
      id: this.nextLogId++,
      timestamp: new Date(this.now() - (minutesAgo ?? 0) * 60_000).toISOString(),
      tunnel_domain: this.tunnels[0]?.domain ?? 'demo',
      method: 'GET',
      path: '/',
      request_headers: { host: 'demo.example.com', accept: '*/*' },
      request_body: null,
      status_code: 200,
      response_headers: { 'content-type': 'text/plain' },
      response_body: 'ok',
      error: null,
      duration_ms: 12,
      bytes_in: utf8(rest.request_body),
      bytes_out: utf8(rest.response_body === undefined ? 'ok' : rest.response_body),
      ...rest,
    };
    this.logs.push(log);
    const t = this.find(log.tunnel_domain);
    if (t) {
      t.total_requests += 1;
      t.bytes_in += log.bytes_in;
      t.bytes_out += log.bytes_out;
    }
    return log;
  }

  tokenOf(domain: string): string | undefined {
    return this.find(domain)?.token;
  }

  tunnel(domain: string): Tunnel | undefined {
    const t = this.find(domain);
    return t && this.view(t);
  }

  // ---- routing ------------------------------------------------------------------------

  private route(c: Call): Response {
    const segs = c.path.split('/').filter(Boolean).map(decodeURIComponent);
    if (segs[0] !== 'api') return detail(404, 'Not found');
    if (segs.length === 2 && segs[1] === 'info' && c.method === 'GET') return json(200, this.info);
    if (c.apiKey !== this.adminKey) return detail(401, 'Invalid or missing API key');
    if (this.databaseDown) return detail(503, 'Database unavailable');

    if (segs[1] === 'tunnels') {
      if (segs.length === 2 && c.method === 'GET') return json(200, this.tunnels.map((t) => this.view(t)));
      if (segs.length === 2 && c.method === 'POST') return this.create(c.body);
      if (segs.length === 3 && segs[2] === 'check-availability' && c.method === 'GET') return this.availability(c.query.get('name') ?? '');
      const t = segs[2] ? this.find(segs[2]) : undefined;
      if (segs.length === 3 && c.method === 'GET') return t ? json(200, this.view(t)) : detail(404, 'Tunnel not found');
      if (segs.length === 3 && c.method === 'PUT') return t ? this.update(t, c.body) : detail(404, 'Tunnel not found');
      if (segs.length === 3 && c.method === 'DELETE') {
        if (!t) return detail(404, 'Tunnel not found');
        this.tunnels = this.tunnels.filter((x) => x !== t);
        return json(200, { success: true, domain: t.domain });
      }
      if (segs.length === 4 && segs[3] === 'regenerate-token' && c.method === 'POST') {
        if (!t) return detail(404, 'Tunnel not found');
        t.token = this.newToken();
        t.live = null; // the server drops the connected client
        return json(200, { domain: t.domain, token: t.token });
      }
      if (segs.length === 4 && segs[3] === 'logs' && c.method === 'GET') {
        if (!t) return detail(404, 'Tunnel not found');
        return json(200, this.page(this.logs.filter((l) => l.tunnel_domain === t.domain), c.query, 100));
      }
    }
    if (segs.length === 2 && segs[1] === 'requests' && c.method === 'GET') return json(200, this.page(this.filterLogs(c.query), c.query, 50));
    if (segs.length === 2 && segs[1] === 'stats' && c.method === 'GET') return json(200, this.stats(Number(c.query.get('minutes') ?? 60) || 60));
    return detail(404, 'Not found');
  }

  private create(body: unknown): Response {
    if (!body || typeof body !== 'object') return detail(400, 'Body must be a JSON object');
    const { domain, name, description, mode } = body as Record<string, unknown>;
    if (mode !== undefined && mode !== 'http' && mode !== 'tcp') return detail(400, 'mode must be "http" or "tcp"');
    if (typeof domain !== 'string') return detail(400, 'domain is required');
    if (!DOMAIN.test(domain)) return detail(400, "Invalid domain: use 1-63 letters, digits or '-', starting with a letter or digit");
    if (RESERVED.includes(domain.toLowerCase())) return detail(400, 'Domain is reserved');
    if (name !== undefined && (typeof name !== 'string' || name.length > 100)) return detail(400, 'name must be at most 100 characters');
    if (this.find(domain)) return detail(409, 'Domain already exists');
    const ports: Record<RawProtocol, number | null> = { tcp: null, udp: null };
    for (const protocol of this.portProtocols()) {
      const claim = this.claimPort(protocol, null, (body as Record<string, unknown>)[`${protocol}_port`]);
      if (claim === NO_CHANGE) continue;
      if ('status' in claim) return detail(claim.status, claim.text);
      ports[protocol] = claim.port;
    }
    const token = this.addTunnel(domain, {
      name: (name as string | undefined) || undefined,
      description: (description as string | undefined) ?? '',
      mode: (mode as string | undefined) ?? 'http',
      tcp_port: ports.tcp,
      udp_port: ports.udp,
    });
    const t = this.find(domain)!;
    return json(200, { ...this.view(t), token });
  }

  private availability(name: string): Response {
    let reason: string = '';
    if (!DOMAIN.test(name)) reason = 'invalid';
    else if (RESERVED.includes(name.toLowerCase())) reason = 'reserved';
    else if (this.find(name)) reason = 'taken';
    return json(200, { available: reason === '', name, reason });
  }

  private update(t: StoredTunnel, body: unknown): Response {
    if (!body || typeof body !== 'object') return detail(400, 'Body must be a JSON object');
    const { name, description, enabled, mode } = body as Record<string, unknown>;
    if (mode !== undefined && mode !== 'http' && mode !== 'tcp') return detail(400, 'mode must be "http" or "tcp"');
    if (name !== undefined && typeof name !== 'string') return detail(400, 'name and description must be strings');
    if (description !== undefined && typeof description !== 'string') return detail(400, 'name and description must be strings');
    if (enabled !== undefined && typeof enabled !== 'boolean') return detail(400, 'enabled must be a boolean');
    if (typeof name === 'string' && name.length > 100) return detail(400, 'name must be at most 100 characters');
    const ports: Partial<Record<RawProtocol, number | null>> = {};
    for (const protocol of this.portProtocols()) {
      const claim = this.claimPort(protocol, t, (body as Record<string, unknown>)[`${protocol}_port`]);
      if (claim === NO_CHANGE) continue;
      if ('status' in claim) return detail(claim.status, claim.text);
      ports[protocol] = claim.port;
    }
    if (ports.tcp !== undefined) t.tcp_port = ports.tcp;
    if (ports.udp !== undefined) t.udp_port = ports.udp;
    if (typeof mode === 'string') t.mode = mode;
    if (typeof name === 'string') t.name = name;
    if (typeof description === 'string') t.description = description;
    if (typeof enabled === 'boolean') {
      t.enabled = enabled;
      if (!enabled) t.live = null;
    }
    t.updated_at = new Date(this.now()).toISOString();
    return json(200, this.view(t));
  }

  private filterLogs(q: URLSearchParams): RequestLog[] {
    const domain = q.get('domain');
    const status = q.get('status');
    const method = q.get('method');
    const text = q.get('q')?.toLowerCase();
    const from = q.get('from') ? Date.parse(q.get('from')!) : null;
    const to = q.get('to') ? Date.parse(q.get('to')!) : null;
    return this.logs.filter((l) => {
      if (domain && l.tunnel_domain !== domain.toLowerCase()) return false;
      if (method && l.method.toUpperCase() !== method.toUpperCase()) return false;
      if (text && !l.path.toLowerCase().includes(text)) return false;
      const t = Date.parse(l.timestamp);
      if (from !== null && t < from) return false;
      if (to !== null && t > to) return false;
      if (status) {
        if (status === 'error') return isFailure(l);
        const cls = Number(status[0]);
        return Math.floor(l.status_code / 100) === cls;
      }
      return true;
    });
  }

  private page(logs: RequestLog[], q: URLSearchParams, defaultLimit: number) {
    const limit = Math.min(1000, Math.max(1, Number(q.get('limit') ?? defaultLimit) || defaultLimit));
    const offset = Math.max(0, Number(q.get('offset') ?? 0) || 0);
    const newest = [...logs].sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp) || b.id - a.id);
    return { total: newest.length, logs: newest.slice(offset, offset + limit) };
  }

  private stats(minutes: number): Stats {
    const now = this.now();
    const endMinute = Math.floor(now / 60_000) * 60_000;
    const firstStart = endMinute - (minutes - 1) * 60_000;
    const series: StatsBucket[] = [];
    for (let i = 0; i < minutes; i++) {
      series.push({ start: new Date(firstStart + i * 60_000).toISOString(), requests: 0, errors: 0, bytes_in: 0, bytes_out: 0 });
    }
    const inWindow = this.logs.filter((l) => Date.parse(l.timestamp) >= firstStart && Date.parse(l.timestamp) <= now);
    for (const l of inWindow) {
      const b = series[Math.floor((Date.parse(l.timestamp) - firstStart) / 60_000)];
      if (!b) continue;
      b.requests += 1;
      if (isFailure(l)) b.errors += 1;
      b.bytes_in += l.bytes_in;
      b.bytes_out += l.bytes_out;
    }
    const requests = inWindow.length;
    const errors = inWindow.filter(isFailure).length;
    const views = this.tunnels.map((t) => this.view(t));
    return {
      tunnels_total: views.length,
      tunnels_online: views.filter((t) => t.enabled && t.connected).length,
      tunnels_disabled: views.filter((t) => !t.enabled).length,
      window_minutes: minutes,
      requests,
      errors,
      error_rate: requests ? errors / requests : 0,
      bytes_in: inWindow.reduce((s, l) => s + l.bytes_in, 0),
      bytes_out: inWindow.reduce((s, l) => s + l.bytes_out, 0),
      series,
      recent_failures: this.page(inWindow.filter(isFailure), new URLSearchParams({ limit: '10' }), 10).logs,
    };
  }

  // ---- helpers ------------------------------------------------------------------------

  private portProtocols(): RawProtocol[] {
    return this.reportsListeners ? ['tcp', 'udp'] : ['tcp'];
  }

  /** tcp_port / udp_port of a create (`t` null) or an update, with the server's checks and texts. */
  private claimPort(protocol: RawProtocol, t: StoredTunnel | null, value: unknown): PortClaim | typeof NO_CHANGE {
    if (value === undefined) return NO_CHANGE;
    if (value === null) return { port: null };
    const key = `${protocol}_port` as const;
    const valid = value === 'auto' || (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535);
    if (!valid) return { status: 400, text: `${key} must be a port number (1-65535), "auto" or null` };
    const range = this.portRanges[protocol];
    const upper = protocol.toUpperCase();
    if (!range) return { status: 400, text: `${upper} ports are not assignable on this server (start it with --${protocol}-ports LOW-HIGH)` };
    const [low, high] = range;
    const current = t?.[key] ?? null;
    const taken = new Set(this.tunnels.filter((x) => x !== t).map((x) => x[key]));
    if (value === 'auto') {
      if (current !== null) return { port: current };
      for (let p = low; p <= high; p++) if (!taken.has(p)) return { port: p };
      return { status: 503, text: `no free port left in the range ${low}-${high}` };
    }
    const port = value as number;
    if (port < low || port > high) return { status: 400, text: `port ${port} is outside the assignable range ${low}-${high}` };
    if (taken.has(port)) return { status: 409, text: `port ${port} is already assigned` };
    return { port };
  }

  private listenersOf(t: StoredTunnel): Listener[] {
    const assigned = (protocol: RawProtocol, port: number | null): Listener[] =>
      port === null ? [] : [{ protocol, host: this.listenHost, port, assigned: true }];
    return [...t.staticListeners, ...assigned('tcp', t.tcp_port), ...assigned('udp', t.udp_port)];
  }

  private find(domain: string): StoredTunnel | undefined {
    const d = domain.toLowerCase();
    return this.tunnels.find((t) => t.domain === d);
  }

  private view(t: StoredTunnel): Tunnel {
    const { token: _token, staticListeners: _static, udp_port, ...rest } = t;
    void _token;
    void _static;
    const shown: Tunnel = { ...rest, token: null, connected: t.live !== null, live: t.live ? { ...t.live } : null };
    return this.reportsListeners ? { ...shown, udp_port, listeners: this.listenersOf(t) } : shown;
  }

  private sortTunnels(): void {
    this.tunnels.sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id);
  }

  private newToken(): string {
    this.tokenCounter += 1;
    return `tun_${String(this.tokenCounter).padStart(4, '0')}${'x'.repeat(39)}`;
  }
}
