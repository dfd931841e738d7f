// A tunnel's public addresses as a list: HTTP as a link, TCP / UDP as text to copy into a client.
import { publicAddresses, type PageLocation, type PublicAddress, type Reachable } from './tunnel_transport';

const ORIGIN_TITLE: Record<PublicAddress['origin'], string> = {
  ingress: 'HTTP ingress',
  assigned: 'port assigned by the admin API',
  static: 'listener from the server’s command line',
};

/** This console's own location: the server a user connects to. */
export function currentPage(): PageLocation {
  return { origin: window.location.origin, hostname: window.location.hostname };
}

export function AddressList({ addresses }: { addresses: PublicAddress[] }) {
  if (addresses.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="addresses">
      {addresses.map((a) => (
        <li key={a.text} title={ORIGIN_TITLE[a.origin]} data-testid={`address-${a.protocol}`}>
          {a.href ? (
            <a href={a.href} target="_blank" rel="noreferrer" className="mono">
              {a.text}
            </a>
          ) : (
            <span className="mono">{a.text}</span>
          )}
          {a.tls && <span className="tag">TLS</span>}
        </li>
      ))}
    </ul>
  );
}

/** Every public address of `tunnel`, as seen from this page. */
export function TunnelAddresses({ tunnel, pathPattern }: { tunnel: Reachable; pathPattern?: string }) {
  return <AddressList addresses={publicAddresses(tunnel, currentPage(), pathPattern)} />;
}
