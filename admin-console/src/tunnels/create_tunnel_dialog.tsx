// "New tunnel": validates like the server, asks for availability while typing,
// then shows the token once. `onCreated` runs as soon as the server said yes.
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/api_error';
import type { CreatedTunnel } from '../api/types';
import { useApi } from '../auth/auth_context';
import { Dialog } from '../shared/dialog';
import { DialogActions, DialogError, DoneDialog } from '../shared/dialog_parts';
import { domainProblem, NAME_MAX, nameProblem } from './domain_rule';
import { TokenReveal } from './token_reveal';
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
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedTunnel | null>(null);
  const availability = useAvailability(domain);

  const domainError = domainProblem(domain);
  const nameError = nameProblem(name);
  const showDomainError = touched || domain.length > 0;
  const blockedByServer = availability === 'taken' || availability === 'reserved' || availability === 'invalid';

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (domainError || nameError) return;
    setBusy(true);
    setServerError(null);
    try {
      const input = { domain, ...(name.trim() ? { name: name.trim() } : {}), ...(description ? { description } : {}) };
      const result = await api.createTunnel(input);
      setCreated(result);
      onCreated();
    } catch (err) {
      setServerError(err instanceof ApiError ? err.detail : String(err));
    } finally {
      setBusy(false);
    }
  }

  if (created) {
    return (
      <DoneDialog title={`Tunnel ${created.domain} created`} onClose={onClose}>
        <TokenReveal domain={created.domain} token={created.token} />
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

        <DialogError message={serverError} />
        <DialogActions onCancel={onClose} busy={busy} label="Create tunnel" busyLabel="Creating…"
          disabled={(showDomainError && !!domainError) || !!nameError} />
      </form>
    </Dialog>
  );
}
