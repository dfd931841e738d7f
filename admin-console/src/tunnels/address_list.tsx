// A tunnel's public addresses as a list, each with a copy button: HTTP URLs as links that open in a new tab,
// TCP / UDP listeners as text to give a client.
import { CopyButton } from '../shared/copy_button';
import { currentPage, type IngressPatterns } from '../shared/public_url';
import { publicAddresses, type PublicAddress, type Reachable } from './tunnel_transport';

const ORIGIN_TITLE: Record<PublicAddress['origin'], string> = {
  path: 'HTTP ingress by path on this server',
  host: 'HTTP ingress by Host name (its DNS name must point at this server)',
  assigned: 'port assigned by the admin API',
  static: 'listener from the server’s command line',
};

export function AddressList({ addresses }: { addresses: PublicAddress[] }) {
  if (addresses.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="addresses">
      {addresses.map((a) => (
        <li key={a.text} title={ORIGIN_TITLE[a.origin]} data-testid={`address-${a.protocol}`}>
          {a.href ? (
            // noopener: the tunnel's page gets no handle on the console's window.
            <a href={a.href} target="_blank" rel="noopener noreferrer" className="mono address">
              {a.text}
            </a>
          ) : (
            <span className="mono address">{a.text}</span>
          )}
          {a.tls && <span className="tag">TLS</span>}
          <CopyButton text={a.text} name={`Copy ${a.text}`} />
        </li>
      ))}
    </ul>
  );
}

/** Every public address of `tunnel`, as seen from this page; `patterns` from GET /api/info (defaults until it answers). */
export function TunnelAddresses({ tunnel, patterns }: { tunnel: Reachable; patterns?: IngressPatterns | null }) {
  return <AddressList addresses={publicAddresses(tunnel, currentPage(), patterns)} />;
}
