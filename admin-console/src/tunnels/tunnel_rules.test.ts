import { describe, expect, it } from 'vitest';
import type { Tunnel } from '../api/types';
import { connectCommand } from './connect_command';
import { DOMAIN_PATTERN, domainProblem, nameProblem } from './domain_rule';
import { searchTunnels, sortTunnels } from './tunnel_list';
import { tunnelStatus } from './tunnel_status';

const base: Tunnel = {
  id: 1, domain: 'a', name: 'a', description: '', mode: 'http', enabled: true, connected: false, token: null,
  created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', last_connected_at: null,
  total_requests: 0, bytes_in: 0, bytes_out: 0, live: null,
};
const t = (o: Partial<Tunnel>): Tunnel => ({ ...base, ...o });

describe('domain rule (same as the server)', () => {
  it.each([
    ['a', true], ['myapp', true], ['My-App-1', true], ['0x', true], ['a'.repeat(63), true],
    ['', false], ['-a', false], ['a_b', false], ['a.b', false], ['a'.repeat(64), false], ['ü', false], ['a b', false],
  ])('%s → %s', (d, ok) => {
    expect(DOMAIN_PATTERN.test(d)).toBe(ok);
    expect(domainProblem(d) === null).toBe(ok);
  });
  it('limits names to 100 characters', () => {
    expect(nameProblem('x'.repeat(100))).toBeNull();
    expect(nameProblem('x'.repeat(101))).toMatch(/At most 100/);
  });
});

describe('tunnel status', () => {
  it('disabled wins, then connected', () => {
    expect(tunnelStatus({ enabled: false, connected: true })).toBe('disabled');
    expect(tunnelStatus({ enabled: true, connected: true })).toBe('online');
    expect(tunnelStatus({ enabled: true, connected: false })).toBe('offline');
  });
});

describe('search and sort', () => {
  const list = [
    t({ domain: 'zeta', name: 'Payments', total_requests: 3, created_at: '2026-01-03T00:00:00Z' }),
    t({ domain: 'alpha', name: 'Zed', total_requests: 9, created_at: '2026-01-02T00:00:00Z', enabled: false }),
    t({ domain: 'mid', name: 'Mid', total_requests: 3, created_at: '2026-01-01T00:00:00Z', connected: true,
      live: { connected_since: '2026-01-05T00:00:00Z', remote_address: '', protocol: '2', client_version: '', in_flight: 0, requests: 0, bytes_in: 0, bytes_out: 0 } }),
  ];
  it('matches domain or name, case-insensitively', () => {
    expect(searchTunnels(list, 'PAY').map((x) => x.domain)).toEqual(['zeta']);
    expect(searchTunnels(list, 'ze').map((x) => x.domain)).toEqual(['zeta', 'alpha']);
    expect(searchTunnels(list, '  ')).toHaveLength(3);
  });
  it('sorts stably in both directions', () => {
    expect(sortTunnels(list, 'domain', 'asc').map((x) => x.domain)).toEqual(['alpha', 'mid', 'zeta']);
    expect(sortTunnels(list, 'requests', 'desc').map((x) => x.domain)).toEqual(['alpha', 'zeta', 'mid']);
    expect(sortTunnels(list, 'status', 'asc').map((x) => x.domain)).toEqual(['mid', 'zeta', 'alpha']);
    expect(sortTunnels(list, 'connected_since', 'asc').map((x) => x.domain)).toEqual(['mid', 'zeta', 'alpha']);
  });
  it('builds the connect command', () => {
    expect(connectCommand('ws://h:8080/ws/tunnel', 'tun_x')).toBe(
      'tunely connect --server ws://h:8080/ws/tunnel --token tun_x --target http://localhost:3000',
    );
  });
});
