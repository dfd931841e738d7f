// The original SDK's (npm `tunely@0.2.1`) protocol exports, with the same
// names, shapes and behaviour: MessageType, the message interfaces and the
// helpers createAuthMessage, createPongMessage, createResponse, parseMessage.
// They build and read protocol 1.1 JSON messages (spec/PROTOCOL.md §1), as the
// original did; our client itself uses the strict codec in protocol/v1.ts.

export enum MessageType {
  AUTH = 'auth',
  AUTH_OK = 'auth_ok',
  AUTH_ERROR = 'auth_error',
  REQUEST = 'request',
  RESPONSE = 'response',
  STREAM_START = 'stream_start',
  STREAM_CHUNK = 'stream_chunk',
  STREAM_END = 'stream_end',
  PING = 'ping',
  PONG = 'pong',
}

export interface AuthMessage {
  type: MessageType.AUTH;
  token: string;
  client_version?: string;
  force?: boolean;
}

export interface AuthOkMessage {
  type: MessageType.AUTH_OK;
  domain: string;
  tunnel_id: string;
  server_version?: string;
}

export interface AuthErrorMessage {
  type: MessageType.AUTH_ERROR;
  error: string;
  code?: string;
}

// A request as the client's onRequest callback receives it, on arrival.
export interface TunnelRequest {
  type: MessageType.REQUEST;
  id: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | null;
  timeout?: number; // seconds
  timestamp?: string;
}

export interface TunnelResponse {
  type: MessageType.RESPONSE;
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: string | null;
  error?: string | null;
  duration_ms?: number;
  timestamp?: string;
}

export interface StreamStartMessage {
  type: MessageType.STREAM_START;
  id: string;
  status: number;
  headers: Record<string, string>;
  timestamp?: string;
}

export interface StreamChunkMessage {
  type: MessageType.STREAM_CHUNK;
  id: string;
  data: string;
  sequence?: number;
  timestamp?: string;
}

export interface StreamEndMessage {
  type: MessageType.STREAM_END;
  id: string;
  error?: string | null;
  duration_ms?: number;
  total_chunks?: number;
  timestamp?: string;
}

export interface PingMessage {
  type: MessageType.PING;
  timestamp?: string;
}

export interface PongMessage {
  type: MessageType.PONG;
  timestamp?: string;
}

export type Message =
  | AuthMessage | AuthOkMessage | AuthErrorMessage | TunnelRequest | TunnelResponse | StreamStartMessage
  | StreamChunkMessage | StreamEndMessage | PingMessage | PongMessage;

// client_version "0.1.0", as the original helper (our client reports its own version).
export function createAuthMessage(token: string, force = false): AuthMessage {
  return { type: MessageType.AUTH, token, client_version: '0.1.0', force };
}

export function createPongMessage(): PongMessage {
  return { type: MessageType.PONG, timestamp: new Date().toISOString() };
}

export function createResponse(
  requestId: string, status: number, body?: string | null, headers?: Record<string, string>, error?: string, durationMs?: number,
): TunnelResponse {
  return {
    type: MessageType.RESPONSE, id: requestId, status, headers: headers || {}, body, error, duration_ms: durationMs,
    timestamp: new Date().toISOString(),
  };
}

// JSON.parse, unchecked, as the original (throws SyntaxError on invalid JSON).
// For validation use v1.decode, which never throws.
export function parseMessage(data: string): Message {
  return JSON.parse(data) as Message;
}
