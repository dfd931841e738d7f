import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeAdminApi } from '../test/fakeApi';
import { ApiError } from './api_error';
import { createApiClient } from './client';

describe('api client', () => {
  let fake: FakeAdminApi;
  let restore: () => void;
  beforeEach(() => {
    fake = new FakeAdminApi();
    restore = fake.install();
  });
  afterEach(() => restore());

  it('sends the key as x-api-key and decodes JSON', async () => {
    fake.addTunnel('alpha');
    const api = createApiClient({ apiKey: fake.adminKey });
    const tunnels = await api.listTunnels();
    expect(tunnels.map((t) => t.domain)).toEqual(['alpha']);
    expect(fake.calls.at(-1)?.apiKey).toBe(fake.adminKey);
  });

  it('turns an error answer into ApiError with status and detail', async () => {
    fake.addTunnel('alpha');
    const api = createApiClient({ apiKey: fake.adminKey });
    const err = await api.createTunnel({ domain: 'alpha' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(409);
    expect((err as ApiError).detail).toBe('Domain already exists');
  });

  it('calls onUnauthorized on 401 and still throws', async () => {
    const onUnauthorized = vi.fn();
    const api = createApiClient({ apiKey: 'wrong', onUnauthorized });
    await expect(api.listTunnels()).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('reports 503 with the server detail', async () => {
    fake.databaseDown = true;
    const api = createApiClient({ apiKey: fake.adminKey });
    await expect(api.stats()).rejects.toMatchObject({ status: 503, detail: 'Database unavailable' });
  });

  it('reports an unreachable server as status 0', async () => {
    const api = createApiClient({ apiKey: 'k', fetchImpl: () => Promise.reject(new TypeError('Failed to fetch')) });
    await expect(api.listTunnels()).rejects.toMatchObject({ status: 0, detail: 'Cannot reach the server' });
  });

  it('leaves empty query parameters out', async () => {
    const api = createApiClient({ apiKey: fake.adminKey });
    await api.listRequests({ domain: '', status: '5xx', q: '', limit: 50, offset: 0 });
    const q = fake.calls.at(-1)!.query;
    expect([...q.keys()].sort()).toEqual(['limit', 'offset', 'status']);
    expect(q.get('status')).toBe('5xx');
  });
});
