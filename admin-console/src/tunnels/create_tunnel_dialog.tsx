// "New tunnel": validates like the server, asks for availability while typing,
// then shows the token once. `onCreated` runs as soon as the server said yes.
// A tcp tunnel may ask for its TCP / UDP ports; an empty port field is not sent.
import { useState, type FormEvent } from 'react';
import { refusalText } from '../api/api_error';
import type { CreatedTunnel, NewTunnel } from '../api/types';
import { useApi } from '../auth/auth_context';
import { Dialog } from '../shared/dialog';
import { DialogActions, DialogError, DoneDialog } from '../shared/dialog_parts';
import { useServerInfo } from '../shared/use_server_info';
import { TunnelAddresses } from './address_list';
import { domainProblem, NAME_MAX, nameProblem } from './domain_rule';
import { portForCreate } from './port_field';
import { TokenReveal } from './token_reveal';
import { TransportFields, transportProblem, type ShownPorts, type TransportValue } from './transport_fields';
import { useAvailability, type Availability } from './use_availability';

const AVAILABILITY_TEXT: Record<Availability, string> = {
  idle: '',
  checking: 'Checking…',
  available: 'Available',
  taken: 'Already taken',
  reserved: 'Reserved by the server',
  invalid: 'Not a valid domain',
  unknown: 'Could not check availability',
};

export function CreateTunnelDialog({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const api = useApi();
  const [domain, setDomain] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [transport, setTransport] = useState<TransportValue>({ mode: 'http', tcp: '', udp: '' });
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedTunnel | null>(null);
  const availability = useAvailability(domain);
  const { info } = useServerInfo();

  const domainError = domainProblem(domain);
  const nameError = nameProblem(name);
  const shownPorts: ShownPorts = { tcp: transport.mode === 'tcp', udp: transport.mode === 'tcp' };
  const portError = transportProblem(transport, shownPorts);
  const showDomainError = touched || domain.length > 0;
  const blockedByServer = availability === 'taken' || availability === 'reserved' || availability === 'invalid';

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (domainError || nameError || portError) return;
    setBusy(true);
    setServerError(null);
    try {
      const input: NewTunnel = { domain };
      if (name.trim()) input.name = name.trim();
      if (description) input.description = description;
      if (transport.mode === 'tcp') {
        input.mode = 'tcp';
        const tcp = portForCreate(transport.tcp);
        const udp = portForCreate(transport.udp);
        if (tcp !== undefined) input.tcp_port = tcp;
        if (udp !== undefined) input.udp_port = udp;
      }
      const result = await api.createTunnel(input);
      setCreated(result);
      onCreated();
    } catch (err) {
      setServerError(refusalText(err));
    } finally {
      setBusy(false);
    }
  }

  if (created) {
    return (
      <DoneDialog title={`Tunnel ${created.domain} created`} onClose={onClose}>
        <TokenReveal domain={created.domain} token={created.token} />
        <p className="label">Public address</p>
        <div data-testid="created-addresses">
          <TunnelAddresses tunnel={created} patterns={info} />
        </div>
      </DoneDialog>
    );
  }

  return (
    <Dialog title="New tunnel" onClose={onClose} busy={busy}>
      <form onSubmit={submit} noValidate>
        <label htmlFor="new-domain">Domain</label>
        <input
          id="new-domain"
          value={domain}
          onChange={(e) => {
            setDomain(e.target.value);
            setServerError(null);
          }}
          onBlur={() => setTouched(true)}
          autoComplete="off"
          spellCheck={false}
          placeholder="myapp"
          aria-invalid={showDomainError && (!!domainError || blockedByServer) ? true : undefined}
          aria-describedby="new-domain-help"
        />
        <p id="new-domain-help" className="help">
          {showDomainError && domainError ? (
            <span className="field-error">{domainError}</span>
          ) : (
            <span
              className={availability === 'available' ? 'ok' : blockedByServer ? 'field-error' : 'muted'}
              data-testid="availability"
            >
              {AVAILABILITY_TEXT[availability] || '1–63 letters, digits or "-".'}
            </span>
          )}
        </p>

        <label htmlFor="new-name">Name (optional)</label>
        <input
          id="new-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-invalid={nameError ? true : undefined}
          aria-describedby="new-name-help"
        />
        <p id="new-name-help" className="help">
          {nameError ? <span className="field-error">{nameError}</span> : <span className="muted">Up to {NAME_MAX} characters; defaults to the domain.</span>}
        </p>

        <label htmlFor="new-description">Description (optional)</label>
        <textarea id="new-description" rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />

        <TransportFields
          idPrefix="new"
          value={transport}
          onChange={(v) => {
            setTransport(v);
            setServerError(null);
          }}
          shown={shownPorts}
        />

        <DialogError message={serverError} />
        <DialogActions onCancel={onClose} busy={busy} label="Create tunnel" busyLabel="Creating…"
          disabled={(showDomainError && !!domainError) || !!nameError || !!portError} />
      </form>
    </Dialog>
  );
}
