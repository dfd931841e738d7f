// The public HTTP URLs of a tunnel (its ingress), built from the patterns of GET /api/info:
// - path routing, `path_pattern` ("/t/{subdomain}/"), on the server this console is served by;
// - Host routing, `domain_pattern` ("{subdomain}.example.com"), on this console's scheme and port (the server
//   routes by the Host name alone, so a proxy in front serves both the same way).
// Pure: the page's location comes in as an argument. Shared by the tunnels pages, the request detail (copy
// as curl) and the dashboard's first steps.

export const DEFAULT_PATH_PATTERN = '/t/{subdomain}/';
const PLACEHOLDER = '{subdomain}';

/** The parts of window.location the addresses depend on. */
export interface PageLocation {
  /** "https://tunnels.example.com:8443" */
  origin: string;
  /** "https:" */
  protocol: string;
  /** As browsers give it: an IPv6 literal already in brackets. */
  hostname: string;
  /** "" for the scheme's default port. */
  port: string;
}

/** The two patterns of GET /api/info (a server may send neither, or null for Host routing). */
export interface IngressPatterns {
  path_pattern?: string | null;
  domain_pattern?: string | null;
}

export interface IngressUrl {
  /** path: /t/<domain>/ on this server; host: <domain>.<base>, which needs DNS (or *.localhost) to reach it. */
  routing: 'path' | 'host';
  url: string;
}

/** This console's own location: the server a user connects to. */
export function currentPage(): PageLocation {
  const { origin, protocol, hostname, port } = window.location;
  return { origin, protocol, hostname, port };
}

/** "/t/myapp/" from the server's path pattern; the default pattern when it has no placeholder. */
export function ingressPath(domain: string, pathPattern?: string | null): string {
  const pattern = pathPattern && pathPattern.includes(PLACEHOLDER) ? pathPattern : DEFAULT_PATH_PATTERN;
  return pattern.replace(PLACEHOLDER, domain);
}

/** "https://server/t/myapp/". */
export function pathIngressUrl(domain: string, page: PageLocation, pathPattern?: string | null): string {
  return page.origin + ingressPath(domain, pathPattern);
}

function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(h) || h === '[::1]' || h === '::1';
}

/**
 * "https://myapp.example.com/" (the console's scheme and port), or null when the server has no base domain.
 * A `localhost` base (the server's default) names the viewer's own machine: it is offered only to a console
 * reached on loopback, where browsers resolve *.localhost to it.
 */
export function hostIngressUrl(domain: string, page: PageLocation, domainPattern?: string | null): string | null {
  if (!domainPattern || !domainPattern.startsWith(`${PLACEHOLDER}.`)) return null;
  const base = domainPattern.slice(PLACEHOLDER.length + 1).toLowerCase();
  if (!base || base.startsWith('.') || base.endsWith('.')) return null;
  if ((base === 'localhost' || base.endsWith('.localhost')) && !isLoopback(page.hostname)) return null;
  return `${page.protocol}//${domain}.${base}${page.port ? `:${page.port}` : ''}/`;
}

/** Every HTTP URL of the tunnel: path routing first (it always works), then Host routing where configured. */
export function ingressUrls(domain: string, page: PageLocation, patterns?: IngressPatterns | null): IngressUrl[] {
  const out: IngressUrl[] = [{ routing: 'path', url: pathIngressUrl(domain, page, patterns?.path_pattern) }];
  const host = hostIngressUrl(domain, page, patterns?.domain_pattern);
  if (host) out.push({ routing: 'host', url: host });
  return out;
}

/** A recorded request path ("/a?b=1", relative to the tunnel) under a tunnel URL ending in "/". */
export function urlOfPath(tunnelUrl: string, path: string): string {
  const base = tunnelUrl.endsWith('/') ? tunnelUrl.slice(0, -1) : tunnelUrl;
  return base + (path.startsWith('/') ? path : `/${path}`);
}
