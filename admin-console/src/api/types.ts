// Shapes of the server's admin API (see the brief / spec). Timestamps are ISO 8601 strings in UTC.

export interface ServerInfo {
  name: string;
  version: string;
  domain_pattern: string;
  path_pattern: string;
  websocket_url: string;
  protocols: string[];
}

/** Present while a tunnel client holds a session. */
export interface LiveSession {
  connected_since: string;
  remote_address: string;
  protocol: '2' | '1.1' | string;
  client_version: string;
  in_flight: number;
  requests: number;
  /** TCP connections through the tunnel's listeners now (absent on servers without TCP tunnels). */
  tcp_connections?: number;
  /** UDP peers with a session through the tunnel's listeners now (absent likewise). */
  udp_sessions?: number;
  bytes_in: number;
  bytes_out: number;
}

/** "tcp": the tunnel serves its TCP/UDP listeners only; HTTP ingress answers 410. */
export type TunnelMode = 'http' | 'tcp';

/** A TCP or UDP port bound to one tunnel: static (--tcp-listen / --udp-listen) or assigned by the admin API. */
export interface Listener {
  protocol: 'tcp' | 'udp';
  /** The bound address; "0.0.0.0" or "::" = every interface. */
  host: string;
  port: number;
  /** true: assigned at runtime (tcp_port / udp_port); false: from the server's command line. */
  assigned: boolean;
  /** TLS-terminating TCP listener (newer servers only). */
  tls?: boolean;
}

/** What create and update send for tcp_port / udp_port: a port, or "auto" (the server picks one of its range). */
export type PortRequest = number | 'auto';

export interface Tunnel {
  id: number;
  domain: string;
  name: string;
  description: string;
  /** TunnelMode; any other value reads as "http". */
  mode: string;
  /** Runtime-assigned TCP port; null = none; absent on servers without TCP tunnels. */
  tcp_port?: number | null;
  /** Runtime-assigned UDP port, like tcp_port (newer servers only). */
  udp_port?: number | null;
  /** Every listener of the tunnel, static and assigned (newer servers only). */
  listeners?: Listener[];
  enabled: boolean;
  connected: boolean;
  token: string | null;
  created_at: string;
  updated_at: string;
  last_connected_at: string | null;
  total_requests: number;
  bytes_in: number;
  bytes_out: number;
  live: LiveSession | null;
}

export interface NewTunnel {
  domain: string;
  name?: string;
  description?: string;
  mode?: TunnelMode;
  tcp_port?: PortRequest;
  udp_port?: PortRequest;
}

/** The answer to a create: the token is in it once and never again. */
export interface CreatedTunnel extends Omit<Tunnel, 'token'> {
  token: string;
}

export interface TunnelUpdate {
  name?: string;
  description?: string;
  enabled?: boolean;
  mode?: TunnelMode;
  /** null releases the port (its listener closes). */
  tcp_port?: PortRequest | null;
  udp_port?: PortRequest | null;
}

export interface Availability {
  available: boolean;
  name: string;
  /** The server sends "" or null when available. */
  reason: '' | 'invalid' | 'reserved' | 'taken' | null;
}

export interface RotatedToken {
  domain: string;
  token: string;
}

/** Headers as the server stored them; secret values already read "[REDACTED]". */
export type HeaderMap = Record<string, string>;

export interface RequestLog {
  id: number;
  timestamp: string;
  tunnel_domain: string;
  method: string;
  path: string;
  request_headers: HeaderMap | string | null;
  /** First 4 KiB of the body, or null when there was none. */
  request_body: string | null;
  /** 0 when no response head was received. */
  status_code: number;
  response_headers: HeaderMap | string | null;
  response_body: string | null;
  error: string | null;
  duration_ms: number;
  bytes_in: number;
  bytes_out: number;
}

export interface LogPage {
  total: number;
  logs: RequestLog[];
}

export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'error';

/** Every field optional; empty strings are left out of the query. */
export interface RequestQuery {
  domain?: string;
  status?: StatusClass | '';
  method?: string;
  q?: string;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

export interface StatsBucket {
  start: string;
  requests: number;
  errors: number;
  bytes_in: number;
  bytes_out: number;
}

export interface Stats {
  tunnels_total: number;
  tunnels_online: number;
  tunnels_disabled: number;
  window_minutes: number;
  requests: number;
  errors: number;
  error_rate: number;
  bytes_in: number;
  bytes_out: number;
  /** One bucket per minute, oldest first. */
  series: StatsBucket[];
  /** At most 10, newest first. */
  recent_failures: RequestLog[];
}
