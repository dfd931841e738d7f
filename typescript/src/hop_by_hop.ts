// The fields a proxy never forwards (RFC 9110 §7.6.1, plus Host, which the
// target's request gets from the target URL), lower-case.
export const hopByHop: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'proxy-authenticate', 'proxy-authorization', 'host',
]);

// The lengths of those names: a field of another length needs no lower-casing to be kept.
export const hopByHopLengths: ReadonlySet<number> = new Set([...hopByHop].map((n) => n.length));
