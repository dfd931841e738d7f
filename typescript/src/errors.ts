// Stable error codes, the same strings as the C++ `tunely::error` names
// (cpp/src/core/error.cpp). Never rename one.
export const errorCodes = [
  'malformed_frame',
  'frame_too_large',
  'unknown_message',
  'missing_field',
  'invalid_field',
  'body_not_utf8',
  'flow_control_violation',
  'invalid_domain',
  'invalid_path',
  'tunnel_not_found',
  'tunnel_not_connected',
  'tunnel_disconnected',
  'auth_failed',
  'auth_timeout',
  'connection_exists',
  'request_timeout',
  'stream_cancelled',
  'target_unavailable',
  'target_timeout',
  'target_error',
  'headers_too_large',
  'body_too_large',
  'store_unavailable',
  'store_conflict',
  'schema_too_new',
  'shutting_down',
  'upgrade_not_supported',
  'invalid_response',
  'too_many_streams',
  'too_many_connections',
  'tcp_not_supported',
  'idle_timeout',
  'tcp_mode',
  'udp_not_supported',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

// Decoders never throw: they return a value or one of these.
export type Decoded<T> = { ok: true; value: T } | { ok: false; error: ErrorCode };

export const ok = <T>(value: T): Decoded<T> => ({ ok: true, value });
export const fail = <T>(error: ErrorCode): Decoded<T> => ({ ok: false, error });

export class TunelyError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
  ) {
    super(message ?? code);
    this.name = 'TunelyError';
  }
}
