// The Requests page keeps its filters in the URL (?domain=&status=&method=&q=&from=&to=&page=)
// so a reload or a shared link shows the same list. `from`/`to` are the values of
// datetime-local inputs (local time) and become ISO instants in the API query.
import type { RequestQuery, StatusClass } from '../api/types';

export const PAGE_SIZE = 50;
export const STATUS_CLASSES: StatusClass[] = ['2xx', '3xx', '4xx', '5xx', 'error'];
export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

export interface RequestFilters {
  domain: string;
  status: StatusClass | '';
  method: string;
  q: string;
  from: string;
  to: string;
  /** 1-based. */
  page: number;
}

export const EMPTY_FILTERS: RequestFilters = { domain: '', status: '', method: '', q: '', from: '', to: '', page: 1 };

export function filtersFromParams(p: URLSearchParams): RequestFilters {
  const status = p.get('status') ?? '';
  const page = Number.parseInt(p.get('page') ?? '1', 10);
  return {
    domain: p.get('domain') ?? '',
    status: (STATUS_CLASSES as string[]).includes(status) ? (status as StatusClass) : '',
    method: (p.get('method') ?? '').toUpperCase(),
    q: p.get('q') ?? '',
    from: p.get('from') ?? '',
    to: p.get('to') ?? '',
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
}

export function filtersToParams(f: RequestFilters): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of ['domain', 'status', 'method', 'q', 'from', 'to'] as const) if (f[k]) p.set(k, f[k]);
  if (f.page > 1) p.set('page', String(f.page));
  return p;
}

/** A datetime-local value ("2026-11-25T10:00") as an ISO instant; '' when empty or invalid. */
export function localToIso(value: string): string {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

export function toQuery(f: RequestFilters): RequestQuery {
  return {
    domain: f.domain,
    status: f.status,
    method: f.method,
    q: f.q,
    from: localToIso(f.from),
    to: localToIso(f.to),
    limit: PAGE_SIZE,
    offset: (f.page - 1) * PAGE_SIZE,
  };
}

export function hasFilters(f: RequestFilters): boolean {
  return !!(f.domain || f.status || f.method || f.q || f.from || f.to);
}
