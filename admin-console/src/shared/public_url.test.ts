import { describe, expect, it } from 'vitest';
import { hostIngressUrl, ingressPath, ingressUrls, pathIngressUrl, urlOfPath, type PageLocation } from './public_url';

const page = (origin: string): PageLocation => {
  const u = new URL(origin);
  return { origin: u.origin, protocol: u.protocol, hostname: u.hostname, port: u.port };
};
const server = page('https://tunnels.example.com');
const local = page('http://localhost:8080');

describe('path routing', () => {
  it('puts the path pattern of /api/info on the console origin', () => {
    expect(ingressPath('myapp', '/t/{subdomain}/')).toBe('/t/myapp/');
    expect(ingressPath('myapp', '/x/{subdomain}/y/')).toBe('/x/myapp/y/');
    expect(pathIngressUrl('myapp', server, '/t/{subdomain}/')).toBe('https://tunnels.example.com/t/myapp/');
    expect(pathIngressUrl('myapp', local, undefined)).toBe('http://localhost:8080/t/myapp/');
  });
  it('falls back to the default pattern when the server sends none or one without a placeholder', () => {
    expect(ingressPath('myapp', null)).toBe('/t/myapp/');
    expect(ingressPath('myapp', '')).toBe('/t/myapp/');
    expect(ingressPath('myapp', '/static/')).toBe('/t/myapp/');
  });
});

describe('Host routing', () => {
  it('uses the console scheme and port with the base domain', () => {
    expect(hostIngressUrl('myapp', server, '{subdomain}.example.com')).toBe('https://myapp.example.com/');
    expect(hostIngressUrl('myapp', page('http://10.0.0.5:8080'), '{subdomain}.tunnels.example.com')).toBe(
      'http://myapp.tunnels.example.com:8080/',
    );
  });
  it('is absent without a base domain', () => {
    expect(hostIngressUrl('myapp', server, null)).toBeNull();
    expect(hostIngressUrl('myapp', server, undefined)).toBeNull();
    expect(hostIngressUrl('myapp', server, '')).toBeNull();
    expect(hostIngressUrl('myapp', server, '{subdomain}.')).toBeNull(); // a server started with an empty --domain
    expect(hostIngressUrl('myapp', server, 'example.com')).toBeNull();
  });
  it('offers a localhost base only to a console reached on loopback', () => {
    expect(hostIngressUrl('myapp', local, '{subdomain}.localhost')).toBe('http://myapp.localhost:8080/');
    expect(hostIngressUrl('myapp', page('http://127.0.0.1:8080'), '{subdomain}.localhost')).toBe('http://myapp.localhost:8080/');
    expect(hostIngressUrl('myapp', page('http://[::1]:8080'), '{subdomain}.localhost')).toBe('http://myapp.localhost:8080/');
    expect(hostIngressUrl('myapp', page('http://203.0.113.5:8080'), '{subdomain}.localhost')).toBeNull();
    expect(hostIngressUrl('myapp', server, '{subdomain}.dev.localhost')).toBeNull();
  });
  it('lists path routing first, then Host routing', () => {
    expect(ingressUrls('myapp', server, { path_pattern: '/t/{subdomain}/', domain_pattern: '{subdomain}.example.com' })).toEqual([
      { routing: 'path', url: 'https://tunnels.example.com/t/myapp/' },
      { routing: 'host', url: 'https://myapp.example.com/' },
    ]);
    expect(ingressUrls('myapp', server, null)).toEqual([{ routing: 'path', url: 'https://tunnels.example.com/t/myapp/' }]);
  });
});

describe('a recorded path under a tunnel URL', () => {
  it('joins without doubling or losing the slash', () => {
    expect(urlOfPath('https://s/t/myapp/', '/a?b=1')).toBe('https://s/t/myapp/a?b=1');
    expect(urlOfPath('https://s/t/myapp/', '/')).toBe('https://s/t/myapp/');
    expect(urlOfPath('https://s/t/myapp', 'a')).toBe('https://s/t/myapp/a');
    expect(urlOfPath('https://myapp.example.com/', '/x')).toBe('https://myapp.example.com/x');
  });
});
