import { describe, expect, it } from 'vitest';
import type { LiveSession, Tunnel } from '../api/types';
import { parsePort, portForCreate, portForUpdate, portProblem, portText } from './port_field';
import { listenerHost, publicAddresses, rawSessionCounts, tunnelListeners, tunnelMode } from './tunnel_transport';

const base: Tunnel = {
  id: 1, domain: 'app', name: 'app', description: '', mode: 'http', enabled: true, connected: false, token: null,
  created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', last_connected_at: null,
  total_requests: 0, bytes_in: 0, bytes_out: 0, live: null,
};
const t = (o: Partial<Tunnel>): Tunnel => ({ ...base, ...o });
const live = (o: Partial<LiveSession>): LiveSession => ({
  connected_since: '2026-01-01T00:00:00.000Z', remote_address: '127.0.0.1:1', protocol: '2', client_version: '',
  in_flight: 0, requests: 0, bytes_in: 0, bytes_out: 0, ...o,
});
const page = { origin: 'https://tunnels.example.com:8443', protocol: 'https:', hostname: 'tunnels.example.com', port: '8443' };
const texts = (x: Tunnel) => publicAddresses(x, page).map((a) => a.text);

describe('listener host', () => {
  it.each([
    ['0.0.0.0', 'tunnels.example.com'],
    ['::', 'tunnels.example.com'],
    ['[::]', 'tunnels.example.com'],
    ['', 'tunnels.example.com'],
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '[::1]'],
    ['[::1]', '[::1]'],
    ['fd00::5', '[fd00::5]'],
  ])('%j → %s', (host, shown) => {
    expect(listenerHost(host, 'tunnels.example.com')).toBe(shown);
  });
  it('keeps a bracketed IPv6 page host as the browser gives it', () => {
    expect(listenerHost('0.0.0.0', '[::1]')).toBe('[::1]');
  });
});

describe('public addresses', () => {
  it('an http tunnel: its ingress URL, then its listeners as tcp:// and udp://', () => {
    const x = t({
      listeners: [
        { protocol: 'tcp', host: '0.0.0.0', port: 7000, assigned: false },
        { protocol: 'udp', host: '10.0.0.5', port: 5353, assigned: true },
      ],
    });
    expect(texts(x)).toEqual(['https://tunnels.example.com:8443/t/app/', 'tcp://tunnels.example.com:7000', 'udp://10.0.0.5:5353']);
    const [http, tcp, udp] = publicAddresses(x, page);
    expect(http).toMatchObject({ protocol: 'http', href: 'https://tunnels.example.com:8443/t/app/', origin: 'path' });
    expect(tcp).toMatchObject({ protocol: 'tcp', origin: 'static', tls: false });
    expect(tcp?.href).toBeUndefined();
    expect(udp).toMatchObject({ protocol: 'udp', origin: 'assigned' });
  });
  it('a tcp tunnel has no HTTP address (its ingress answers 410)', () => {
    expect(texts(t({ mode: 'tcp', listeners: [{ protocol: 'tcp', host: '::', port: 47000, assigned: true }] }))).toEqual([
      'tcp://tunnels.example.com:47000',
    ]);
    expect(texts(t({ mode: 'tcp', listeners: [] }))).toEqual([]);
  });
  it('uses the server path pattern, and adds the Host-routing URL where the server has a base domain', () => {
    expect(publicAddresses(t({}), page, { path_pattern: '/x/{subdomain}/' })[0]?.text).toBe('https://tunnels.example.com:8443/x/app/');
    const both = publicAddresses(t({ listeners: [{ protocol: 'tcp', host: '0.0.0.0', port: 7000, assigned: false }] }), page, {
      path_pattern: '/t/{subdomain}/',
      domain_pattern: '{subdomain}.tunnels.example.com',
    });
    expect(both.map((a) => [a.origin, a.text, a.href])).toEqual([
      ['path', 'https://tunnels.example.com:8443/t/app/', 'https://tunnels.example.com:8443/t/app/'],
      ['host', 'https://app.tunnels.example.com:8443/', 'https://app.tunnels.example.com:8443/'],
      ['static', 'tcp://tunnels.example.com:7000', undefined],
    ]);
    // tcp mode: neither HTTP URL.
    expect(publicAddresses(t({ mode: 'tcp' }), page, { domain_pattern: '{subdomain}.tunnels.example.com' })).toEqual([]);
  });
  it('marks a TLS listener', () => {
    const [a] = publicAddresses(t({ mode: 'tcp', listeners: [{ protocol: 'tcp', host: '127.0.0.1', port: 443, assigned: false, tls: true }] }), page);
    expect(a).toMatchObject({ text: 'tcp://127.0.0.1:443', tls: true });
  });
  it('without `listeners` (an older server) derives the assigned ports, on the console host', () => {
    const x = t({ mode: 'tcp', tcp_port: 47001, udp_port: 47002 });
    expect(tunnelListeners(x)).toHaveLength(2);
    expect(texts(x)).toEqual(['tcp://tunnels.example.com:47001', 'udp://tunnels.example.com:47002']);
    expect(texts(t({ mode: 'tcp', tcp_port: null }))).toEqual([]);
    // `listeners` wins: the assigned port is in it already, not twice.
    expect(texts(t({ mode: 'tcp', tcp_port: 47001, listeners: [{ protocol: 'tcp', host: '127.0.0.1', port: 47001, assigned: true }] }))).toEqual([
      'tcp://127.0.0.1:47001',
    ]);
  });
  it('reads any mode but "tcp" as http', () => {
    expect(tunnelMode(t({ mode: 'tcp' }))).toBe('tcp');
    expect(tunnelMode(t({ mode: 'http' }))).toBe('http');
    expect(tunnelMode(t({ mode: undefined as unknown as string }))).toBe('http');
  });
});

