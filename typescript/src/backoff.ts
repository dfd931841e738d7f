// Reconnect delays, as the C++ client computes them: base × 2^attempt, capped
// at 300 s, ±20 % jitter. `unit` is a uniform draw in [0, 1).
export interface BackoffPolicy {
  baseMs: number;
  factor: number;
  capMs: number;
  jitter: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 5000, factor: 2, capMs: 300_000, jitter: 0.2 };

export function backoffDelay(policy: BackoffPolicy, attempt: number, unit = Math.random()): number {
  const raw = policy.baseMs * policy.factor ** Math.min(Math.max(attempt, 0), 64);
  const capped = Math.min(raw, policy.capMs);
  const scale = 1 + policy.jitter * (2 * Math.min(Math.max(unit, 0), 1) - 1);
  return Math.max(0, Math.floor(capped * scale));
}
