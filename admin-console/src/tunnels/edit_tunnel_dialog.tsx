import { useState, type FormEvent } from 'react';
import { refusalText } from '../api/api_error';
import type { Tunnel, TunnelUpdate } from '../api/types';
import { useApi } from '../auth/auth_context';
import { Dialog } from '../shared/dialog';
import { DialogActions, DialogError } from '../shared/dialog_parts';
import { nameProblem } from './domain_rule';
import { portForUpdate, portText } from './port_field';
import { TransportFields, transportProblem, type ShownPorts, type TransportValue } from './transport_fields';
import { tunnelMode } from './tunnel_transport';

/**
 * A port field exists where the server reports that port (one without UDP tunnels sends no udp_port),
 * for a tcp tunnel or one that has the port (so that it can be released).
 */
function shownPorts(tunnel: Tunnel, mode: TransportValue['mode']): ShownPorts {
  const shown = (current: number | null | undefined) => current !== undefined && (mode === 'tcp' || current !== null);
  return { tcp: shown(tunnel.tcp_port), udp: shown(tunnel.udp_port) };
}

/** Edits name, description, enabled, mode and ports; sends only what changed. */
export function EditTunnelDialog({ tunnel, onClose, onSaved }: { tunnel: Tunnel; onClose: () => void; onSaved: () => void }) {
  const api = useApi();
  const [name, setName] = useState(tunnel.name);
  const [description, setDescription] = useState(tunnel.description);
  const [enabled, setEnabled] = useState(tunnel.enabled);
  const [transport, setTransport] = useState<TransportValue>({
    mode: tunnelMode(tunnel),
    tcp: portText(tunnel.tcp_port),
    udp: portText(tunnel.udp_port),
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const nameError = nameProblem(name);
  const shown = shownPorts(tunnel, transport.mode);
  const portError = transportProblem(transport, shown);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (nameError || portError) return;
    const update: TunnelUpdate = {};
    if (name !== tunnel.name) update.name = name;
    if (description !== tunnel.description) update.description = description;
    if (enabled !== tunnel.enabled) update.enabled = enabled;
    if (transport.mode !== tunnelMode(tunnel)) update.mode = transport.mode;
    const tcp = shown.tcp ? portForUpdate(transport.tcp, tunnel.tcp_port) : undefined;
    const udp = shown.udp ? portForUpdate(transport.udp, tunnel.udp_port) : undefined;
    if (tcp !== undefined) update.tcp_port = tcp;
    if (udp !== undefined) update.udp_port = udp;
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
      setError(refusalText(err));
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
        <TransportFields
          idPrefix="edit"
          value={transport}
          onChange={setTransport}
          shown={shown}
          portNote="Emptying a port closes its listener; connections already accepted go on."
        />
        <DialogError message={error} />
        <DialogActions onCancel={onClose} busy={busy} label="Save" busyLabel="Saving…" disabled={!!nameError || !!portError} />
      </form>
    </Dialog>
  );
}