describe('live raw counts', () => {
  it('shows TCP connections and UDP sessions of a connected raw tunnel', () => {
    expect(rawSessionCounts(t({ mode: 'tcp', live: live({ tcp_connections: 2, udp_sessions: 1 }) }))).toBe('2 TCP · 1 UDP');
    expect(rawSessionCounts(t({ mode: 'tcp', live: live({ tcp_connections: 1234, udp_sessions: 0 }) }))).toBe('1,234 TCP · 0 UDP');
  });
  it('shows them for an http tunnel with a listener or with raw traffic', () => {
    const listeners = [{ protocol: 'tcp' as const, host: '0.0.0.0', port: 7000, assigned: false }];
    expect(rawSessionCounts(t({ listeners, live: live({ tcp_connections: 0, udp_sessions: 0 }) }))).toBe('0 TCP · 0 UDP');
    expect(rawSessionCounts(t({ live: live({ tcp_connections: 0, udp_sessions: 3 }) }))).toBe('0 TCP · 3 UDP');
  });
  it('shows nothing offline, for a plain http tunnel, or when the server does not report them', () => {
    expect(rawSessionCounts(t({ mode: 'tcp', live: null }))).toBeNull();
    expect(rawSessionCounts(t({ live: live({ tcp_connections: 0, udp_sessions: 0 }) }))).toBeNull();
    expect(rawSessionCounts(t({ mode: 'tcp', live: live({}) }))).toBeNull();
    expect(rawSessionCounts(t({ mode: 'tcp', live: live({ tcp_connections: 4 }) }))).toBe('4 TCP');
  });
});

describe('port fields', () => {
  it.each([
    ['', null], ['  ', null], ['auto', 'auto'], [' AUTO ', 'auto'], ['1', 1], ['47000', 47000], ['65535', 65535],
  ])('%j reads as %j', (text, value) => {
    expect(parsePort(text)).toEqual({ value });
    expect(portProblem(text)).toBeNull();
  });
  it.each(['0', '65536', '-1', '4.5', '1e3', 'abc', '47000x', '123456'])('%j is refused', (text) => {
    expect(portProblem(text)).toMatch(/"auto", a port from 1 to 65535/);
  });
  it('on create an empty field is not sent', () => {
    expect(portForCreate('')).toBeUndefined();
    expect(portForCreate('auto')).toBe('auto');
    expect(portForCreate('47005')).toBe(47005);
    expect(portForCreate('nope')).toBeUndefined();
  });
  it('on edit sends only a change; emptying releases the port', () => {
    expect(portText(47000)).toBe('47000');
    expect(portText(null)).toBe('');
    expect(portText(undefined)).toBe('');
    expect(portForUpdate('47000', 47000)).toBeUndefined();
    expect(portForUpdate('47001', 47000)).toBe(47001);
    expect(portForUpdate('', 47000)).toBeNull();
    expect(portForUpdate('', null)).toBeUndefined();
    expect(portForUpdate('auto', null)).toBe('auto');
    expect(portForUpdate('auto', 47000)).toBeUndefined(); // the server keeps a port the tunnel has
    expect(portForUpdate('47000', null)).toBe(47000);
    expect(portForUpdate('x', 47000)).toBeUndefined();
  });
});
