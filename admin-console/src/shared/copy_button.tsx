import { useEffect, useState } from 'react';
import { copyText } from './clipboard';

/**
 * A button that copies `text` and says whether it worked. `label` is its visible text and, without `name`,
 * its accessible name; `name` (which should start with the label) tells many such buttons apart, e.g.
 * "Copy https://server/t/myapp/".
 */
export function CopyButton({ text, label = 'Copy', name }: { text: string; label?: string; name?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 2500);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <span className="copy">
      <button type="button" className="small" aria-label={name} onClick={async () => setState((await copyText(text)) ? 'copied' : 'failed')}>
        {label}
      </button>
      <span role="status" className={state === 'failed' ? 'field-error' : 'muted small'}>
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select the text and copy it' : ''}
      </span>
    </span>
  );
}
