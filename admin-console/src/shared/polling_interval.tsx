import { createContext, useContext } from 'react';

/** Milliseconds between two polls of live data. Tests provide a shorter one. */
export const DEFAULT_POLL_INTERVAL_MS = 3000;

export const PollingIntervalContext = createContext<number>(DEFAULT_POLL_INTERVAL_MS);

export function usePollingInterval(): number {
  return useContext(PollingIntervalContext);
}
