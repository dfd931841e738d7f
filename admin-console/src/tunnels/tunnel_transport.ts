// How a tunnel is reached from outside (its HTTP ingress and its TCP/UDP listeners) and what its live
// session carries of raw traffic. Pure: the page's own location comes in as an argument, because a
// listener bound to every interface is reached through the host name the user already uses for the console.
import type { Listener, Tunnel, TunnelMode } from '../api/types';
import { formatCount } from '../shared/format';
import { ingressUrls, type IngressPatterns, type PageLocation } from '../shared/public_url';

/** The fields an address depends on (a created tunnel has them too). */
export type Reachable = Pick<Tunnel, 'domain' | 'mode' | 'listeners' | 'tcp_port' | 'udp_port'>;

export interface PublicAddress {
  protocol: 'http' | 'tcp' | 'udp';
  /** "http://host/t/app/", "http://app.example.com/", "tcp://host:7000", "udp://host:5353". */
  text: string;
  /** Set for HTTP only (a link the browser can follow). */
  href?: string;
  /** Why it exists, for a tooltip: HTTP ingress by path or by Host name, or a listener. */
  origin: 'path' | 'host' | 'assigned' | 'static';
  tls: boolean;
}

/** A server older than TCP tunnels sends no mode: it reads as "http". */
export function tunnelMode(t: Pick<Tunnel, 'mode'>): TunnelMode {
  return t.mode === 'tcp' ? 'tcp' : 'http';
}

const EVERY_INTERFACE = new Set(['', '0.0.0.0', '::', '[::]']);

/** The host to connect to: the console's own for a wildcard bind; IPv6 literals in brackets. */
export function listenerHost(host: string, pageHostname: string): string {
  const h = EVERY_INTERFACE.has(host) ? pageHostname : host;
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

/**
 * The tunnel's listeners. A server without the `listeners` field reports only the ports it assigned
 * (tcp_port, udp_port) and not where they are bound: those read as bound to every interface.
 */
export function tunnelListeners(t: Pick<Tunnel, 'listeners' | 'tcp_port' | 'udp_port'>): Listener[] {
  if (t.listeners) return t.listeners;
  const out: Listener[] = [];
  if (typeof t.tcp_port === 'number') out.push({ protocol: 'tcp', host: '', port: t.tcp_port, assigned: true });
  if (typeof t.udp_port === 'number') out.push({ protocol: 'udp', host: '', port: t.udp_port, assigned: true });
  return out;
}

export function listenerAddress(l: Listener, pageHostname: string): PublicAddress {
  return {
    protocol: l.protocol,
    text: `${l.protocol}://${listenerHost(l.host, pageHostname)}:${l.port}`,
    origin: l.assigned ? 'assigned' : 'static',
    tls: l.protocol === 'tcp' && l.tls === true,
  };
}

/**
 * Every address a user can reach the tunnel at: its HTTP URLs (by path, then by Host name where the server
 * has a base domain; none in tcp mode, where HTTP ingress answers 410), then its listeners.
 */
export function publicAddresses(t: Reachable, page: PageLocation, patterns?: IngressPatterns | null): PublicAddress[] {
  const out: PublicAddress[] = [];
  if (tunnelMode(t) === 'http') {
    for (const { routing, url } of ingressUrls(t.domain, page, patterns))
      out.push({ protocol: 'http', text: url, href: url, origin: routing, tls: false });
  }
  for (const l of tunnelListeners(t)) out.push(listenerAddress(l, page.hostname));
  return out;
}

/**
 * "2 TCP · 1 UDP" for a connected tunnel that carries raw traffic (tcp mode, a listener, or a count above 0);
 * null otherwise, and for a server that does not report the counts.
 */
export function rawSessionCounts(t: Tunnel): string | null {
  const live = t.live;
  if (!live) return null;
  const parts: string[] = [];
  if (typeof live.tcp_connections === 'number') parts.push(`${formatCount(live.tcp_connections)} TCP`);
  if (typeof live.udp_sessions === 'number') parts.push(`${formatCount(live.udp_sessions)} UDP`);
  if (parts.length === 0) return null;
  const busy = (live.tcp_connections ?? 0) + (live.udp_sessions ?? 0) > 0;
  return tunnelMode(t) === 'tcp' || tunnelListeners(t).length > 0 || busy ? parts.join(' · ') : null;
}
