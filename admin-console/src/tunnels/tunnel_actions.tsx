// The Edit / Rotate / Delete dialogs of a tunnel, shared by the table and the detail page.
import { useState, type ReactNode } from 'react';
import type { Tunnel } from '../api/types';
import { DeleteTunnelDialog } from './delete_tunnel_dialog';
import { EditTunnelDialog } from './edit_tunnel_dialog';
import { RotateTokenDialog } from './rotate_token_dialog';

export type TunnelAction = 'edit' | 'rotate' | 'delete';

export function useTunnelActions(callbacks: { onChanged: () => void; onDeleted?: (domain: string) => void }): {
  open: (action: TunnelAction, tunnel: Tunnel) => void;
  dialog: ReactNode;
} {
  const [current, setCurrent] = useState<{ action: TunnelAction; tunnel: Tunnel } | null>(null);
  const close = () => setCurrent(null);
  let dialog: ReactNode = null;
  if (current?.action === 'edit') dialog = <EditTunnelDialog tunnel={current.tunnel} onClose={close} onSaved={callbacks.onChanged} />;
  if (current?.action === 'rotate')
    dialog = <RotateTokenDialog tunnel={current.tunnel} onClose={close} onRotated={callbacks.onChanged} />;
  if (current?.action === 'delete') {
    const domain = current.tunnel.domain;
    dialog = (
      <DeleteTunnelDialog
        tunnel={current.tunnel}
        onClose={close}
        onDeleted={() => {
          callbacks.onChanged();
          callbacks.onDeleted?.(domain);
        }}
      />
    );
  }
  return { open: (action, tunnel) => setCurrent({ action, tunnel }), dialog };
}

/** The three buttons; accessible names carry the domain ("Edit myapp"). */
export function TunnelActionButtons({ tunnel, open }: { tunnel: Tunnel; open: (a: TunnelAction, t: Tunnel) => void }) {
  return (
    <span className="row-actions">
      <button type="button" className="small" aria-label={`Edit ${tunnel.domain}`} onClick={() => open('edit', tunnel)}>
        Edit
      </button>
      <button type="button" className="small" aria-label={`Rotate token of ${tunnel.domain}`} onClick={() => open('rotate', tunnel)}>
        Rotate token
      </button>
      <button type="button" className="small danger" aria-label={`Delete ${tunnel.domain}`} onClick={() => open('delete', tunnel)}>
        Delete
      </button>
    </span>
  );
}
