// The TCP / UDP port fields of the create and edit forms: "auto", a port, or empty. The server stays the
// authority on what it can assign (its range, ports in use): its refusal is shown as it says it.
import type { PortRequest } from '../api/types';

/** What a field holds: a port, "auto", or null for empty. */
export type PortValue = PortRequest | null;

export const PORT_HELP = '"auto", a port number, or empty';

export function parsePort(text: string): { value: PortValue } | { problem: string } {
  const s = text.trim();
  if (s === '') return { value: null };
  if (s.toLowerCase() === 'auto') return { value: 'auto' };
  if (/^\d{1,5}$/.test(s)) {
    const n = Number(s);
    if (n >= 1 && n <= 65535) return { value: n };
  }
  return { problem: 'Enter "auto", a port from 1 to 65535, or leave it empty.' };
}

export function portProblem(text: string): string | null {
  const r = parsePort(text);
  return 'problem' in r ? r.problem : null;
}

/** The field's text for a tunnel's current port. */
export function portText(current: number | null | undefined): string {
  return typeof current === 'number' ? String(current) : '';
}

/** On create: empty (or invalid) = not sent. */
export function portForCreate(text: string): PortRequest | undefined {
  const r = parsePort(text);
  return 'value' in r && r.value !== null ? r.value : undefined;
}

/**
 * On edit, relative to the tunnel's current port: undefined = leave it; null = release it (the field was
 * emptied); "auto" only for a tunnel without a port (the server keeps a port a tunnel already has).
 */
export function portForUpdate(text: string, current: number | null | undefined): PortValue | undefined {
  const r = parsePort(text);
  if (!('value' in r)) return undefined;
  const has = typeof current === 'number';
  if (r.value === null) return has ? null : undefined;
  if (r.value === 'auto') return has ? undefined : 'auto';
  return r.value === current ? undefined : r.value;
}
