// The tunely package: protocol codecs now; the TunnelClient lands next (issue 4).
export * from './errors.js';
export * as v1 from './protocol/v1.js';
export * as v2 from './protocol/v2.js';
export * from './protocol/limits.js';
export type { HeaderList } from './protocol/headers.js';
