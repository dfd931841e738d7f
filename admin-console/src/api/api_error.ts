/**
 * Every failure of an admin API call. `status` is the HTTP status, or 0 when the
 * server could not be reached; `detail` is the server's `{"detail": …}` text or a
 * sentence of ours when it sent none.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly detail: string;

  constructor(status: number, detail: string) {
    super(status ? `${status}: ${detail}` : detail);
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail;
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }
}

/** True for an abort caused by our own AbortController (not an error to show). */
export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}

/** A sentence for the user, whatever was thrown. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 503) return `The server's database is unavailable: ${e.detail}`;
    return e.detail;
  }
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * The server's own words for a refused change (create, edit): its detail as it said it, also for a 503,
 * which there may be about the change itself ("no free port left in the range …"), not the database.
 */
export function refusalText(e: unknown): string {
  return e instanceof ApiError ? e.detail : errorText(e);
}
