import { CopyButton } from '../shared/copy_button';
import { useServerInfo } from '../shared/use_server_info';
import { connectCommand } from './connect_command';

/** A freshly issued token, shown once, with the ready-to-paste connect command. */
export function TokenReveal({ domain, token }: { domain: string; token: string }) {
  const { websocketUrl } = useServerInfo();
  const command = connectCommand(websocketUrl, token);
  return (
    <div className="token-reveal">
      <p className="notice warn">
        This is the only time the token of <strong>{domain}</strong> is shown. Copy it now; the server keeps only a hash.
      </p>
      <p className="label" id="token-label">
        Token
      </p>
      <div className="copy-row">
        <code className="secret" data-testid="new-token" aria-labelledby="token-label">
          {token}
        </code>
        <CopyButton text={token} label="Copy token" />
      </div>
      <p className="label" id="command-label">
        Connect a tunnel client
      </p>
      <div className="copy-row">
        <code className="command" data-testid="connect-command" aria-labelledby="command-label">
          {command}
        </code>
        <CopyButton text={command} label="Copy command" />
      </div>
      <p className="muted small">Replace http://localhost:3000 with the address of the service to expose.</p>
    </div>
  );
}
