// The parts every form dialog repeats: the server's error text and the
// Cancel / confirm row. `onConfirm` absent = the confirm button submits the form.
import type { ReactNode } from 'react';
import { Dialog } from './dialog';

export function DialogError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="notice error" role="alert">
      {message}
    </p>
  );
}

interface DialogActionsProps {
  onCancel: () => void;
  busy: boolean;
  label: string;
  busyLabel: string;
  tone?: 'primary' | 'danger';
  disabled?: boolean;
  onConfirm?: () => void;
}

export function DialogActions({ onCancel, busy, label, busyLabel, tone = 'primary', disabled = false, onConfirm }: DialogActionsProps) {
  return (
    <div className="actions">
      <button type="button" onClick={onCancel} disabled={busy}>
        Cancel
      </button>
      <button type={onConfirm ? 'button' : 'submit'} className={tone} onClick={onConfirm} disabled={busy || disabled}>
        {busy ? busyLabel : label}
      </button>
    </div>
  );
}

// The last step of create and rotate: a token shown once, then Done.
export function DoneDialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  return (
    <Dialog title={title} onClose={onClose} wide>
      {children}
      <div className="actions">
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}
