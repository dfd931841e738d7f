import { useEffect, useState } from 'react';
import { localZoneName } from '../shared/time_zone';
import { METHODS, STATUS_CLASSES, hasFilters, type RequestFilters } from './request_filters';

interface Props {
  filters: RequestFilters;
  domains: string[];
  /** Receives the changed fields; the page resets to 1. */
  onChange: (change: Partial<RequestFilters>) => void;
  onClear: () => void;
}

/** Selects apply at once; the path text applies 350 ms after the last keystroke (or on Enter). */
export function RequestFilterForm({ filters, domains, onChange, onClear }: Props) {
  const [text, setText] = useState(filters.q);
  useEffect(() => setText(filters.q), [filters.q]);
  useEffect(() => {
    if (text === filters.q) return;
    const t = setTimeout(() => onChange({ q: text }), 350);
    return () => clearTimeout(t);
  }, [text, filters.q, onChange]);

  // The time inputs take local times: their labels name the zone.
  const zone = localZoneName();
  const domainOptions = filters.domain && !domains.includes(filters.domain) ? [filters.domain, ...domains] : domains;

  return (
    <form
      className="filters"
      aria-label="Filters"
      onSubmit={(e) => {
        e.preventDefault();
        onChange({ q: text });
      }}
    >
      <label>
        Tunnel
        <select value={filters.domain} onChange={(e) => onChange({ domain: e.target.value })}>
          <option value="">All tunnels</option>
          {domainOptions.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
      </label>
      <label>
        Status
        <select value={filters.status} onChange={(e) => onChange({ status: e.target.value as RequestFilters['status'] })}>
          <option value="">Any status</option>
          {STATUS_CLASSES.map((s) => (
            <option key={s} value={s}>
              {s === 'error' ? 'failed (5xx or no response)' : s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Method
        <select value={filters.method} onChange={(e) => onChange({ method: e.target.value })}>
          <option value="">Any method</option>
          {METHODS.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </label>
      <label className="grow">
        Path contains
        <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="/api/…" />
      </label>
      <label>
        From ({zone})
        <input type="datetime-local" value={filters.from} onChange={(e) => onChange({ from: e.target.value })} />
      </label>
      <label>
        To ({zone})
        <input type="datetime-local" value={filters.to} onChange={(e) => onChange({ to: e.target.value })} />
      </label>
      <button type="button" onClick={onClear} disabled={!hasFilters(filters) && !text}>
        Clear filters
      </button>
    </form>
  );
}
