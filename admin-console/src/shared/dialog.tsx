// A modal dialog rendered into document.body. Escape and the backdrop close it
// (unless `busy`); focus moves into it on open and back to the opener on close.
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** While true, Escape and the backdrop do nothing (a request is running). */
  busy?: boolean;
  wide?: boolean;
}

export function Dialog({ title, onClose, children, busy = false, wide = false }: DialogProps) {
  const id = useId();
  const box = useRef<HTMLDivElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  const busyRef = useRef(busy);
  busyRef.current = busy;

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const first = box.current?.querySelector<HTMLElement>('input, select, textarea, button:not([data-close])');
    (first ?? box.current)?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !busyRef.current) closeRef.current();
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      opener?.focus?.();
    };
  }, []);

  return createPortal(
    <div
      className="backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget && !busy) onClose();
      }}
    >
      <div
        ref={box}
        className={wide ? 'dialog wide' : 'dialog'}
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${id}-title`}
        tabIndex={-1}
      >
        <header className="dialog-head">
          <h2 id={`${id}-title`}>{title}</h2>
          <button type="button" className="icon" data-close aria-label="Close" onClick={onClose} disabled={busy}>
            ×
          </button>
        </header>
        {children}
      </div>
    </div>,
    document.body,
  );
}
