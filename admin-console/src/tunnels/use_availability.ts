import { useEffect, useState } from 'react';
import { isAbort } from '../api/api_error';
import { useApi } from '../auth/auth_context';
import { DOMAIN_PATTERN } from './domain_rule';

export type Availability = 'idle' | 'checking' | 'available' | 'taken' | 'reserved' | 'invalid' | 'unknown';

/** Asks the server whether `domain` is free, `delayMs` after the last change; only for well-formed names. */
export function useAvailability(domain: string, delayMs = 300): Availability {
  const api = useApi();
  const [result, setResult] = useState<{ domain: string; value: Availability }>({ domain: '', value: 'idle' });
  const wellFormed = DOMAIN_PATTERN.test(domain);

  useEffect(() => {
    if (!wellFormed) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.checkAvailability(domain, controller.signal).then(
        (a) => {
          const value: Availability = a.available ? 'available' : (a.reason || 'taken');
          setResult({ domain, value });
        },
        (e) => {
          if (!isAbort(e)) setResult({ domain, value: 'unknown' });
        },
      );
    }, delayMs);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, domain, wellFormed, delayMs]);

  if (!wellFormed) return 'idle';
  return result.domain === domain ? result.value : 'checking';
}
