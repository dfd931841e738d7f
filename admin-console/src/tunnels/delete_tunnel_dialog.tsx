import { useState, type FormEvent } from 'react';
import { errorText } from '../api/api_error';
import type { Tunnel } from '../api/types';
import { useApi } from '../auth/auth_context';
import { Dialog } from '../shared/dialog';
import { DialogActions, DialogError } from '../shared/dialog_parts';

/** Deleting needs the domain typed in; the connected client is dropped by the server. */
export function DeleteTunnelDialog({ tunnel, onClose, onDeleted }: { tunnel: Tunnel; onClose: () => void; onDeleted: () => void }) {
  const api = useApi();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const matches = typed.trim() === tunnel.domain;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!matches) return;
    setBusy(true);
    setError(null);
    try {
      await api.deleteTunnel(tunnel.domain);
      onClose();
      onDeleted();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <Dialog title={`Delete ${tunnel.domain}?`} onClose={onClose} busy={busy}>
      <form onSubmit={submit} noValidate>
        <p>
          This removes the tunnel and its token; {tunnel.connected ? 'the connected client is disconnected and ' : ''}the
          domain becomes free. Request history stays until it expires.
        </p>
        <label htmlFor="delete-confirm">
          Type <strong>{tunnel.domain}</strong> to confirm
        </label>
        <input id="delete-confirm" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} />
        <DialogError message={error} />
        <DialogActions onCancel={onClose} busy={busy} label="Delete tunnel" busyLabel="Deleting…" tone="danger" disabled={!matches} />
      </form>
    </Dialog>
  );
}
