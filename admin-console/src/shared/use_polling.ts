// Polls a loader while the page is visible.
//
// Contract:
// - loads at once on mount and whenever `key` changes (the previous request is aborted);
// - then again `interval` ms after the previous load *finished*: never two requests at once;
// - while `document.hidden` no request starts; becoming visible loads at once;
// - `refresh()` loads now (or right after the request in flight);
// - a failed load keeps the last data and sets `error`; the next success clears it;
// - aborts are not errors (they happen on unmount and key change).
import { useCallback, useEffect, useRef, useState } from 'react';
import { isAbort } from '../api/api_error';
import { usePollingInterval } from './polling_interval';

export interface Polled<T> {
  data: T | undefined;
  error: unknown;
  /** True until the first load for the current key has settled. */
  loading: boolean;
  refresh: () => void;
}

export function usePolling<T>(
  load: (signal: AbortSignal) => Promise<T>,
  key: string,
  options: { enabled?: boolean; intervalMs?: number } = {},
): Polled<T> {
  const contextInterval = usePollingInterval();
  const interval = options.intervalMs ?? contextInterval;
  const enabled = options.enabled ?? true;
  const [state, setState] = useState<{ key: string; data: T | undefined; error: unknown; loading: boolean }>({
    key,
    data: undefined,
    error: undefined,
    loading: true,
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  const refreshRef = useRef<() => void>(() => {});

  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let inFlight = false;
    let again = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let controller: AbortController | null = null;
    setState((s) => (s.key === key ? s : { key, data: s.data, error: undefined, loading: true }));

    const schedule = () => {
      clearTimeout(timer);
      if (stopped || document.hidden) return; // visibilitychange restarts us
      timer = setTimeout(tick, interval);
    };

    async function tick() {
      if (stopped) return;
      if (inFlight) {
        again = true;
        return;
      }
      if (document.hidden) return;
      clearTimeout(timer);
      inFlight = true;
      controller = new AbortController();
      try {
        const data = await loadRef.current(controller.signal);
        if (!stopped) setState({ key, data, error: undefined, loading: false });
      } catch (e) {
        if (!stopped && !isAbort(e)) setState((s) => ({ ...s, key, error: e, loading: false }));
      } finally {
        inFlight = false;
        controller = null;
        if (!stopped) {
          if (again) {
            again = false;
            void tick();
          } else {
            schedule();
          }
        }
      }
    }

    const onVisibility = () => {
      if (!document.hidden) void tick();
      else clearTimeout(timer);
    };
    document.addEventListener('visibilitychange', onVisibility);
    refreshRef.current = () => void tick();
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
      document.removeEventListener('visibilitychange', onVisibility);
      refreshRef.current = () => {};
    };
  }, [key, interval, enabled]);

  const refresh = useCallback(() => refreshRef.current(), []);
  return { data: state.data, error: state.error, loading: state.loading, refresh };
}
