// The dashboard of a server without tunnels: the three steps from nothing to a public URL, with this
// server's own addresses (the console's origin, GET /api/info's websocket_url and ingress patterns) so the
// commands work as pasted once the placeholders (…) are filled in.
import { CopyButton } from '../shared/copy_button';
import { currentPage, ingressUrls } from '../shared/public_url';
import { useServerInfo } from '../shared/use_server_info';
import { connectCommand, EXAMPLE_TARGET } from '../tunnels/connect_command';

/** The tunnel name the three steps use. */
export const EXAMPLE_DOMAIN = 'myapp';

function Command({ id, text, copyName }: { id: string; text: string; copyName: string }) {
  return (
    <div className="copy-row">
      <code className="command" data-testid={id}>
        {text}
      </code>
      <CopyButton text={text} name={copyName} />
    </div>
  );
}

export function FirstSteps({ onCreate }: { onCreate: () => void }) {
  const { info, websocketUrl } = useServerInfo();
  const page = currentPage();
  const create = `tunely tunnel create ${EXAMPLE_DOMAIN} --server ${page.origin} --admin-key …`;
  const connect = connectCommand(websocketUrl, '…', EXAMPLE_TARGET);
  const urls = ingressUrls(EXAMPLE_DOMAIN, page, info);
  return (
    <section className="card first-steps" aria-labelledby="first-steps-title" data-testid="first-steps">
      <h2 id="first-steps-title">No tunnels yet: three steps to a public URL</h2>
      <ol className="steps">
        <li>
          <p>
            <strong>Create a tunnel</strong> here{' '}
            <button type="button" className="primary small" onClick={onCreate}>
              Create a tunnel
            </button>{' '}
            or from a shell:
          </p>
          <Command id="step-create" text={create} copyName="Copy the create command" />
          <p className="muted small">… is the admin key you signed in with. Either way the tunnel’s token is shown once: keep it for step 2.</p>
        </li>
        <li>
          <p>
            <strong>Connect your service</strong>, on the machine it runs on:
          </p>
          <Command id="step-connect" text={connect} copyName="Copy the connect command" />
          <p className="muted small">
            … is the tunnel’s token; {EXAMPLE_TARGET} is where your service listens (change the port to yours).
          </p>
        </li>
        <li>
          <p>
            <strong>Open its public URL</strong> (here for a tunnel named {EXAMPLE_DOMAIN}):
          </p>
          {urls.map(({ routing, url }) => (
            <Command key={url} id={`step-url-${routing}`} text={url} copyName={`Copy ${url}`} />
          ))}
          {urls.length > 1 && <p className="muted small">The second one needs a DNS name for it pointing at this server.</p>}
        </li>
      </ol>
    </section>
  );
}
