// The tunely package: TunnelClient (the original SDK's API, protocol 1.1 and 2),
// the original SDK's protocol helpers, the protocol codecs, backoff, and the
// CLI's terminal view. Built twice: ESM (dist/) and CommonJS (dist/cjs/).
export * from './errors.js';
export * as v1 from './protocol/v1.js';
export * as v2 from './protocol/v2.js';
export * from './protocol/limits.js';
export type { HeaderList } from './protocol/headers.js';
export * from './compat.js';
export {
  TunnelClient, runTunnelClient, clientVersion, type TunnelClientOptions, type TunnelClientConfig, type TunnelClientEvents,
  type RequestSummary,
} from './client.js';
export { parseHostPort, tcpTargetOf, maxTcpConnections, type HostPort } from './tcp.js';
export { backoffDelay, defaultBackoff, type BackoffPolicy } from './backoff.js';
export { TerminalView } from './terminal.js';
