// The one admin API client. Every call goes through `request`, which adds the
// `x-api-key` header, decodes JSON and turns non-2xx answers into ApiError.
import { ApiError } from './api_error';
import type {
  Availability,
  CreatedTunnel,
  LogPage,
  NewTunnel,
  RequestQuery,
  RotatedToken,
  ServerInfo,
  Stats,
  Tunnel,
  TunnelUpdate,
} from './types';

export interface ApiClientOptions {
  /** Sent as `x-api-key`; null sends no key (public endpoints only). */
  apiKey: string | null;
  /**
   * Called (before the ApiError is thrown) when the server answers 401 to a
   * request that carried a key. Not called for the sign-in check, which makes
   * its own client without it.
   */
  onUnauthorized?: () => void;
  /** Defaults to the global fetch, looked up at call time (tests replace it). */
  fetchImpl?: typeof fetch;
  /** Prefix for every path; '' means same origin. */
  baseUrl?: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

const enc = encodeURIComponent;

function queryString(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function errorDetail(res: Response): Promise<string> {
  try {
    const body: unknown = await res.json();
    if (body && typeof body === 'object') {
      const d = (body as { detail?: unknown; error?: unknown }).detail ?? (body as { error?: unknown }).error;
      if (typeof d === 'string' && d) return d;
      if (d !== undefined) return JSON.stringify(d);
    }
  } catch {
    // Not JSON: fall through to the status text.
  }
  return res.statusText || `Request failed with status ${res.status}`;
}

export function createApiClient(options: ApiClientOptions) {
  const base = options.baseUrl ?? '';

  async function request<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.apiKey) headers['x-api-key'] = options.apiKey;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const doFetch = options.fetchImpl ?? globalThis.fetch;
    let res: Response;
    try {
      res = await doFetch(base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new ApiError(0, 'Cannot reach the server');
    }
    if (!res.ok) {
      const detail = await errorDetail(res);
      if (res.status === 401 && options.apiKey) options.onUnauthorized?.();
      throw new ApiError(res.status, detail);
    }
    try {
      return (await res.json()) as T;
    } catch {
      throw new ApiError(res.status, 'The server sent an answer that is not JSON');
    }
  }

  return {
    info: (signal?: AbortSignal) => request<ServerInfo>('GET', '/api/info', undefined, signal),

    listTunnels: (signal?: AbortSignal) => request<Tunnel[]>('GET', '/api/tunnels', undefined, signal),
    getTunnel: (domain: string, signal?: AbortSignal) =>
      request<Tunnel>('GET', `/api/tunnels/${enc(domain)}`, undefined, signal),
    createTunnel: (input: NewTunnel) => request<CreatedTunnel>('POST', '/api/tunnels', input),
    checkAvailability: (name: string, signal?: AbortSignal) =>
      request<Availability>('GET', `/api/tunnels/check-availability${queryString({ name })}`, undefined, signal),
    updateTunnel: (domain: string, update: TunnelUpdate) =>
      request<Tunnel>('PUT', `/api/tunnels/${enc(domain)}`, update),
    regenerateToken: (domain: string) =>
      request<RotatedToken>('POST', `/api/tunnels/${enc(domain)}/regenerate-token`),
    deleteTunnel: (domain: string) =>
      request<{ success: boolean; domain: string }>('DELETE', `/api/tunnels/${enc(domain)}`),
    tunnelLogs: (domain: string, page: { limit?: number; offset?: number } = {}, signal?: AbortSignal) =>
      request<LogPage>(
        'GET',
        `/api/tunnels/${enc(domain)}/logs${queryString({ limit: page.limit ?? 100, offset: page.offset ?? 0 })}`,
        undefined,
        signal,
      ),

    listRequests: (query: RequestQuery = {}, signal?: AbortSignal) =>
      request<LogPage>('GET', `/api/requests${queryString({ ...query })}`, undefined, signal),
    stats: (minutes = 60, signal?: AbortSignal) =>
      request<Stats>('GET', `/api/stats${queryString({ minutes })}`, undefined, signal),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
