import { useState, type FormEvent } from 'react';
import { errorText } from '../api/api_error';
import type { Tunnel } from '../api/types';
import { useApi } from '../auth/auth_context';
import { Dialog } from '../shared/dialog';
import { DialogActions, DialogError } from '../shared/dialog_parts';
import { nameProblem } from './domain_rule';

/** Edits name, description and enabled; sends only what changed. */
export function EditTunnelDialog({ tunnel, onClose, onSaved }: { tunnel: Tunnel; onClose: () => void; onSaved: () => void }) {
  const api = useApi();
  const [name, setName] = useState(tunnel.name);
  const [description, setDescription] = useState(tunnel.description);
  const [enabled, setEnabled] = useState(tunnel.enabled);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const nameError = nameProblem(name);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (nameError) return;
    const update: { name?: string; description?: string; enabled?: boolean } = {};
    if (name !== tunnel.name) update.name = name;
    if (description !== tunnel.description) update.description = description;
    if (enabled !== tunnel.enabled) update.enabled = enabled;
    if (Object.keys(update).length === 0) {
      onClose();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.updateTunnel(tunnel.domain, update);
      onSaved();
      onClose();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <Dialog title={`Edit ${tunnel.domain}`} onClose={onClose} busy={busy}>
      <form onSubmit={submit} noValidate>
        <label htmlFor="edit-name">Name</label>
        <input id="edit-name" value={name} onChange={(e) => setName(e.target.value)} aria-invalid={nameError ? true : undefined} />
        {nameError && <p className="field-error">{nameError}</p>}
        <label htmlFor="edit-description">Description</label>
        <textarea id="edit-description" rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
        </label>
        {!enabled && tunnel.enabled && tunnel.connected && (
          <p className="notice warn">Disabling closes the connected client&apos;s session at once.</p>
        )}
        <DialogError message={error} />
        <DialogActions onCancel={onClose} busy={busy} label="Save" busyLabel="Saving…" disabled={!!nameError} />
      </form>
    </Dialog>
  );
}
