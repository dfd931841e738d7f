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
  bytes_in: number;
  bytes_out: number;
}

export interface Tunnel {
  id: number;
  domain: string;
  name: string;
  description: string;
  mode: string;
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
}

/** The answer to a create: the token is in it once and never again. */
export interface CreatedTunnel {
  domain: string;
  token: string;
  name: string;
}

export interface TunnelUpdate {
  name?: string;
  description?: string;
  enabled?: boolean;
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
