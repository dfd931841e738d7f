import { useState } from 'react';
import { errorText } from '../api/api_error';
import type { Tunnel } from '../api/types';
import { useApi } from '../auth/auth_context';
import { Dialog } from '../shared/dialog';
import { DialogActions, DialogError, DoneDialog } from '../shared/dialog_parts';
import { TokenReveal } from './token_reveal';

/** Asks first; after the rotation shows the new token once. */
export function RotateTokenDialog({ tunnel, onClose, onRotated }: { tunnel: Tunnel; onClose: () => void; onRotated: () => void }) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [token, setToken] = useState<string | null>(null);

  async function rotate() {
    setBusy(true);
    setError(null);
    try {
      const r = await api.regenerateToken(tunnel.domain);
      setToken(r.token);
      onRotated();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  if (token) {
    return (
      <DoneDialog title={`New token for ${tunnel.domain}`} onClose={onClose}>
        <TokenReveal domain={tunnel.domain} token={token} />
      </DoneDialog>
    );
  }
  return (
    <Dialog title={`Rotate the token of ${tunnel.domain}?`} onClose={onClose} busy={busy}>
      <p>
        A new token replaces the current one at once. {tunnel.connected ? 'The connected client is disconnected and ' : 'Clients '}
        must reconnect with the new token.
      </p>
      <DialogError message={error} />
      <DialogActions onCancel={onClose} busy={busy} label="Rotate token" busyLabel="Rotating…" tone="danger" onConfirm={rotate} />
    </Dialog>
  );
}
